package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

// post sends a JSON body with the key and decodes the JSON answer.
func post(t *testing.T, url, key string, body any, header http.Header, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: %d %q: %v", url, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

// The stock binary generates images, transcribes and speaks through the
// configured OpenAI-compatible provider.
func TestStockBinaryImagesAndAudio(t *testing.T) {
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	in := newInstance(t, "LLM_PROVIDER=generic-openai", "GENERIC_OPEN_AI_BASE_PATH="+fake.BaseURL(), "GENERIC_OPEN_AI_MODEL_PREF=fake-model")
	key := in.createKey()
	in.start()
	var out struct {
		URL           string `json:"url"`
		RevisedPrompt string `json:"revised_prompt"`
		Images        []struct {
			URL string `json:"url"`
		} `json:"images"`
	}
	if st := post(t, in.url("/api/image/generate/"), key, map[string]any{"prompt": "a sunset", "n": 2}, nil, &out); st != 200 ||
		out.URL != fake.URL+"/files/image-0.png" || out.RevisedPrompt != "revised: a sunset" || len(out.Images) != 2 {
		t.Fatalf("image = %d %+v", st, out)
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "clip.ogg")
	_, _ = fw.Write([]byte("spoken words"))
	_ = mw.Close()
	req, _ := http.NewRequest("POST", in.url("/api/stt/transcribe"), &body)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(raw) != `{"text":"spoken words"}`+"\n" {
		t.Fatalf("stt: %d %s", resp.StatusCode, raw)
	}
	b, _ := json.Marshal(map[string]any{"input": "say this", "format": "flac"})
	req, _ = http.NewRequest("POST", in.url("/api/tts"), bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/flac" || !bytes.Equal(raw, fakeopenai.SpeechAudio("flac", "alloy", "say this")) {
		t.Fatalf("tts: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
}

// OPENAI_OVERRIDE_ALLOWED_HOSTS enables X-OpenAI-Base-URL for the listed
// hosts only; the stored key never reaches an overriding URL.
func TestStockBinaryOverrides(t *testing.T) {
	const stored = "sk-stored-in-env-789"
	home := fakeopenai.New(nil)
	t.Cleanup(home.Close)
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	var mu sync.Mutex
	var auths []string
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		fake.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(trap.Close)
	in := newInstance(t, "LLM_PROVIDER=generic-openai", "GENERIC_OPEN_AI_BASE_PATH="+home.BaseURL(), "GENERIC_OPEN_AI_MODEL_PREF=fake-model",
		"GENERIC_OPEN_AI_API_KEY="+stored, "OPENAI_OVERRIDE_ALLOWED_HOSTS=127.0.0.0/8")
	key := in.createKey()
	in.start()
	chat := map[string]any{"messages": []map[string]string{{"role": "user", "content": "hi"}}}
	var out struct{ Content, Error string }
	if st := post(t, in.url("/api/llm/generate"), key, chat, http.Header{"X-Openai-Base-Url": {trap.URL + "/v1"}}, &out); st != 200 || out.Content != "Echo: hi" {
		t.Fatalf("override: %d %+v", st, out)
	}
	if st := post(t, in.url("/api/llm/generate"), key, chat, http.Header{"X-Openai-Base-Url": {"http://metadata.google.internal/v1"}}, &out); st != 400 || !strings.Contains(out.Error, "OPENAI_OVERRIDE_ALLOWED_HOSTS") {
		t.Fatalf("host off the list: %d %+v", st, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(auths) != 1 || strings.Contains(auths[0], stored) {
		t.Fatalf("the trap saw %q", auths)
	}
}

// help <command> prints the command's usage once, on stdout only.
func TestHelpPrintsUsageOnce(t *testing.T) {
	in := newInstance(t)
	for _, args := range [][]string{{"help", "apikey"}, {"help", "users"}, {"apikey", "--help"}, {"users", "-h"}, {"serve", "--help"}} {
		out, stderr, err := in.cli(args...)
		if err != nil || strings.Count(out, "Usage: anythingllm") != 1 || stderr != "" {
			t.Errorf("anythingllm %s: err=%v, usage printed %d times on stdout, stderr=%q", strings.Join(args, " "), err, strings.Count(out, "Usage: anythingllm"), stderr)
		}
	}
	// A bad flag: the error and the usage, once, on stderr.
	out, stderr, err := in.cli("apikey", "create", "--bogus")
	if err == nil || out != "" || !strings.Contains(stderr, "bogus") || strings.Count(stderr, "Usage: anythingllm") != 1 {
		t.Errorf("bad flag: err=%v stdout=%q stderr=%q", err, out, stderr)
	}
}
