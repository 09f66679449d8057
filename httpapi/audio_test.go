package httpapi_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
	"github.com/anythingllm-go/anythingllm/providers/openai"
	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

// audioForm builds a multipart body with an audio file and form fields.
func audioForm(t *testing.T, fileName string, audio []byte, fields map[string]string) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if fileName != "" {
		fw, _ := mw.CreateFormFile("file", fileName)
		_, _ = fw.Write(audio)
	}
	_ = mw.Close()
	return &b, mw.FormDataContentType()
}

func audioEnv(t *testing.T, opts *httpapi.Options, env map[string]string) (*httpapitest.Env, *fakeopenai.Server) {
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	c, err := openai.New(&openai.Options{BaseURL: fake.BaseURL()})
	if err != nil {
		t.Fatal(err)
	}
	return httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{STT: c, TTS: c}, Server: opts,
		App: &anythingllm.Options{Env: func(k string) string { return env[k] }}}), fake
}

func TestTranscribe(t *testing.T) {
	srv, fake := audioEnv(t, &httpapi.Options{MaxUploadBytes: 1 << 10}, map[string]string{"DEFAULT_MODEL_STT": "whisper-large"})
	post := func(path, fileName string, audio []byte, fields map[string]string) (int, string) {
		body, ct := audioForm(t, fileName, audio, fields)
		resp := srv.DoWith(t, "POST", path, body, http.Header{"Authorization": {"Bearer " + srv.Key}, "Content-Type": {ct}})
		return resp.StatusCode, httpapitest.Body(t, resp)
	}
	for _, path := range []string{"/api/stt/transcribe", "/api/stt/transcribe/"} {
		if st, body := post(path, "hello.mp3", []byte("hello there"), map[string]string{"language": "en"}); st != 200 || body != `{"text":"hello there"}`+"\n" {
			t.Fatalf("%s: %d %s", path, st, body)
		}
	}
	if st, body := post("/api/stt/transcribe", "a.WAV", []byte("x"), map[string]string{"model": "whisper-2", "prompt": "names"}); st != 200 {
		t.Fatalf("with model: %d %s", st, body)
	}
	got := fake.TranscriptionRequests()
	if len(got) != 3 || got[0].Model != "whisper-large" || got[0].Language != "en" || got[0].FileName != "hello.mp3" ||
		got[2].Model != "whisper-2" || got[2].Prompt != "names" {
		t.Fatalf("upstream saw %+v", got)
	}
	for _, c := range []struct {
		name  string
		audio []byte
		code  int
		want  string
	}{
		{"notes.txt", []byte("x"), 400, `unsupported audio format \"txt\"`},
		{"noext", []byte("x"), 400, `unsupported audio format \"noext\"`},
		{"", nil, 400, "file is required"},
		{"big.mp3", bytes.Repeat([]byte("a"), 2<<10), 413, "exceeds"},
	} {
		if st, body := post("/api/stt/transcribe", c.name, c.audio, nil); st != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%q: %d %s, want %d %q", c.name, st, body, c.code, c.want)
		}
	}
	if n := len(fake.TranscriptionRequests()); n != 3 {
		t.Fatalf("refused requests reached the provider: %d calls", n)
	}
	resp := srv.DoWith(t, "POST", "/api/stt/transcribe", strings.NewReader(`{}`), http.Header{"Authorization": {"Bearer " + srv.Key}, "Content-Type": {"application/json"}})
	if body := httpapitest.Body(t, resp); resp.StatusCode != 400 || !strings.Contains(body, "multipart/form-data") {
		t.Fatalf("JSON body: %d %s", resp.StatusCode, body)
	}
}

func TestTTS(t *testing.T) {
	srv, fake := audioEnv(t, nil, map[string]string{"DEFAULT_MODEL_TTS": "tts-1-hd"})
	for _, c := range []struct {
		body      map[string]any
		ctype     string
		wantAudio []byte
	}{
		{map[string]any{"input": "hello"}, "audio/mpeg", fakeopenai.SpeechAudio("mp3", "alloy", "hello")},
		{map[string]any{"input": "hi", "voice": "nova", "format": "wav"}, "audio/wav", fakeopenai.SpeechAudio("wav", "nova", "hi")},
		{map[string]any{"input": "yo", "format": "opus", "model": "tts-2", "speed": 2}, "audio/opus", fakeopenai.SpeechAudio("opus", "alloy", "yo")},
	} {
		resp := srv.Do(t, "POST", "/api/tts/", c.body)
		body := httpapitest.Body(t, resp)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != c.ctype || body != string(c.wantAudio) {
			t.Fatalf("%v: %d %s %q", c.body, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	if r := fake.SpeechRequests(); len(r) != 3 || r[0].Model != "tts-1-hd" || r[2].Model != "tts-2" || r[2].Speed != 2 {
		t.Fatalf("upstream saw %+v", r)
	}
	for _, c := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{}, "input is required"},
		{map[string]any{"input": "   "}, "input cannot be empty"},
		{map[string]any{"input": "x", "format": "ogg"}, "format must be mp3, opus, aac, flac, wav or pcm"},
		{map[string]any{"input": "x", "speed": 9}, "speed must be between 0.25 and 4"},
		{map[string]any{"input": strings.Repeat("a", 4097)}, "input is 4097 characters; at most 4096 can be spoken at once"},
	} {
		var e struct{ Error string }
		if st := srv.DoJSON(t, "POST", "/api/tts", c.body, &e); st != 400 || e.Error != c.want {
			t.Errorf("%v: %d %q, want 400 %q", c.body, st, e.Error, c.want)
		}
	}
	if n := len(fake.SpeechRequests()); n != 3 {
		t.Fatalf("refused requests reached the provider: %d calls", n)
	}
}

func TestAudioWithoutProviderIs503(t *testing.T) {
	srv := httpapitest.New(t, nil)
	var e struct{ Error string }
	if st := srv.DoJSON(t, "POST", "/api/tts", map[string]any{"input": "x"}, &e); st != 503 || !strings.Contains(e.Error, "text-to-speech") {
		t.Fatalf("tts: %d %q", st, e.Error)
	}
}

func TestAudioRoutesInTheOpenAPIDocument(t *testing.T) {
	srv := httpapitest.New(t, nil)
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
			Responses map[string]struct {
				Content map[string]any `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if st := srv.DoJSON(t, "GET", "/api/schema", nil, &doc); st != 200 {
		t.Fatalf("schema: %d", st)
	}
	stt, ok := doc.Paths["/stt/transcribe"]["post"]
	if !ok || stt.RequestBody.Content["multipart/form-data"] == nil || stt.Responses["200"].Content["application/json"] == nil {
		t.Fatalf("/stt/transcribe: %+v", stt)
	}
	tts, ok := doc.Paths["/tts"]["post"]
	if !ok || tts.RequestBody.Content["application/json"] == nil || tts.Responses["200"].Content["audio/mpeg"] == nil || tts.Responses["200"].Content["audio/wav"] == nil {
		t.Fatalf("/tts: %+v", tts)
	}
}
