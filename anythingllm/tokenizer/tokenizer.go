// Package tokenizer counts tokens offline with the cl100k_base encoding,
// compiled into the binary (github.com/tiktoken-go/tokenizer): nothing is
// downloaded at run time.
package tokenizer

import (
	"math"
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

// Tokenizer implements anythingllm.Tokenizer. The zero value is not
// usable; call New.
type Tokenizer struct {
	once  sync.Once
	codec tokenizer.Codec
	err   error
}

// New returns a tokenizer; the encoding loads on first use.
func New() *Tokenizer { return &Tokenizer{} }

func (t *Tokenizer) load() tokenizer.Codec {
	t.once.Do(func() { t.codec, t.err = tokenizer.Get(tokenizer.Cl100kBase) })
	if t.err != nil {
		return nil
	}
	return t.codec
}

// CountTokens counts cl100k_base tokens; if the encoding cannot load it
// falls back to AnythingLLM's estimate of one token per 4 characters.
func (t *Tokenizer) CountTokens(text string) int {
	c := t.load()
	if c == nil {
		return (len(text) + 3) / 4
	}
	n, err := c.Count(text)
	if err != nil {
		return (len(text) + 3) / 4
	}
	return n
}

// Truncate returns the longest prefix of text with at most max tokens.
func (t *Tokenizer) Truncate(text string, max int) string {
	if max <= 0 {
		return ""
	}
	c := t.load()
	if c == nil {
		if len(text) > max*4 {
			return text[:max*4]
		}
		return text
	}
	ids, _, err := c.Encode(text)
	if err != nil || len(ids) <= max {
		return text
	}
	out, err := c.Decode(ids[:max])
	if err != nil {
		return text
	}
	return out
}

// Estimate is AnythingLLM's token_count_estimate: the exact count for
// texts under 5,120 characters, ceil(length/8) above (cheap for big files).
func (t *Tokenizer) Estimate(text string) int {
	if len(text) >= 5120 {
		return int(math.Ceil(float64(len(text)) / 8))
	}
	return t.CountTokens(text)
}
