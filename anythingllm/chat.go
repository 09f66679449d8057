package anythingllm

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Chat modes.
const (
	ModeAutomatic = "automatic"
	ModeChat      = "chat"
	ModeQuery     = "query"
)

// DefaultRefusal is the query-mode answer when nothing relevant is found.
const DefaultRefusal = "There is no relevant information in this workspace to answer your query."

// AgentsUnsupported answers @agent messages: agents are not built yet, and
// such a message must not reach the LLM as if it were a question.
const AgentsUnsupported = "Agents (@agent) are not supported by this server yet. Send your message without @agent to chat with the workspace."

// MaxAttachmentBytes bounds one decoded attachment.
const MaxAttachmentBytes = 20 << 20

// ChatAttachment is an attachment as clients send it.
type ChatAttachment struct {
	Name          string `json:"name"`
	Mime          string `json:"mime"`
	ContentString string `json:"contentString"`
}

// ChatInput is one chat turn sent to a workspace or thread.
type ChatInput struct {
	Message     string
	Mode        string // "" = the workspace's chatMode
	SessionID   string // workspace routes: partitions history by an external id
	Attachments []ChatAttachment
	Reset       bool
	ThreadSlug  string // "" = the workspace's default conversation
	UserID      *int64 // thread routes
}

// Kinds of ChatResult.
const (
	ResultText     = "textResponse"           // a whole answer
	ResultChunk    = "textResponseChunk"      // a piece of a streamed answer
	ResultFinalize = "finalizeResponseStream" // the end of a streamed answer
	ResultAbort    = "abort"                  // a failed turn; Error says why
)

// ChatResult is a chat answer, or one event of a streamed answer.
type ChatResult struct {
	ID           string // the answer's id; every event of a stream has the same
	Type         string // one of the Result* kinds
	TextResponse *string
	Sources      []Source
	Close        bool     // the answer is complete
	Error        error    // why the turn failed, on an abort
	ChatID       int64    // the saved chat, on a complete answer
	Metrics      *Metrics // the LLM call's; zero for an answer made without one
}

// abort is a failed turn's result.
func abort(id string, err error) *ChatResult {
	return &ChatResult{ID: id, Type: ResultAbort, Sources: []Source{}, Close: true, Error: err}
}

// direct is an answer made without an LLM call.
func direct(text string) *ChatResult {
	return &ChatResult{ID: uuid.NewString(), Type: ResultText, TextResponse: &text, Sources: []Source{}, Close: true, Metrics: &Metrics{}}
}

// chatTurn is a prepared turn: everything up to the LLM call.
type chatTurn struct {
	w        *Workspace
	thread   *Thread
	in       *ChatInput
	mode     string
	model    ChatModel
	provider string
	req      *ChatRequest
	sources  []Source
	images   []Image
	attach   []any
	early    *ChatResult // answer without calling the LLM
}

