package payload

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"golang.org/x/crypto/scrypt"
)

func newTestCipher(t *testing.T) *Cipher {
	t.Helper()
	c, err := NewCipher("test-sig-key", "test-sig-salt")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nodeVector was produced by Node's crypto (the primitives upstream's
// EncryptionManager uses): scryptSync("test-sig-key", "test-sig-salt", 32),
// createCipheriv("aes-256-cbc", key, iv 00..0f).
const (
	nodePlain  = `{"owner":"octo","project":"hello","branch":"main","path":"docs/a.md","pat":null,"scheme":"https"}`
	nodeVector = "0e7895e25a23bdc2585acb7d0538e5163081c29235dd79a12a34d5f876a426d04885ca8628491731d13ce16e1359c180b3004b271494527e272224e66d35aa49146016802cd7149a3cd5b1934bc1020b733c507aa3a000fbfa1ba48b584aef5366586d398320236b6517feb3d68360ea:000102030405060708090a0b0c0d0e0f"
)

func TestDecryptsUpstreamVector(t *testing.T) {
	got, err := newTestCipher(t).Decrypt(nodeVector)
	if err != nil || got != nodePlain {
		t.Fatalf("Decrypt(node vector) = %q, %v", got, err)
	}
}

// TestEncryptMatchesStdlibVector computes the expected output with
// x/crypto/scrypt and crypto/aes directly, not with this package.
func TestEncryptMatchesStdlibVector(t *testing.T) {
	key, err := scrypt.Key([]byte("test-sig-key"), []byte("test-sig-salt"), 16384, 8, 1, 32)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(key) != "e07100e9eb5ee59aa1fc7ccafe2651ecfe4142e4ca3024153f6d3d966c7081df" {
		t.Fatalf("scrypt key %x differs from Node's", key)
	}
	iv := bytes.Repeat([]byte{7}, 16)
	plain := []byte("héllo, payload") // 15 bytes -> one byte of padding
	padded := append(append([]byte{}, plain...), 1)
	block, _ := aes.NewCipher(key)
	want := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(want, padded)
	wantStr := hex.EncodeToString(want) + ":" + hex.EncodeToString(iv)

	c := newTestCipher(t)
	c.rand = bytes.NewReader(iv)
	got, err := c.Encrypt(string(plain))
	if err != nil || got != wantStr {
		t.Fatalf("Encrypt = %q, %v; want %q", got, err, wantStr)
	}
	// a full block of padding when the text is block aligned
	c.rand = bytes.NewReader(iv)
	got, _ = c.Encrypt(strings.Repeat("a", 16))
	ct, _ := hex.DecodeString(strings.Split(got, ":")[0])
	if len(ct) != 32 {
		t.Fatalf("16-byte text encrypted to %d bytes, want 32", len(ct))
	}
}

func TestRoundTripFreshIV(t *testing.T) {
	c := newTestCipher(t)
	for _, s := range []string{"", "x", strings.Repeat("ü", 100), `{"pat":"ghp_secret"}`} {
		a, err := c.Encrypt(s)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := c.Encrypt(s)
		if a == b {
			t.Errorf("two encryptions of %q are equal: the IV is not fresh", s)
		}
		got, err := c.Decrypt(a)
		if err != nil || got != s {
			t.Errorf("round trip of %q = %q, %v", s, got, err)
		}
	}
}

func TestBadCiphertextIsAnError(t *testing.T) {
	c := newTestCipher(t)
	good, _ := c.Encrypt("some secret text here")
	ctHex, ivHex, _ := strings.Cut(good, ":")
	flipLast := []byte(ctHex)
	flipLast[len(flipLast)-1] ^= 1
	cases := map[string]string{
		"empty":         "",
		"no colon":      ctHex,
		"short":         "abcd:" + ivHex,
		"odd hex":       ctHex[:len(ctHex)-1] + ":" + ivHex,
		"non hex":       "zz" + ctHex[2:] + ":" + ivHex,
		"short iv":      ctHex + ":0011",
		"empty ct":      ":" + ivHex,
		"tampered last": string(flipLast) + ":" + ivHex,
		"truncated":     ctHex[:32] + ":" + ivHex,
	}
	for name, in := range cases {
		got, err := c.Decrypt(in)
		if err == nil && name != "truncated" { // a truncated block may decrypt to garbage with valid padding by chance
			t.Errorf("%s: Decrypt = %q, want an error", name, got)
		}
		if err != nil && !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("%s: error %v is not InvalidArgument", name, err)
		}
	}
}

