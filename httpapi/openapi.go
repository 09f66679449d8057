package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"gopkg.in/yaml.v3"
)

// The OpenAPI document is generated once, at start-up, from the route table
// and the same Go types the handlers decode and encode, so it cannot drift
// from what the server does.

// Version is reported in the OpenAPI document's info.
var Version = "dev"

var pathParamRE = regexp.MustCompile(`\{([A-Za-z0-9_]+)(\.\.\.)?\}`)

// integerParams are path parameters that are numeric ids.
var integerParams = map[string]bool{"id": true, "chatId": true, "workspaceId": true}

// Reusable error responses, described once.
const (
	respBadRequest     = "BadRequest"
	respForbidden      = "Forbidden"
	respNotFound       = "NotFound"
	respUnauthorized   = "NotMultiUser"
	respTooLarge       = "TooLarge"
	respBodyTimeout    = "BodyTimeout"
	respTooManyStreams = "TooManyStreams"
	respInternal       = "InternalError"
	respOther          = "Error"
)

// buildOpenAPI returns the OpenAPI 3 document for routes.
func buildOpenAPI(routes []route) (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:   "AnythingLLM Developer API (anythingllm-go)",
			Version: Version,
			Description: "AnythingLLM's developer API, served by anythingllm-go. " +
				"Authenticate with `Authorization: Bearer <API key>` (make one with `anythingllm apikey create`).",
		},
		Servers: openapi3.Servers{{URL: "/api"}},
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas:   openapi3.Schemas{},
			Responses: openapi3.ResponseBodies{},
			SecuritySchemes: openapi3.SecuritySchemes{
				"BearerAuth": &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
					Type: "http", Scheme: "bearer", BearerFormat: "AnythingLLM API key",
					Description: "An API key such as 4XQ2M8T-9KJ0B7D-W3R5Y6Z-1H2G3F4.",
				}},
			},
		},
	}
	gen := openapi3gen.NewGenerator(
		openapi3gen.CreateComponentSchemas(openapi3gen.ExportComponentSchemasOptions{ExportComponentSchemas: true, ExportTopLevelSchema: true}),
		openapi3gen.CreateTypeNameGenerator(schemaName),
		openapi3gen.SchemaCustomizer(customizeSchema),
	)
	schemaFor := func(v any) (*openapi3.SchemaRef, error) {
		ref, err := gen.NewSchemaRefForValue(v, doc.Components.Schemas)
		if err != nil {
			return nil, fmt.Errorf("schema for %T: %w", v, err)
		}
		return ref, nil
	}

	errSchema, err := schemaFor(errorResponse{})
	if err != nil {
		return nil, err
	}
	addErr := func(name, desc string, example any) {
		mt := openapi3.NewMediaType().WithSchemaRef(errSchema)
		if example != nil {
			mt.Example = example
		}
		doc.Components.Responses[name] = &openapi3.ResponseRef{Value: openapi3.NewResponse().
			WithDescription(desc).WithContent(openapi3.Content{"application/json": mt})}
	}
	addErr(respBadRequest, "Bad request: malformed JSON, a missing or invalid field, or an unsafe name.", errorResponse{Error: "invalid JSON body: syntax error at byte 1"})
	addErr(respForbidden, "Invalid API key.", errNoAPIKey)
	addErr(respNotFound, "Not found.", errorResponse{Error: "Workspace not found"})
	addErr(respUnauthorized, "The instance is not in multi-user mode; method denied.", errorResponse{Error: "Instance is not in Multi-User mode. Method denied"})
	addErr(respTooLarge, "The request body or upload exceeds the configured limit.", errorResponse{Error: "request body exceeds 33554432 bytes"})
	addErr(respBodyTimeout, "The request body arrived too slowly (see SECURITY.md); the connection is closed.", errorResponse{Error: errBodyTimeout.Error()})
	addErr(respTooManyStreams, "This API key already holds the most open streams allowed; retry after the Retry-After header's seconds.", errorResponse{Error: "too many open streams for this API key (at most 8 at once); retry when one has ended"})
	addErr(respInternal, "Internal server error.", errorResponse{Error: "Internal server error"})
	addErr(respOther, "Any other error: 409 conflict, 429 rate limited upstream, 501 not supported, 503 a provider or the database is unavailable, 504 timeout.", errorResponse{Error: "no LLM provider is configured"})
	// The OpenAI-compatible routes answer errors in OpenAI's shape.
	oaiSchema, err := schemaFor(openAIError{})
	if err != nil {
		return nil, err
	}
	for _, name := range []string{respBadRequest, respNotFound, respTooLarge, respBodyTimeout, respTooManyStreams, respInternal, respOther} {
		doc.Components.Responses["OpenAI"+name] = &openapi3.ResponseRef{Value: openapi3.NewResponse().
			WithDescription(*doc.Components.Responses[name].Value.Description + " (OpenAI error shape)").
			WithContent(openapi3.Content{"application/json": openapi3.NewMediaType().WithSchemaRef(oaiSchema)})}
	}

	tags := map[string]bool{}
	for _, rt := range routes {
		errRef := func(name string) *openapi3.ResponseRef {
			if rt.tag == tagOpenAI && name != respForbidden {
				name = "OpenAI" + name
			}
			return &openapi3.ResponseRef{Ref: "#/components/responses/" + name}
		}
		tags[rt.tag] = true
		op := openapi3.NewOperation()
		op.Tags = []string{rt.tag}
		op.Summary = rt.summary
		op.OperationID = operationID(rt)
		op.Responses = openapi3.NewResponses()
		if !rt.public {
			op.Security = &openapi3.SecurityRequirements{{"BearerAuth": []string{}}}
			op.Responses.Set("403", errRef(respForbidden))
		}
		for _, m := range pathParamRE.FindAllStringSubmatch(rt.path, -1) {
			typ := "string"
			if integerParams[m[1]] {
				typ = "integer"
			}
			op.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(&openapi3.Schema{Type: &openapi3.Types{typ}}))
		}
		for _, q := range rt.query {
			typ := q.typ
			if typ == "" {
				typ = "string"
			}
			p := openapi3.NewQueryParameter(q.name).WithSchema(&openapi3.Schema{Type: &openapi3.Types{typ}})
			p.Description = q.desc
			p.Required = q.required
			op.AddParameter(p)
		}
		hasInput := len(op.Parameters) > 0
		switch {
		case rt.upload:
			form := &openapi3.Schema{Type: &openapi3.Types{"object"}, Properties: openapi3.Schemas{
				"file": openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "binary"}),
			}, Required: []string{"file"}}
			if rt.req != nil {
				ref, err := schemaFor(rt.req)
				if err != nil {
					return nil, err
				}
				if s := resolve(doc, ref); s != nil {
					for k, v := range s.Properties {
						form.Properties[k] = v
					}
				}
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
				WithContent(openapi3.Content{"multipart/form-data": openapi3.NewMediaType().WithSchema(form)})}
			hasInput = true
		case rt.req != nil:
			ref, err := schemaFor(rt.req)
			if err != nil {
				return nil, err
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().
				WithContent(openapi3.Content{"application/json": openapi3.NewMediaType().WithSchemaRef(ref)})}
			hasInput = true
		}
		if hasInput {
			op.Responses.Set("400", errRef(respBadRequest))
		}
		if op.RequestBody != nil {
			op.Responses.Set("413", errRef(respTooLarge))
			op.Responses.Set("408", errRef(respBodyTimeout))
		}
		if rt.stream || rt.alsoStream {
			op.Responses.Set("429", errRef(respTooManyStreams))
		}
		if strings.HasPrefix(rt.path, "/v1/admin/") && rt.path != "/v1/admin/is-multi-user-mode" && rt.path != "/v1/admin/workspace-chats" {
			op.Responses.Set("401", errRef(respUnauthorized))
		}
		if len(pathParamRE.FindAllString(rt.path, -1)) > 0 {
			op.Responses.Set("404", errRef(respNotFound))
		}
		op.Responses.Set("500", errRef(respInternal))
		op.Responses.Set("default", errRef(respOther))

		ok := openapi3.NewResponse().WithDescription("OK")
		switch {
		case rt.respType != "":
			content := openapi3.Content{}
			for _, ct := range strings.Split(rt.respType, ",") {
				typ := "string"
				if ct == "application/json" || ct == "application/yaml" {
					typ = "object" // a document
				}
				if c, t, ok := strings.Cut(ct, ":"); ok { // "application/json:array"
					ct, typ = c, t
				}
				sch := &openapi3.Schema{Type: &openapi3.Types{typ}}
				if typ == "array" {
					sch.Items = openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"object"}})
				}
				content[ct] = openapi3.NewMediaType().WithSchema(sch)
			}
			ok.WithContent(content)
		case rt.stream:
			mt := openapi3.NewMediaType().WithSchema(&openapi3.Schema{Type: &openapi3.Types{"string"},
				Description: "Server-sent events: `data: <json>\\n\\n` per event."})
			if rt.resp != nil {
				ref, err := schemaFor(rt.resp)
				if err != nil {
					return nil, err
				}
				mt.Schema.Value.Description += " Each event's JSON is a " + refName(ref) + "."
			}
			ok.WithContent(openapi3.Content{"text/event-stream": mt})
		case rt.resp != nil:
			ref, err := schemaFor(rt.resp)
			if err != nil {
				return nil, err
			}
			content := openapi3.Content{"application/json": openapi3.NewMediaType().WithSchemaRef(ref)}
			if rt.alsoStream {
				content["text/event-stream"] = openapi3.NewMediaType().WithSchema(&openapi3.Schema{Type: &openapi3.Types{"string"},
					Description: "Server-sent events: `data: <" + refName(ref) + " chunk>\\n\\n`, ending with `data: [DONE]`."})
			}
			ok.WithContent(content)
		}
		op.Responses.Set("200", &openapi3.ResponseRef{Value: ok})
		doc.AddOperation(strings.TrimSuffix(rt.path, "/"), rt.method, op)
	}
	names := make([]string, 0, len(tags))
	for t := range tags {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		doc.Tags = append(doc.Tags, &openapi3.Tag{Name: t})
	}
	return doc, nil
}

