package anythingllm

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"path"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/net/html"
)

// Documents live in the BlobStore under documents/<folder>/<file>.json and
// are named everywhere by their docpath "<folder>/<file>.json".

// DefaultFolder is the folder uploads land in.
const DefaultFolder = "custom-documents"

const documentsRoot = "documents"

// DocumentMetadata is what a client may set on an uploaded document.
type DocumentMetadata struct {
	Title       string
	URL         string
	DocAuthor   string
	Description string
	DocSource   string
	ChunkSource string
	Published   string // epoch milliseconds; "" means now
}

// StoredDocument is a document as the upload routes answer it: the
// document JSON plus where it was stored.
type StoredDocument struct {
	Document
	Location       string `json:"location"`
	IsDirectUpload bool   `json:"isDirectUpload"`
}

// textExtensions are the file types this build parses: plain-text formats
// read as UTF-8, HTML reduced to its text.
var textExtensions = map[string]string{
	".txt": "text/plain", ".md": "text/markdown", ".mdx": "text/markdown", ".csv": "text/csv", ".tsv": "text/tab-separated-values",
	".json": "application/json", ".xml": "application/xml", ".html": "text/html", ".htm": "text/html", ".log": "text/plain",
	".yaml": "text/yaml", ".yml": "text/yaml", ".rst": "text/plain", ".org": "text/plain",
}

