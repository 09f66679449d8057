package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Handlers for /api/stt/transcribe and /api/tts: OpenAI's audio APIs
// through the configured provider.

// transcribeForm is the multipart form of /api/stt/transcribe besides its
// "file" part (the audio).
type transcribeForm struct {
	Model    string `json:"model,omitempty" doc:"defaults to the stt category's default model"`
	Language string `json:"language,omitempty" doc:"the audio's language, ISO-639-1 (e.g. en)"`
	Prompt   string `json:"prompt,omitempty" doc:"a hint: names, spellings, the previous segment"`
}

type transcribeResponse struct {
	Text string `json:"text"`
}

type ttsRequest struct {
	Input  string  `json:"input" validate:"required"`
	Voice  string  `json:"voice,omitempty" doc:"e.g. alloy (default), echo, fable, onyx, nova, shimmer"`
	Model  string  `json:"model,omitempty" doc:"defaults to the tts category's default model"`
	Format string  `json:"format,omitempty" validate:"omitempty,oneof=mp3 opus aac flac wav pcm" doc:"mp3 (default), opus, aac, flac, wav or pcm"`
	Speed  float64 `json:"speed,omitempty" validate:"omitempty,between=0.25:4"`
}

// speechTypes is the Content-Type list of /api/tts, for the OpenAPI document.
const speechTypes = "audio/mpeg,audio/opus,audio/aac,audio/flac,audio/wav,audio/pcm"

func (s *server) handleTranscribe(w http.ResponseWriter, r *http.Request) {
	mr, err := r.MultipartReader()
	if err != nil {
		s.writeError(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "the body must be multipart/form-data with a \"file\" part"))
		return
	}
	req := &anythingllm.TranscriptionRequest{}
	haveFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.writeError(w, r, partError(err))
			return
		}
		switch part.FormName() {
		case "file":
			if haveFile {
				s.writeError(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "send exactly one \"file\" part"))
				return
			}
			haveFile = true
			req.FileName = part.FileName()
			if err := checkFormText("the file name", req.FileName, false); err != nil {
				s.writeError(w, r, err)
				return
			}
			if req.Audio, err = io.ReadAll(io.LimitReader(part, anythingllm.MaxAudioBytes+1)); err != nil {
				s.writeError(w, r, partError(err))
				return
			}
		case "model", "language", "prompt":
			b, err := io.ReadAll(io.LimitReader(part, 64<<10))
			if err != nil {
				s.writeError(w, r, partError(err))
				return
			}
			if err := checkFormText(part.FormName(), string(b), part.FormName() == "prompt"); err != nil {
				s.writeError(w, r, err)
				return
			}
			switch part.FormName() {
			case "model":
				req.Model = string(b)
			case "language":
				req.Language = string(b)
			default:
				req.Prompt = string(b)
			}
		}
	}
	out, err := s.app.Transcribe(r.Context(), req, providerOverride(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, transcribeResponse{Text: out.Text})
}

func (s *server) handleTTS(w http.ResponseWriter, r *http.Request) {
	req, err := decode[ttsRequest](r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.app.Speak(r.Context(), &anythingllm.SpeechRequest{Model: req.Model, Input: req.Input, Voice: req.Voice,
		Format: req.Format, Speed: req.Speed}, providerOverride(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", out.MIME)
	h.Set("Content-Length", strconv.Itoa(len(out.Audio)))
	h.Set("X-Content-Type-Options", "nosniff") // audio stays audio, never sniffed as HTML
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Audio) // #nosec G705 -- audio bytes under an audio/* Content-Type with nosniff, not HTML
}
