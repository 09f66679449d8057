package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type uploadForm struct {
	AddToWorkspaces string `json:"addToWorkspaces,omitempty" doc:"comma-separated workspace slugs to embed the document into"`
	Metadata        string `json:"metadata,omitempty" doc:"JSON object: title, docAuthor, description, docSource, chunkSource, published"`
}

type uploadResponse struct {
	Success   bool                         `json:"success"`
	Error     *string                      `json:"error"`
	Documents []anythingllm.StoredDocument `json:"documents"`
}

type rawTextRequest struct {
	TextContent     string           `json:"textContent"`
	Metadata        documentMetadata `json:"metadata"`
	AddToWorkspaces string           `json:"addToWorkspaces,omitempty"`
}

type documentsResponse struct {
	LocalFiles *anythingllm.DocumentTree `json:"localFiles"`
}

type documentResponse struct {
	Document *anythingllm.DocumentFile `json:"document"`
}

type fileTypesResponse struct {
	Types map[string][]string `json:"types"`
}

type metadataSchemaResponse struct {
	Schema map[string]string `json:"schema"`
}

type folderRequest struct {
	Name string `json:"name"`
}

type successMessageResponse struct {
	Success bool    `json:"success"`
	Message *string `json:"message"`
}

type updateEmbeddingsRequest struct {
	Adds    []string `json:"adds,omitempty"`
	Deletes []string `json:"deletes,omitempty"`
}

type updateEmbeddingsResponse struct {
	Workspace *anythingllm.WorkspaceDetail `json:"workspace"`
	NotFound  []string                     `json:"notFound" doc:"docpaths that named no document (upstream skips them silently)"`
}

type updatePinRequest struct {
	DocPath   string `json:"docPath"`
	PinStatus bool   `json:"pinStatus"`
}

type messageResponse struct {
	Message string `json:"message"`
}

type vectorSearchRequest struct {
	Query          string   `json:"query"`
	TopN           *float64 `json:"topN,omitempty"`
	ScoreThreshold *float64 `json:"scoreThreshold,omitempty"`
}

type vectorSearchResponse struct {
	Results []anythingllm.SearchResult `json:"results"`
	Message string                     `json:"message,omitempty"`
}

type vectorCountResponse struct {
	VectorCount int `json:"vectorCount"`
}

type removeDocumentsRequest struct {
	Names []string `json:"names"`
}

type removeDocumentsResponse struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

// uploadFailed answers upstream's upload error shape with our status.
func (s *server) uploadFailed(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := errorStatus(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "upload failed", "err", err)
	}
	encode(w, status, uploadResponse{Error: &msg, Documents: []anythingllm.StoredDocument{}})
}

func splitSlugs(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (s *server) handleUpload(w http.ResponseWriter, r *http.Request) {
	mr, err := r.MultipartReader()
	if err != nil {
		s.uploadFailed(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "the body must be multipart/form-data with a \"file\" part"))
		return
	}
	req := &anythingllm.UploadRequest{Folder: r.PathValue("folderName")}
	// Form fields may come before or after the file, so the file is read
	// (within the upload limit) and parsed once every part has arrived.
	var file []byte
	haveFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.uploadFailed(w, r, partError(err))
			return
		}
		switch part.FormName() {
		case "file":
			if haveFile {
				s.uploadFailed(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "send exactly one \"file\" part"))
				return
			}
			haveFile = true
			req.FileName = part.FileName()
			if err := checkFormText("the file name", req.FileName, false); err != nil {
				s.uploadFailed(w, r, err)
				return
			}
			if file, err = io.ReadAll(io.LimitReader(part, anythingllm.MaxParsedFileBytes+1)); err != nil {
				s.uploadFailed(w, r, partError(err))
				return
			}
		case "addToWorkspaces":
			b, err := io.ReadAll(io.LimitReader(part, 64<<10))
			if err == nil {
				err = checkFormText("addToWorkspaces", string(b), false)
			}
			if err != nil {
				s.uploadFailed(w, r, partError(err))
				return
			}
			req.AddToWorkspaces = splitSlugs(string(b))
		case "metadata":
			b, err := io.ReadAll(io.LimitReader(part, 64<<10))
			if err != nil {
				s.uploadFailed(w, r, partError(err))
				return
			}
			var meta documentMetadata
			if err := json.Unmarshal(b, &meta); err != nil {
				var asString string
				if json.Unmarshal(b, &asString) != nil || json.Unmarshal([]byte(asString), &meta) != nil {
					s.uploadFailed(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "metadata must be a JSON object"))
					return
				}
			}
			if err := checkFormStrings("metadata", &meta); err != nil {
				s.uploadFailed(w, r, err)
				return
			}
			req.Metadata = meta.core()
		}
	}
	if !haveFile {
		s.uploadFailed(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "no \"file\" part in the upload"))
		return
	}
	req.Body = bytes.NewReader(file)
	docs, err := s.app.UploadDocument(r.Context(), req)
	if err != nil {
		s.uploadFailed(w, r, err)
		return
	}
	encode(w, http.StatusOK, uploadResponse{Success: true, Documents: docs})
}