// AcceptedFileTypes maps MIME types to the extensions uploads accept.
func (a *App) AcceptedFileTypes() map[string][]string {
	out := map[string][]string{}
	if a.deps.Parser != nil {
		for m, exts := range a.deps.Parser.MIMETypes() {
			out[m] = append(out[m], exts...)
		}
	}
	for ext, mime := range textExtensions {
		out[mime] = append(out[mime], ext)
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

// validFolder checks a documents folder name: one path segment.
func validFolder(folder string) error {
	if folder == "" || folder == "." || folder == ".." || strings.ContainsAny(folder, "/\\\x00") || strings.Contains(strings.ToLower(folder), "%2") ||
		len(folder) > 200 || strings.HasPrefix(folder, ".") {
		return Errorf(InvalidArgument, "invalid folder name %s", quoteName(folder))
	}
	return nil
}

// validDocpath checks "<folder>/<file>.json".
func validDocpath(docpath string) error {
	folder, file, ok := strings.Cut(docpath, "/")
	if !ok || validFolder(folder) != nil || validFolder(file) != nil || !strings.HasSuffix(file, ".json") {
		return Errorf(InvalidArgument, "invalid document path %s: want \"<folder>/<file>.json\"", quoteName(docpath))
	}
	return nil
}

// sanitizeFileName keeps the base name of an upload and drops characters
// that are unsafe in file names.
func sanitizeFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 32, strings.ContainsRune(`<>:"/\|?*`, r), r == '\u2018', r == '\u2019', r == '\u201c', r == '\u201d':
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// fileSlug names a stored upload as upstream: spaces become "-", case and
// dots stay, anything unsafe goes ("My File.pdf" -> "My-File.pdf").
func fileSlug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range name {
		switch {
		case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_'):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	out := strings.Trim(b.String(), ".")
	if out == "" {
		return "file"
	}
	return out
}

// jsPublished formats a time as JavaScript's en-US toLocaleString.
func jsPublished(t time.Time) string { return t.UTC().Format("1/2/2006, 3:04:05 PM") }

func (a *App) tokenEstimate(text string) int {
	if len(text) >= 5120 {
		return (len(text) + 7) / 8
	}
	if a.deps.Tokenizer != nil {
		return a.deps.Tokenizer.CountTokens(text)
	}
	return (len(text) + 3) / 4
}

func wordCount(text string) int { return len(strings.Split(text, " ")) }

// saveDocument writes a document JSON (4-space indented, as upstream) and
// returns its docpath.
func (a *App) saveDocument(ctx context.Context, folder, file string, doc *Document) (string, error) {
	b, err := json.MarshalIndent(doc, "", "    ")
	if err != nil {
		return "", err
	}
	docpath := folder + "/" + file
	if err := a.blobs().Put(ctx, documentsRoot+"/"+docpath, bytes.NewReader(b)); err != nil {
		return "", err
	}
	return docpath, nil
}

func (a *App) blobs() BlobStore {
	if a.deps.Blobs == nil {
		return unavailableBlobs{}
	}
	return a.deps.Blobs
}

// LoadDocument reads a stored document by docpath.
func (a *App) LoadDocument(ctx context.Context, docpath string) (*Document, error) {
	if err := validDocpath(docpath); err != nil {
		return nil, err
	}
	r, err := a.blobs().Open(ctx, documentsRoot+"/"+docpath)
	if err != nil {
		if Code(err) == NotFound {
			return nil, Errorf(NotFound, "document %s not found", quoteName(docpath))
		}
		return nil, err
	}
	defer r.Close()
	var d Document
	if err := json.NewDecoder(r).Decode(&d); err != nil {
		return nil, WrapError(Internal, err, "document %s is not valid JSON", quoteName(docpath))
	}
	return &d, nil
}

// RawTextRequest is a raw-text upload.
type RawTextRequest struct {
	TextContent     string
	Metadata        DocumentMetadata // Title is required
	AddToWorkspaces []string
}

// CreateRawText stores text as a document, as upstream's raw-text route.
func (a *App) CreateRawText(ctx context.Context, req *RawTextRequest) ([]StoredDocument, error) {
	if strings.TrimSpace(req.Metadata.Title) == "" {
		return nil, Errorf(InvalidArgument, "You are missing required metadata key:value pairs in your request. Required metadata key:values are 'title'")
	}
	if strings.TrimSpace(req.TextContent) == "" {
		return nil, Errorf(InvalidArgument, "The 'textContent' key cannot have an empty value.")
	}
	title := req.Metadata.Title
	if ext := path.Ext(title); ext != "" {
		title = strings.TrimSuffix(title, ext)
	}
	slug := Slugify(title, true)
	if slug == "" {
		slug = "untitled"
	}
	id := uuid.NewString()
	m := req.Metadata
	doc := &Document{
		ID: id, URL: "file://" + slug + ".txt", Title: slug + ".txt",
		DocAuthor: cmp.Or(strings.TrimSpace(m.DocAuthor), "no author specified"), Description: cmp.Or(strings.TrimSpace(m.Description), "no description found"),
		DocSource: cmp.Or(strings.TrimSpace(m.DocSource), "no source set"), ChunkSource: cmp.Or(strings.TrimSpace(m.ChunkSource), slug+".txt"),
		Published: a.published(string(m.Published)), WordCount: wordCount(req.TextContent),
		PageContent: req.TextContent, TokenCountEstimate: a.tokenEstimate(req.TextContent),
	}
	if u := strings.ToLower(m.URL); strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
		doc.URL = "web://" + u + ".website"
	}
	return a.storeAndEmbed(ctx, DefaultFolder, "raw-"+slug+"-"+id+".json", doc, req.AddToWorkspaces)
}

// published reads an epoch-milliseconds value, or uses now.
func (a *App) published(v string) string {
	var ms int64
	if _, err := fmt.Sscan(v, &ms); err == nil && ms > 0 {
		return jsPublished(time.UnixMilli(ms))
	}
	return jsPublished(a.now())
}

// UploadRequest is a file upload.
type UploadRequest struct {
	Folder          string // default custom-documents
	FileName        string
	Body            io.Reader
	Metadata        DocumentMetadata
	AddToWorkspaces []string
}

// MaxParsedFileBytes bounds the text read from one upload.
const MaxParsedFileBytes = 64 << 20

// UploadDocument parses an uploaded file into a document, stores it and, if
// asked, embeds it into workspaces.
func (a *App) UploadDocument(ctx context.Context, req *UploadRequest) ([]StoredDocument, error) {
	folder := cmp.Or(req.Folder, DefaultFolder)
	if err := validFolder(folder); err != nil {
		return nil, err
	}
	name := sanitizeFileName(req.FileName)
	if name == "" {
		return nil, Errorf(InvalidArgument, "the upload has no file name")
	}
	ext := strings.ToLower(path.Ext(name))
	parsed := a.deps.Parser != nil && a.deps.Parser.Supports(name)
	if _, ok := textExtensions[ext]; !ok && !parsed {
		return nil, Errorf(InvalidArgument, "File extension %s not supported for parsing and cannot be assumed as text file type.", cmp.Or(ext, "(none)"))
	}
	raw, err := io.ReadAll(io.LimitReader(req.Body, MaxParsedFileBytes+1))
	if err != nil {
		return nil, WrapError(InvalidArgument, err, "reading %s failed", name)
	}
	if len(raw) > MaxParsedFileBytes {
		return nil, Errorf(TooLarge, "%s is larger than %d bytes", name, MaxParsedFileBytes)
	}
	var parts []ParsedPart
	if parsed {
		if parts, err = a.deps.Parser.Parse(ctx, name, raw); err != nil {
			return nil, err
		}
	} else {
		text := string(raw)
		if !utf8.ValidString(text) || strings.ContainsRune(text, 0) {
			return nil, Errorf(InvalidArgument, "%s is not a UTF-8 text file.", name)
		}
		if ext == ".html" || ext == ".htm" {
			text = htmlToMarkdown(text)
		}
		if strings.TrimSpace(text) == "" {
			return nil, Errorf(InvalidArgument, "No text content found in %s.", name)
		}
		parts = []ParsedPart{{Text: text}}
	}
	m := req.Metadata
	source := "a text file uploaded by the user."
	if parsed {
		source = strings.TrimPrefix(ext, ".") + " file uploaded by the user."
	}
	var out []StoredDocument
	for _, p := range parts {
		id := uuid.NewString()
		doc := &Document{
			ID: id, URL: "file://" + name, Title: cmp.Or(strings.TrimSpace(m.Title), cmp.Or(strings.TrimSpace(p.Title), name)),
			DocAuthor: cmp.Or(strings.TrimSpace(m.DocAuthor), cmp.Or(strings.TrimSpace(p.Author), "Unknown")), Description: cmp.Or(strings.TrimSpace(m.Description), cmp.Or(strings.TrimSpace(p.Description), "Unknown")),
			DocSource: cmp.Or(strings.TrimSpace(m.DocSource), source), ChunkSource: m.ChunkSource,
			Published: a.published(string(m.Published)), WordCount: wordCount(p.Text),
			PageContent: p.Text, TokenCountEstimate: a.tokenEstimate(p.Text),
		}
		docs, err := a.storeAndEmbed(ctx, folder, fileSlug(name)+"-"+id+".json", doc, req.AddToWorkspaces)
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
	}
	return out, nil
}

// htmlText returns the visible text of an HTML page, a line per block.
func htmlText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "noscript", "template":
				skip++
			case "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article":
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "noscript", "template":
				if skip > 0 {
					skip--
				}
			}
		case html.TextToken:
			if skip == 0 {
				if t := strings.TrimSpace(string(z.Text())); t != "" {
					b.WriteString(t)
					b.WriteByte(' ')
				}
			}
		}
	}
}

