package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type fileUploadForm struct {
	Folder string `json:"folder,omitempty" doc:"optional folder inside the root"`
}

type fileResponse struct {
	Success bool                  `json:"success"`
	Error   *string               `json:"error"`
	File    *anythingllm.FileInfo `json:"file"`
}

type filesResponse struct {
	Files []anythingllm.FileInfo `json:"files"`
}

type fileMoveRequest struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type storageInfoResponse struct {
	Roots map[string]anythingllm.RootUsage `json:"roots"`
}

func (s *server) fileFailed(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := errorStatus(err)
	if status >= 500 && status != http.StatusServiceUnavailable {
		s.writeError(w, r, err)
		return
	}
	encode(w, status, fileResponse{Error: &msg})
}

// fileUpload returns a handler storing a multipart "file" in a root.
func (s *server) fileUpload(root string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			s.fileFailed(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "the body must be multipart/form-data with a \"file\" part"))
			return
		}
		var name, folder string
		var data []byte
		have := false
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				s.fileFailed(w, r, bodyError(err))
				return
			}
			switch part.FormName() {
			case "file":
				have, name = true, part.FileName()
				if data, err = io.ReadAll(part); err != nil {
					s.fileFailed(w, r, bodyError(err))
					return
				}
			case "folder":
				b, _ := io.ReadAll(io.LimitReader(part, 1024))
				folder = string(b)
			}
		}
		if !have {
			s.fileFailed(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "no \"file\" part in the upload"))
			return
		}
		info, err := s.app.SaveFile(r.Context(), root, folder, name, bytes.NewReader(data))
		if err != nil {
			s.fileFailed(w, r, err)
			return
		}
		encode(w, http.StatusOK, fileResponse{Success: true, File: info})
	}
}

func (s *server) handleFiles(w http.ResponseWriter, r *http.Request) {
	files, err := s.app.ListFiles(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, filesResponse{Files: files})
}

func (s *server) handleFileDetails(w http.ResponseWriter, r *http.Request) {
	info, err := s.app.FileDetails(r.Context(), r.PathValue("filename"))
	if err != nil {
		s.fileFailed(w, r, err)
		return
	}
	encode(w, http.StatusOK, fileResponse{Success: true, File: info})
}

func (s *server) handleFileDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.app.DeleteFile(r.Context(), r.PathValue("filename")); err != nil {
		s.fileFailed(w, r, err)
		return
	}
	encode(w, http.StatusOK, fileResponse{Success: true})
}

func (s *server) handleFileMove(w http.ResponseWriter, r *http.Request) {
	in, err := decode[fileMoveRequest](r)
	var info *anythingllm.FileInfo
	if err == nil {
		info, err = s.app.MoveFile(r.Context(), in.From, in.To)
	}
	if err != nil {
		s.fileFailed(w, r, err)
		return
	}
	encode(w, http.StatusOK, fileResponse{Success: true, File: info})
}

func (s *server) handleStorageInfo(w http.ResponseWriter, r *http.Request) {
	roots, err := s.app.StorageInfo(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, storageInfoResponse{Roots: roots})
}
