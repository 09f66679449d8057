package collector

import (
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"golang.org/x/text/unicode/norm"
)

// parsers maps each extension the collector reads to its parser.
var parsers = map[string]parser{
	".txt": parseText, ".md": parseText, ".org": parseText, ".adoc": parseText, ".rst": parseText,
	".csv": parseText, ".json": parseText, ".xml": parseText, ".mdx": parseText, ".tsv": parseText,
	".log": parseText, ".yaml": parseText, ".yml": parseText,
	".html": parseHTMLFile, ".htm": parseHTMLFile,
	".pdf":  parsePDF,
	".docx": parseDOCX, ".pptx": parsePPTX, ".odt": parseODF, ".odp": parseODF,
	".xlsx": parseXLSX, ".epub": parseEPUB, ".eml": parseEML, ".mbox": parseMBOX,
}

// textExtensions are read verbatim.
var textExtensions = map[string]bool{
	".txt": true, ".md": true, ".org": true, ".adoc": true, ".rst": true, ".csv": true, ".json": true,
	".xml": true, ".mdx": true, ".tsv": true, ".log": true, ".yaml": true, ".yml": true,
}

// binaryExtensions are refused without looking at the bytes: a fixed table
// (never the machine's mime.types) of formats that are not text and that
// we do not parse, matching upstream's "non-text MIME" rejection.
var binaryExtensions = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".webp": true, ".gif": true, ".bmp": true, ".tif": true, ".tiff": true, ".ico": true,
	".wav": true, ".mp3": true, ".ogg": true, ".oga": true, ".opus": true, ".m4a": true, ".webm": true, ".flac": true, ".aac": true,
	".mp4": true, ".mpeg": true, ".mov": true, ".avi": true, ".mkv": true,
	".zip": true, ".gz": true, ".tgz": true, ".bz2": true, ".xz": true, ".7z": true, ".rar": true, ".tar": true,
	".exe": true, ".dll": true, ".so": true, ".bin": true, ".msi": true, ".class": true, ".jar": true,
	".doc": true, ".xls": true, ".ppt": true, ".ods": true, ".sqlite": true, ".db": true,
	".ttf": true, ".otf": true, ".woff": true, ".woff2": true, ".glb": true, ".stl": true,
}

// looksLikeText is upstream's fallback for unknown extensions: a file is
// text when NUL and other control bytes are under 10% of its first 1 KiB.
// It also requires that the sample be UTF-8 (a cut character at the end
// is allowed), as the text is stored as UTF-8.
func looksLikeText(data []byte) bool {
	sample := data[:min(len(data), 1024)]
	if len(sample) == 0 {
		return true
	}
	bad := 0
	for _, b := range sample {
		if b == 0 || (b < 32 && b != '\t' && b != '\n' && b != '\r' && b != '\f') || b == 0x7f {
			bad++
		}
	}
	if bad*10 >= len(sample) {
		return false
	}
	if len(data) > len(sample) {
		for i := 0; i < utf8.UTFMax && len(sample) > 0 && !utf8.Valid(sample); i++ {
			sample = sample[:len(sample)-1]
		}
	}
	return utf8.Valid(sample)
}

// acceptedFileTypes is upstream's GET /accepts table (behaviour §6.2).
var acceptedFileTypes = map[string][]string{
	"text/plain":       {".txt", ".md", ".org", ".adoc", ".rst"},
	"text/html":        {".html"},
	"text/csv":         {".csv"},
	"application/json": {".json"},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {".docx"},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {".pptx"},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {".xlsx"},
	"application/vnd.oasis.opendocument.text":                                   {".odt"},
	"application/vnd.oasis.opendocument.presentation":                           {".odp"},
	"application/pdf":      {".pdf"},
	"application/mbox":     {".mbox"},
	"audio/wav":            {".wav"},
	"audio/mpeg":           {".mp3"},
	"audio/ogg":            {".ogg", ".oga"},
	"audio/opus":           {".opus"},
	"audio/mp4":            {".m4a"},
	"audio/x-m4a":          {".m4a"},
	"audio/webm":           {".webm"},
	"video/mp4":            {".mp4"},
	"video/mpeg":           {".mpeg"},
	"application/epub+zip": {".epub"},
	"image/png":            {".png"},
	"image/jpeg":           {".jpg"},
	"image/jpg":            {".jpg"},
	"image/webp":           {".webp"},
}

// AcceptedFileTypes returns upstream's accepted-file-types map exactly
// (MIME type -> extensions), for GET /v1/document/accepted-file-types.
// It lists audio, video and images, which this collector refuses (they
// need transcription or OCR); SupportedFileTypes lists what it parses.
func AcceptedFileTypes() map[string][]string {
	out := make(map[string][]string, len(acceptedFileTypes))
	for k, v := range acceptedFileTypes {
		out[k] = slices.Clone(v)
	}
	return out
}

