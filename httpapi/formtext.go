package httpapi

import (
	"reflect"
	"strings"
	"unicode"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Multipart form fields bypass the JSON decoder, so their text is checked
// here before anything is written: a NUL or another control character in
// a file name, a folder, a workspace list or the metadata is a 400 naming
// the field (PostgreSQL refuses NUL in text, and control characters in a
// name end up in file systems, logs and exports).

// checkFormText refuses NUL and other control characters in a form field.
// multiline allows tab, line feed and carriage return (free text).
func checkFormText(field, v string, multiline bool) error {
	if i := strings.IndexFunc(v, func(r rune) bool {
		if multiline && (r == '\t' || r == '\n' || r == '\r') {
			return false
		}
		return unicode.IsControl(r)
	}); i >= 0 {
		if v[i] == 0 {
			return anythingllm.Errorf(anythingllm.InvalidArgument, "%s contains a NUL character", field)
		}
		return anythingllm.Errorf(anythingllm.InvalidArgument, "%s contains a control character", field)
	}
	return nil
}

// checkFormStrings applies checkFormText (multiline) to every string field
// of the struct v points to, naming each as prefix.<json name>.
func checkFormStrings(prefix string, v any) error {
	rv := reflect.ValueOf(v).Elem()
	t := rv.Type()
	for i := range t.NumField() {
		f := rv.Field(i)
		if f.Kind() != reflect.String {
			continue
		}
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if err := checkFormText(prefix+"."+name, f.String(), true); err != nil {
			return err
		}
	}
	return nil
}