// prepare runs the pipeline up to the completion. A returned error is a
// request error (unknown workspace, bad mode, bad attachment).
func (a *App) prepare(ctx context.Context, slug string, in *ChatInput) (*chatTurn, error) {
	w, err := a.deps.Store.Workspaces().GetBySlug(ctx, slug)
	if err != nil {
		if Code(err) == NotFound {
			if in.ThreadSlug != "" {
				return nil, Errorf(NotFound, "Workspace %s not found.", slug)
			}
			return nil, Errorf(InvalidArgument, "Workspace %s is not a valid workspace.", slug)
		}
		return nil, err
	}
	t := &chatTurn{w: w, in: in}
	if in.ThreadSlug != "" {
		if t.thread, err = a.deps.Store.Threads().GetBySlug(ctx, w.ID, in.ThreadSlug); err != nil {
			if Code(err) == NotFound {
				return nil, Errorf(NotFound, "Thread %s not found.", in.ThreadSlug)
			}
			return nil, err
		}
	}
	t.mode = in.Mode
	if t.mode == "" {
		t.mode = ModeChat
		if w.ChatMode != nil {
			t.mode = *w.ChatMode
		}
	}
	if !in.Reset {
		if strings.TrimSpace(in.Message) == "" {
			return nil, Errorf(InvalidArgument, "Message is empty")
		}
		if t.mode != ModeAutomatic && t.mode != ModeChat && t.mode != ModeQuery {
			return nil, Errorf(InvalidArgument, "%s is not a valid mode.", t.mode)
		}
	}
	var attached []attachedDoc
	if t.images, t.attach, attached, err = decodeAttachments(in.Attachments); err != nil {
		return nil, err
	}
	filter := a.historyFilter(t)
	if in.Reset {
		if _, err := a.deps.Store.Chats().SetInclude(ctx, filter, false); err != nil {
			return nil, err
		}
		if strings.TrimSpace(in.Message) == "" {
			t.early = direct("Chat history was reset!")
			return t, nil
		}
	}
	if strings.HasPrefix(strings.TrimSpace(in.Message), "@agent") {
		t.early = direct(AgentsUnsupported)
		return t, nil
	}
	vectors, err := a.indexedVectors(ctx, w)
	if err != nil {
		return nil, err
	}
	if t.mode == ModeQuery && vectors == 0 {
		return a.refuse(ctx, t)
	}
	if t.model, t.provider, err = a.chatModel(ctx, w); err != nil {
		return nil, err
	}

	// History, pinned documents, retrieval.
	history, err := a.history(ctx, t, filter)
	if err != nil {
		return nil, err
	}
	var contexts []string
	pinned, err := a.pinnedContext(ctx, w)
	if err != nil {
		return nil, err
	}
	var exclude []string
	for _, p := range pinned {
		contexts = append(contexts, p.text)
		t.sources = append(t.sources, p.source)
		exclude = append(exclude, p.docID)
	}
	attTexts, attSources, err := a.attachmentContext(ctx, attached)
	if err != nil {
		return nil, err
	}
	contexts = append(contexts, attTexts...)
	t.sources = append(t.sources, attSources...)
	pinnedCount := len(pinned) + len(attTexts)
	topN, threshold := searchSettings(w)
	if vectors > 0 {
		results, err := a.queryIndex(ctx, w, in.Message, topN, threshold, exclude)
		if err != nil {
			return nil, err
		}
		for _, r := range results {
			contexts = append(contexts, r.Text)
			t.sources = append(t.sources, resultSource(r))
		}
		// Back-fill from sources cited earlier in this conversation.
		seen := map[string]bool{}
		for _, r := range results {
			seen[r.ID] = true
		}
		for i := len(history) - 1; i >= 0 && len(results)+countBackfill(contexts, pinnedCount+len(results)) < topN; i-- {
			for _, s := range history[i].sources() {
				if s.Score == nil || s.Text == "" || seen[s.ID] {
					continue
				}
				seen[s.ID] = true
				contexts = append(contexts, s.Text)
				if len(contexts)-pinnedCount >= topN {
					break
				}
			}
		}
	}
	if t.mode == ModeQuery && len(contexts) == 0 {
		return a.refuse(ctx, t)
	}

	msgs := []Message{{Role: RoleSystem, Content: withContext(a.systemPrompt(w, in), contexts)}}
	for _, h := range history {
		msgs = append(msgs, Message{Role: RoleUser, Content: h.prompt}, Message{Role: RoleAssistant, Content: h.response})
	}
	msgs = append(msgs, Message{Role: RoleUser, Content: in.Message, Images: t.images})
	model := ""
	if w.ChatModel != nil {
		model = *w.ChatModel
	}
	t.req = &ChatRequest{Model: model, Messages: a.fitWindow(t.model, model, msgs), Temperature: w.OpenAITemp}
	if t.sources == nil {
		t.sources = []Source{}
	}
	return t, nil
}

func countBackfill(contexts []string, primary int) int { return len(contexts) - primary }

