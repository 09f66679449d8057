package openai

import (
	"context"
	"encoding/base64"
	"net/http"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	goopenai "github.com/sashabaranov/go-openai"
)

// GenerateImage makes images with the images API (POST /images/generations).
// Images the service answers inline (b64_json) come back as Data, with the
// MIME type sniffed from the bytes; others as URL.
func (c *Client) GenerateImage(ctx context.Context, req *anythingllm.ImageRequest) (*anythingllm.ImageResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	r := goopenai.ImageRequest{Prompt: req.Prompt, Model: req.Model, N: req.N, Size: req.Size,
		Quality: req.Quality, Style: req.Style, User: req.User}
	if r.Model == "" {
		r.Model = c.opts.ImageModel
	}
	resp, err := c.c.CreateImage(ctx, r)
	if err != nil {
		return nil, c.mapErr(ctx, err)
	}
	out := &anythingllm.ImageResponse{}
	for i, d := range resp.Data {
		img := anythingllm.GeneratedImage{URL: d.URL, RevisedPrompt: d.RevisedPrompt}
		if d.B64JSON != "" {
			data, err := base64.StdEncoding.DecodeString(d.B64JSON)
			if err != nil {
				return nil, anythingllm.WrapError(anythingllm.Unavailable, err, "%s at %s returned image %d as invalid base64", c.opts.Provider, c.opts.BaseURL, i)
			}
			img.Data, img.MIME = data, http.DetectContentType(data)
		}
		if img.URL == "" && img.Data == nil {
			return nil, anythingllm.Errorf(anythingllm.Unavailable, "%s at %s returned image %d with neither url nor b64_json", c.opts.Provider, c.opts.BaseURL, i)
		}
		out.Images = append(out.Images, img)
	}
	return out, nil
}

var _ anythingllm.ImageGenerator = (*Client)(nil)
