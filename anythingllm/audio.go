package anythingllm

import (
	"cmp"
	"context"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// This file holds speech to text (/api/stt/transcribe) and text to speech
// (/api/tts): thin, validated passes to the configured providers.

// TranscriptionRequest asks for the text of an audio file.
type TranscriptionRequest struct {
	Model    string // "" = the stt category's default, else the provider's
	FileName string // its extension names the format
	Audio    []byte
	Language string // ISO-639-1, optional
	Prompt   string // optional hint
}

// Transcription is the text of an audio file.
type Transcription struct {
	Text string
}

// Transcriber turns speech into text.
type Transcriber interface {
	Transcribe(ctx context.Context, req *TranscriptionRequest) (*Transcription, error)
}

// SpeechRequest asks for spoken audio of a text.
type SpeechRequest struct {
	Model  string // "" = the tts category's default, else the provider's
	Input  string
	Voice  string // "" = the provider's default
	Format string // one of SpeechFormats; "" = mp3
	Speed  float64
}

// Speech is generated audio and its MIME type.
type Speech struct {
	Audio []byte
	MIME  string
}

// SpeechSynthesizer turns text into speech.
type SpeechSynthesizer interface {
	Speak(ctx context.Context, req *SpeechRequest) (*Speech, error)
}

// AudioFormats are the file extensions a transcription accepts (OpenAI's
// list).
var AudioFormats = []string{"flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm"}

// SpeechFormats maps the formats speech can be made in to their MIME types.
var SpeechFormats = map[string]string{
	"mp3": "audio/mpeg", "opus": "audio/opus", "aac": "audio/aac",
	"flac": "audio/flac", "wav": "audio/wav", "pcm": "audio/pcm",
}

// MaxAudioBytes is the largest audio file a transcription accepts
// (OpenAI's limit; the server's MAX_UPLOAD_BYTES applies first).
const MaxAudioBytes = 25 << 20

// MaxSpeechInput is the longest text, in characters, speech is made of.
const MaxSpeechInput = 4096

// Transcribe returns the text of an audio file, with the request's model
// or the stt category's default.
func (a *App) Transcribe(ctx context.Context, req *TranscriptionRequest, o *GenerateOverride) (*Transcription, error) {
	if req == nil || len(req.Audio) == 0 {
		return nil, Errorf(InvalidArgument, "file is required: send the audio as the multipart part \"file\"")
	}
	if len(req.Audio) > MaxAudioBytes {
		return nil, Errorf(TooLarge, "the audio file exceeds %d bytes", MaxAudioBytes)
	}
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(req.FileName)), ".")
	if !slices.Contains(AudioFormats, ext) {
		return nil, Errorf(InvalidArgument, "unsupported audio format %q: use one of %s", cmp.Or(ext, req.FileName), strings.Join(AudioFormats, ", "))
	}
	p, err := a.overridden(ctx, o)
	if err != nil {
		return nil, err
	}
	if p.STT == nil {
		return nil, Errorf(Unavailable, "no speech-to-text provider is configured")
	}
	r := *req
	r.Model = a.modelFor(ctx, CategorySTT, req.Model)
	var out *Transcription
	err = a.retry(ctx, func() (err error) {
		out, err = p.STT.Transcribe(ctx, &r)
		return err
	})
	return out, err
}

// Speak makes speech of a text, with the request's model or the tts
// category's default. The result's MIME type is the format's.
func (a *App) Speak(ctx context.Context, req *SpeechRequest, o *GenerateOverride) (*Speech, error) {
	if req == nil || strings.TrimSpace(req.Input) == "" {
		return nil, Errorf(InvalidArgument, "input cannot be empty")
	}
	if n := utf8.RuneCountInString(req.Input); n > MaxSpeechInput {
		return nil, Errorf(InvalidArgument, "input is %d characters; at most %d can be spoken at once", n, MaxSpeechInput)
	}
	r := *req
	if r.Format == "" {
		r.Format = "mp3"
	}
	mime, ok := SpeechFormats[r.Format]
	if !ok {
		return nil, Errorf(InvalidArgument, "unsupported format %q: use one of aac, flac, mp3, opus, pcm, wav", r.Format)
	}
	if r.Speed != 0 && (r.Speed < 0.25 || r.Speed > 4) {
		return nil, Errorf(InvalidArgument, "speed must be between 0.25 and 4")
	}
	p, err := a.overridden(ctx, o)
	if err != nil {
		return nil, err
	}
	if p.TTS == nil {
		return nil, Errorf(Unavailable, "no text-to-speech provider is configured")
	}
	r.Model = a.modelFor(ctx, CategoryTTS, req.Model)
	var out *Speech
	err = a.retry(ctx, func() (err error) {
		out, err = p.TTS.Speak(ctx, &r)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out.Audio) == 0 {
		return nil, Errorf(Unavailable, "the speech provider returned no audio")
	}
	out.MIME = mime
	return out, nil
}