// operationID derives a stable id such as "post_v1_workspace_slug_chat".
func operationID(rt route) string {
	p := pathParamRE.ReplaceAllString(rt.path, "$1")
	p = strings.NewReplacer("/", "_", "-", "_", ".", "_").Replace(strings.Trim(p, "/"))
	return strings.ToLower(rt.method) + "_" + p
}

// schemaName names component schemas after their Go type, exported style.
func schemaName(t reflect.Type) string {
	n := t.Name()
	if n == "" {
		return ""
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

// customizeSchema fixes what reflection cannot know: times are strings,
// pointers are nullable, and json.RawMessage / any accept any JSON.
func customizeSchema(name string, t reflect.Type, tag reflect.StructTag, s *openapi3.Schema) error {
	if t == reflect.TypeOf(time.Time{}) {
		s.Type = &openapi3.Types{"string"}
		s.Format = "date-time"
		s.Properties = nil
	}
	if t == reflect.TypeOf(json.RawMessage(nil)) || t.Kind() == reflect.Interface {
		*s = openapi3.Schema{Nullable: true} // any JSON value
	}
	if d := tag.Get("doc"); d != "" {
		s.Description = d
	}
	return nil
}

func refName(ref *openapi3.SchemaRef) string {
	if ref.Ref != "" {
		return strings.TrimPrefix(ref.Ref, "#/components/schemas/")
	}
	return "JSON object"
}

// resolve follows a component reference.
func resolve(doc *openapi3.T, ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref.Ref != "" {
		if s, ok := doc.Components.Schemas[strings.TrimPrefix(ref.Ref, "#/components/schemas/")]; ok && s.Value != nil {
			return s.Value
		}
	}
	return ref.Value
}

// schemaDocument is the generated document in both encodings.
type schemaDocument struct {
	json, yaml []byte
}

func newSchemaDocument(routes []route) (*schemaDocument, error) {
	doc, err := buildOpenAPI(routes)
	if err != nil {
		return nil, err
	}
	j, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	var generic any
	if err := json.Unmarshal(j, &generic); err != nil {
		return nil, err
	}
	y, err := yaml.Marshal(generic)
	if err != nil {
		return nil, err
	}
	return &schemaDocument{json: j, yaml: y}, nil
}

// handleSchema serves the OpenAPI document: JSON, or YAML with ?format=yaml.
func (s *server) handleSchema(w http.ResponseWriter, r *http.Request) {
	if s.schemaErr != nil {
		s.writeError(w, r, s.schemaErr)
		return
	}
	switch r.URL.Query().Get("format") {
	case "yaml", "yml":
		w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
		_, _ = w.Write(s.schema.yaml)
	case "", "json":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(s.schema.json)
	default:
		encode(w, http.StatusBadRequest, errorResponse{Error: "format must be json or yaml"})
	}
}