// supportedMIME names the MIME type of each parsed extension.
var supportedMIME = map[string]string{
	".txt": "text/plain", ".md": "text/plain", ".org": "text/plain", ".adoc": "text/plain", ".rst": "text/plain",
	".mdx": "text/markdown", ".log": "text/plain", ".tsv": "text/tab-separated-values",
	".yaml": "application/yaml", ".yml": "application/yaml",
	".html": "text/html", ".htm": "text/html", ".csv": "text/csv", ".json": "application/json", ".xml": "application/xml",
	".pdf":  "application/pdf",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".odt":  "application/vnd.oasis.opendocument.text",
	".odp":  "application/vnd.oasis.opendocument.presentation",
	".epub": "application/epub+zip", ".mbox": "application/mbox", ".eml": "message/rfc822",
}

// SupportedFileTypes maps MIME types to the extensions this collector
// parses (extensions sorted). Files with other extensions are still
// accepted when their bytes look like text.
func SupportedFileTypes() map[string][]string {
	out := map[string][]string{}
	for _, ext := range slices.Sorted(maps.Keys(supportedMIME)) {
		m := supportedMIME[ext]
		out[m] = append(out[m], ext)
	}
	return out
}

// SupportedExtension reports whether the collector has a parser for the
// extension of name (case-insensitive).
func SupportedExtension(name string) bool {
	_, ok := parsers[strings.ToLower(path.Ext(name))]
	return ok
}

// SanitizeFileName makes a client's file name safe to use: path parts are
// dropped (either slash), control characters, the characters Windows
// forbids (<>:"/\|?*) and curly quotes are removed, spaces trimmed, and the
// result capped at 200 bytes (keeping the extension). Names with a NUL
// byte, a ".." segment, or nothing left are refused with InvalidArgument.
func SanitizeFileName(name string) (string, error) {
	if strings.ContainsRune(name, 0) {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The file name contains a NUL byte.")
	}
	if !utf8.ValidString(name) {
		name = latin1ToUTF8(name) // multer hands over latin1-decoded names
	}
	name = strings.ReplaceAll(name, "\\", "/")
	for seg := range strings.SplitSeq(name, "/") {
		if strings.TrimSpace(seg) == ".." {
			return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The file name %q may not contain \"..\".", name)
		}
	}
	name = path.Base("/" + name)
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 32 || r == 0x7f, strings.ContainsRune(`<>:"/\|?*`, r), r == '\u2018', r == '\u2019', r == '\u201c', r == '\u201d':
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if len(name) > 200 {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = strings.ToValidUTF8(name[:200-len(ext)], "") + ext
	}
	if name == "" || name == "." || name == ".." || name == "/" {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The upload has no usable file name.")
	}
	return name, nil
}

func latin1ToUTF8(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// DocumentFileName is the stored JSON name of an uploaded file's document,
// as upstream: "<slugify(name)>-<id>.json" ("My File.pdf" ->
// "My-File.pdf-<id>.json"), free of characters unsafe in file names.
func DocumentFileName(originalName, id string) string {
	return safeName(slugify(originalName, false), "document") + "-" + id + ".json"
}

// RawTextFileName is the stored JSON name of a raw-text document:
// "raw-<slug of the title>-<id>.json".
func RawTextFileName(title, id string) string {
	return "raw-" + rawSlug(title) + "-" + id + ".json"
}

// LinkFileName is the stored JSON name of a fetched link's document:
// "url-<slugify(host + path with / as _)>-<id>.json".
func LinkFileName(link, id string) string {
	return "url-" + linkSlug(link) + "-" + id + ".json"
}

// SheetFolderName is the folder upstream stores an XLSX's sheet documents
// in: "<slugify(name), lower case>-<4 hex>" (suffix: the first 4
// characters of a uuid, passed in so tests can fix it).
func SheetFolderName(fileName, suffix string) string {
	return safeName(slugify(fileName+"-"+suffix, true), "sheets")
}

func linkSlug(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return safeName(slugify(strings.ReplaceAll(link, "/", "_"), false), "link")
	}
	return safeName(slugify(u.Host+strings.ReplaceAll(u.Path, "/", "_"), false), "link")
}

// rawSlug is the raw-text slug: the title without its last extension,
// slugified in lower case.
func rawSlug(title string) string {
	if ext := path.Ext(title); ext != "" && ext != title {
		title = strings.TrimSuffix(title, ext)
	}
	return safeName(slugify(title, true), "untitled")
}

// slugify follows the npm slugify package with its default options:
// accents are stripped, ASCII letters, digits and $*_+~.()'"!-:@ are kept,
// anything else removed, whitespace runs become "-", ends trimmed.
func slugify(s string, lower bool) string {
	s = norm.NFKD.String(s)
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			space = true
			continue
		case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(`$*_+~.()'"!-:@`, r)):
			if space && b.Len() > 0 {
				b.WriteByte('-')
			}
			space = false
			if lower {
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// safeName strips the characters upstream removes from stored names and
// falls back to def when nothing is left.
func safeName(s, def string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`<>:"/\|?*`, r) || r == '\u2018' || r == '\u2019' || r == '\u201c' || r == '\u201d' {
			return -1
		}
		return r
	}, s)
	s = strings.Trim(s, ".")
	if s == "" {
		return def
	}
	if len(s) > 180 {
		s = s[:180]
	}
	return s
}
