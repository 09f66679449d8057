package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"

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

// workspaceFields are workspace settings as clients send them: JSON values
// by field name, numbers possibly as strings, unknown keys ignored.
type workspaceFields map[string]json.RawMessage

// settings reads the known fields the way upstream's JavaScript does: a
// value that is not a string reads as "", one that parseFloat rejects as
// NaN (the App then applies its defaults).
func (in workspaceFields) settings() *anythingllm.WorkspaceSettings {
	str := func(key string) *string {
		v, ok := in[key]
		if !ok {
			return nil
		}
		s, _ := jsonString(v)
		return &s
	}
	num := func(key string) *float64 {
		v, ok := in[key]
		if !ok {
			return nil
		}
		f := jsParseFloat(v)
		return &f
	}
	return &anythingllm.WorkspaceSettings{
		Name: str("name"), OpenAITemp: num("openAiTemp"), OpenAIHistory: num("openAiHistory"),
		SimilarityThreshold: num("similarityThreshold"), TopN: num("topN"), ChatMode: str("chatMode"),
		ChatProvider: str("chatProvider"), AgentProvider: str("agentProvider"), ChatModel: str("chatModel"),
		AgentModel: str("agentModel"), QueryRefusalResponse: str("queryRefusalResponse"),
		OpenAIPrompt: str("openAiPrompt"), VectorSearchMode: str("vectorSearchMode"),
	}
}

func jsonString(v json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, true
	}
	return "", false
}

// jsParseFloat reads a JSON number, or a string as JavaScript's parseFloat
// does (the longest numeric prefix); anything else is NaN.
func jsParseFloat(v json.RawMessage) float64 {
	v = bytes.TrimSpace(v)
	var f float64
	if len(v) > 0 && v[0] != '"' && string(v) != "null" && json.Unmarshal(v, &f) == nil {
		return f
	}
	s, ok := jsonString(v)
	if !ok {
		return math.NaN()
	}
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && strings.ContainsRune("0123456789.-+eE", rune(s[end])) {
		end++
	}
	for ; end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return f
		}
	}
	return math.NaN()
}

// preferenceValues reads preferences as upstream stores them: a string as
// it is, any other JSON value as its text (a footer_data array, a number).
func preferenceValues(in map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(in))
	for k, raw := range in {
		s, ok := jsonString(raw)
		if !ok {
			s = strings.TrimSpace(string(raw))
		}
		out[k] = s
	}
	return out
}

// userUpdate reads the documented user fields by their exact JSON names
// (any other key, "ROLE" included, changes nothing). username and password
// must be strings; suspended is a boolean or a number (0 = not suspended);
// dailyMessageLimit is null or a number; a role or bio that is not a
// string reads as "".
func userUpdate(in map[string]json.RawMessage) (*anythingllm.UserUpdate, error) {
	u := &anythingllm.UserUpdate{}
	for key, raw := range in {
		switch key {
		case "username", "password":
			s, ok := jsonString(raw)
			if !ok {
				return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s must be a string", key)
			}
			if key == "username" {
				u.Username = &s
			} else {
				u.Password = &s
			}
		case "role":
			s, _ := jsonString(raw)
			u.Role = &s
		case "bio":
			s, _ := jsonString(raw)
			u.Bio = &s
		case "suspended":
			var b bool
			var n float64
			switch {
			case json.Unmarshal(raw, &b) == nil: // null reads as false, as before
			case json.Unmarshal(raw, &n) == nil:
				b = n != 0
			default:
				return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "suspended must be 0, 1, true or false")
			}
			u.Suspended = &b
		case "dailyMessageLimit":
			if string(bytes.TrimSpace(raw)) == "null" {
				u.NoDailyMessageLimit = true
				break
			}
			var n float64
			if json.Unmarshal(raw, &n) != nil {
				return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "Daily message limit must be null or a number greater than or equal to 1")
			}
			limit := 0 // refused by the App
			if n >= 1 {
				limit = int(min(n, math.MaxInt32))
			}
			u.DailyMessageLimit = &limit
		}
	}
	return u, nil
}
