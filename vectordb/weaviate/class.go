package weaviate

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// maxClassName is Weaviate's limit on a class name (entities/schema:
// [A-Z][_0-9A-Za-z]{0,254}).
const maxClassName = 255

// prefixRE is what a ClassPrefix may be: a valid class name start without
// '_', so the first '_' of a class name ends its prefix.
var prefixRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]{0,99}$`)

// readableRE matches the slugs AnythingLLM makes (slugify: lower-case
// letters and digits in runs joined by single dashes). They map to a
// readable class name.
var readableRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ClassName returns the Weaviate class (collection) that holds namespace
// for a store with this ClassPrefix. The mapping is injective, even
// ignoring case (Weaviate refuses a class whose name differs from an
// existing one only in case), and every result is a valid class name:
//
//   - a usual slug ([a-z0-9] runs joined by single '-') maps as AnythingLLM
//     maps it, first letter capitalised and '-' replaced by '_', after the
//     prefix and one '_': "my-ws" -> "Anythingllm_My_ws", "2024-notes" ->
//     "Anythingllm_2024_notes". Such a body never starts with '_'.
//   - any other namespace maps to prefix + "__" + its bytes with [a-z0-9]
//     kept and every other byte written "_" + two lower-case hex digits:
//     "My Docs" -> "Anythingllm___4dy_20docs", "" -> "Anythingllm__".
//   - a namespace whose escaped name would exceed Weaviate's 255 characters
//     maps to prefix + "___z" + the hex SHA-256 of the namespace; "_z"
//     never occurs in an escaped body, where '_' is followed by hex.
//
// Prefixes hold no '_', so a class name tells its prefix (compared ignoring
// case: prefixes that differ only in case share their classes).
func ClassName(prefix, namespace string) string {
	if readableRE.MatchString(namespace) {
		body := strings.ReplaceAll(namespace, "-", "_")
		name := prefix + "_" + strings.ToUpper(body[:1]) + body[1:]
		if len(name) <= maxClassName {
			return name
		}
	} else {
		var b strings.Builder
		b.WriteString(prefix)
		b.WriteString("__")
		for i := 0; i < len(namespace); i++ {
			c := namespace[i]
			if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
				b.WriteByte(c)
				continue
			}
			b.WriteByte('_')
			b.WriteString(hex.EncodeToString([]byte{c}))
		}
		if b.Len() <= maxClassName {
			return b.String()
		}
	}
	sum := sha256.Sum256([]byte(namespace))
	return prefix + "___z" + hex.EncodeToString(sum[:])
}

// ownsClass reports whether class belongs to a store with prefix.
func ownsClass(prefix, class string) bool {
	p, _, ok := strings.Cut(class, "_")
	return ok && strings.EqualFold(p, prefix)
}
