package bunstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// copyData builds binary COPY data from rows of fields (nil = NULL).
func copyData(rows ...[][]byte) []byte {
	var b bytes.Buffer
	b.Write(pgcopySignature)
	b.Write([]byte{0, 0, 0, 0, 0, 0, 0, 0}) // flags, no header extension
	for _, r := range rows {
		_ = binary.Write(&b, binary.BigEndian, int16(len(r)))
		for _, f := range r {
			if f == nil {
				_ = binary.Write(&b, binary.BigEndian, int32(-1))
				continue
			}
			_ = binary.Write(&b, binary.BigEndian, int32(len(f)))
			b.Write(f)
		}
	}
	_ = binary.Write(&b, binary.BigEndian, int16(-1))
	return b.Bytes()
}

func TestEachCopyRow(t *testing.T) {
	id := make([]byte, 8)
	binary.BigEndian.PutUint64(id, 42)
	data := copyData([][]byte{id, []byte("text"), nil}, [][]byte{id, {}, []byte{1, 2}})
	var got [][]string
	err := eachCopyRow(data, 3, func(f [][]byte) error {
		n, err := copyInt8(f[0])
		if err != nil || n != 42 {
			t.Fatalf("int8 = %d %v", n, err)
		}
		got = append(got, []string{string(f[1]), string(f[2]), map[bool]string{true: "null", false: "set"}[f[2] == nil]})
		return nil
	})
	if err != nil || len(got) != 2 || got[0][0] != "text" || got[0][2] != "null" || got[1][1] != "\x01\x02" {
		t.Fatalf("rows = %q, %v", got, err)
	}
	for name, bad := range map[string][]byte{
		"empty":          nil,
		"no trailer":     data[:len(data)-2],
		"truncated":      data[:len(data)-5],
		"wrong count":    copyData([][]byte{id}),
		"bad signature":  append([]byte("PGCOPY\n\xff\r\n\x01"), data[11:]...),
		"huge extension": append(append(append([]byte{}, pgcopySignature...), 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff), data[19:]...),
	} {
		if err := eachCopyRow(bad, 3, func([][]byte) error { return nil }); !errors.Is(err, errBadCopy) {
			t.Errorf("%s: %v, want errBadCopy", name, err)
		}
	}
}

// FuzzEachCopyRow: any input is parsed or refused, never a panic, and
// every field lies within the input.
func FuzzEachCopyRow(f *testing.F) {
	f.Add(copyData([][]byte{[]byte("12345678"), []byte("a"), nil}), 3)
	f.Add(copyData(), 1)
	f.Add([]byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00"), 2)
	f.Fuzz(func(t *testing.T, data []byte, fields int) {
		if fields < 0 || fields > 64 {
			return
		}
		_ = eachCopyRow(data, fields, func(fs [][]byte) error {
			for _, x := range fs {
				if len(x) > len(data) {
					t.Fatalf("a field of %d bytes from %d bytes of input", len(x), len(data))
				}
			}
			return nil
		})
	})
}
