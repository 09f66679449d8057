// Package payload encrypts and expands the replay payload that AnythingLLM
// stores in the chunkSource of a credentialed document
// ("github://https://github.com/o/r?payload=<hex ciphertext>:<hex iv>"),
// byte-compatible with upstream's EncryptionManager, so documents stored by
// AnythingLLM resync here as long as SIG_KEY and SIG_SALT are the same.
//
// Use it from a connector:
//
//	c, err := payload.NewCipher(os.Getenv("SIG_KEY"), os.Getenv("SIG_SALT"))
//	src, err := c.Encode("github", "https://github.com/o/r", map[string]any{"owner": "o", "pat": nil})
//	base, params, err := c.Expand(src) // base: github://https://github.com/o/r, params["owner"] == "o"
//
// A connector that only has an [anythingllm.PayloadCipher] (env.Cipher) uses
// the package functions [Encode] and [Expand], which take the cipher.
//
// The key is scrypt(SIG_KEY, SIG_SALT, N=16384, r=8, p=1, 32 bytes), both
// strings used as UTF-8 text (Node's scryptSync defaults); the cipher is
// AES-256-CBC with PKCS#7 padding and a random 16-byte IV per message.
package payload

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"golang.org/x/crypto/scrypt"
)

// Cipher is upstream's EncryptionManager. It is safe for concurrent use.
type Cipher struct {
	block cipher.Block
	rand  io.Reader // IV source; crypto/rand unless a test sets it
}

var _ anythingllm.PayloadCipher = (*Cipher)(nil)

// NewCipher derives the key from SIG_KEY and SIG_SALT as upstream does.
// Both must be non-empty (upstream generates and saves random ones when they
// are missing; choosing them is the caller's job here).
func NewCipher(sigKey, sigSalt string) (*Cipher, error) {
	if sigKey == "" || sigSalt == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "SIG_KEY and SIG_SALT must both be set to encrypt connector credentials.")
	}
	key, err := scrypt.Key([]byte(sigKey), []byte(sigSalt), 16384, 8, 1, 32)
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.Internal, err, "Could not derive the payload key.")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.Internal, err, "Could not derive the payload key.")
	}
	return &Cipher{block: block, rand: rand.Reader}, nil
}