func TestWrongKeyFailsCleanly(t *testing.T) {
	enc, _ := newTestCipher(t).Encode("github", "https://github.com/o/r", map[string]any{"pat": "ghp_secret"})
	other, err := NewCipher("another-key", "test-sig-salt")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = other.Expand(enc)
	if !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Fatalf("Expand with a wrong key: %v, want InvalidArgument", err)
	}
	if strings.Contains(err.Error(), "ghp_secret") {
		t.Fatal("the error leaks the secret")
	}
}

func TestNewCipherNeedsBothValues(t *testing.T) {
	for _, kv := range [][2]string{{"", "s"}, {"k", ""}} {
		if _, err := NewCipher(kv[0], kv[1]); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("NewCipher(%q, %q) = %v", kv[0], kv[1], err)
		}
	}
}

func TestEncodeExpandRoundTrip(t *testing.T) {
	c := newTestCipher(t)
	src, err := c.Encode("github", "https://ghe.example.com:8443/octo/hello", map[string]any{
		"owner": "octo", "project": "hello", "branch": "main", "path": "docs/a.md", "pat": nil, "scheme": "https",
		"cloud": true, "n": 3, "nested": map[string]any{"a": 1}, "literal": "null",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(src, "github://https://ghe.example.com:8443/octo/hello?payload=") {
		t.Fatalf("chunkSource %q", src)
	}
	base, params, err := Expand(c, src)
	if err != nil {
		t.Fatal(err)
	}
	if base.Scheme != "github" || base.Host != "https:" || base.Path != "//ghe.example.com:8443/octo/hello" || base.RawQuery != "" {
		t.Fatalf("base = %#v", base)
	}
	want := map[string]string{"owner": "octo", "project": "hello", "branch": "main", "path": "docs/a.md", "scheme": "https", "cloud": "true", "n": "3", "nested": `{"a":1}`}
	if len(params) != len(want) {
		t.Fatalf("params = %v, want %v (null and \"null\" left out)", params, want)
	}
	for k, v := range want {
		if params[k] != v {
			t.Errorf("params[%q] = %q, want %q", k, params[k], v)
		}
	}
}

func TestExpandUpstreamChunkSource(t *testing.T) {
	base, params, err := Expand(newTestCipher(t), "github://https://github.com/octo/hello?payload="+nodeVector)
	if err != nil {
		t.Fatal(err)
	}
	if base.String() != "github://https://github.com/octo/hello" {
		t.Errorf("base = %s", base)
	}
	if params["path"] != "docs/a.md" || params["owner"] != "octo" {
		t.Errorf("params = %v", params)
	}
	if _, ok := params["pat"]; ok {
		t.Error("a null pat must be missing")
	}
}

func TestExpandWithoutPayload(t *testing.T) {
	base, params, err := Expand(nil, "link://https://example.com/a")
	if err != nil || len(params) != 0 || base.String() != "link://https://example.com/a" {
		t.Fatalf("Expand(no payload) = %v, %v, %v", base, params, err)
	}
	if _, _, err := Expand(nil, "github://x?payload=00:00"); !errors.Is(err, anythingllm.ErrFailedPrecondition) {
		t.Fatalf("Expand with no cipher: %v", err)
	}
	c := newTestCipher(t)
	notObject, _ := c.Encrypt(`["a"]`)
	if _, _, err := c.Expand("github://x?payload=" + notObject); !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Fatalf("a non-object payload: %v", err)
	}
}

func FuzzDecrypt(f *testing.F) {
	c, err := NewCipher("k", "s")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(nodeVector)
	f.Add("00:00")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = c.Decrypt(s) // must not panic
		_, _, _ = c.Expand("github://h?payload=" + s)
	})
}
