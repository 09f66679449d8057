package httpapi

import (
	"io"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// wireTimeLayout is how upstream writes times (JavaScript's toISOString):
// UTC with exactly three millisecond digits, ".000Z" on a whole second.
const wireTimeLayout = "2006-01-02T15:04:05.000Z"

// wireOptions are encoding/json's semantics (field names, omitempty,
// MarshalJSON methods, HTML escaping, sorted map keys) with one change:
// every time.Time is written in wireTimeLayout. encoding/json itself has
// no hook for a type it already knows, and the core's types keep plain
// time.Time fields.
var wireOptions = jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(),
	jsonv2.WithMarshalers(jsonv2.MarshalFunc(func(t time.Time) ([]byte, error) {
		return []byte(`"` + t.UTC().Format(wireTimeLayout) + `"`), nil
	})))

// marshalWire encodes a response body (or a stream event) for the wire.
func marshalWire(v any) ([]byte, error) {
	return jsonv2.Marshal(v, wireOptions)
}

// marshalWireTo is marshalWire writing to w.
func marshalWireTo(w io.Writer, v any) error {
	return jsonv2.MarshalWrite(w, v, wireOptions)
}
