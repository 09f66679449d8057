// Package textsplit cuts document text into chunks exactly as AnythingLLM
// does before embedding: LangChain's recursive character splitter with the
// separators "\n\n", "\n", " " and "" (each separator kept at the start of
// the piece it precedes), chunk size and overlap counted in JavaScript
// string length (UTF-16 code units), and every chunk trimmed.
//
//	chunks := textsplit.Split(doc.PageContent, &textsplit.Options{ChunkSize: 1000, ChunkOverlap: 20})
//	header := textsplit.MetadataHeader(textsplit.Header{Title: doc.Title, Published: doc.Published, ChunkSource: doc.ChunkSource})
//	for i := range chunks { chunks[i] = header + chunks[i] }
//
// One deliberate difference: where upstream falls back to cutting single
// UTF-16 units and can split an emoji into two broken surrogate halves,
// this package cuts between whole characters, so every chunk of valid
// UTF-8 text is valid UTF-8.
//
// The splitter works on byte offsets into the input and returns substrings
// of it, so it allocates little and runs at hundreds of MB/s.
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
	// ChunkSize is the most UTF-16 code units per chunk (the header is
	// extra). Default 1000.
	ChunkSize int
	// ChunkOverlap is how many units of whole pieces neighbouring chunks
	// may share. 0 means the default 20; a negative value means none. An
	// overlap not smaller than the chunk size (upstream throws) is lowered
	// to a fifth of the size.
	ChunkOverlap int
	// Header is put in front of every chunk (see MetadataHeader); it is
	// not counted in the chunk size, as upstream.
	Header string
}

func (o *Options) sizes() (size, overlap int) {
	size, overlap = DefaultChunkSize, DefaultChunkOverlap
	if o != nil {
		if o.ChunkSize > 0 {
			size = o.ChunkSize
		}
		switch {
		case o.ChunkOverlap > 0:
			overlap = o.ChunkOverlap
		case o.ChunkOverlap < 0:
			overlap = 0
		}
	}
	if overlap >= size {
		overlap = size / 5
	}
	return size, overlap
}

// Split returns the chunks of text, each prefixed with opts.Header. Blank
// text has no chunks.
func Split(text string, opts *Options) []string {
	size, overlap := opts.sizes()
	s := splitter{text: text, size: size, overlap: overlap}
	s.split(0, len(text), 0)
	if opts != nil && opts.Header != "" {
		for i, c := range s.out {
			s.out[i] = opts.Header + c
		}
	}
	return s.out
}

var separators = [...]string{"\n\n", "\n", " ", ""}

// piece is text[start:end] with its length in UTF-16 units.
type piece struct{ start, end, n int }

type splitter struct {
	text          string
	size, overlap int
	out           []string
	pieces        [len(separators)][]piece // scratch per separator
}

// split is the recursive step on text[start:end] with separators[from:]:
// choose the first of them present, cut before each occurrence, merge runs
// of small pieces into chunks and recurse with the finer separators into
// pieces that are too long.
func (s *splitter) split(start, end, from int) {
	text := s.text[start:end]
	idx := len(separators) - 1
	for i := from; i < len(separators); i++ {
		if sep := separators[i]; sep == "" || strings.Contains(text, sep) {
			idx = i
			break
		}
	}
	sep := separators[idx]
	good := s.pieces[idx][:0] // scratch per separator: recursion only goes finer
	flush := func() {
		if len(good) > 0 {
			s.merge(good)
			good = good[:0]
		}
	}
	each(text, sep, func(a, b int) {
		p := piece{start + a, start + b, jsLen(text[a:b])}
		if p.n < s.size {
			good = append(good, p)
			return
		}
		flush()
		if sep == "" {
			s.emit(p.start, p.end) // one character longer than the chunk size
		} else {
			s.split(p.start, p.end, idx+1)
		}
	})
	flush()
	s.pieces[idx] = good
}