// withContext appends retrieved texts to a system prompt in upstream's
// [CONTEXT i] format.
func withContext(system string, contexts []string) string {
	if len(contexts) == 0 {
		return system
	}
	size := len(system) + len("\nContext:\n")
	for _, c := range contexts {
		size += len(c) + 48
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString(system)
	b.WriteString("\nContext:\n")
	for i, c := range contexts {
		n := strconv.Itoa(i)
		b.WriteString("[CONTEXT " + n + "]:\n")
		b.WriteString(c)
		b.WriteString("\n[END CONTEXT " + n + "]\n\n")
	}
	return b.String()
}

// searchSettings are the workspace's topN and similarity threshold.
func searchSettings(w *Workspace) (int, float64) {
	topN, threshold := DefaultTopN, DefaultSimilarityThreshold
	if w.TopN != nil {
		topN = *w.TopN
	}
	if w.SimilarityThreshold != nil {
		threshold = *w.SimilarityThreshold
	}
	return topN, threshold
}

// refuse answers query mode's refusal and saves it excluded from history.
func (a *App) refuse(ctx context.Context, t *chatTurn) (*chatTurn, error) {
	text := DefaultRefusal
	if t.w.QueryRefusalResponse != nil && *t.w.QueryRefusalResponse != "" {
		text = *t.w.QueryRefusalResponse
	}
	t.early = direct(text)
	if _, err := a.saveChat(ctx, t, text, nil, false, Metrics{}); err != nil {
		return nil, err
	}
	return t, nil
}

// chatModel picks the workspace's provider, or the default one (rebuilt
// from update-env settings when they override the environment).
func (a *App) chatModel(ctx context.Context, w *Workspace) (ChatModel, string, error) {
	if w.ChatProvider != nil && *w.ChatProvider != "" {
		if m, ok := a.deps.LLMs[*w.ChatProvider]; ok {
			return m, *w.ChatProvider, nil
		}
		if *w.ChatProvider != a.opts.LLMProvider {
			if a.opts.LLMFactory == nil {
				return nil, "", Errorf(Unavailable, "the workspace's chat provider %q is not configured on this server", *w.ChatProvider)
			}
			return a.providerModel(ctx, *w.ChatProvider)
		}
	}
	if m, name, err := a.overriddenLLM(ctx); err != nil || m != nil {
		return m, name, err
	}
	if a.deps.LLM == nil {
		name := a.opts.LLMProvider
		if name == "" {
			name = "none"
		}
		return nil, "", Errorf(Unavailable, "no LLM is configured (LLM_PROVIDER=%s); set LLM_PROVIDER and its settings", name)
	}
	return a.deps.LLM, a.opts.LLMProvider, nil
}

func (a *App) historyFilter(t *chatTurn) *ChatFilter {
	f := &ChatFilter{WorkspaceID: t.w.ID, NoThread: t.thread == nil, NoSession: t.in.SessionID == ""}
	if t.thread != nil {
		f.ThreadID = t.thread.ID
	}
	if t.in.SessionID != "" {
		f.SessionID = t.in.SessionID
	}
	if t.in.UserID != nil {
		f.UserID = *t.in.UserID
	} else if t.thread != nil {
		f.NoUser = true
	}
	return f
}

// pastTurn is one earlier exchange. The sources of its stored response
// are decoded only when back-fill needs them, which is rare.
type pastTurn struct {
	prompt, response string
	stored           string // the JSON response
}

func (p *pastTurn) sources() []Source {
	var r struct {
		Sources []Source `json:"sources"`
	}
	_ = json.Unmarshal([]byte(p.stored), &r)
	return r.Sources
}

// storedText returns the "text" of a stored response ("" if it has none
// or is not JSON). Responses are written with "text" first (here and by
// AnythingLLM), so the decoder reads that value and stops: a history of
// long answers with many sources is not read in full on every turn.
func storedText(stored string) string {
	dec := json.NewDecoder(strings.NewReader(stored))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return ""
		}
		if k == "text" {
			var text string
			_ = dec.Decode(&text)
			return text
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}

// storedResponse is the JSON kept in workspace_chats.response.
type storedResponse struct {
	Text        string   `json:"text"`
	Sources     []Source `json:"sources"`
	Type        string   `json:"type"`
	Attachments []any    `json:"attachments"`
	Metrics     Metrics  `json:"metrics"`
}

func (a *App) history(ctx context.Context, t *chatTurn, f *ChatFilter) ([]pastTurn, error) {
	n := t.w.OpenAIHistory
	if n <= 0 {
		n = DefaultHistory
	}
	hf := *f
	hf.IncludedOnly, hf.Newest, hf.Limit = true, true, n
	chats, err := a.deps.Store.Chats().List(ctx, &hf)
	if err != nil {
		return nil, err
	}
	out := make([]pastTurn, 0, len(chats))
	for i := len(chats) - 1; i >= 0; i-- {
		out = append(out, pastTurn{prompt: chats[i].Prompt, response: storedText(chats[i].Response), stored: chats[i].Response})
	}
	return out, nil
}

type pinnedDoc struct {
	docID, text string
	source      Source
}

func (a *App) pinnedContext(ctx context.Context, w *Workspace) ([]pinnedDoc, error) {
	docs, err := a.deps.Store.Documents().ListPinned(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	var out []pinnedDoc
	for _, d := range docs {
		doc, err := a.LoadDocument(ctx, d.Docpath)
		if err != nil || doc.PageContent == "" {
			continue
		}
		text := doc.PageContent
		if len(text) > 1000 {
			text = text[:1000]
		}
		src := Source{ID: doc.ID, URL: doc.URL, Title: doc.Title, DocAuthor: doc.DocAuthor, Description: doc.Description,
			DocSource: doc.DocSource, ChunkSource: doc.ChunkSource, Published: doc.Published, WordCount: doc.WordCount,
			TokenCountEstimate: doc.TokenCountEstimate, Text: text + "...continued on in source document..."}
		out = append(out, pinnedDoc{docID: d.DocID, text: doc.PageContent, source: src})
	}
	return out, nil
}

func resultSource(r SearchResult) Source {
	m := r.Metadata
	return Source{ID: r.ID, URL: m.URL, Title: m.Title, DocAuthor: m.Author, Description: m.Description,
		DocSource: m.DocSource, ChunkSource: m.ChunkSource, Published: m.Published, WordCount: m.WordCount,
		TokenCountEstimate: m.TokenCount, Text: r.Text, Distance: &r.Distance, Score: &r.Score}
}

// systemPrompt expands the workspace prompt's variables.
func (a *App) systemPrompt(w *Workspace, in *ChatInput) string {
	p := DefaultSystemPrompt
	if w.OpenAIPrompt != nil && *w.OpenAIPrompt != "" {
		p = *w.OpenAIPrompt
	}
	if !strings.Contains(p, "{") {
		return p
	}
	// Expand the variables in one pass, computing only those present
	// (every chat does this; a strings.Replacer was built per call).
	var now time.Time
	var b strings.Builder
	b.Grow(len(p) + 32)
	for {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(p[:i])
		name := p[i+1 : i+j]
		if now.IsZero() && (strings.HasPrefix(name, "date") || strings.HasPrefix(name, "time")) {
			now = a.opts.Now()
		}
		switch name {
		case "datetime":
			b.WriteString(now.Format("Monday, January 2, 2006 3:04 PM"))
		case "datetime_24":
			b.WriteString(now.Format("Monday, January 2, 2006 15:04"))
		case "date":
			b.WriteString(now.Format("January 2, 2006"))
		case "time":
			b.WriteString(now.Format("3:04 PM"))
		case "time_24":
			b.WriteString(now.Format("15:04"))
		case "workspace.name":
			b.WriteString(w.Name)
		case "workspace.id":
			b.WriteString(strconv.FormatInt(w.ID, 10))
		case "user.name":
			b.WriteString("[User name]")
		case "user.id":
			b.WriteString("[User id]")
		case "user.bio":
			b.WriteString("[User bio]")
		default:
			// Not a variable: keep the brace and scan on after it, so a
			// variable inside "{not {date}" is still expanded.
			b.WriteByte('{')
			p = p[i+1:]
			continue
		}
		p = p[i+j+1:]
	}
	b.WriteString(p)
	return b.String()
}

// attachedDoc is a document attached to one chat turn.
type attachedDoc struct {
	name string
	data []byte
}

// decodeAttachments validates attachments: images become Images,
// application/anythingllm-document attachments become documents for the
// context; bad base64, other MIME types and oversized data are errors.
func decodeAttachments(atts []ChatAttachment) ([]Image, []any, []attachedDoc, error) {
	var imgs []Image
	var stored []any
	var docs []attachedDoc
	for i, at := range atts {
		data := at.ContentString
		mime := strings.ToLower(strings.TrimSpace(at.Mime))
		if rest, ok := strings.CutPrefix(data, "data:"); ok {
			head, body, found := strings.Cut(rest, ",")
			if !found || !strings.HasSuffix(head, ";base64") {
				return nil, nil, nil, Errorf(InvalidArgument, "attachment %d: contentString must be a base64 data URL", i)
			}
			if mime == "" {
				mime = strings.TrimSuffix(head, ";base64")
			}
			data = body
		}
		if len(data) > MaxAttachmentBytes*4/3+4 {
			return nil, nil, nil, Errorf(TooLarge, "attachment %d is larger than %d bytes", i, MaxAttachmentBytes)
		}
		raw, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return nil, nil, nil, Errorf(InvalidArgument, "attachment %d: contentString is not valid base64", i)
		}
		switch {
		case strings.HasPrefix(mime, "image/") && (strings.HasSuffix(mime, "png") || strings.HasSuffix(mime, "jpeg") || strings.HasSuffix(mime, "jpg") || strings.HasSuffix(mime, "webp") || strings.HasSuffix(mime, "gif")):
			imgs = append(imgs, Image{MIME: mime, Data: raw})
			stored = append(stored, map[string]any{"name": at.Name, "mime": mime})
		case mime == "application/anythingllm-document":
			docs = append(docs, attachedDoc{name: cmp.Or(sanitizeFileName(at.Name), "attachment.txt"), data: raw})
		default:
			return nil, nil, nil, Errorf(InvalidArgument, "attachment %d: unsupported mime type %q (images: png, jpeg, webp, gif; documents: application/anythingllm-document)", i, at.Mime)
		}
	}
	return imgs, stored, docs, nil
}

// attachmentContext parses attached documents (as uploads are parsed) into
// context texts and sources shaped like pinned documents'.
func (a *App) attachmentContext(ctx context.Context, docs []attachedDoc) ([]string, []Source, error) {
	var texts []string
	var sources []Source
	for _, d := range docs {
		var parts []ParsedPart
		switch {
		case a.deps.Parser != nil && a.deps.Parser.Supports(d.name):
			var err error
			if parts, err = a.deps.Parser.Parse(ctx, d.name, d.data); err != nil {
				return nil, nil, err
			}
		default:
			if _, ok := textExtensions[strings.ToLower(path.Ext(d.name))]; !ok || !utf8.Valid(d.data) {
				return nil, nil, Errorf(InvalidArgument, "attachment %s: File extension %s not supported for parsing.", d.name, path.Ext(d.name))
			}
			parts = []ParsedPart{{Text: string(d.data)}}
		}
		for _, p := range parts {
			text := p.Text
			if strings.TrimSpace(text) == "" {
				continue
			}
			short := text
			if len(short) > 1000 {
				short = short[:1000]
			}
			texts = append(texts, text)
			sources = append(sources, Source{Title: cmp.Or(p.Title, d.name), DocAuthor: p.Author, Text: short + "...continued on in source document..."})
		}
	}
	return texts, sources, nil
}

// saveChat stores a turn. include=false keeps it out of future history.
func (a *App) saveChat(ctx context.Context, t *chatTurn, text string, sources []Source, include bool, metrics Metrics) (int64, error) {
	if sources == nil {
		sources = []Source{}
	}
	attach := t.attach
	if attach == nil {
		attach = []any{}
	}
	// Encoded straight into the string the chat keeps (json.Marshal's
	// bytes would be copied once more to become one).
	var resp strings.Builder
	saved := struct { // storedResponse, with sources encoded in one pass
		Text        string  `json:"text"`
		Sources     any     `json:"sources"`
		Type        string  `json:"type"`
		Attachments []any   `json:"attachments"`
		Metrics     Metrics `json:"metrics"`
	}{text, EncodableSources(sources), t.mode, attach, metrics}
	if err := json.NewEncoder(&resp).Encode(&saved); err != nil {
		return 0, err
	}
	now := a.now()
	c := &Chat{WorkspaceID: t.w.ID, Prompt: t.in.Message, Response: strings.TrimSuffix(resp.String(), "\n"), Include: include, UserID: t.in.UserID,
		CreatedAt: now, LastUpdatedAt: now}
	if t.thread != nil {
		c.ThreadID = &t.thread.ID
	}
	if t.in.SessionID != "" {
		c.APISessionID = &t.in.SessionID
	}
	if err := a.deps.Store.Chats().Create(ctx, c); err != nil {
		return 0, err
	}
	return c.ID, nil
}

func metricsOf(u Usage, start time.Time, model, provider string) Metrics {
	d := time.Since(start).Seconds()
	tps := 0.0
	if d > 0 {
		tps = float64(u.CompletionTokens) / d
	}
	return Metrics{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens,
		OutputTPS: tps, Duration: d, Model: model, Provider: provider, Timestamp: time.Now().UTC().Format(time.RFC3339Nano)}
}

// Chat runs one synchronous chat turn in a workspace (or a thread, with
// in.ThreadSlug). Request errors (unknown workspace, empty message, bad
// mode or attachment) are returned as errors; a failed LLM call is an
// answer of type ResultAbort.
func (a *App) Chat(ctx context.Context, slug string, in *ChatInput) (*ChatResult, error) {
	t, err := a.prepare(ctx, slug, in)
	if err != nil {
		return nil, err
	}
	if t.early != nil {
		return t.early, nil
	}
	start := time.Now()
	resp, err := a.chat(ctx, t.model, t.req)
	if err != nil {
		return abort(uuid.NewString(), err), nil
	}
	metrics := metricsOf(resp.Usage, start, cmp.Or(resp.Model, t.req.Model), t.provider)
	if strings.TrimSpace(resp.Text) == "" {
		res := abort(uuid.NewString(), ErrEmptyCompletion)
		res.Metrics = &metrics // as upstream: the call was made
		return res, nil
	}
	chatID, err := a.saveChat(ctx, t, resp.Text, t.sources, true, metrics)
	if err != nil {
		return nil, err
	}
	return &ChatResult{ID: uuid.NewString(), Type: ResultText, TextResponse: &resp.Text, Sources: t.sources, Close: true,
		ChatID: chatID, Metrics: &metrics}, nil
}

// ErrEmptyCompletion is the error of an abort when the LLM answered
// nothing.
var ErrEmptyCompletion = Errorf(Unavailable, "No text completion could be completed with this input.")

// StreamChat runs one chat turn and emits its events: ResultChunk pieces,
// then a ResultFinalize (or one ResultText for an answer made without an
// LLM call). A returned error is a request error found before streaming
// started; once events flow, failures are emitted as ResultAbort events.
// If emit fails (the client went away) or ctx ends, the upstream call is
// canceled and the partial answer is saved.
func (a *App) StreamChat(ctx context.Context, slug string, in *ChatInput, emit func(*ChatResult) error) error {
	t, err := a.prepare(ctx, slug, in)
	if err != nil {
		return err
	}
	if t.early != nil {
		return emit(t.early)
	}
	id := uuid.NewString()
	start := time.Now()
	var text strings.Builder
	var usage Usage
	streamCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var streamErr error
	clientGone := false
	for chunk, err := range a.chatStream(streamCtx, t.model, t.req) {
		if err != nil {
			streamErr = err
			break
		}
		if chunk.Usage != nil {
			usage = *chunk.Usage
		}
		if chunk.Text == "" {
			continue
		}
		text.WriteString(chunk.Text)
		piece := chunk.Text
		if emit(&ChatResult{ID: id, Sources: []Source{}, Type: ResultChunk, TextResponse: &piece}) != nil {
			clientGone = true
			break
		}
	}
	cancel()
	answer := text.String()
	if usage.CompletionTokens == 0 && a.deps.Tokenizer != nil {
		usage.CompletionTokens = a.deps.Tokenizer.CountTokens(answer)
		usage.TotalTokens = usage.PromptTokens + usage.CompletionTokens
	}
	metrics := metricsOf(usage, start, t.req.Model, t.provider)
	saveCtx := context.WithoutCancel(ctx) // the partial answer is saved even if the client left
	if clientGone || (streamErr != nil && Code(streamErr) == Canceled) {
		if answer != "" {
			_, err := a.saveChat(saveCtx, t, answer, t.sources, true, metrics)
			return err
		}
		return nil
	}
	if streamErr != nil {
		_ = emit(abort(id, streamErr))
		if answer == "" {
			return nil
		}
	}
	if answer == "" {
		return emit(&ChatResult{ID: id, Type: ResultFinalize, Close: true, Sources: []Source{}})
	}
	if streamErr == nil {
		empty := ""
		if err := emit(&ChatResult{ID: id, Sources: []Source{}, Type: ResultChunk, TextResponse: &empty, Close: true}); err != nil {
			_, serr := a.saveChat(saveCtx, t, answer, t.sources, true, metrics)
			return serr
		}
	}
	chatID, err := a.saveChat(saveCtx, t, answer, t.sources, true, metrics)
	if err != nil {
		return err
	}
	return emit(&ChatResult{ID: id, Type: ResultFinalize, Close: true, ChatID: chatID, Metrics: &metrics, Sources: t.sources})
}

// providerModel builds (once per provider and settings) the chat model of
// a provider a workspace chose, from the effective settings.
func (a *App) providerModel(ctx context.Context, provider string) (ChatModel, string, error) {
	a.llmMu.Lock()
	defer a.llmMu.Unlock()
	if a.perProvider == nil {
		a.perProvider = map[string]ChatModel{}
	}
	getenv := func(name string) string { return a.effectiveEnv(ctx, name) }
	key := provider + "\x00" + overridesSignature(a.envOverrides(ctx))
	if m, ok := a.perProvider[key]; ok {
		return m, provider, nil
	}
	m, err := a.opts.LLMFactory(provider, getenv)
	if err != nil {
		return nil, "", WrapError(Unavailable, err, "the workspace's chat provider %q cannot be used: %v", provider, err)
	}
	a.perProvider[key] = m
	return m, provider, nil
}
