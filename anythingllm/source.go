package anythingllm

import (
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

// The three shapes of a Source on the wire, fields in key order (the order
// encoding/json gives a map, which is what upstream and earlier versions
// of this package wrote).
type (
	hitJSON struct {
		Distance           float32 `json:"_distance"`
		ChunkSource        string  `json:"chunkSource"`
		Description        string  `json:"description"`
		DocAuthor          string  `json:"docAuthor"`
		DocSource          string  `json:"docSource"`
		ID                 string  `json:"id"`
		Published          string  `json:"published"`
		Score              float32 `json:"score"`
		Text               string  `json:"text"`
		Title              string  `json:"title"`
		TokenCountEstimate int     `json:"token_count_estimate"`
		URL                string  `json:"url"`
		WordCount          int     `json:"wordCount"`
	}
	documentJSON struct {
		ChunkSource        string `json:"chunkSource"`
		Description        string `json:"description"`
		DocAuthor          string `json:"docAuthor"`
		DocSource          string `json:"docSource"`
		ID                 string `json:"id"`
		Published          string `json:"published"`
		Text               string `json:"text"`
		Title              string `json:"title"`
		TokenCountEstimate int    `json:"token_count_estimate"`
		URL                string `json:"url"`
		WordCount          int    `json:"wordCount"`
	}
	attachmentJSON struct {
		DocAuthor string `json:"docAuthor"`
		Text      string `json:"text"`
		Title     string `json:"title"`
	}
)

func (s *Source) isHit() bool      { return s.Score != nil || s.Distance != nil }
func (s *Source) isDocument() bool { return s.ID != "" || s.isHit() }

func (s *Source) hit() hitJSON {
	var d, sc float32
	if s.Distance != nil {
		d = *s.Distance
	}
	if s.Score != nil {
		sc = *s.Score
	}
	return hitJSON{Distance: d, ChunkSource: s.ChunkSource, Description: s.Description, DocAuthor: s.DocAuthor,
		DocSource: s.DocSource, ID: s.ID, Published: s.Published, Score: sc, Text: s.Text, Title: s.Title,
		TokenCountEstimate: s.TokenCountEstimate, URL: s.URL, WordCount: s.WordCount}
}

func (s *Source) document() documentJSON {
	return documentJSON{ChunkSource: s.ChunkSource, Description: s.Description, DocAuthor: s.DocAuthor,
		DocSource: s.DocSource, ID: s.ID, Published: s.Published, Text: s.Text, Title: s.Title,
		TokenCountEstimate: s.TokenCountEstimate, URL: s.URL, WordCount: s.WordCount}
}

func (s *Source) attachment() attachmentJSON {
	return attachmentJSON{DocAuthor: s.DocAuthor, Text: s.Text, Title: s.Title}
}

// MarshalJSON writes s in its shape, with its Extra keys.
func (s Source) MarshalJSON() ([]byte, error) {
	var v any
	switch {
	case s.isHit():
		v = s.hit()
	case s.isDocument():
		v = s.document()
	default:
		v = s.attachment()
	}
	if len(s.Extra) == 0 {
		return json.Marshal(v)
	}
	// With extra keys: the shape's keys and the extra ones, as one object.
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	maps.Copy(m, s.Extra)
	return json.Marshal(m)
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
	for k, v := range raw {
		ks, known := sourceKeys[k]
		if known && ks <= shape && s.set(k, v) {
			continue
		}
		var val any
		if err := json.Unmarshal(v, &val); err != nil {
			return err
		}
		if s.Extra == nil {
			s.Extra = map[string]any{}
		}
		s.Extra[k] = val
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
