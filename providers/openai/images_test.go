package openai_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/providers/openai"
	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

func TestGenerateImage(t *testing.T) {
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	c, _ := openai.New(&openai.Options{BaseURL: fake.BaseURL(), ImageModel: "dall-e-3"})

	resp, err := c.GenerateImage(t.Context(), &anythingllm.ImageRequest{Prompt: "a sunset", N: 2, Size: "1024x1024", Quality: "hd", Style: "vivid", User: "u1"})
	if err != nil || len(resp.Images) != 2 {
		t.Fatalf("url images: %v %+v", err, resp)
	}
	for i, img := range resp.Images {
		if img.URL == "" || img.Data != nil || img.RevisedPrompt != "revised: a sunset" {
			t.Fatalf("image %d = %+v", i, img)
		}
	}
	got := fake.ImageRequests()
	if len(got) != 1 || got[0].Model != "dall-e-3" || got[0].N != 2 || got[0].Size != "1024x1024" || got[0].Quality != "hd" || got[0].Style != "vivid" || got[0].User != "u1" {
		t.Fatalf("upstream saw %+v", got)
	}

	// gpt-image models answer inline: the bytes come back decoded.
	resp, err = c.GenerateImage(t.Context(), &anythingllm.ImageRequest{Model: "gpt-image-1", Prompt: "a cat"})
	if err != nil || len(resp.Images) != 1 {
		t.Fatalf("b64 image: %v %+v", err, resp)
	}
	if img := resp.Images[0]; img.URL != "" || !bytes.Equal(img.Data, fakeopenai.PNG) || img.MIME != "image/png" {
		t.Fatalf("b64 image = %+v", img)
	}
	if m := fake.ImageRequests()[1].Model; m != "gpt-image-1" {
		t.Fatalf("request model %q, want the request's gpt-image-1", m)
	}

	fake.FailNext(400)
	if _, err := c.GenerateImage(t.Context(), &anythingllm.ImageRequest{Prompt: "x"}); !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Fatalf("upstream 400: %v", err)
	}
}
