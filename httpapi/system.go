package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
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
	settings, notString, err := decodeEnvSettings(body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if notString != "" {
		encode(w, http.StatusBadRequest, updateEnvResponse{NewValues: map[string]string{}, Error: notString + " must be a string"})
		return
	}
	res, err := s.app.UpdateEnv(r.Context(), settings)
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

// decodeEnvSettings reads an update-env body strictly: exactly one JSON
// object, nothing after it, every value a string. The settings keep body
// order. notString names the first key whose value is not a string; then
// nothing may be applied.
func decodeEnvSettings(body []byte) (settings []anythingllm.EnvSetting, notString string, err error) {
	invalid := anythingllm.Errorf(anythingllm.InvalidArgument, "the body must be a JSON object of settings")
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, "", invalid
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, "", invalid
		}
		key, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, "", invalid
		}
		var v string
		if raw[0] != '"' || json.Unmarshal(raw, &v) != nil {
			if notString == "" {
				notString = key
			}
			continue
		}
		settings = append(settings, anythingllm.EnvSetting{Key: key, Value: v})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, "", invalid
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, "", invalid // something after the object
	}
	return settings, notString, nil
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
		err = s.app.UpdatePreferences(r.Context(), preferenceValues(in))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ok(w)
}
