package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
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
