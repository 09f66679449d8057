package httpapi

import (
	"html/template"
	"net/http"
	"sync"

	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
)

// Swagger UI comes from github.com/swaggest/swgui, which embeds its assets,
// so the docs work offline and nothing is fetched from a CDN.

const docsBase = "/api/docs/"

// darkCSS is a small dark theme for Swagger UI, chosen with ?theme=dark.
const darkCSS = `<style>
html { filter: invert(88%) hue-rotate(180deg); background: #fff; }
img, .microlight, .highlight-code { filter: invert(100%) hue-rotate(180deg); }
</style>`

var (
	swaggerOnce        sync.Once
	swaggerLight, dark http.Handler
)

func swaggerHandlers() (http.Handler, http.Handler) {
	swaggerOnce.Do(func() {
		cfg := swgui.Config{
			Title:       "AnythingLLM API (anythingllm-go)",
			SwaggerJSON: "/api/schema/",
			BasePath:    docsBase,
			SettingsUI: map[string]string{
				"persistAuthorization": "true",
			},
		}
		swaggerLight = v5emb.NewHandlerWithConfig(cfg)
		cfg.AppendHead = template.HTML(darkCSS)
		dark = v5emb.NewHandlerWithConfig(cfg)
	})
	return swaggerLight, dark
}

// handleSwaggerUI serves Swagger UI at /api/docs/ and its assets below it.
func (s *server) handleSwaggerUI(w http.ResponseWriter, r *http.Request) {
	light, darkUI := swaggerHandlers()
	h := light
	if r.URL.Query().Get("theme") == "dark" {
		h = darkUI
	}
	if r.URL.Path == "/api/docs" {
		r2 := r.Clone(r.Context())
		r2.URL.Path = docsBase
		r = r2
	}
	h.ServeHTTP(w, r)
}
