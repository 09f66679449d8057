package anythingllm_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
)

func TestNewAPIKeySecretFormat(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		k := anythingllm.NewAPIKeySecret()
		if !anythingllm.IsAPIKeyFormat(k) || len(k) != 31 {
			t.Fatalf("%q is not in AnythingLLM's key format", k)
		}
		if strings.ContainsAny(k, "ILOU") {
			t.Fatalf("%q has a character outside Crockford's alphabet", k)
		}
		if seen[k] {
			t.Fatalf("duplicate key %q", k)
		}
		seen[k] = true
	}
	for _, bad := range []string{"", "abcdefg-ABCDEFG-ABCDEFG-ABCDEFG", "ABCDEFG-ABCDEFG-ABCDEFG", "ABCDEFGH-ABCDEFG-ABCDEFG-ABCDEFG", "ABCDEFI-ABCDEFG-ABCDEFG-ABCDEFG"} {
		if anythingllm.IsAPIKeyFormat(bad) {
			t.Errorf("%q accepted as a key", bad)
		}
	}
}

func TestAPIKeyLifecycle(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	app, err := anythingllm.New(anythingllm.Deps{Store: st}, nil)
	if err != nil {
		t.Fatal(err)
	}
	k, secret, err := app.CreateAPIKey(ctx, &anythingllm.CreateAPIKeyRequest{Name: "  ci  "})
	if err != nil {
		t.Fatal(err)
	}
	if k.Name == nil || *k.Name != "ci" || k.Prefix != secret[:7] {
		t.Fatalf("stored key = %+v", k)
	}
	stored, _ := st.APIKeys().List(ctx)
	if len(stored) != 1 || stored[0].SecretHash == secret || strings.Contains(stored[0].SecretHash, secret) {
		t.Fatal("the secret is stored")
	}
	if got, err := app.VerifyAPIKey(ctx, secret); err != nil || got.ID != k.ID {
		t.Fatalf("VerifyAPIKey(valid) = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "nope", strings.ToLower(secret), secret + " ", strings.Repeat("A", 500)} {
		if _, err := app.VerifyAPIKey(ctx, bad); !errors.Is(err, anythingllm.ErrUnauthenticated) {
			t.Errorf("VerifyAPIKey(%q) = %v, want ErrUnauthenticated", bad, err)
		}
	}
	if err := app.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := app.VerifyAPIKey(ctx, secret); !errors.Is(err, anythingllm.ErrUnauthenticated) {
		t.Fatalf("revoked key verified: %v", err)
	}
	if err := app.RevokeAPIKey(ctx, k.ID); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Fatalf("revoking twice = %v, want ErrNotFound", err)
	}
}

func TestBootstrapKeyIsNotStored(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	app, _ := anythingllm.New(anythingllm.Deps{Store: st}, &anythingllm.Options{BootstrapAPIKey: "BOOT"})
	if _, err := app.VerifyAPIKey(ctx, "BOOT"); err != nil {
		t.Fatal(err)
	}
	if keys, _ := st.APIKeys().List(ctx); len(keys) != 0 {
		t.Fatal("the bootstrap key was written to the store")
	}
}

func TestErrorCodes(t *testing.T) {
	err := anythingllm.WrapError(anythingllm.NotFound, errors.New("sql: no rows"), "workspace not found")
	if !errors.Is(err, anythingllm.ErrNotFound) || errors.Is(err, anythingllm.ErrAlreadyExists) {
		t.Fatal("errors.Is does not follow the code")
	}
	if anythingllm.Code(err) != anythingllm.NotFound || anythingllm.ErrorMessage(err) != "workspace not found" {
		t.Fatalf("Code/ErrorMessage = %v / %q", anythingllm.Code(err), anythingllm.ErrorMessage(err))
	}
	wrapped := errors.Join(errors.New("context"), err)
	if !errors.Is(wrapped, anythingllm.ErrNotFound) {
		t.Fatal("a joined error lost its code")
	}
	if anythingllm.Code(context.Canceled) != anythingllm.Canceled || anythingllm.Code(errors.New("x")) != anythingllm.Unknown {
		t.Fatal("Code of plain errors")
	}
	if _, err := anythingllm.New(anythingllm.Deps{}, nil); err == nil {
		t.Fatal("New without a Store succeeded")
	}
}
