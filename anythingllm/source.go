package anythingllm

import (
	"cmp"
	"encoding/json"
	"errors"
	"maps"
)

// Source is a cited piece of context, in upstream's JSON shape:
//
//   - a vector search hit (Score set) carries the chunk's document
//     metadata, its "text", "id", "_distance" and "score";
//   - a whole document (a pinned one: ID set, Score nil) carries the
//     document metadata and "text";
//   - an attached file (ID empty, Score nil) carries "title", "docAuthor"
//     and "text".
//
// Keys this type does not model (saved by another version, or metadata a
// connector added) are kept in Extra and written back as they were read.
//
// The json tags name the keys; MarshalJSON and UnmarshalJSON do the work.
type Source struct {
	ID                 string `json:"id,omitempty"`
	URL                string `json:"url,omitempty"`
	Title              string `json:"title"`
	DocAuthor          string `json:"docAuthor"`
	Description        string `json:"description,omitempty"`
	DocSource          string `json:"docSource,omitempty"`
	ChunkSource        string `json:"chunkSource,omitempty"`
	Published          string `json:"published,omitempty"`
	WordCount          int    `json:"wordCount,omitempty"`
	TokenCountEstimate int    `json:"token_count_estimate,omitempty"`
	Text               string `json:"text"`
	// Distance and Score are set on vector search hits only.
	Distance *float32 `json:"_distance,omitempty"`
	Score    *float32 `json:"score,omitempty"`
	// Extra holds the keys of a decoded source that the fields above do
	// not model, or that fall outside its shape, with their decoded values.
	Extra map[string]any `json:"-"`
}

// sourceJSON is a Source as written, fields in key order (the order
// encoding/json gives a map, which is what upstream and earlier versions
// of this package wrote): the keys of the source's shape are set, the
// others nil and left out. It has no MarshalJSON method, so encoding/json
// encodes it in one pass (a Marshaler's output is scanned again).
type sourceJSON struct {
	Distance           *float32 `json:"_distance,omitempty"`
	ChunkSource        *string  `json:"chunkSource,omitempty"`
	Description        *string  `json:"description,omitempty"`
	DocAuthor          string   `json:"docAuthor"`
	DocSource          *string  `json:"docSource,omitempty"`
	ID                 *string  `json:"id,omitempty"`
	Published          *string  `json:"published,omitempty"`
	Score              *float32 `json:"score,omitempty"`
	Text               string   `json:"text"`
	Title              string   `json:"title"`
	TokenCountEstimate *int     `json:"token_count_estimate,omitempty"`
	URL                *string  `json:"url,omitempty"`
	WordCount          *int     `json:"wordCount,omitempty"`
}

func (s *Source) isHit() bool      { return s.Score != nil || s.Distance != nil }
func (s *Source) isDocument() bool { return s.ID != "" || s.isHit() }

// wire returns s's shape, pointing into s.
func (s *Source) wire() sourceJSON {
	w := sourceJSON{DocAuthor: s.DocAuthor, Text: s.Text, Title: s.Title}
	if s.isDocument() {
		w.ChunkSource, w.Description, w.DocSource, w.ID = &s.ChunkSource, &s.Description, &s.DocSource, &s.ID
		w.Published, w.TokenCountEstimate, w.URL, w.WordCount = &s.Published, &s.TokenCountEstimate, &s.URL, &s.WordCount
	}
	if s.isHit() {
		var zero float32
		w.Distance, w.Score = cmp.Or(s.Distance, &zero), cmp.Or(s.Score, &zero)
	}
	return w
}

// MarshalJSON writes s in its shape, with its Extra keys.
func (s Source) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(s.wire())
	if err != nil || len(s.Extra) == 0 {
		return b, err
	}
	// With extra keys: the shape's keys and the extra ones, as one object.
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	maps.Copy(m, s.Extra)
	return json.Marshal(m)
}

// EncodableSources returns a value that encoding/json writes as it writes
// sources, without calling Source.MarshalJSON when no source has Extra
// keys (a chat answer's sources are encoded twice per turn: saved, and
// sent).
func EncodableSources(sources []Source) any {
	if sources == nil {
		return sources
	}
	out := make([]sourceJSON, len(sources))
	for i := range sources {
		if len(sources[i].Extra) > 0 {
			return sources
		}
		out[i] = sources[i].wire()
	}
	return out
}

