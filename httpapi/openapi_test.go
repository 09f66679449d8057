package httpapi

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// tableServer is a server with no App: enough to list routes and build
// the document.
func tableServer() *server { return &server{} }

func loadSchema(t *testing.T) (*openapi3.T, *schemaDocument) {
	t.Helper()
	sd, err := newSchemaDocument(tableServer().routes())
	if err != nil {
		t.Fatalf("building the OpenAPI document: %v", err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(sd.json)
	if err != nil {
		t.Fatalf("loading the generated document: %v", err)
	}
	return doc, sd
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, _ := loadSchema(t)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("generated OpenAPI document is invalid: %v", err)
	}
	if doc.Components.SecuritySchemes["BearerAuth"] == nil {
		t.Fatal("no BearerAuth security scheme")
	}
}

func TestOpenAPIListsExactlyTheRoutes(t *testing.T) {
	doc, _ := loadSchema(t)
	want := map[string]bool{}
	for _, rt := range tableServer().routes() {
		key := rt.method + " " + strings.TrimSuffix(rt.path, "/")
		if want[key] {
			t.Errorf("route %s is listed twice", key)
		}
		want[key] = true
		item := doc.Paths.Find(strings.TrimSuffix(rt.path, "/"))
		if item == nil || item.GetOperation(rt.method) == nil {
			t.Errorf("route %s is missing from the schema", key)
			continue
		}
		op := item.GetOperation(rt.method)
		if len(op.Tags) != 1 || op.Tags[0] != rt.tag {
			t.Errorf("%s: tags %v, want [%s]", key, op.Tags, rt.tag)
		}
		if op.Summary == "" {
			t.Errorf("%s: no summary", key)
		}
		secured := op.Security != nil && len(*op.Security) > 0
		if secured == rt.public {
			t.Errorf("%s: secured=%v but public=%v", key, secured, rt.public)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !want[method+" "+path] {
				t.Errorf("schema has %s %s, which is not a registered route", method, path)
			}
		}
	}
}

func TestOpenAPIYAMLMatchesJSON(t *testing.T) {
	_, sd := loadSchema(t)
	var fromJSON, fromYAML any
	if err := json.Unmarshal(sd.json, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(sd.yaml, &fromYAML); err != nil {
		t.Fatalf("YAML does not parse: %v", err)
	}
	j1, _ := json.Marshal(fromJSON)
	j2, err := json.Marshal(fromYAML)
	if err != nil {
		t.Fatalf("YAML has non-JSON values: %v", err)
	}
	if string(j1) != string(j2) {
		t.Fatal("YAML and JSON documents differ")
	}
}

func TestOpenAPIErrorResponsesAreShared(t *testing.T) {
	doc, _ := loadSchema(t)
	op := doc.Paths.Find("/v1/auth").GetOperation("GET")
	r := op.Responses.Value("403")
	if r == nil || r.Ref != "#/components/responses/Forbidden" {
		t.Fatalf("403 of GET /v1/auth should reference the shared Forbidden response, got %+v", r)
	}
	ex := doc.Components.Responses["Forbidden"].Value.Content["application/json"].Example
	b, _ := json.Marshal(ex)
	if string(b) != `{"error":"No valid api key found."}` {
		t.Fatalf("Forbidden example = %s", b)
	}
}
