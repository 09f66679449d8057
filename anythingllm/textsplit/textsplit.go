// Package textsplit splits document text into chunks the way AnythingLLM
// does (a recursive character splitter with separators "\n\n", "\n", " "
// and ""), and builds the <document_metadata> header each chunk carries.
//
// Lengths are counted in characters (runes); a chunk never splits a rune.
package textsplit

import (
	"strings"
	"unicode/utf8"
)

// Defaults, as upstream.
const (
	DefaultChunkSize    = 1000
	DefaultChunkOverlap = 20
)

// Options tune Split. A nil *Options, and zero fields, mean the defaults.
type Options struct {
	ChunkSize    int // most characters per chunk (the header is extra)
	ChunkOverlap int // characters repeated between neighbouring chunks
}

var separators = []string{"\n\n", "\n", " ", ""}

// Split returns the chunks of text. Empty text has no chunks.
func Split(text string, opts *Options) []string {
	size, overlap := DefaultChunkSize, DefaultChunkOverlap
	if opts != nil {
		if opts.ChunkSize > 0 {
			size = opts.ChunkSize
		}
		if opts.ChunkOverlap > 0 {
			overlap = opts.ChunkOverlap
		}
	}
	if overlap >= size {
		overlap = size / 5
	}
	var out []string
	for _, c := range split(text, separators, size, overlap) {
		if strings.TrimSpace(c) != "" {
			out = append(out, c)
		}
	}
	return out
}

func length(s string) int { return utf8.RuneCountInString(s) }

// split is the recursive step: cut at the first separator present, merge
// the pieces back up to size, and recurse into pieces that are too long.
func split(text string, seps []string, size, overlap int) []string {
	sep, rest := seps[len(seps)-1], []string(nil)
	for i, s := range seps {
		if s == "" || strings.Contains(text, s) {
			sep, rest = s, seps[i+1:]
			break
		}
	}
	var pieces []string
	if sep == "" {
		pieces = runes(text)
	} else {
		pieces = strings.Split(text, sep)
	}
	var out, good []string
	for _, p := range pieces {
		if length(p) < size {
			good = append(good, p)
			continue
		}
		if len(good) > 0 {
			out = append(out, merge(good, sep, size, overlap)...)
			good = nil
		}
		if len(rest) == 0 {
			out = append(out, p)
		} else {
			out = append(out, split(p, rest, size, overlap)...)
		}
	}
	if len(good) > 0 {
		out = append(out, merge(good, sep, size, overlap)...)
	}
	return out
}

func runes(s string) []string {
	out := make([]string, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

// merge joins small pieces into chunks of at most size characters, keeping
// up to overlap characters of whole pieces from the end of one chunk at the
// start of the next.
func merge(pieces []string, sep string, size, overlap int) []string {
	sepLen := length(sep)
	var out, cur []string
	total := 0
	for _, p := range pieces {
		l := length(p)
		extra := 0
		if len(cur) > 0 {
			extra = sepLen
		}
		if total+l+extra > size && len(cur) > 0 {
			if doc := strings.TrimSpace(strings.Join(cur, sep)); doc != "" {
				out = append(out, doc)
			}
			for total > overlap || (total+l+sepLen > size && total > 0) {
				first := length(cur[0])
				total -= first
				if len(cur) > 1 {
					total -= sepLen
				}
				cur = cur[1:]
				if len(cur) == 0 {
					total = 0
					break
				}
			}
		}
		if len(cur) > 0 {
			total += sepLen
		}
		cur = append(cur, p)
		total += l
	}
	if doc := strings.TrimSpace(strings.Join(cur, sep)); doc != "" {
		out = append(out, doc)
	}
	return out
}

// Header is the metadata a chunk header shows.
type Header struct {
	Title       string
	Published   string
	ChunkSource string // a source line is shown for link:// and youtube:// sources
}

// MetadataHeader returns the <document_metadata> block prefixed to every
// chunk; lines appear only for values that are present.
func MetadataHeader(h Header) string {
	var b strings.Builder
	b.WriteString("<document_metadata>\n")
	if h.Title != "" {
		b.WriteString("sourceDocument: " + h.Title + "\n")
	}
	if h.Published != "" {
		b.WriteString("published: " + h.Published + "\n")
	}
	if strings.HasPrefix(h.ChunkSource, "link://") || strings.HasPrefix(h.ChunkSource, "youtube://") {
		b.WriteString("source: " + h.ChunkSource + "\n")
	}
	b.WriteString("</document_metadata>\n\n")
	return b.String()
}