// each calls fn with the bounds of every non-empty piece of text cut just
// before each occurrence of sep (overlapping occurrences each cut, as a
// JavaScript lookahead split does), or between characters when sep is "".
func each(text, sep string, fn func(a, b int)) {
	if sep == "" {
		for i := 0; i < len(text); {
			_, w := utf8.DecodeRuneInString(text[i:])
			fn(i, i+w)
			i += w
		}
		return
	}
	from := 0
	for i := 1; i < len(text); {
		j := strings.Index(text[i:], sep)
		if j < 0 {
			break
		}
		at := i + j
		fn(from, at)
		from = at
		i = at + 1
	}
	if from < len(text) {
		fn(from, len(text))
	}
}

// merge joins consecutive small pieces into chunks of at most size units,
// carrying whole pieces worth up to overlap units from the end of one chunk
// into the next. Pieces tile the text, so a chunk is the substring from its
// first piece's start to its last piece's end.
func (s *splitter) merge(pieces []piece) {
	first, total := 0, 0 // the current chunk is pieces[first:i]
	for i, p := range pieces {
		if total+p.n > s.size && i > first {
			s.emit(pieces[first].start, pieces[i-1].end)
			for total > s.overlap || (total+p.n > s.size && total > 0) {
				total -= pieces[first].n
				first++
			}
		}
		total += p.n
	}
	if first < len(pieces) {
		s.emit(pieces[first].start, pieces[len(pieces)-1].end)
	}
}

// emit records a trimmed chunk unless it is blank.
func (s *splitter) emit(start, end int) {
	if c := trimJS(s.text[start:end]); c != "" {
		s.out = append(s.out, c)
	}
}

// jsLen is the length of s in UTF-16 code units.
func jsLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x80:
			n++
		case c >= 0xF0: // a 4-byte sequence: a surrogate pair
			n += 2
		case c >= 0xC0: // the lead byte of a 2- or 3-byte sequence
			n++
		}
		// continuation bytes (0x80-0xBF) add nothing
	}
	return n
}

// trimJS trims what JavaScript's String.prototype.trim removes: ASCII
// whitespace, NBSP, BOM, the Unicode space separators and the line and
// paragraph separators. (Go's strings.TrimSpace differs on U+0085 and
// U+FEFF.)
func trimJS(s string) string {
	return strings.TrimFunc(s, isJSSpace)
}

func isJSSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0xA0, 0xFEFF, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// Header is the document metadata a chunk header shows.
type Header struct {
	Title       string // shown as sourceDocument
	Published   string
	ChunkSource string // shown as source (without the prefix) for link:// and youtube:// sources
}

// MetadataHeader returns the block AnythingLLM puts in front of every
// chunk:
//
//	<document_metadata>
//	sourceDocument: <title>
//	published: <published>
//	source: <url>
//	</document_metadata>
//
// followed by a blank line. A line appears only for a present value; the
// source line only when ChunkSource starts with "link://" or "youtube://",
// showing what follows the prefix. With no line at all the header is "".
func MetadataHeader(h Header) string {
	var b strings.Builder
	if h.Title != "" {
		b.WriteString("sourceDocument: " + h.Title + "\n")
	}
	if h.Published != "" {
		b.WriteString("published: " + h.Published + "\n")
	}
	if src := headerSource(h.ChunkSource); src != "" {
		b.WriteString("source: " + src + "\n")
	}
	if b.Len() == 0 {
		return ""
	}
	return "<document_metadata>\n" + b.String() + "</document_metadata>\n\n"
}

// headerSource mirrors upstream's `chunkSource.split(prefix)[1]`: the text
// between the first and a possible second occurrence of the prefix.
func headerSource(cs string) string {
	if !strings.HasPrefix(cs, "link://") && !strings.HasPrefix(cs, "youtube://") {
		return ""
	}
	for _, prefix := range []string{"link://", "youtube://"} {
		parts := strings.SplitN(cs, prefix, 3)
		if len(parts) > 1 && parts[1] != "" {
			return parts[1]
		}
	}
	return ""
}
