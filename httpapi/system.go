package httpapi

import (
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