// bodyError turns a body read error into 413 when it is the size limit.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return anythingllm.Errorf(anythingllm.TooLarge, "upload exceeds %d bytes", mbe.Limit)
	}
	return err
}

// partError is bodyError for the next part of a multipart body: besides
// the size and time limits, a malformed part (a header with a control
// character, a broken boundary) is the client's error, a 400.
func partError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, errBodyTimeout) {
		return bodyError(err)
	}
	if anythingllm.Code(err) != anythingllm.Unknown {
		return err // already ours, e.g. a field refused
	}
	return anythingllm.WrapError(anythingllm.InvalidArgument, err, "malformed multipart body")
}

func (s *server) handleRawText(w http.ResponseWriter, r *http.Request) {
	in, err := decode[rawTextRequest](r)
	if err != nil {
		s.uploadFailed(w, r, err)
		return
	}
	docs, err := s.app.CreateRawText(r.Context(), &anythingllm.RawTextRequest{
		TextContent: in.TextContent, Metadata: in.Metadata.core(), AddToWorkspaces: splitSlugs(in.AddToWorkspaces)})
	if err != nil {
		if anythingllm.Code(err) == anythingllm.InvalidArgument {
			msg := anythingllm.ErrorMessage(err)
			encode(w, http.StatusUnprocessableEntity, uploadResponse{Error: &msg, Documents: []anythingllm.StoredDocument{}})
			return
		}
		s.uploadFailed(w, r, err)
		return
	}
	encode(w, http.StatusOK, uploadResponse{Success: true, Documents: docs})
}

func (s *server) handleDocuments(w http.ResponseWriter, r *http.Request) {
	tree, err := s.app.ListDocuments(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, documentsResponse{LocalFiles: tree})
}

