package bunstore

import (
	"reflect"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// chatListKey must name every field that shapes List's query; a new
// ChatFilter field must be added to it (or made to disable preparing).
func TestChatListKeyCoversTheFilter(t *testing.T) {
	if n := reflect.TypeFor[anythingllm.ChatFilter]().NumField(); n != 13 {
		t.Fatalf("ChatFilter has %d fields; review chatListKey and List's bind rule, then update this count", n)
	}
	shapes := []*anythingllm.ChatFilter{nil, {}, {WorkspaceID: 1}, {ThreadID: 1}, {NoThread: true}, {SessionID: "s"},
		{NoSession: true}, {UserID: 1}, {NoUser: true}, {IncludedOnly: true}, {MinID: 1}, {Newest: true}, {Limit: 4}, {Limit: 5}}
	seen := map[string]int{}
	for i, f := range shapes {
		k := chatListKey(f)
		if j, dup := seen[k]; dup {
			t.Fatalf("shapes %d and %d share the key %q", j, i, k)
		}
		seen[k] = i
	}
	if chatListKey(&anythingllm.ChatFilter{WorkspaceID: 1}) != chatListKey(&anythingllm.ChatFilter{WorkspaceID: 2}) {
		t.Fatal("arguments changed the key")
	}
}

// copyWorkspace must copy every optional (pointer) field, or callers
// would share, and could change, the cached workspace.
func TestCopyWorkspaceSharesNothing(t *testing.T) {
	w := &anythingllm.Workspace{}
	v := reflect.ValueOf(w).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Pointer {
			f.Set(reflect.New(f.Type().Elem()))
		}
	}
	c := reflect.ValueOf(copyWorkspace(w)).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Pointer && f.Pointer() == c.Field(i).Pointer() {
			t.Errorf("copyWorkspace shares %s", v.Type().Field(i).Name)
		}
	}
}
