package httpapi

import (
	"bytes"
	"encoding/json"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// The flexible request fields of upstream's clients, parsed here so that
// the core takes plain Go values.

// flexString is a string that also accepts a JSON number or null, as
// JavaScript clients send either.
type flexString string

// UnmarshalJSON accepts a string, a number or null.
func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*f = flexString(n.String())
		return nil
	}
	if string(bytes.TrimSpace(b)) == "null" {
		*f = ""
		return nil
	}
	return anythingllm.Errorf(anythingllm.InvalidArgument, "published must be epoch milliseconds")
}

// documentMetadata is anythingllm.DocumentMetadata as clients send it.
type documentMetadata struct {
	Title       string     `json:"title,omitempty"`
	URL         string     `json:"url,omitempty"`
	DocAuthor   string     `json:"docAuthor,omitempty"`
	Description string     `json:"description,omitempty"`
	DocSource   string     `json:"docSource,omitempty"`
	ChunkSource string     `json:"chunkSource,omitempty"`
	Published   flexString `json:"published,omitempty" doc:"epoch milliseconds"`
}

func (m *documentMetadata) core() anythingllm.DocumentMetadata {
	return anythingllm.DocumentMetadata{Title: m.Title, URL: m.URL, DocAuthor: m.DocAuthor, Description: m.Description,
		DocSource: m.DocSource, ChunkSource: m.ChunkSource, Published: string(m.Published)}
}