// sourceKeys are the keys Source models, and the shapes they belong to.
var sourceKeys = map[string]int{
	"title": shapeAttachment, "docAuthor": shapeAttachment, "text": shapeAttachment,
	"id": shapeDocument, "url": shapeDocument, "description": shapeDocument, "docSource": shapeDocument,
	"chunkSource": shapeDocument, "published": shapeDocument, "wordCount": shapeDocument, "token_count_estimate": shapeDocument,
	"_distance": shapeHit, "score": shapeHit,
}

const (
	shapeAttachment = iota
	shapeDocument
	shapeHit
)

// UnmarshalJSON reads a source object. A modelled key whose value has an
// unexpected type, or that lies outside the shape the source has, is kept
// in Extra, so that the source is written back as it was read.
func (s *Source) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*s = Source{}
	shape := shapeAttachment
	if _, ok := raw["id"]; ok {
		shape = shapeDocument
	}
	_, score := raw["score"]
	_, dist := raw["_distance"]
	if score || dist {
		shape = shapeHit
	}
	extra := func(k string) error {
		var val any
		if err := json.Unmarshal(raw[k], &val); err != nil {
			return err
		}
		if s.Extra == nil {
			s.Extra = map[string]any{}
		}
		s.Extra[k] = val
		return nil
	}
	var read []string
	for k, v := range raw {
		if ks, known := sourceKeys[k]; known && ks <= shape && s.set(k, v) {
			read = append(read, k)
			continue
		}
		if err := extra(k); err != nil {
			return err
		}
	}
	// When the key that marks the shape ("id", "score") did not read, the
	// source is written in a smaller shape: keep the keys it leaves out.
	written := shapeAttachment
	switch {
	case s.isHit():
		written = shapeHit
	case s.isDocument():
		written = shapeDocument
	}
	for _, k := range read {
		if sourceKeys[k] > written {
			if err := extra(k); err != nil {
				return err
			}
		}
	}
	return nil
}

// set decodes v into the field of key k, reporting whether it could.
func (s *Source) set(k string, v json.RawMessage) bool {
	var dst any
	switch k {
	case "id":
		dst = &s.ID
	case "url":
		dst = &s.URL
	case "title":
		dst = &s.Title
	case "docAuthor":
		dst = &s.DocAuthor
	case "description":
		dst = &s.Description
	case "docSource":
		dst = &s.DocSource
	case "chunkSource":
		dst = &s.ChunkSource
	case "published":
		dst = &s.Published
	case "wordCount":
		dst = &s.WordCount
	case "token_count_estimate":
		dst = &s.TokenCountEstimate
	case "text":
		dst = &s.Text
	case "_distance":
		s.Distance = new(float32)
		dst = s.Distance
	case "score":
		s.Score = new(float32)
		dst = s.Score
	}
	if err := json.Unmarshal(v, dst); err != nil {
		switch k {
		case "_distance":
			s.Distance = nil
		case "score":
			s.Score = nil
		}
		return false
	}
	return true
}

// Metrics is a chat's usage and timing, as upstream reports it. The zero
// Metrics (an answer that made no LLM call) is written as {}.
type Metrics struct {
	CompletionTokens int     `json:"completion_tokens"`
	Duration         float64 `json:"duration"` // seconds
	Model            string  `json:"model"`
	OutputTPS        float64 `json:"outputTps"`
	PromptTokens     int     `json:"prompt_tokens"`
	Provider         string  `json:"provider"`
	Timestamp        string  `json:"timestamp"`
	TotalTokens      int     `json:"total_tokens"`
}

// metricsJSON is Metrics without its methods.
type metricsJSON Metrics

// MarshalJSON writes the zero Metrics as {} and others with every field.
func (m Metrics) MarshalJSON() ([]byte, error) {
	if m == (Metrics{}) {
		return []byte("{}"), nil
	}
	return json.Marshal(metricsJSON(m))
}

// UnmarshalJSON reads metrics, skipping values of an unexpected type (the
// others are still read).
func (m *Metrics) UnmarshalJSON(b []byte) error {
	err := json.Unmarshal(b, (*metricsJSON)(m))
	if _, typeErr := errors.AsType[*json.UnmarshalTypeError](err); typeErr {
		return nil
	}
	return err
}