// storeAndEmbed saves a document and embeds it into each listed workspace.
func (a *App) storeAndEmbed(ctx context.Context, folder, file string, doc *Document, addTo []string) ([]StoredDocument, error) {
	docpath, err := a.saveDocument(ctx, folder, file, doc)
	if err != nil {
		return nil, err
	}
	for _, slug := range addTo {
		slug = strings.ToLower(strings.TrimSpace(slug))
		if slug == "" {
			continue
		}
		if _, err := a.UpdateEmbeddings(ctx, slug, []string{docpath}, nil); err != nil {
			return nil, err
		}
	}
	return []StoredDocument{{Document: *doc, Location: docpath}}, nil
}

// DocumentFile is a document as listed: its JSON without pageContent, plus
// listing fields.
type DocumentFile struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Document
	PageContent      *string `json:"pageContent,omitempty"` // always omitted
	Cached           bool    `json:"cached"`
	CanWatch         bool    `json:"canWatch"`
	PinnedWorkspaces []int64 `json:"pinnedWorkspaces"`
	Watched          bool    `json:"watched"`
}

// DocumentFolder is a folder of documents.
type DocumentFolder struct {
	Name  string         `json:"name"`
	Type  string         `json:"type"`
	Items []DocumentFile `json:"items"`
}

// DocumentTree is the localFiles listing.
type DocumentTree struct {
	Name  string           `json:"name"`
	Type  string           `json:"type"`
	Items []DocumentFolder `json:"items"`
}

