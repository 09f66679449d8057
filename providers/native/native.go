// Package native is the built-in offline embedder (EMBEDDING_ENGINE=native):
// no model download, no server, so a fresh install can ingest and search.
//
// It is a feature-hashing embedder, not a neural model: each text becomes a
// 512-dimension vector of hashed, signed, sub-linearly weighted word
// unigrams and bigrams plus character trigrams (after dropping common
// English words, cutting plural and tense suffixes, and skipping the
// <document_metadata> chunk header), L2-normalised. Cosine
// similarity between two vectors therefore measures lexical overlap:
// texts that share words (and spellings close to them) score high;
// synonyms and paraphrases with no shared words do not. For semantic
// search configure a real embedder (EMBEDDING_ENGINE=openai, ollama, ...).
package native

import (
	"context"
	"hash/fnv"
	"math"
	"strings"
	"unicode"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Dimensions is the vector length.
const Dimensions = 512

// Embedder implements anythingllm.Embedder. It is safe for concurrent use.
type Embedder struct{}

// New returns the embedder.
func New() *Embedder { return &Embedder{} }

// Dimensions is 512.
func (*Embedder) Dimensions() int { return Dimensions }

// Embed embeds every text; an empty text gets a zero vector... which
// cannot be indexed, so empty texts are refused.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		v := embed(t)
		if v == nil {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "text %d has nothing to embed", i)
		}
		out[i] = v
	}
	return out, nil
}

// stripHeader drops AnythingLLM's <document_metadata> chunk header: its
// words (dates, "sourceDocument") would make every chunk look alike.
func stripHeader(text string) string {
	const open, end = "<document_metadata>", "</document_metadata>"
	if i := strings.Index(text, open); i >= 0 {
		if j := strings.Index(text[i:], end); j >= 0 {
			return text[:i] + text[i+j+len(end):]
		}
	}
	return text
}

// stem cuts common English suffixes so "invoices" matches "invoice".
func stem(w string) string {
	for _, suf := range []string{"ing", "ed", "es", "s"} {
		if len(w) > len(suf)+3 && strings.HasSuffix(w, suf) {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}

func embed(text string) []float32 {
	text = stripHeader(text)
	counts := map[uint32]float32{}
	add := func(feature string, weight float32) {
		h := fnv.New32a()
		_, _ = h.Write([]byte(feature))
		counts[h.Sum32()] += weight
	}
	all := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	words := all[:0]
	for _, w := range all {
		if !stop[w] {
			words = append(words, stem(w))
		}
	}
	for i, w := range words {
		add("w:"+w, 1)
		if i+1 < len(words) {
			add("b:"+w+" "+words[i+1], 0.5)
		}
		padded := []rune(" " + w + " ")
		for j := 0; j+3 <= len(padded); j++ {
			add("c:"+string(padded[j:j+3]), 0.25)
		}
	}
	if len(counts) == 0 {
		return nil
	}
	v := make([]float32, Dimensions)
	for h, c := range counts {
		// Sub-linear term frequency; the hash's top bit chooses the sign so
		// that collisions cancel out on average.
		w := float32(1 + math.Log(float64(c)+1))
		if h&(1<<31) != 0 {
			w = -w
		}
		v[h%Dimensions] += w
	}
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return nil
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
	return v
}

// stop lists very common English words, which carry little meaning.
var stop = map[string]bool{
	"the": true, "a": true, "an": true, "and": true, "or": true, "of": true, "to": true, "in": true,
	"is": true, "are": true, "was": true, "be": true, "it": true, "for": true, "on": true, "with": true,
	"as": true, "at": true, "by": true, "this": true, "that": true, "what": true, "which": true, "from": true,
	"when": true, "where": true, "who": true, "how": true, "why": true, "do": true, "does": true, "did": true,
	"i": true, "you": true, "we": true, "they": true, "he": true, "she": true, "its": true, "our": true, "your": true,
	"can": true, "will": true, "has": true, "have": true, "been": true, "were": true, "not": true, "there": true,
}
