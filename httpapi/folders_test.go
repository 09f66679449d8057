package httpapi_test

import (
	"strings"
	"testing"
)

func TestFoldersMoveAndRemove(t *testing.T) {
	env := ragEnv(t)
	newWorkspace(t, env, map[string]any{"name": "F"})
	env.DoJSON(t, "POST", "/api/v1/document/create-folder", map[string]any{"name": "archive"}, nil)
	_, a := upload(t, env, "/api/v1/document/upload", "a.txt", "alpha text", nil)
	_, b := upload(t, env, "/api/v1/document/upload", "b.txt", "beta text", map[string]string{"addToWorkspaces": "f"})
	fromA, fromB := a.Documents[0].Location, b.Documents[0].Location
	toA := "archive/" + strings.TrimPrefix(fromA, "custom-documents/")
	var res map[string]any
	st := env.DoJSON(t, "POST", "/api/v1/document/move-files", map[string]any{"files": []map[string]string{
		{"from": fromA, "to": toA}, {"from": fromB, "to": "archive/b.json"}}}, &res)
	if st != 200 || res["message"] != "1/2 files not moved. Unembed them from all workspaces." {
		t.Fatalf("move: %d %v", st, res)
	}
	var page struct {
		Folder     string
		Documents  []map[string]any
		TotalCount int
		HasMore    bool
	}
	if st := env.DoJSON(t, "GET", "/api/v1/documents/folder/archive?limit=1", nil, &page); st != 200 || page.TotalCount != 1 || len(page.Documents) != 1 || page.HasMore {
		t.Fatalf("folder: %d %+v", st, page)
	}
	if st := env.DoJSON(t, "GET", "/api/v1/documents/folder/nope", nil, &res); st != 404 || !strings.Contains(res["error"].(string), "does not exist") {
		t.Fatalf("missing folder: %d %v", st, res)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/document/move-files", map[string]any{"files": []map[string]string{{"from": "archive/x.json", "to": "../../x.json"}}}, &res); st != 400 {
		t.Fatalf("traversal in move: %d", st)
	}
	if st := env.DoJSON(t, "DELETE", "/api/v1/document/remove-folder", map[string]any{"name": "custom-documents"}, &res); st != 400 {
		t.Fatalf("removing custom-documents: %d", st)
	}
	if st := env.DoJSON(t, "DELETE", "/api/v1/document/remove-folder", map[string]any{"name": "archive"}, &res); st != 200 || res["message"] != "Folder removed successfully" {
		t.Fatalf("remove-folder: %d %v", st, res)
	}
	if st := env.DoJSON(t, "GET", "/api/v1/documents/folder/archive", nil, nil); st != 404 {
		t.Fatalf("folder still there: %d", st)
	}
}