// ListDocuments lists every folder and document, custom-documents first.
func (a *App) ListDocuments(ctx context.Context) (*DocumentTree, error) {
	tree := &DocumentTree{Name: "documents", Type: "folder", Items: []DocumentFolder{}}
	var folders []string
	for info, err := range a.blobs().List(ctx, documentsRoot) {
		if Code(err) == NotFound {
			break
		}
		if err != nil {
			return nil, err
		}
		if info.IsDir {
			folders = append(folders, path.Base(info.Key))
		}
	}
	sort.SliceStable(folders, func(i, j int) bool { return folders[i] == DefaultFolder && folders[j] != DefaultFolder })
	if len(folders) == 0 || folders[0] != DefaultFolder {
		folders = append([]string{DefaultFolder}, folders...)
	}
	for _, f := range folders {
		items, err := a.folderFiles(ctx, f)
		if err != nil {
			return nil, err
		}
		tree.Items = append(tree.Items, DocumentFolder{Name: f, Type: "folder", Items: items})
	}
	return tree, nil
}

func (a *App) folderFiles(ctx context.Context, folder string) ([]DocumentFile, error) {
	items := []DocumentFile{}
	for info, err := range a.blobs().List(ctx, documentsRoot+"/"+folder) {
		if Code(err) == NotFound {
			break
		}
		if err != nil {
			return nil, err
		}
		if info.IsDir || !strings.HasSuffix(info.Key, ".json") {
			continue
		}
		f, err := a.documentFile(ctx, folder+"/"+path.Base(info.Key))
		if err != nil {
			continue // unreadable files are left out, as upstream
		}
		items = append(items, *f)
	}
	return items, nil
}

func (a *App) documentFile(ctx context.Context, docpath string) (*DocumentFile, error) {
	d, err := a.LoadDocument(ctx, docpath)
	if err != nil {
		return nil, err
	}
	d.PageContent = ""
	f := &DocumentFile{Name: path.Base(docpath), Type: "file", Document: *d, PinnedWorkspaces: []int64{}}
	if CanWatch(d.Title, d.ChunkSource) {
		f.CanWatch, _ = a.LiveSyncEnabled(ctx) // shown only while the flag is on
	}
	links, err := a.deps.Store.Documents().ListByDocpath(ctx, docpath)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		if l.Pinned {
			f.PinnedWorkspaces = append(f.PinnedWorkspaces, l.WorkspaceID)
		}
		f.Watched = f.Watched || l.Watched
	}
	return f, nil
}

// GetDocumentByName finds a document file by its file name in any folder.
func (a *App) GetDocumentByName(ctx context.Context, name string) (*DocumentFile, error) {
	if err := validFolder(name); err != nil {
		return nil, err
	}
	tree, err := a.ListDocuments(ctx)
	if err != nil {
		return nil, err
	}
	for _, folder := range tree.Items {
		for _, f := range folder.Items {
			if f.Name == name {
				return &f, nil
			}
		}
	}
	return nil, Errorf(NotFound, "document %s not found", quoteName(name))
}

// CreateFolder makes a documents folder.
func (a *App) CreateFolder(ctx context.Context, name string) error {
	if err := validFolder(name); err != nil {
		return err
	}
	key := documentsRoot + "/" + name
	if _, err := a.blobs().Stat(ctx, key); err == nil {
		return Errorf(AlreadyExists, "Folder by that name already exists")
	}
	return a.blobs().MkdirAll(ctx, key)
}

// unavailableBlobs answers when the App has no BlobStore.
type unavailableBlobs struct{}

func (unavailableBlobs) err() error                                            { return Errorf(Unavailable, "no file storage is configured") }
func (u unavailableBlobs) Put(context.Context, string, io.Reader) error        { return u.err() }
func (u unavailableBlobs) Open(context.Context, string) (io.ReadCloser, error) { return nil, u.err() }
func (u unavailableBlobs) Stat(context.Context, string) (BlobInfo, error)      { return BlobInfo{}, u.err() }
func (u unavailableBlobs) Delete(context.Context, string) error                { return u.err() }
func (u unavailableBlobs) DeleteAll(context.Context, string) error             { return u.err() }
func (u unavailableBlobs) Move(context.Context, string, string) error          { return u.err() }
func (u unavailableBlobs) MkdirAll(context.Context, string) error              { return u.err() }
func (u unavailableBlobs) List(context.Context, string) iter.Seq2[BlobInfo, error] {
	return func(yield func(BlobInfo, error) bool) { yield(BlobInfo{}, u.err()) }
}
