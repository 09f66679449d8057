package collector_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector"
)

// fuzzExts are the formats FuzzParse feeds mutated bytes to.
var fuzzExts = []string{".pdf", ".docx", ".pptx", ".odt", ".odp", ".xlsx", ".epub", ".eml", ".mbox", ".html", ".txt", ".csv", ".json"}

// FuzzParse runs each format's parser through the exported entry point on
// mutated bytes: it never panics (a recovered parser panic surfaces as
// "parser panic" in the error and fails too), finishes within its parse
// deadline, and fails only with a client error code.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, p := range files {
		ext := strings.ToLower(filepath.Ext(p))
		data, err := os.ReadFile(p)
		if err != nil || len(data) > 256<<10 {
			continue
		}
		for i, e := range fuzzExts {
			if e == ext {
				f.Add(uint8(i), data)
			}
		}
	}
	f.Add(uint8(0), []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"))
	f.Add(uint8(1), []byte("PK\x03\x04"))
	f.Add(uint8(7), []byte("From: a\r\nSubject: =?utf-8?b?////?=\r\n\r\nbody"))
	c := collector.New(&collector.Options{PDFEngine: collector.PDFLight, ParseTimeout: 2 * time.Second, MaxFileBytes: 4 << 20,
		Now: func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }})
	f.Cleanup(func() { c.Close() })
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		name := "fuzz" + fuzzExts[int(which)%len(fuzzExts)]
		start := time.Now()
		parts, err := c.Parse(context.Background(), name, data)
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("%s: parse took %v, past its 2 s deadline", name, d)
		}
		if err == nil {
			for _, p := range parts {
				if strings.TrimSpace(p.Text) == "" {
					t.Fatalf("%s: an empty part came back", name)
				}
			}
			return
		}
		if strings.Contains(err.Error(), "parser panic") {
			t.Fatalf("%s: %v", name, err)
		}
		var ae *anythingllm.Error
		if !errors.As(err, &ae) {
			t.Fatalf("%s: error without a code: %v", name, err)
		}
		switch ae.Code {
		case anythingllm.InvalidArgument, anythingllm.TooLarge, anythingllm.DeadlineExceeded, anythingllm.FailedPrecondition, anythingllm.Unimplemented:
		default:
			t.Fatalf("%s: error code %v: %v", name, ae.Code, err)
		}
	})
}
