package anythingllm

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm/textsplit"
	"github.com/google/uuid"
)

// BranchLister is the optional Connector capability of the repository
// connectors (github, gitlab, gitea): list a repository's branches.
type BranchLister interface {
	Branches(ctx context.Context, env *ConnectorEnv, repo, token string) ([]string, error)
}

// Connector returns the configured connector called name (its chunkSource
// scheme), or an Unimplemented error.
func (a *App) Connector(name string) (Connector, error) {
	for _, c := range a.opts.Connectors {
		if c != nil && c.Name() == name {
			return c, nil
		}
	}
	return nil, Errorf(Unimplemented, "no %s connector is configured", quoteName(name))
}

// ConnectorEnv is what the App gives a connector: the URL-guarded client
// of upload-link (LINK_ALLOWED_HOSTS), the payload cipher and uuid v4 ids.
func (a *App) ConnectorEnv() *ConnectorEnv {
	return &ConnectorEnv{HTTP: a.linkClient(), Cipher: a.opts.PayloadCipher, NewID: uuid.NewString}
}

// ListBranches lists a repository's branches through the named connector.
func (a *App) ListBranches(ctx context.Context, provider, repo, token string) ([]string, error) {
	c, err := a.Connector(provider)
	if err != nil {
		return nil, err
	}
	bl, ok := c.(BranchLister)
	if !ok {
		return nil, Errorf(InvalidArgument, "%s is not a repository connector", quoteName(provider))
	}
	return bl.Branches(ctx, a.ConnectorEnv(), repo, token)
}

// ImportResult is what ImportFromConnector stored.
type ImportResult struct {
	Folder    string
	Documents []StoredDocument
	Data      map[string]any // the connector's "data" object
}

// ImportFromConnector runs an import and saves every document it produced
// into its folder (as upstream, connectors only save; embed them with
// UpdateEmbeddings). req.Env defaults to ConnectorEnv. Either every
// document is saved or, on an error, none is left behind.
func (a *App) ImportFromConnector(ctx context.Context, conn Connector, req *ConnectorRequest) (*ImportResult, error) {
	if conn == nil {
		return nil, Errorf(InvalidArgument, "no connector given")
	}
	r := ConnectorRequest{}
	if req != nil {
		r = *req
	}
	if r.Env == nil {
		r.Env = a.ConnectorEnv()
	}
	res, err := conn.Import(ctx, &r)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, Errorf(Internal, "the %s connector returned no result", conn.Name())
	}
	folder := res.Folder
	if folder == "" {
		folder = DefaultFolder
	}
	if err := validFolder(folder); err != nil {
		return nil, err
	}
	out := &ImportResult{Folder: folder, Data: res.Data, Documents: []StoredDocument{}}
	var written []string
	undo := func() {
		for _, p := range written {
			_ = a.blobs().Delete(context.WithoutCancel(ctx), documentsRoot+"/"+p)
		}
	}
	used := map[string]bool{}
	for i := range res.Documents {
		doc := res.Documents[i]
		if doc.ID == "" {
			doc.ID = uuid.NewString()
		}
		if doc.Published == "" {
			doc.Published = jsPublished(a.now())
		}
		if doc.WordCount == 0 && doc.PageContent != "" {
			doc.WordCount = wordCount(doc.PageContent)
		}
		if doc.TokenCountEstimate == 0 && doc.PageContent != "" {
			doc.TokenCountEstimate = a.tokenEstimate(doc.PageContent)
		}
		file := connectorFileName(conn.Name(), folder, &doc)
		for used[file] {
			file = strings.TrimSuffix(file, ".json") + "-" + uuid.NewString()[:4] + ".json"
		}
		used[file] = true
		docpath, err := a.saveDocument(ctx, folder, file, &doc)
		if err != nil {
			undo()
			return nil, err
		}
		written = append(written, docpath)
		out.Documents = append(out.Documents, StoredDocument{Document: doc, Location: docpath})
	}
	return out, nil
}

// connectorFileName names a connector's document file as upstream does:
// "url-<slug>-<uuid>.json" for a single link, "<slug>.html.json" for a
// website-depth page, "<slug(title or path)>-<id>.json" otherwise.
func connectorFileName(scheme, folder string, doc *Document) string {
	id := fileSlug(doc.ID)
	var name string
	switch {
	case scheme == "link" && folder == DefaultFolder:
		name = "url-" + Slugify(strings.TrimSuffix(doc.Title, ".html"), true) + "-" + id
	case scheme == "link":
		name = fileSlug(doc.Title)
	default:
		name = Slugify(doc.Title, true) + "-" + id
	}
	name = strings.Trim(name, "-.")
	if name == "" {
		name = "document-" + id
	}
	if len(name) > 180 {
		name = name[len(name)-180:]
		name = strings.TrimLeft(name, "-.")
	}
	return name + ".json"
}

// FetchSource fetches the current pageContent of a document from its
// chunkSource through the connector of its scheme.
func (a *App) FetchSource(ctx context.Context, chunkSource string) (string, error) {
	scheme := ChunkSourceScheme(chunkSource)
	if scheme == "" {
		return "", Errorf(InvalidArgument, "the document has no chunkSource to sync from")
	}
	c, err := a.Connector(scheme)
	if err != nil {
		return "", err
	}
	return c.Resync(ctx, a.ConnectorEnv(), chunkSource)
}

// chunkTexts is what embed stores for a document: its chunks, each with
// the metadata header.
func chunkTexts(doc *Document, size, overlap int) []string {
	header := textsplit.MetadataHeader(textsplit.Header{Title: doc.Title, Published: doc.Published, ChunkSource: doc.ChunkSource})
	chunks := textsplit.Split(doc.PageContent, &textsplit.Options{ChunkSize: size, ChunkOverlap: overlap})
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = header + c
	}
	return texts
}

// documentMetadataJSON is a workspace document's metadata: the document
// JSON without pageContent.
func documentMetadataJSON(doc *Document) string {
	stored := *doc
	stored.PageContent = ""
	b, _ := json.Marshal(struct {
		Document
		PageContent *string `json:"pageContent,omitempty"`
	}{Document: stored})
	return string(b)
}

func newID() string { return uuid.NewString() }

// StorageRoot returns the blob store of a storage root (RootDirectUploads,
// RootDocuments, ...), for maintenance jobs.
func (a *App) StorageRoot(name string) (BlobStore, error) { return a.fileRoot(name) }
