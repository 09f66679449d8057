package httpapi

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/google/uuid"
)

type chatRequest struct {
	Message     string                       `json:"message"`
	Mode        string                       `json:"mode,omitempty" doc:"automatic, chat or query; default: the workspace's"`
	SessionID   flexString                   `json:"sessionId,omitempty" doc:"partitions history by an external id (workspace routes)"`
	Attachments []anythingllm.ChatAttachment `json:"attachments,omitempty"`
	Reset       bool                         `json:"reset,omitempty"`
	UserID      *int64                       `json:"userId,omitempty" doc:"thread routes"`
}

type historyResponse struct {
	History []anythingllm.HistoryMessage `json:"history"`
}

func (in *chatRequest) input(threadSlug string) *anythingllm.ChatInput {
	return &anythingllm.ChatInput{Message: in.Message, Mode: in.Mode, SessionID: string(in.SessionID),
		Attachments: in.Attachments, Reset: in.Reset, ThreadSlug: threadSlug, UserID: in.UserID}
}

// chatResponse is upstream's chat answer and stream event object.
type chatResponse struct {
	ID           string               `json:"id,omitempty"`
	UUID         string               `json:"uuid,omitempty"`
	Type         string               `json:"type"`
	TextResponse *string              `json:"textResponse"`
	Sources      any                  `json:"sources"`
	Close        bool                 `json:"close"`
	Error        any                  `json:"error" doc:"null on an answer, false on stream events, the message on an abort"`
	ChatID       int64                `json:"chatId,omitempty"`
	Metrics      *anythingllm.Metrics `json:"metrics,omitempty"`
}

// chatResult documents chatResponse in the OpenAPI document (as the
// schema "ChatResult"): chatResponse holds its sources as
// anythingllm.EncodableSources returns them.
type chatResult struct {
	ID           string               `json:"id,omitempty" doc:"the answer's id (answers, and answers made without an LLM call)"`
	UUID         string               `json:"uuid,omitempty" doc:"the stream's id (stream events)"`
	Type         string               `json:"type" doc:"textResponse, textResponseChunk, finalizeResponseStream or abort"`
	TextResponse *string              `json:"textResponse"`
	Sources      []anythingllm.Source `json:"sources"`
	Close        bool                 `json:"close"`
	Error        any                  `json:"error" doc:"null on an answer, false on stream events, the message on an abort"`
	ChatID       int64                `json:"chatId,omitempty"`
	Metrics      *anythingllm.Metrics `json:"metrics,omitempty"`
}

// chatWire builds the wire object of a result, as upstream writes it: the
// error is the message of an abort, false in a stream's own events and
// null otherwise; a stream's own events name their id "uuid".
func chatWire(res *anythingllm.ChatResult, stream bool) *chatResponse {
	sources := res.Sources
	if sources == nil {
		sources = []anythingllm.Source{}
	}
	out := &chatResponse{Type: res.Type, TextResponse: res.TextResponse, Sources: anythingllm.EncodableSources(sources), Close: res.Close,
		ChatID: res.ChatID, Metrics: res.Metrics}
	streamed := stream && res.Type != anythingllm.ResultText
	switch {
	case res.Error != nil:
		out.Error = anythingllm.ErrorMessage(res.Error)
	case streamed:
		out.Error = false
	}
	if streamed {
		out.UUID = res.ID
	} else {
		out.ID = res.ID
	}
	return out
}

// chatFailed answers a request error with the abort object.
func (s *server) chatFailed(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := errorStatus(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "chat failed", "err", err)
	}
	encode(w, status, &chatResponse{ID: uuid.NewString(), Type: anythingllm.ResultAbort, Sources: []anythingllm.Source{}, Close: true, Error: msg})
}

func (s *server) handleChat(w http.ResponseWriter, r *http.Request) {
	in, err := decode[chatRequest](r)
	if err != nil {
		s.chatFailed(w, r, err)
		return
	}
	res, err := s.app.Chat(r.Context(), r.PathValue("slug"), in.input(r.PathValue("threadSlug")))
	if err != nil {
		s.chatFailed(w, r, err)
		return
	}
	encode(w, http.StatusOK, chatWire(res, false))
}

// handleStreamChat streams upstream's events: "data: <json>\n\n" each,
// flushed at once, no [DONE]. A client that goes away cancels the LLM call.
func (s *server) handleStreamChat(w http.ResponseWriter, r *http.Request) {
	in, err := decode[chatRequest](r)
	if err != nil {
		s.chatFailed(w, r, err)
		return
	}
	release, err := s.streamSlot(w, r)
	if err != nil {
		s.chatFailed(w, r, err)
		return
	}
	defer release()
	rc := http.NewResponseController(w)
	started := false
	emit := func(ev *anythingllm.ChatResult) error {
		if !started {
			h := w.Header()
			h.Set("Content-Type", "text/event-stream")
			h.Set("Cache-Control", "no-cache")
			h.Set("Connection", "keep-alive")
			h.Set("Access-Control-Allow-Origin", "*")
			w.WriteHeader(http.StatusOK)
			started = true
		}
		b, err := marshalWire(chatWire(ev, true))
		if err != nil {
			return err
		}
		s.streamWriteDeadline(rc)
		if _, err := w.Write(slices.Concat([]byte("data: "), b, []byte("\n\n"))); err != nil {
			return err
		}
		if err := rc.Flush(); err != nil {
			return err
		}
		return r.Context().Err()
	}
	err = s.app.StreamChat(r.Context(), r.PathValue("slug"), in.input(r.PathValue("threadSlug")), emit)
	if err != nil && !started {
		s.chatFailed(w, r, err)
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "stream chat failed", "err", err)
	}
}

func (s *server) handleWorkspaceChats(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := &anythingllm.WorkspaceChatsRequest{SessionID: q.Get("apiSessionId"), Newest: q.Get("orderBy") == "desc"}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.writeError(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "limit must be a number"))
			return
		}
		req.Limit = max(1, n)
	}
	h, err := s.app.WorkspaceChats(r.Context(), r.PathValue("slug"), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, historyResponse{History: h})
}
