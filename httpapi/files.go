package httpapi

import (
	"errors"
	"io"
	"net/http"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// The Files API has no upstream shapes (the spec lists routes only), so
// these are ours: every answer is {"success","error",...}; paths are
// relative to their root, so nothing about the host's layout leaks.

type fileUploadForm struct {
	Folder string `json:"folder,omitempty" doc:"optional folder inside the root (also accepted as ?folder=)"`
}

type fileResponse struct {
	Success bool                  `json:"success"`
	Error   *string               `json:"error"`
	File    *anythingllm.FileInfo `json:"file"`
}

type filesResponse struct {
	Success bool                   `json:"success"`
	Error   *string                `json:"error"`
	Files   []anythingllm.FileInfo `json:"files"`
}

type fileMoveRequest struct {
	From string `json:"from" doc:"current path, relative to the root"`
	To   string `json:"to" doc:"new path; folders are created"`
	Root string `json:"root,omitempty" doc:"files (default), assets or pfp"`
}

type storageInfoResponse struct {
	Success bool                             `json:"success"`
	Error   *string                          `json:"error"`
	Roots   map[string]anythingllm.RootUsage `json:"roots"`
}

var rootParam = param{name: "root", desc: "files (default), assets, pfp, vector-cache, direct-uploads or documents; only files, assets and pfp can be changed"}

// fileFailed answers {"success":false,"error":msg,"file":null} with the
// error's status; a body over the upload limit is 413.
func (s *server) fileFailed(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = anythingllm.Errorf(anythingllm.TooLarge, "upload exceeds %d bytes", mbe.Limit)
	}
	status, msg := errorStatus(err)
	if status >= 500 && status != http.StatusServiceUnavailable {
		s.writeError(w, r, err)
		return
	}
	encode(w, status, fileResponse{Error: &msg})
}

// fileUpload returns a handler storing the multipart "file" part in a root.
// The file is streamed to storage, never held in memory: when the "folder"
// field comes after the file (forms may send fields in any order), the
// data is staged under a hidden name and moved once the folder is known.
func (s *server) fileUpload(root string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		mr, err := r.MultipartReader()
		if err != nil {
			s.fileFailed(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "the body must be multipart/form-data with a \"file\" part"))
			return
		}
		folder, folderKnown := r.URL.Query().Get("folder"), r.URL.Query().Has("folder")
		var info *anythingllm.FileInfo
		var staged *anythingllm.StagedFile
		defer func() {
			if staged != nil { // not committed: an error came after it
				s.app.DiscardFile(ctx, staged)
			}
		}()
		have := false
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				s.fileFailed(w, r, partError(err))
				return
			}
			switch part.FormName() {
			case "file":
				if have {
					s.fileFailed(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "send exactly one \"file\" part"))
					return
				}
				have = true
				if err := checkFormText("the file name", part.FileName(), false); err != nil {
					s.fileFailed(w, r, err)
					return
				}
				if err := checkFormText("folder", folder, false); err != nil {
					s.fileFailed(w, r, err)
					return
				}
				if folderKnown {
					info, err = s.app.SaveFile(ctx, root, folder, part.FileName(), part)
				} else {
					staged, err = s.app.StageFile(ctx, root, part.FileName(), part)
				}
				if err != nil {
					s.fileFailed(w, r, err)
					return
				}
			case "folder":
				if folderKnown {
					continue // the query parameter, or a first field, wins
				}
				b, err := io.ReadAll(io.LimitReader(part, 1024))
				if err != nil {
					s.fileFailed(w, r, partError(err))
					return
				}
				if err := checkFormText("folder", string(b), false); err != nil {
					s.fileFailed(w, r, err)
					return
				}
				folder, folderKnown = string(b), true
			}
		}
		if !have {
			s.fileFailed(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "no \"file\" part in the upload"))
			return
		}
		if staged != nil {
			st := staged
			staged = nil // CommitFile discards it itself on failure
			if info, err = s.app.CommitFile(ctx, st, folder); err != nil {
				s.fileFailed(w, r, err)
				return
			}
		}
		encode(w, http.StatusOK, fileResponse{Success: true, File: info})
	}
}

func (s *server) handleFiles(w http.ResponseWriter, r *http.Request) {
	files, err := s.app.ListFiles(r.Context(), r.URL.Query().Get("root"))
	if err != nil {
		s.fileFailed(w, r, err)
		return
	}
	encode(w, http.StatusOK, filesResponse{Success: true, Files: files})
}

func (s *server) handleFileDetails(w http.ResponseWriter, r *http.Request) {
	info, err := s.app.FileDetails(r.Context(), r.URL.Query().Get("root"), r.PathValue("filename"))
	if err != nil {
		s.fileFailed(w, r, err)
		return
	}
	encode(w, http.StatusOK, fileResponse{Success: true, File: info})
}

func (s *server) handleFileDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.app.DeleteFile(r.Context(), r.URL.Query().Get("root"), r.PathValue("filename")); err != nil {
		s.fileFailed(w, r, err)
		return
	}
	encode(w, http.StatusOK, successErrorResponse{Success: true})
}

func (s *server) handleFileMove(w http.ResponseWriter, r *http.Request) {
	in, err := decodeExact[fileMoveRequest](r)
	var info *anythingllm.FileInfo
	if err == nil {
		info, err = s.app.MoveFile(r.Context(), in.Root, in.From, in.To)
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
	encode(w, http.StatusOK, storageInfoResponse{Success: true, Roots: roots})
}
