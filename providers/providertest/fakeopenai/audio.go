package fakeopenai

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// TranscriptionRequest is a received transcription request.
type TranscriptionRequest struct {
	Model, FileName, Language, Prompt, ResponseFormat string
	Audio                                             []byte
}

// SpeechRequest is a received speech request.
type SpeechRequest struct {
	Model          string  `json:"model"`
	Input          string  `json:"input"`
	Voice          string  `json:"voice"`
	ResponseFormat string  `json:"response_format"`
	Speed          float64 `json:"speed"`
}

// TranscriptionRequests returns the transcription requests received so far.
func (s *Server) TranscriptionRequests() []TranscriptionRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TranscriptionRequest(nil), s.sttRequests...)
}

// SpeechRequests returns the speech requests received so far.
func (s *Server) SpeechRequests() []SpeechRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SpeechRequest(nil), s.ttsRequests...)
}

// SpeechAudio is the fake's "audio" for a speech request.
func SpeechAudio(format, voice, input string) []byte {
	return []byte(fmt.Sprintf("FAKEAUDIO %s %s: %s", format, voice, input))
}

var speechTypes = map[string]string{"mp3": "audio/mpeg", "opus": "audio/opus", "aac": "audio/aac", "flac": "audio/flac", "wav": "audio/wav", "pcm": "audio/pcm"}

// transcriptions answers POST /v1/audio/transcriptions (multipart: file,
// model, language, prompt, response_format) as OpenAI does with
// {"text": ...}; the "transcript" is the audio file's bytes read as text.
func (s *Server) transcriptions(w http.ResponseWriter, r *http.Request) {
	if s.injected(w) {
		return
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil { // #nosec G120 -- a test fake on loopback
		apiError(w, 400, "the body must be multipart/form-data")
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		apiError(w, 400, "file is required")
		return
	}
	audio, _ := io.ReadAll(f)
	f.Close()
	req := TranscriptionRequest{Model: r.FormValue("model"), FileName: hdr.Filename, Language: r.FormValue("language"),
		Prompt: r.FormValue("prompt"), ResponseFormat: r.FormValue("response_format"), Audio: audio}
	s.mu.Lock()
	s.sttRequests = append(s.sttRequests, req)
	s.mu.Unlock()
	if req.Model == "" {
		apiError(w, 400, "model is required")
		return
	}
	text := strings.TrimSpace(string(audio))
	if req.ResponseFormat == "text" {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintln(w, text)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"text": text})
}

// speech answers POST /v1/audio/speech with SpeechAudio's bytes and the
// format's Content-Type (mp3 by default).
func (s *Server) speech(w http.ResponseWriter, r *http.Request) {
	if s.injected(w) {
		return
	}
	var req SpeechRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiError(w, 400, "invalid JSON")
		return
	}
	s.mu.Lock()
	s.ttsRequests = append(s.ttsRequests, req)
	s.mu.Unlock()
	format := req.ResponseFormat
	if format == "" {
		format = "mp3"
	}
	ct, ok := speechTypes[format]
	switch {
	case req.Model == "" || req.Voice == "" || req.Input == "":
		apiError(w, 400, "model, voice and input are required")
		return
	case !ok:
		apiError(w, 400, "unsupported response_format "+format)
		return
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write(SpeechAudio(format, req.Voice, req.Input))
}
