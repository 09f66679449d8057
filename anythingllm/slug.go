package anythingllm

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// slugCharMap is AnythingLLM's extra slugify map for workspace and thread
// names: some symbols become words, some are dropped.
var slugCharMap = strings.NewReplacer(
	"+", " plus ", "!", " bang ", "@", " at ", "*", " splat ", ".", " dot ",
	":", "", "~", "", "(", "", ")", "", "'", "", `"`, "", "|", "",
)

// Slugify turns a name into a URL slug as AnythingLLM does: symbols mapped
// to words, accents stripped, runs of anything else joined by one "-".
// lower selects lower case (workspaces) or keeps the case (threads).
func Slugify(name string, lower bool) string {
	s := slugCharMap.Replace(name)
	s = norm.NFKD.String(s)
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // a combining accent
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			if lower {
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	return b.String()
}
