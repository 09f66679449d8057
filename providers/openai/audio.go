package openai

import (
	"bytes"
	"context"
	"io"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	goopenai "github.com/sashabaranov/go-openai"
)

// maxSpeechBytes bounds the audio read back from the speech API.
const maxSpeechBytes = 64 << 20

// Transcribe turns speech into text with the transcription API
// (POST /audio/transcriptions).
func (c *Client) Transcribe(ctx context.Context, req *anythingllm.TranscriptionRequest) (*anythingllm.Transcription, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	model := req.Model
	if model == "" {
		model = c.opts.STTModel
	}
	resp, err := c.c.CreateTranscription(ctx, goopenai.AudioRequest{Model: model, FilePath: req.FileName,
		Reader: bytes.NewReader(req.Audio), Language: req.Language, Prompt: req.Prompt, Format: goopenai.AudioResponseFormatJSON})
	if err != nil {
		return nil, c.mapErr(ctx, err)
	}
	return &anythingllm.Transcription{Text: resp.Text}, nil
}

// Speak makes speech with the speech API (POST /audio/speech).
func (c *Client) Speak(ctx context.Context, req *anythingllm.SpeechRequest) (*anythingllm.Speech, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	r := goopenai.CreateSpeechRequest{Model: goopenai.SpeechModel(req.Model), Input: req.Input, Voice: goopenai.SpeechVoice(req.Voice),
		ResponseFormat: goopenai.SpeechResponseFormat(req.Format), Speed: req.Speed}
	if r.Model == "" {
		r.Model = goopenai.SpeechModel(c.opts.TTSModel)
	}
	if r.Voice == "" {
		r.Voice = goopenai.SpeechVoice(c.opts.TTSVoice)
	}
	resp, err := c.c.CreateSpeech(ctx, r)
	if err != nil {
		return nil, c.mapErr(ctx, err)
	}
	defer resp.Close()
	audio, err := io.ReadAll(io.LimitReader(resp, maxSpeechBytes+1))
	if err != nil {
		return nil, c.mapErr(ctx, err)
	}
	if len(audio) > maxSpeechBytes {
		return nil, anythingllm.Errorf(anythingllm.Unavailable, "%s at %s returned more than %d bytes of audio", c.opts.Provider, c.opts.BaseURL, maxSpeechBytes)
	}
	return &anythingllm.Speech{Audio: audio, MIME: resp.Header().Get("Content-Type")}, nil
}

var (
	_ anythingllm.Transcriber       = (*Client)(nil)
	_ anythingllm.SpeechSynthesizer = (*Client)(nil)
)
