// Package tokenizer counts tokens offline with OpenAI's cl100k_base
// encoding. The encoding tables are compiled into the binary by
// github.com/tiktoken-go/tokenizer, so nothing is downloaded at run time.
//
// Use it as the anythingllm.Tokenizer of an App:
//
//	tk := tokenizer.New()
//	n := tk.CountTokens("Hello, world!") // 4
//
// [Tokenizer.Estimate] reproduces AnythingLLM's token_count_estimate, which
// is exact only for short texts.
package tokenizer

import (
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer"
)

// Tokenizer implements anythingllm.Tokenizer for cl100k_base. It is safe
// for concurrent use. The zero value is not usable; call New.
type Tokenizer struct {
	once  sync.Once
	codec tokenizer.Codec
	err   error
}

// New returns a tokenizer. The encoding is loaded on first use (about 10
// ms), so constructing one costs nothing at server start.
func New() *Tokenizer { return &Tokenizer{} }

func (t *Tokenizer) load() tokenizer.Codec {
	t.once.Do(func() { t.codec, t.err = tokenizer.Get(tokenizer.Cl100kBase) })
	if t.err != nil {
		return nil
	}
	return t.codec
}

// pieceBytes is the size of the slices a long text is counted in. The
// pre-tokeniser works on a rune copy of its whole input, so slicing keeps
// memory flat and lets several cores count one huge text.
const pieceBytes = 64 << 10

// CountTokens returns the number of cl100k_base tokens in text. Texts are
// counted as ordinary text: special tokens such as "<|endoftext|>" count
// as the characters they are made of. If the encoding cannot load (it is
// compiled in, so this does not happen in practice) it falls back to one
// token per four bytes.
func (t *Tokenizer) CountTokens(text string) int {
	c := t.load()
	if c == nil {
		return (len(text) + 3) / 4
	}
	if len(text) <= pieceBytes {
		return count(c, text)
	}
	pieces := cut(text, pieceBytes)
	counts := make([]int, len(pieces))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, p := range pieces {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			counts[i] = count(c, p)
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	return total
}

func count(c tokenizer.Codec, s string) int {
	n, err := c.Count(s)
	if err != nil {
		return (len(s) + 3) / 4
	}
	return n
}

// cut slices text into pieces of about size bytes whose token counts add
// up to the count of the whole. It cuts only just before a single space
// that follows a non-space character and precedes a non-space character:
// every cl100k pre-token either starts at such a space or ends before it,
// so no pre-token straddles the cut. A text with no such space (one giant
// word) stays whole.
func cut(text string, size int) []string {
	var out []string
	for len(text) > size {
		at := safeCut(text, size)
		if at < 0 {
			break
		}
		out = append(out, text[:at])
		text = text[at:]
	}
	return append(out, text)
}

// safeCut returns the first cut point at or after from (see cut), or -1
// when there is none within the next megabyte.
func safeCut(text string, from int) int {
	for i := max(from, 1); i < len(text)-1 && i-from <= 1<<20; i++ {
		if text[i] == ' ' && !isSpaceByte(text[i-1]) && !isSpaceByte(text[i+1]) {
			return i
		}
	}
	return -1
}

// isSpaceByte reports whitespace and any non-ASCII byte; treating
// multi-byte runes as "space" keeps cuts away from Unicode whitespace
// (which the pre-tokeniser's \s also matches) at the cost of a few
// missed cut points.
func isSpaceByte(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f' || b >= utf8.RuneSelf
}

// Truncate returns the longest prefix of text with at most max tokens,
// never cutting inside a UTF-8 character.
func (t *Tokenizer) Truncate(text string, max int) string {
	if max <= 0 {
		return ""
	}
	c := t.load()
	if c == nil {
		if len(text) > max*4 {
			return validPrefix(text[:max*4])
		}
		return text
	}
	// Encode only a head that surely holds more than max tokens, cut where
	// no pre-token straddles the cut, so its first tokens are exact.
	head := text
	if at := safeCut(text, max*16+1024); at > 0 {
		head = text[:at]
	}
	_, tokens, err := c.Encode(head)
	if err != nil {
		return text
	}
	if len(tokens) <= max {
		if len(head) == len(text) {
			return text
		}
		_, tokens, err = c.Encode(text) // a head of very long tokens: do it all
		if err != nil || len(tokens) <= max {
			return text
		}
	}
	n := 0
	for _, tok := range tokens[:max] {
		n += len(tok)
	}
	return validPrefix(text[:n])
}

// validPrefix drops a trailing partial UTF-8 character.
func validPrefix(s string) string {
	for i := 0; i < utf8.UTFMax && len(s) > 0; i++ {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != utf8.RuneError || size != 1 {
			return s
		}
		s = s[:len(s)-1]
	}
	return s
}

// EstimateThreshold is the length (in UTF-16 code units, JavaScript's
// string length) from which AnythingLLM stops encoding and estimates.
const EstimateThreshold = 5120

var specialTokens = []string{"<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>"}

// Estimate is AnythingLLM's token_count_estimate: texts of 5,120 UTF-16
// units or more, and texts containing a special token (which js-tiktoken
// refuses to encode), count ceil(length/8); shorter texts are counted
// exactly.
func (t *Tokenizer) Estimate(text string) int {
	if len(text) >= EstimateThreshold { // bytes >= units, so this is a cheap pre-check
		if n := JSLength(text); n >= EstimateThreshold {
			return (n + 7) / 8
		}
	}
	for _, s := range specialTokens {
		if strings.Contains(text, s) {
			return (JSLength(text) + 7) / 8
		}
	}
	return t.CountTokens(text)
}

// JSLength is a string's length as JavaScript counts it: UTF-16 code units.
func JSLength(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:]) // an invalid byte is one U+FFFD unit
		n += utf16.RuneLen(r)
		i += size
	}
	return n
}
