package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type systemResponse struct {
	Settings map[string]any `json:"settings"`
}

type exportErrorResponse struct {
	Message string `json:"message"`
}

func (s *server) handleSystem(w http.ResponseWriter, r *http.Request) {
	settings, err := s.app.SystemSettings(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, systemResponse{Settings: settings})
}

// handleExportChats sends the export as a download with its content type.
func (s *server) handleExportChats(w http.ResponseWriter, r *http.Request) {
	exp, err := s.app.ExportChats(r.Context(), r.URL.Query().Get("type"))
	if err != nil {
		if anythingllm.Code(err) == anythingllm.InvalidArgument {
			encode(w, http.StatusBadRequest, exportErrorResponse{Message: anythingllm.ErrorMessage(err)})
			return
		}
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", exp.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(exp.FileName))
	_, _ = w.Write(exp.Body)
}

type updateEnvResponse struct {
	NewValues map[string]string `json:"newValues"`
	Error     any               `json:"error" doc:"false, or the validation messages"`
}

// handleUpdateEnv reads the body itself: keys are applied in body order.
func (s *server) handleUpdateEnv(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, bodyError(err))
		return
	}
	res, err := s.app.UpdateEnv(r.Context(), body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if res.Error != "" {
		encode(w, http.StatusBadRequest, updateEnvResponse{NewValues: res.NewValues, Error: res.Error})
		return
	}
	encode(w, http.StatusOK, updateEnvResponse{NewValues: res.NewValues, Error: false})
}

func (s *server) handleEnvDump(w http.ResponseWriter, r *http.Request) {
	if err := s.app.DumpEnv(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("OK"))
}

type preferencesRequest struct {
	SupportEmail        string `json:"support_email,omitempty"`
	CustomAppName       string `json:"custom_app_name,omitempty"`
	DefaultSystemPrompt string `json:"default_system_prompt,omitempty"`
	ChunkSize           string `json:"text_splitter_chunk_size,omitempty"`
	ChunkOverlap        string `json:"text_splitter_chunk_overlap,omitempty"`
}

func (s *server) handlePreferences(w http.ResponseWriter, r *http.Request) {
	in, err := decode[map[string]json.RawMessage](r)
	if err == nil {
		err = s.app.UpdatePreferences(r.Context(), in)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ok(w)
}
