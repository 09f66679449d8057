package httpapi

import (
	"fmt"
	"html"
	"io"
	"net/http"
)

// ReDoc is a JavaScript application that no Go module serves, and its
// files are not ours to commit. The page at /api/redoc/ therefore loads
// its standalone bundle either from a file the operator installed (npm
// pack redoc; REDOC_SCRIPT_FILE in the stock binary), served beside the
// page so the docs work offline, or else from ReDoc's CDN in the reader's
// browser.

// RedocCDN is the bundle the page loads when Options.RedocScript is nil.
const RedocCDN = "https://cdn.redoc.ly/redoc/v2.5.1/bundles/redoc.standalone.js"

const redocLocal = "/api/redoc/redoc.standalone.js"

func (s *server) redocPage() string {
	src := RedocCDN
	if s.opts.RedocScript != nil {
		src = redocLocal
	}
	return fmt.Sprintf(`<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AnythingLLM API (anythingllm-go)</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="/api/schema/"></redoc>
<script src="%s"></script>
</body>
</html>
`, html.EscapeString(src))
}

// handleRedoc serves the ReDoc page.
func (s *server) handleRedoc(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, s.redocPage())
}

// handleRedocScript serves the operator's ReDoc bundle.
func (s *server) handleRedocScript(w http.ResponseWriter, r *http.Request) {
	if s.opts.RedocScript == nil {
		s.handleNotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(s.opts.RedocScript)
}