func (s *server) handleDocument(w http.ResponseWriter, r *http.Request) {
	f, err := s.app.GetDocumentByName(r.Context(), r.PathValue("docName"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, documentResponse{Document: f})
}

func (s *server) handleAcceptedFileTypes(w http.ResponseWriter, r *http.Request) {
	encode(w, http.StatusOK, fileTypesResponse{Types: s.app.AcceptedFileTypes()})
}

func (s *server) handleMetadataSchema(w http.ResponseWriter, r *http.Request) {
	encode(w, http.StatusOK, metadataSchemaResponse{Schema: map[string]string{
		"url": "string | nullable", "title": "string", "docAuthor": "string | nullable", "description": "string | nullable",
		"docSource": "string | nullable", "chunkSource": "string | nullable", "published": "epoch timestamp in ms | nullable",
	}})
}

func (s *server) handleCreateFolder(w http.ResponseWriter, r *http.Request) {
	in, err := decode[folderRequest](r)
	if err == nil {
		err = s.app.CreateFolder(r.Context(), in.Name)
	}
	if err != nil {
		status, msg := errorStatus(err)
		encode(w, status, successMessageResponse{Message: &msg})
		return
	}
	encode(w, http.StatusOK, successMessageResponse{Success: true})
}

func (s *server) handleUpdateEmbeddings(w http.ResponseWriter, r *http.Request) {
	in, err := decode[updateEmbeddingsRequest](r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.app.UpdateEmbeddings(r.Context(), r.PathValue("slug"), in.Adds, in.Deletes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	nf := res.NotFound
	if nf == nil {
		nf = []string{}
	}
	encode(w, http.StatusOK, updateEmbeddingsResponse{Workspace: res.Workspace, NotFound: nf})
}

func (s *server) handleUpdatePin(w http.ResponseWriter, r *http.Request) {
	in, err := decode[updatePinRequest](r)
	if err == nil {
		err = s.app.UpdatePin(r.Context(), r.PathValue("slug"), in.DocPath, in.PinStatus)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, messageResponse{Message: "Pin status updated successfully"})
}

func (s *server) handleVectorSearch(w http.ResponseWriter, r *http.Request) {
	in, err := decode[vectorSearchRequest](r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.app.VectorSearch(r.Context(), r.PathValue("slug"), &anythingllm.VectorSearchRequest{Query: in.Query, TopN: in.TopN, ScoreThreshold: in.ScoreThreshold})
	if err != nil {
		status, msg := errorStatus(err)
		if status >= 500 {
			s.writeError(w, r, err)
			return
		}
		encode(w, status, messageResponse{Message: msg})
		return
	}
	out := vectorSearchResponse{Results: res}
	if len(res) == 0 {
		out.Message = "No embeddings found for this workspace."
	}
	encode(w, http.StatusOK, out)
}

func (s *server) handleVectorCount(w http.ResponseWriter, r *http.Request) {
	n, err := s.app.VectorCount(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, vectorCountResponse{VectorCount: n})
}

func (s *server) handleRemoveDocuments(w http.ResponseWriter, r *http.Request) {
	in, err := decode[removeDocumentsRequest](r)
	if err == nil && in.Names == nil {
		err = anythingllm.Errorf(anythingllm.InvalidArgument, "names must be an array of document paths")
	}
	if err == nil {
		err = s.app.RemoveDocuments(r.Context(), in.Names)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, removeDocumentsResponse{Success: true, Message: "Documents removed successfully"})
}

type uploadLinkRequest struct {
	Link            string           `json:"link"`
	AddToWorkspaces string           `json:"addToWorkspaces,omitempty"`
	Metadata        documentMetadata `json:"metadata,omitempty"`
}

func (s *server) handleUploadLink(w http.ResponseWriter, r *http.Request) {
	in, err := decode[uploadLinkRequest](r)
	var docs []anythingllm.StoredDocument
	if err == nil {
		docs, err = s.app.UploadLink(r.Context(), &anythingllm.UploadLinkRequest{Link: in.Link, Metadata: in.Metadata.core(), AddToWorkspaces: splitSlugs(in.AddToWorkspaces)})
	}
	if err != nil {
		s.uploadFailed(w, r, err)
		return
	}
	encode(w, http.StatusOK, uploadResponse{Success: true, Documents: docs})
}

type moveFilesRequest struct {
	Files []anythingllm.FileMove `json:"files"`
}

func (s *server) handleRemoveFolder(w http.ResponseWriter, r *http.Request) {
	in, err := decode[folderRequest](r)
	if err == nil {
		err = s.app.RemoveFolder(r.Context(), in.Name)
	}
	if err != nil {
		status, msg := errorStatus(err)
		if status >= 500 {
			s.writeError(w, r, err)
			return
		}
		encode(w, status, successMessageResponse{Message: &msg})
		return
	}
	msg := "Folder removed successfully"
	encode(w, http.StatusOK, successMessageResponse{Success: true, Message: &msg})
}

func (s *server) handleMoveFiles(w http.ResponseWriter, r *http.Request) {
	in, err := decode[moveFilesRequest](r)
	skipped := 0
	if err == nil {
		skipped, err = s.app.MoveFiles(r.Context(), in.Files)
	}
	if err != nil {
		status, msg := errorStatus(err)
		if status >= 500 {
			s.writeError(w, r, err)
			return
		}
		encode(w, status, successMessageResponse{Message: &msg})
		return
	}
	out := successMessageResponse{Success: true}
	if skipped > 0 {
		msg := fmt.Sprintf("%d/%d files not moved. Unembed them from all workspaces.", skipped, len(in.Files))
		out.Message = &msg
	}
	encode(w, http.StatusOK, out)
}

func (s *server) handleFolder(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, err := strconv.Atoi(q.Get("limit"))
	if q.Get("limit") == "" || q.Get("limit") == "all" {
		limit = 0
	} else if err != nil {
		limit = 100
	}
	page, err := s.app.ListFolder(r.Context(), r.PathValue("folderName"), offset, limit)
	if err != nil {
		status, msg := errorStatus(err)
		if status >= 500 {
			s.writeError(w, r, err)
			return
		}
		encode(w, status, anythingllm.FolderPage{Folder: r.PathValue("folderName"), Documents: []anythingllm.DocumentFile{}, Error: &msg})
		return
	}
	encode(w, http.StatusOK, page)
}
