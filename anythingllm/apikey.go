package anythingllm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"strings"
)

// crockford is Crockford's base-32 alphabet, which uuid-apikey uses.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var apiKeyFormat = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{7}-[0-9A-HJKMNP-TV-Z]{7}-[0-9A-HJKMNP-TV-Z]{7}-[0-9A-HJKMNP-TV-Z]{7}$`)

// NewAPIKeySecret returns a fresh key in AnythingLLM's format: 128 random
// bits as four groups of seven upper-case Crockford base-32 characters
// joined by "-", e.g. "4XQ2M8T-9KJ0B7D-W3R5Y6Z-1H2G3F4".
func NewAPIKeySecret() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	groups := make([]string, 4)
	for i := range groups {
		v := binary.BigEndian.Uint32(b[i*4:])
		var g [7]byte
		for j := 6; j >= 0; j-- {
			g[j] = crockford[v&31]
			v >>= 5
		}
		groups[i] = string(g[:])
	}
	return strings.Join(groups, "-")
}

// IsAPIKeyFormat reports whether s looks like an AnythingLLM API key.
func IsAPIKeyFormat(s string) bool { return apiKeyFormat.MatchString(s) }

// HashAPIKey returns the hex SHA-256 of a key secret, the only form in which
// keys are stored. A fast hash is enough: the secret has 128 random bits.
func HashAPIKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateAPIKeyRequest names a new key.
type CreateAPIKeyRequest struct {
	Name      string // optional; trimmed, empty = no name
	CreatedBy *int64
}

// CreateAPIKey makes and stores a new key, returning the stored row and the
// secret. The secret is not kept anywhere: show it to the user once.
func (a *App) CreateAPIKey(ctx context.Context, req *CreateAPIKeyRequest) (*APIKey, string, error) {
	if req == nil {
		req = &CreateAPIKeyRequest{}
	}
	secret := NewAPIKeySecret()
	k := &APIKey{SecretHash: HashAPIKey(secret), Prefix: secret[:7], CreatedBy: req.CreatedBy}
	if name := strings.TrimSpace(req.Name); name != "" {
		k.Name = &name
	}
	now := a.now()
	k.CreatedAt, k.LastUpdatedAt = now, now
	if err := a.deps.Store.APIKeys().Create(ctx, k); err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// ListAPIKeys lists stored keys (without secrets).
func (a *App) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	return a.deps.Store.APIKeys().List(ctx)
}

// RevokeAPIKey deletes the key with that id; ErrNotFound if there is none.
func (a *App) RevokeAPIKey(ctx context.Context, id int64) error {
	return a.deps.Store.APIKeys().Delete(ctx, id)
}

// VerifyAPIKey checks a secret. It answers ErrUnauthenticated for any
// secret that is not a current key; it never says why.
func (a *App) VerifyAPIKey(ctx context.Context, secret string) (*APIKey, error) {
	if secret == "" || len(secret) > 128 {
		return nil, ErrUnauthenticated
	}
	sum := sha256.Sum256([]byte(secret))
	if a.bootstrapHash != nil && subtle.ConstantTimeCompare(sum[:], a.bootstrapHash) == 1 {
		return &APIKey{Prefix: "bootstrap"}, nil
	}
	hash := hex.EncodeToString(sum[:])
	k, err := a.deps.Store.APIKeys().GetByHash(ctx, hash)
	if err != nil {
		if Code(err) == NotFound {
			return nil, ErrUnauthenticated
		}
		return nil, err
	}
	// The lookup is by hash already; compare again in constant time so
	// that a store with a lax index cannot turn a near-match into a pass.
	if subtle.ConstantTimeCompare([]byte(k.SecretHash), []byte(hash)) != 1 {
		return nil, ErrUnauthenticated
	}
	return k, nil
}
