package openai_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/providers/openai"
	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

func TestTranscribeAndSpeak(t *testing.T) {
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	c, _ := openai.New(&openai.Options{BaseURL: fake.BaseURL()})

	tr, err := c.Transcribe(t.Context(), &anythingllm.TranscriptionRequest{FileName: "hello.wav", Audio: []byte("hello world"), Language: "en"})
	if err != nil || tr.Text != "hello world" {
		t.Fatalf("transcribe: %v %+v", err, tr)
	}
	got := fake.TranscriptionRequests()
	if len(got) != 1 || got[0].Model != "whisper-1" || got[0].FileName != "hello.wav" || got[0].Language != "en" || string(got[0].Audio) != "hello world" {
		t.Fatalf("upstream saw %+v", got)
	}

	sp, err := c.Speak(t.Context(), &anythingllm.SpeechRequest{Input: "hi there", Format: "wav"})
	if err != nil || !bytes.Equal(sp.Audio, fakeopenai.SpeechAudio("wav", "alloy", "hi there")) || sp.MIME != "audio/wav" {
		t.Fatalf("speak: %v %+v", err, sp)
	}
	sp, err = c.Speak(t.Context(), &anythingllm.SpeechRequest{Input: "x", Model: "tts-1-hd", Voice: "nova", Speed: 1.5})
	if err != nil || !bytes.Equal(sp.Audio, fakeopenai.SpeechAudio("mp3", "nova", "x")) {
		t.Fatalf("speak: %v %+v", err, sp)
	}
	if r := fake.SpeechRequests(); len(r) != 2 || r[0].Model != "tts-1" || r[1].Model != "tts-1-hd" || r[1].Speed != 1.5 {
		t.Fatalf("upstream saw %+v", r)
	}
	fake.FailNext(401)
	if _, err := c.Speak(t.Context(), &anythingllm.SpeechRequest{Input: "x"}); !errors.Is(err, anythingllm.ErrPermissionDenied) {
		t.Fatalf("401: %v", err)
	}
}
