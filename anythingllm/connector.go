package anythingllm

import (
	"context"
	"net/http"
)

// Connector imports documents from an outside source (a GitHub repository,
// a Confluence space, a YouTube video, a website, ...) and fetches one of
// them again for live sync. Connectors move bytes only: they call the
// source's HTTP API through the client they are given (which enforces the
// URL guard) and build documents with upstream's fields, titles and
// chunkSource formats; the App stores, embeds, watches and re-embeds them.
// Each lives in its own package under connectors/ and is tested against an
// in-repo fake of its service that speaks the real HTTP API.
type Connector interface {
	// Name is the chunkSource scheme and the route name ("github",
	// "gitlab", "gitea", "confluence", "drupalwiki", "youtube", "link").
	Name() string
	// Import fetches every document the request selects. Folder is the
	// documents folder upstream would write them to.
	Import(ctx context.Context, req *ConnectorRequest) (*ConnectorResult, error)
	// Resync fetches the current pageContent of one document from its
	// chunkSource (decrypting the replay payload with Env.Cipher).
	Resync(ctx context.Context, env *ConnectorEnv, chunkSource string) (string, error)
}

// ConnectorRequest is one import: the route's JSON body, already decoded
// into Options by the connector's own typed struct.
type ConnectorRequest struct {
	Env     *ConnectorEnv
	Options any // the connector's request type, e.g. *github.Request
}

// ConnectorResult is what an import produced.
type ConnectorResult struct {
	Folder    string     // the documents folder, e.g. "owner-repo-main-1a2b"
	Documents []Document // with upstream's fields; PageContent filled
	// Data is the route's "data" object (upstream's shape per connector,
	// e.g. {author, repo, branch, files, destination}).
	Data map[string]any
}

// ConnectorEnv is what a connector may use.
type ConnectorEnv struct {
	// HTTP is the client for every request to the source: it refuses
	// private, loopback and metadata addresses at dial time and on every
	// redirect unless LINK_ALLOWED_HOSTS allows them.
	HTTP *http.Client
	// Cipher encrypts and decrypts the replay payload of a credentialed
	// chunkSource as upstream does (SIG_KEY/SIG_SALT); nil means the
	// connector must not store credentials.
	Cipher PayloadCipher
	// NewID returns a fresh uuid v4 (injectable for tests).
	NewID func() string
}

// PayloadCipher encrypts the replay payload of a chunkSource:
// "<hex ciphertext>:<hex iv>" with AES-256-CBC, key scrypt(SIG_KEY, SIG_SALT).
type PayloadCipher interface {
	Encrypt(plaintext string) (string, error)
	Decrypt(ciphertext string) (string, error)
}