// Encrypt returns hex(AES-256-CBC(plaintext)) + ":" + hex(iv).
func (c *Cipher) Encrypt(plaintext string) (string, error) {
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(c.rand, iv); err != nil {
		return "", anythingllm.WrapError(anythingllm.Internal, err, "Could not encrypt the payload.")
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	buf := make([]byte, len(plaintext)+pad)
	copy(buf, plaintext)
	for i := len(plaintext); i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(c.block, iv).CryptBlocks(buf, buf)
	return hex.EncodeToString(buf) + ":" + hex.EncodeToString(iv), nil
}

// errBadCiphertext is the one error every malformed or undecryptable input
// gets, so callers cannot tell padding failures apart (no padding oracle).
var errBadCiphertext = anythingllm.Errorf(anythingllm.InvalidArgument, "The encrypted payload could not be decrypted (wrong SIG_KEY/SIG_SALT or a damaged chunkSource).")

// Decrypt reverses Encrypt. Malformed input, a wrong key or bad padding
// return an InvalidArgument error, never a panic.
func (c *Cipher) Decrypt(ciphertext string) (string, error) {
	ctHex, ivHex, ok := strings.Cut(ciphertext, ":")
	if !ok {
		return "", errBadCiphertext
	}
	ct, err1 := hex.DecodeString(ctHex)
	iv, err2 := hex.DecodeString(ivHex)
	if err1 != nil || err2 != nil || len(iv) != aes.BlockSize || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return "", errBadCiphertext
	}
	cipher.NewCBCDecrypter(c.block, iv).CryptBlocks(ct, ct)
	pad := int(ct[len(ct)-1])
	if pad == 0 || pad > aes.BlockSize || !bytes.Equal(ct[len(ct)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return "", errBadCiphertext
	}
	return string(ct[:len(ct)-pad]), nil
}

// Encode is [Encode] with this cipher.
func (c *Cipher) Encode(scheme, rawURL string, payload any) (string, error) {
	return Encode(c, scheme, rawURL, payload)
}

// Expand is [Expand] with this cipher.
func (c *Cipher) Expand(chunkSource string) (*url.URL, map[string]string, error) {
	return Expand(c, chunkSource)
}

// Encode builds upstream's credentialed chunkSource
// "<scheme>://<rawURL>?payload=<Encrypt(JSON(payload))>". rawURL is used
// as given (upstream does not escape it). Map payloads are encoded with
// sorted keys, structs in field order; a nil value is JSON null.
func Encode(c anythingllm.PayloadCipher, scheme, rawURL string, payload any) (string, error) {
	if c == nil {
		return "", anythingllm.Errorf(anythingllm.FailedPrecondition, "No payload cipher is configured (SIG_KEY/SIG_SALT), so credentials cannot be stored.")
	}
	if scheme == "" || strings.ContainsAny(scheme, ":/?#") {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The chunkSource scheme %q is not valid.", scheme)
	}
	js, err := json.Marshal(payload)
	if err != nil {
		return "", anythingllm.WrapError(anythingllm.InvalidArgument, err, "The replay payload cannot be encoded as JSON.")
	}
	enc, err := c.Encrypt(string(js))
	if err != nil {
		return "", err
	}
	return scheme + "://" + rawURL + "?payload=" + enc, nil
}

// Expand reproduces upstream's EncryptionWorker.expandPayload: it parses
// chunkSource as a URL, decrypts its "payload" query parameter, decodes the
// JSON object and returns the URL without "payload" plus every key of the
// object as a string parameter. Strings stay as they are, booleans become
// "true"/"false", numbers their shortest decimal form, and objects or
// arrays their JSON text.
//
// Deviation from upstream (docs/compatibility.md): upstream appends a JSON
// null as the string "null" (so a token-less GitLab or Confluence document
// later sends the token "null" and fails); Expand leaves such a key out, and
// also drops a key whose value is the string "null", so a stored payload
// written by upstream reads as "no token".
//
// base keeps any other query parameters of chunkSource. A chunkSource with
// no payload parameter returns an empty map and no error; one whose payload
// cannot be decrypted or decoded is an InvalidArgument error (upstream
// silently returns the bare URL).
func Expand(c anythingllm.PayloadCipher, chunkSource string) (*url.URL, map[string]string, error) {
	base, err := url.Parse(chunkSource)
	if err != nil {
		return nil, nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The chunkSource is not a valid URL.")
	}
	q := base.Query()
	enc := q.Get("payload")
	params := map[string]string{}
	if !q.Has("payload") {
		return base, params, nil
	}
	q.Del("payload")
	base.RawQuery = q.Encode()
	if c == nil {
		return nil, nil, anythingllm.Errorf(anythingllm.FailedPrecondition, "No payload cipher is configured (SIG_KEY/SIG_SALT), so the chunkSource cannot be decrypted.")
	}
	plain, err := c.Decrypt(enc)
	if err != nil {
		return nil, nil, err
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(plain))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The decrypted payload is not a JSON object.")
	}
	for k, raw := range obj {
		v, present, err := stringValue(raw)
		if err != nil {
			return nil, nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The decrypted payload key %q is not valid JSON.", k)
		}
		if present {
			params[k] = v
		}
	}
	return base, params, nil
}

// stringValue converts a JSON value to upstream's searchParams string;
// present is false for null and "null".
func stringValue(raw json.RawMessage) (string, bool, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", false, err
	}
	switch x := v.(type) {
	case nil:
		return "", false, nil
	case string:
		if x == "null" {
			return "", false, nil
		}
		return x, true, nil
	case bool:
		return strconv.FormatBool(x), true, nil
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64), true, nil
		}
		return x.String(), true, nil
	default:
		return string(raw), true, nil
	}
}

// Require returns params[key] or an InvalidArgument error naming key.
func Require(params map[string]string, key string) (string, error) {
	v, ok := params[key]
	if !ok || v == "" {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The chunkSource payload has no %q.", key)
	}
	return v, nil
}
