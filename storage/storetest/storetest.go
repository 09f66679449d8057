// Package storetest is the conformance suite for anythingllm.Store. Every
// implementation runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.RunConformanceTests(t, func(t *testing.T) anythingllm.Store { return memstore.New() })
//	}
//
// A third-party store that passes it can replace the stock ones.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// NewStore returns an empty, migrated store; the suite closes it.
type NewStore func(t *testing.T) anythingllm.Store

// RunConformanceTests runs the whole suite.
func RunConformanceTests(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s anythingllm.Store)
	}{
		{"Workspaces", testWorkspaces},
		{"Threads", testThreads},
		{"ChatFilters", testChatFilters},
		{"ChatFilterAgreesWithMatches", testChatFilterMatches},
		{"ChatDeleteRefusesEmptyFilter", testChatDeleteEmpty},
		{"DocumentsAndVectors", testDocuments},
		{"VectorPaging", testVectorPaging},
		{"WorkspaceDeleteCascades", testWorkspaceCascade},
		{"ThreadDeleteCascades", testThreadCascade},
		{"Users", testUsers},
		{"Members", testMembers},
		{"Invites", testInvites},
		{"APIKeys", testAPIKeys},
		{"Settings", testSettings},
		{"TxRollbackOnError", testTxRollback},
		{"TxRollbackOnPanic", testTxPanic},
		{"TxSeesOwnWrites", testTxVisibility},
		{"TimesRoundTrip", testTimes},
		{"ConcurrentWrites", testConcurrent},
		{"ChangeLogOrder", testChangeLogOrder},
		{"ChangeLogAtomic", testChangeLogAtomic},
		{"ChangeLogPrune", testChangeLogPrune},
		{"ChangeLogWatch", testChangeLogWatch},
		{"Locker", testLocker},
		{"DocumentSync", testDocumentSync},
		{"VectorPayloads", testVectorPayloads},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func ptr[T any](v T) *T { return &v }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, sentinel error, what string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("%s: got error %v, want %v", what, err, sentinel)
	}
}

func mkWorkspace(t *testing.T, s anythingllm.Store, slug string) *anythingllm.Workspace {
	t.Helper()
	w := &anythingllm.Workspace{Name: "WS " + slug, Slug: slug, OpenAIHistory: 20, CreatedAt: now(), LastUpdatedAt: now(),
		SimilarityThreshold: ptr(0.25), TopN: ptr(4), ChatMode: ptr("automatic")}
	must(t, s.Workspaces().Create(ctx, w))
	if w.ID == 0 {
		t.Fatal("Create did not set the workspace ID")
	}
	return w
}

func mkThread(t *testing.T, s anythingllm.Store, ws int64, slug string) *anythingllm.Thread {
	t.Helper()
	th := &anythingllm.Thread{Name: "Thread", Slug: slug, WorkspaceID: ws, CreatedAt: now(), LastUpdatedAt: now()}
	must(t, s.Threads().Create(ctx, th))
	return th
}

func mkChat(t *testing.T, s anythingllm.Store, c anythingllm.Chat) *anythingllm.Chat {
	t.Helper()
	c.CreatedAt, c.LastUpdatedAt = now(), now()
	if c.Response == "" {
		c.Response = `{"text":"r"}`
	}
	must(t, s.Chats().Create(ctx, &c))
	return &c
}

func mkUser(t *testing.T, s anythingllm.Store, name string, role anythingllm.Role) *anythingllm.User {
	t.Helper()
	u := &anythingllm.User{Username: name, PasswordHash: "$2a$10$hash", Role: role, CreatedAt: now(), LastUpdatedAt: now()}
	must(t, s.Users().Create(ctx, u))
	return u
}

func vec(dim int, seed float32) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = seed*float32(i+1) - 0.5
	}
	return v
}

func mkDoc(t *testing.T, s anythingllm.Store, ws int64, docID, docpath string, n int) *anythingllm.WorkspaceDocument {
	t.Helper()
	d := &anythingllm.WorkspaceDocument{DocID: docID, Filename: docpath, Docpath: docpath, WorkspaceID: ws,
		Metadata: `{"title":"t"}`, CreatedAt: now(), LastUpdatedAt: now()}
	var vs []anythingllm.VectorRecord
	for i := range n {
		vs = append(vs, anythingllm.VectorRecord{ID: fmt.Sprintf("%s-v%d", docID, i), Vector: vec(8, float32(i)+0.125),
			Text: fmt.Sprintf("chunk %d of %s", i, docID), Metadata: map[string]any{"title": docpath, "n": float64(i)}})
	}
	must(t, s.Documents().Add(ctx, d, vs))
	return d
}

func testWorkspaces(t *testing.T, s anythingllm.Store) {
	a := mkWorkspace(t, s, "alpha")
	b := mkWorkspace(t, s, "beta")
	dup := &anythingllm.Workspace{Name: "x", Slug: "alpha", CreatedAt: now(), LastUpdatedAt: now()}
	wantCode(t, s.Workspaces().Create(ctx, dup), anythingllm.ErrAlreadyExists, "duplicate slug")

	got, err := s.Workspaces().GetBySlug(ctx, "alpha")
	must(t, err)
	if got.ID != a.ID || got.Name != a.Name || *got.SimilarityThreshold != 0.25 || *got.TopN != 4 || *got.ChatMode != "automatic" {
		t.Fatalf("GetBySlug = %+v, want %+v", got, a)
	}
	if got.OpenAITemp != nil || got.ChatProvider != nil {
		t.Fatal("nil fields did not round-trip as nil")
	}
	_, err = s.Workspaces().GetBySlug(ctx, "nope")
	wantCode(t, err, anythingllm.ErrNotFound, "unknown slug")
	_, err = s.Workspaces().Get(ctx, 999999)
	wantCode(t, err, anythingllm.ErrNotFound, "unknown id")

	a.Name, a.OpenAITemp, a.ChatProvider = "Renamed", ptr(0.7), ptr("openai")
	must(t, s.Workspaces().Update(ctx, a))
	got, err = s.Workspaces().Get(ctx, a.ID)
	must(t, err)
	if got.Name != "Renamed" || got.OpenAITemp == nil || *got.OpenAITemp != 0.7 || *got.ChatProvider != "openai" {
		t.Fatalf("after Update: %+v", got)
	}
	b.Slug = "alpha"
	wantCode(t, s.Workspaces().Update(ctx, b), anythingllm.ErrAlreadyExists, "update to a taken slug")
	wantCode(t, s.Workspaces().Update(ctx, &anythingllm.Workspace{ID: 999999, Slug: "zz", CreatedAt: now(), LastUpdatedAt: now()}), anythingllm.ErrNotFound, "update unknown")

	list, err := s.Workspaces().List(ctx)
	must(t, err)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("List = %v, want [alpha beta] by id", list)
	}
	must(t, s.Workspaces().Delete(ctx, a.ID))
	wantCode(t, s.Workspaces().Delete(ctx, a.ID), anythingllm.ErrNotFound, "delete twice")
}

func testThreads(t *testing.T, s anythingllm.Store) {
	w := mkWorkspace(t, s, "w")
	w2 := mkWorkspace(t, s, "w2")
	t1 := mkThread(t, s, w.ID, "t1")
	mkThread(t, s, w.ID, "t2")
	dup := &anythingllm.Thread{Name: "x", Slug: "t1", WorkspaceID: w2.ID, CreatedAt: now(), LastUpdatedAt: now()}
	wantCode(t, s.Threads().Create(ctx, dup), anythingllm.ErrAlreadyExists, "thread slugs are unique across workspaces")
	orphan := &anythingllm.Thread{Name: "x", Slug: "t9", WorkspaceID: 999999, CreatedAt: now(), LastUpdatedAt: now()}
	wantCode(t, s.Threads().Create(ctx, orphan), anythingllm.ErrNotFound, "thread in unknown workspace")

	got, err := s.Threads().GetBySlug(ctx, w.ID, "t1")
	must(t, err)
	if got.ID != t1.ID || got.UserID != nil {
		t.Fatalf("GetBySlug = %+v", got)
	}
	_, err = s.Threads().GetBySlug(ctx, w2.ID, "t1")
	wantCode(t, err, anythingllm.ErrNotFound, "thread slug in another workspace")
	t1.Name = "Renamed"
	must(t, s.Threads().Update(ctx, t1))
	got, err = s.Threads().Get(ctx, t1.ID)
	must(t, err)
	if got.Name != "Renamed" {
		t.Fatalf("after Update: %+v", got)
	}
	list, err := s.Threads().ListByWorkspace(ctx, w.ID)
	must(t, err)
	if len(list) != 2 || list[0].Slug != "t1" || list[1].Slug != "t2" {
		t.Fatalf("ListByWorkspace = %+v", list)
	}
	must(t, s.Threads().Delete(ctx, t1.ID))
	_, err = s.Threads().Get(ctx, t1.ID)
	wantCode(t, err, anythingllm.ErrNotFound, "deleted thread")
}

func ids(cs []anythingllm.Chat) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func testChatFilters(t *testing.T, s anythingllm.Store) {
	w := mkWorkspace(t, s, "w")
	w2 := mkWorkspace(t, s, "w2")
	th := mkThread(t, s, w.ID, "th")
	u := mkUser(t, s, "sam", anythingllm.RoleDefault)
	c1 := mkChat(t, s, anythingllm.Chat{WorkspaceID: w.ID, Prompt: "p1", Include: true})
	c2 := mkChat(t, s, anythingllm.Chat{WorkspaceID: w.ID, Prompt: "p2", Include: true, APISessionID: ptr("sess")})
	c3 := mkChat(t, s, anythingllm.Chat{WorkspaceID: w.ID, Prompt: "p3", Include: true, ThreadID: &th.ID, UserID: &u.ID})
	c4 := mkChat(t, s, anythingllm.Chat{WorkspaceID: w.ID, Prompt: "p4", Include: false})
	c5 := mkChat(t, s, anythingllm.Chat{WorkspaceID: w2.ID, Prompt: "p5", Include: true})

	cases := []struct {
		name string
		f    *anythingllm.ChatFilter
		want []int64
	}{
		{"nil", nil, []int64{c1.ID, c2.ID, c3.ID, c4.ID, c5.ID}},
		{"workspace", &anythingllm.ChatFilter{WorkspaceID: w.ID}, []int64{c1.ID, c2.ID, c3.ID, c4.ID}},
		{"thread", &anythingllm.ChatFilter{ThreadID: th.ID}, []int64{c3.ID}},
		{"no thread", &anythingllm.ChatFilter{WorkspaceID: w.ID, NoThread: true}, []int64{c1.ID, c2.ID, c4.ID}},
		{"session", &anythingllm.ChatFilter{SessionID: "sess"}, []int64{c2.ID}},
		{"no session", &anythingllm.ChatFilter{WorkspaceID: w.ID, NoSession: true}, []int64{c1.ID, c3.ID, c4.ID}},
		{"user", &anythingllm.ChatFilter{UserID: u.ID}, []int64{c3.ID}},
		{"no user", &anythingllm.ChatFilter{WorkspaceID: w.ID, NoUser: true}, []int64{c1.ID, c2.ID, c4.ID}},
		{"included", &anythingllm.ChatFilter{WorkspaceID: w.ID, IncludedOnly: true}, []int64{c1.ID, c2.ID, c3.ID}},
		{"ids", &anythingllm.ChatFilter{IDs: []int64{c2.ID, c5.ID}}, []int64{c2.ID, c5.ID}},
		{"empty ids", &anythingllm.ChatFilter{IDs: []int64{}}, []int64{}},
		{"min id", &anythingllm.ChatFilter{MinID: c4.ID}, []int64{c4.ID, c5.ID}},
		{"newest", &anythingllm.ChatFilter{WorkspaceID: w.ID, Newest: true}, []int64{c4.ID, c3.ID, c2.ID, c1.ID}},
		{"limit", &anythingllm.ChatFilter{WorkspaceID: w.ID, Limit: 2}, []int64{c1.ID, c2.ID}},
		{"offset", &anythingllm.ChatFilter{WorkspaceID: w.ID, Offset: 3}, []int64{c4.ID}},
		{"page", &anythingllm.ChatFilter{Newest: true, Limit: 2, Offset: 1}, []int64{c4.ID, c3.ID}},
	}
	for _, tc := range cases {
		got, err := s.Chats().List(ctx, tc.f)
		must(t, err)
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("List(%s) = %v, want %v", tc.name, ids(got), tc.want)
		}
		n, err := s.Chats().Count(ctx, tc.f)
		must(t, err)
		if tc.f == nil || (tc.f.Limit == 0 && tc.f.Offset == 0) {
			if n != len(tc.want) {
				t.Errorf("Count(%s) = %d, want %d", tc.name, n, len(tc.want))
			}
		}
	}
	got, err := s.Chats().Get(ctx, c3.ID)
	must(t, err)
	if got.Prompt != "p3" || *got.ThreadID != th.ID || *got.UserID != u.ID || got.APISessionID != nil || !got.Include {
		t.Fatalf("Get = %+v", got)
	}
	got.Response, got.FeedbackScore = `{"text":"edited"}`, ptr(true)
	must(t, s.Chats().Update(ctx, got))
	got, err = s.Chats().Get(ctx, c3.ID)
	must(t, err)
	if got.Response != `{"text":"edited"}` || got.FeedbackScore == nil || !*got.FeedbackScore {
		t.Fatalf("after Update: %+v", got)
	}
	n, err := s.Chats().SetInclude(ctx, &anythingllm.ChatFilter{WorkspaceID: w.ID, NoThread: true}, false)
	must(t, err)
	if n != 3 {
		t.Fatalf("SetInclude matched %d, want 3", n)
	}
	left, err := s.Chats().Count(ctx, &anythingllm.ChatFilter{IncludedOnly: true})
	must(t, err)
	if left != 2 {
		t.Fatalf("included after SetInclude = %d, want 2 (c3, c5)", left)
	}
	n, err = s.Chats().Delete(ctx, &anythingllm.ChatFilter{WorkspaceID: w.ID, IDs: []int64{c1.ID, c5.ID}})
	must(t, err)
	if n != 1 {
		t.Fatalf("Delete removed %d, want 1 (c5 is in another workspace)", n)
	}
	_, err = s.Chats().Get(ctx, c1.ID)
	wantCode(t, err, anythingllm.ErrNotFound, "deleted chat")
	wantCode(t, s.Chats().Update(ctx, &anythingllm.Chat{ID: 999999, WorkspaceID: w.ID}), anythingllm.ErrNotFound, "update unknown chat")
}

// testChatFilterMatches checks that a store selects exactly the chats
// ChatFilter.Matches accepts, for every combination of conditions, and that
// a list read before new chats are saved (which a store may cache) still
// agrees after.
func testChatFilterMatches(t *testing.T, s anythingllm.Store) {
	w := mkWorkspace(t, s, "w")
	w2 := mkWorkspace(t, s, "w2")
	th := mkThread(t, s, w.ID, "th")
	u := mkUser(t, s, "sam", anythingllm.RoleDefault)
	mk := func() {
		for _, ws := range []int64{w.ID, w2.ID} {
			for _, thread := range []*int64{nil, &th.ID} {
				if thread != nil && ws != w.ID {
					continue
				}
				for _, sess := range []*string{nil, ptr("a"), ptr("b")} {
					for _, user := range []*int64{nil, &u.ID} {
						for _, inc := range []bool{true, false} {
							mkChat(t, s, anythingllm.Chat{WorkspaceID: ws, ThreadID: thread, APISessionID: sess, UserID: user, Include: inc, Prompt: "p"})
						}
					}
				}
			}
		}
	}
	var filters []anythingllm.ChatFilter
	for _, ws := range []int64{0, w.ID, w2.ID} {
		for _, thread := range []int{0, 1, 2} { // none, ThreadID, NoThread
			for _, sess := range []int{0, 1, 2} { // none, SessionID "a", NoSession
				for _, user := range []int{0, 1, 2} { // none, UserID, NoUser
					for _, inc := range []bool{false, true} {
						f := anythingllm.ChatFilter{WorkspaceID: ws, IncludedOnly: inc, Newest: true, Limit: 50}
						switch thread {
						case 1:
							f.ThreadID = th.ID
						case 2:
							f.NoThread = true
						}
						switch sess {
						case 1:
							f.SessionID = "a"
						case 2:
							f.NoSession = true
						}
						switch user {
						case 1:
							f.UserID = u.ID
						case 2:
							f.NoUser = true
						}
						filters = append(filters, f)
					}
				}
			}
		}
	}
	check := func(round string) {
		all, err := s.Chats().List(ctx, nil)
		must(t, err)
		for _, f := range filters {
			var want []int64
			for i := len(all) - 1; i >= 0 && len(want) < f.Limit; i-- {
				if f.Matches(&all[i]) {
					want = append(want, all[i].ID)
				}
			}
			got, err := s.Chats().List(ctx, &f)
			must(t, err)
			if !slices.Equal(ids(got), want) && (len(want) > 0 || len(got) > 0) {
				t.Errorf("%s: List(%+v) = %v, Matches selects %v", round, f, ids(got), want)
			}
		}
	}
	mk()
	check("first")
	mk() // saved after the lists were read
	check("after more chats")
}

func testChatDeleteEmpty(t *testing.T, s anythingllm.Store) {
	w := mkWorkspace(t, s, "w")
	mkChat(t, s, anythingllm.Chat{WorkspaceID: w.ID, Prompt: "keep", Include: true})
	for _, f := range []*anythingllm.ChatFilter{nil, {}, {Newest: true, Limit: 5}} {
		_, err := s.Chats().Delete(ctx, f)
		wantCode(t, err, anythingllm.ErrInvalidArgument, "delete with empty filter")
	}
	n, err := s.Chats().Count(ctx, nil)
	must(t, err)
	if n != 1 {
		t.Fatalf("chats left = %d, want 1", n)
	}
}

func testDocuments(t *testing.T, s anythingllm.Store) {
	w := mkWorkspace(t, s, "w")
	w2 := mkWorkspace(t, s, "w2")
	d := mkDoc(t, s, w.ID, "doc-1", "custom-documents/a.json", 3)
	mkDoc(t, s, w2.ID, "doc-2", "custom-documents/a.json", 2)
	again := &anythingllm.WorkspaceDocument{DocID: "doc-3", Filename: "a", Docpath: "custom-documents/a.json", WorkspaceID: w.ID, CreatedAt: now(), LastUpdatedAt: now()}
	wantCode(t, s.Documents().Add(ctx, again, nil), anythingllm.ErrAlreadyExists, "same docpath twice in a workspace")
	n, err := s.Documents().CountVectors(ctx, 0)
	must(t, err)
	if n != 5 {
		t.Fatalf("a failed Add left vectors behind or lost some: %d, want 5", n)
	}
	got, err := s.Documents().Get(ctx, w.ID, "custom-documents/a.json")
	must(t, err)
	if got.DocID != "doc-1" || got.ID != d.ID || got.Metadata != `{"title":"t"}` || got.Pinned {
		t.Fatalf("Get = %+v", got)
	}
	_, err = s.Documents().Get(ctx, w.ID, "custom-documents/none.json")
	wantCode(t, err, anythingllm.ErrNotFound, "unknown docpath")
	mkDoc(t, s, w.ID, "doc-4", "custom-documents/b.json", 0)
	if pinned, err := s.Documents().ListPinned(ctx, w.ID); err != nil || len(pinned) != 0 {
		t.Fatalf("ListPinned before pinning = %v, %v", pinned, err)
	}
	must(t, s.Documents().SetPinned(ctx, w.ID, "custom-documents/a.json", true))
	must(t, s.Documents().SetPinned(ctx, w2.ID, "custom-documents/a.json", true))
	got, _ = s.Documents().Get(ctx, w.ID, "custom-documents/a.json")
	if !got.Pinned {
		t.Fatal("SetPinned did not pin")
	}
	pinned, err := s.Documents().ListPinned(ctx, w.ID)
	must(t, err)
	if len(pinned) != 1 || pinned[0].DocID != "doc-1" {
		t.Fatalf("ListPinned = %+v, want only doc-1 (doc-4 is not pinned, doc-2 is in w2)", pinned)
	}
	must(t, s.Documents().Remove(ctx, "doc-4"))
	wantCode(t, s.Documents().SetPinned(ctx, w.ID, "nope.json", true), anythingllm.ErrNotFound, "pin unknown")
	byPath, err := s.Documents().ListByDocpath(ctx, "custom-documents/a.json")
	must(t, err)
	if len(byPath) != 2 {
		t.Fatalf("ListByDocpath = %d docs, want 2", len(byPath))
	}
	vs, err := s.Documents().VectorsByDoc(ctx, "doc-1")
	must(t, err)
	if len(vs) != 3 {
		t.Fatalf("VectorsByDoc = %d, want 3", len(vs))
	}
	for i, v := range vs {
		want := vec(8, float32(i)+0.125)
		for j := range want {
			if math.Float32bits(v.Vector[j]) != math.Float32bits(want[j]) {
				t.Fatalf("vector %d not bit-exact: %v vs %v", i, v.Vector, want)
			}
		}
		if v.Text != fmt.Sprintf("chunk %d of doc-1", i) || v.Metadata["title"] != "custom-documents/a.json" || v.Metadata["n"] != float64(i) || v.DocID != "doc-1" {
			t.Fatalf("vector %d = %+v", i, v)
		}
	}
	c1, _ := s.Documents().CountVectors(ctx, w.ID)
	c2, _ := s.Documents().CountVectors(ctx, w2.ID)
	if c1 != 3 || c2 != 2 {
		t.Fatalf("CountVectors per workspace = %d, %d; want 3, 2", c1, c2)
	}
	must(t, s.Documents().Remove(ctx, "doc-1"))
	wantCode(t, s.Documents().Remove(ctx, "doc-1"), anythingllm.ErrNotFound, "remove twice")
	if n, _ := s.Documents().CountVectors(ctx, 0); n != 2 {
		t.Fatalf("vectors after Remove = %d, want 2", n)
	}
	list, err := s.Documents().ListByWorkspace(ctx, w.ID)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("ListByWorkspace after Remove = %d", len(list))
	}
}

func testVectorPaging(t *testing.T, s anythingllm.Store) {
	w := mkWorkspace(t, s, "pages")
	mkDoc(t, s, w.ID, "d1", "f/a.json", 5)
	mkDoc(t, s, w.ID, "d2", "f/b.json", 4)
	var all []anythingllm.StoredVector
	var after int64
	for {
		page, err := s.Documents().Vectors(ctx, after, 3)
		must(t, err)
		if len(page) == 0 {
			break
		}
		if len(page) > 3 {
			t.Fatalf("page of %d > limit 3", len(page))
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	if len(all) != 9 {
		t.Fatalf("paged %d vectors, want 9", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatal("Seq is not increasing")
		}
	}
	if all[0].Namespace != "pages" || all[0].WorkspaceID != w.ID || len(all[0].Vector) != 8 || all[0].Text == "" {
		t.Fatalf("stored vector = %+v", all[0])
	}
}

func testWorkspaceCascade(t *testing.T, s anythingllm.Store) {
	w := mkWorkspace(t, s, "gone")
	keep := mkWorkspace(t, s, "keep")
	th := mkThread(t, s, w.ID, "th")
	u := mkUser(t, s, "member", anythingllm.RoleDefault)
	mkChat(t, s, anythingllm.Chat{WorkspaceID: w.ID, Prompt: "x", Include: true, ThreadID: &th.ID})
	mkChat(t, s, anythingllm.Chat{WorkspaceID: w.ID, Prompt: "y", Include: true})
	mkChat(t, s, anythingllm.Chat{WorkspaceID: keep.ID, Prompt: "z", Include: true})
	mkDoc(t, s, w.ID, "dg", "f/g.json", 4)
	mkDoc(t, s, keep.ID, "dk", "f/k.json", 2)
	must(t, s.Users().SetWorkspaceUsers(ctx, w.ID, []int64{u.ID}))

	must(t, s.Workspaces().Delete(ctx, w.ID))
	if _, err := s.Threads().Get(ctx, th.ID); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Fatal("thread survived its workspace")
	}
	if n, _ := s.Chats().Count(ctx, nil); n != 1 {
		t.Fatalf("chats left = %d, want 1", n)
	}
	if n, _ := s.Documents().CountVectors(ctx, 0); n != 2 {
		t.Fatalf("vectors left = %d, want 2", n)
	}
	if d, _ := s.Documents().ListByDocpath(ctx, "f/g.json"); len(d) != 0 {
		t.Fatal("workspace document survived its workspace")
	}
	if ws, _ := s.Users().UserWorkspaceIDs(ctx, u.ID); len(ws) != 0 {
		t.Fatalf("membership survived its workspace: %v", ws)
	}
	if _, err := s.Users().Get(ctx, u.ID); err != nil {
		t.Fatal("deleting a workspace deleted a user")
	}
}

func testThreadCascade(t *testing.T, s anythingllm.Store) {
	w := mkWorkspace(t, s, "w")
	th := mkThread(t, s, w.ID, "th")
	mkChat(t, s, anythingllm.Chat{WorkspaceID: w.ID, Prompt: "in thread", Include: true, ThreadID: &th.ID})
	mkChat(t, s, anythingllm.Chat{WorkspaceID: w.ID, Prompt: "outside", Include: true})
	must(t, s.Threads().Delete(ctx, th.ID))
	left, err := s.Chats().List(ctx, nil)
	must(t, err)
	if len(left) != 1 || left[0].Prompt != "outside" {
		t.Fatalf("chats after thread delete = %+v", left)
	}
}

func testUsers(t *testing.T, s anythingllm.Store) {
	a := mkUser(t, s, "admin", anythingllm.RoleAdmin)
	b := mkUser(t, s, "bob", anythingllm.RoleDefault)
	wantCode(t, s.Users().Create(ctx, &anythingllm.User{Username: "bob", PasswordHash: "x", Role: anythingllm.RoleDefault, CreatedAt: now(), LastUpdatedAt: now()}),
		anythingllm.ErrAlreadyExists, "duplicate username")
	got, err := s.Users().GetByUsername(ctx, "admin")
	must(t, err)
	if got.ID != a.ID || got.Role != anythingllm.RoleAdmin || got.PasswordHash != "$2a$10$hash" || got.Suspended != 0 {
		t.Fatalf("GetByUsername = %+v", got)
	}
	b.Suspended, b.Bio, b.DailyMessageLimit = 1, "hi", ptr(10)
	must(t, s.Users().Update(ctx, b))
	got, err = s.Users().Get(ctx, b.ID)
	must(t, err)
	if got.Suspended != 1 || got.Bio != "hi" || *got.DailyMessageLimit != 10 {
		t.Fatalf("after Update: %+v", got)
	}
	list, err := s.Users().List(ctx)
	must(t, err)
	if len(list) != 2 || list[0].ID != a.ID {
		t.Fatalf("List = %+v", list)
	}
	must(t, s.Users().Delete(ctx, b.ID))
	_, err = s.Users().Get(ctx, b.ID)
	wantCode(t, err, anythingllm.ErrNotFound, "deleted user")
	_, err = s.Users().GetByUsername(ctx, "nobody")
	wantCode(t, err, anythingllm.ErrNotFound, "unknown username")
}

func testMembers(t *testing.T, s anythingllm.Store) {
	w := mkWorkspace(t, s, "w")
	u1 := mkUser(t, s, "u1", anythingllm.RoleAdmin)
	u2 := mkUser(t, s, "u2", anythingllm.RoleDefault)
	u3 := mkUser(t, s, "u3", anythingllm.RoleManager)
	must(t, s.Users().SetWorkspaceUsers(ctx, w.ID, []int64{u2.ID, u1.ID}))
	must(t, s.Users().AddWorkspaceUsers(ctx, w.ID, []int64{u2.ID, u3.ID}))
	ms, err := s.Users().WorkspaceUsers(ctx, w.ID)
	must(t, err)
	if len(ms) != 3 || ms[0].UserID != u1.ID || ms[0].Username != "u1" || ms[0].Role != anythingllm.RoleAdmin || ms[2].UserID != u3.ID {
		t.Fatalf("WorkspaceUsers = %+v (want u1,u2,u3 with no duplicate)", ms)
	}
	must(t, s.Users().SetWorkspaceUsers(ctx, w.ID, []int64{u3.ID}))
	ms, _ = s.Users().WorkspaceUsers(ctx, w.ID)
	if len(ms) != 1 || ms[0].UserID != u3.ID {
		t.Fatalf("after overwrite: %+v", ms)
	}
	wids, err := s.Users().UserWorkspaceIDs(ctx, u3.ID)
	must(t, err)
	if !slices.Equal(wids, []int64{w.ID}) {
		t.Fatalf("UserWorkspaceIDs = %v", wids)
	}
	wantCode(t, s.Users().SetWorkspaceUsers(ctx, 999999, []int64{u1.ID}), anythingllm.ErrNotFound, "unknown workspace")
	if err := s.Users().AddWorkspaceUsers(ctx, w.ID, []int64{999999}); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Fatalf("adding an unknown user: %v, want ErrNotFound", err)
	}
	must(t, s.Users().Delete(ctx, u3.ID))
	if ms, _ := s.Users().WorkspaceUsers(ctx, w.ID); len(ms) != 0 {
		t.Fatalf("membership survived its user: %+v", ms)
	}
}

func testInvites(t *testing.T, s anythingllm.Store) {
	inv := &anythingllm.Invite{Code: "AAAAAAA-BBBBBBB-CCCCCCC-DDDDDDD", Status: "pending", WorkspaceIDs: ptr("[1,2]"), CreatedAt: now(), LastUpdatedAt: now()}
	must(t, s.Invites().Create(ctx, inv))
	wantCode(t, s.Invites().Create(ctx, &anythingllm.Invite{Code: inv.Code, Status: "pending", CreatedAt: now(), LastUpdatedAt: now()}), anythingllm.ErrAlreadyExists, "duplicate code")
	got, err := s.Invites().GetByCode(ctx, inv.Code)
	must(t, err)
	if got.ID != inv.ID || *got.WorkspaceIDs != "[1,2]" || got.ClaimedBy != nil {
		t.Fatalf("GetByCode = %+v", got)
	}
	got.Status, got.ClaimedBy = "claimed", ptr(int64(7))
	must(t, s.Invites().Update(ctx, got))
	got, err = s.Invites().Get(ctx, inv.ID)
	must(t, err)
	if got.Status != "claimed" || *got.ClaimedBy != 7 {
		t.Fatalf("after Update: %+v", got)
	}
	list, err := s.Invites().List(ctx)
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("List = %+v", list)
	}
	_, err = s.Invites().Get(ctx, 999999)
	wantCode(t, err, anythingllm.ErrNotFound, "unknown invite")
}

func testAPIKeys(t *testing.T, s anythingllm.Store) {
	secret := anythingllm.NewAPIKeySecret()
	k := &anythingllm.APIKey{SecretHash: anythingllm.HashAPIKey(secret), Prefix: secret[:7], Name: ptr("ci"), CreatedAt: now(), LastUpdatedAt: now()}
	must(t, s.APIKeys().Create(ctx, k))
	wantCode(t, s.APIKeys().Create(ctx, &anythingllm.APIKey{SecretHash: k.SecretHash, CreatedAt: now(), LastUpdatedAt: now()}), anythingllm.ErrAlreadyExists, "duplicate hash")
	got, err := s.APIKeys().GetByHash(ctx, anythingllm.HashAPIKey(secret))
	must(t, err)
	if got.ID != k.ID || *got.Name != "ci" || got.Prefix != secret[:7] {
		t.Fatalf("GetByHash = %+v", got)
	}
	// Only the hash identifies a key: the secret itself is not a lookup key.
	_, err = s.APIKeys().GetByHash(ctx, secret)
	wantCode(t, err, anythingllm.ErrNotFound, "lookup by the raw secret")
	list, err := s.APIKeys().List(ctx)
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("List = %+v", list)
	}
	must(t, s.APIKeys().Delete(ctx, k.ID))
	_, err = s.APIKeys().GetByHash(ctx, k.SecretHash)
	wantCode(t, err, anythingllm.ErrNotFound, "revoked key")
	wantCode(t, s.APIKeys().Delete(ctx, k.ID), anythingllm.ErrNotFound, "revoke twice")
}

func testSettings(t *testing.T, s anythingllm.Store) {
	_, err := s.Settings().Get(ctx, "multi_user_mode")
	wantCode(t, err, anythingllm.ErrNotFound, "unset setting")
	must(t, s.Settings().Set(ctx, "multi_user_mode", "true"))
	must(t, s.Settings().Set(ctx, "multi_user_mode", "false"))
	must(t, s.Settings().Set(ctx, "a_label", "x"))
	v, err := s.Settings().Get(ctx, "multi_user_mode")
	must(t, err)
	if v != "false" {
		t.Fatalf("Get = %q, want the last value", v)
	}
	all, err := s.Settings().All(ctx)
	must(t, err)
	if len(all) != 2 || all[0].Label != "a_label" {
		t.Fatalf("All = %+v", all)
	}
	must(t, s.Settings().Delete(ctx, "a_label"))
	wantCode(t, s.Settings().Delete(ctx, "a_label"), anythingllm.ErrNotFound, "delete twice")
}

var errBoom = errors.New("boom")

func testTxRollback(t *testing.T, s anythingllm.Store) {
	w := mkWorkspace(t, s, "base")
	err := s.InTx(ctx, func(tx anythingllm.Store) error {
		mkWorkspace(t, tx, "in-tx")
		mkDoc(t, tx, w.ID, "txdoc", "f/tx.json", 3)
		mkChat(t, tx, anythingllm.Chat{WorkspaceID: w.ID, Prompt: "tx", Include: true})
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx returned %v, want fn's error", err)
	}
	if _, err := s.Workspaces().GetBySlug(ctx, "in-tx"); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Fatal("rolled-back workspace is visible")
	}
	if n, _ := s.Documents().CountVectors(ctx, 0); n != 0 {
		t.Fatalf("rolled-back vectors are visible: %d", n)
	}
	if n, _ := s.Chats().Count(ctx, nil); n != 0 {
		t.Fatalf("rolled-back chats are visible: %d", n)
	}
}

func testTxPanic(t *testing.T, s anythingllm.Store) {
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("InTx swallowed a panic")
			}
		}()
		_ = s.InTx(ctx, func(tx anythingllm.Store) error {
			mkWorkspace(t, tx, "panicky")
			panic("boom")
		})
	}()
	if _, err := s.Workspaces().GetBySlug(ctx, "panicky"); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Fatal("a workspace written before a panic was kept")
	}
	// The store still works after the panic.
	mkWorkspace(t, s, "after")
}

func testTxVisibility(t *testing.T, s anythingllm.Store) {
	err := s.InTx(ctx, func(tx anythingllm.Store) error {
		w := mkWorkspace(t, tx, "seen")
		got, err := tx.Workspaces().GetBySlug(ctx, "seen")
		if err != nil || got.ID != w.ID {
			return fmt.Errorf("own write not visible: %v", err)
		}
		return tx.InTx(ctx, func(inner anythingllm.Store) error {
			mkThread(t, inner, w.ID, "nested")
			return nil
		})
	})
	must(t, err)
	if _, err := s.Workspaces().GetBySlug(ctx, "seen"); err != nil {
		t.Fatalf("committed workspace not visible: %v", err)
	}
}

func testTimes(t *testing.T, s anythingllm.Store) {
	at := time.Date(2024, 1, 16, 15, 7, 0, 123_000_000, time.UTC)
	w := &anythingllm.Workspace{Name: "t", Slug: "times", CreatedAt: at, LastUpdatedAt: at.Add(time.Hour)}
	must(t, s.Workspaces().Create(ctx, w))
	got, err := s.Workspaces().Get(ctx, w.ID)
	must(t, err)
	if !got.CreatedAt.Equal(at) || got.CreatedAt.Location() != time.UTC || !got.LastUpdatedAt.Equal(at.Add(time.Hour)) {
		t.Fatalf("times = %v / %v, want %v UTC", got.CreatedAt, got.LastUpdatedAt, at)
	}
}

// Concurrent chat saves (which a store may write in batches) each get
// their own id and row, and a save that breaks a constraint fails alone.
func testConcurrent(t *testing.T, s anythingllm.Store) {
	w := mkWorkspace(t, s, "busy")
	at := time.Date(2024, 1, 16, 15, 7, 0, 123_000_000, time.UTC) // stores keep milliseconds
	const workers, each = 8, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[int64]string{}
	errs := make(chan error, workers*each)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				prompt := fmt.Sprintf("%d-%d", g, i)
				c := &anythingllm.Chat{WorkspaceID: w.ID, Prompt: prompt, Response: `{"text":"` + prompt + `"}`, Include: true, CreatedAt: at, LastUpdatedAt: at}
				if i%10 == 5 {
					// A workspace that does not exist: this save must fail,
					// and only this one.
					bad := *c
					bad.WorkspaceID = w.ID + 1000
					if err := s.Chats().Create(ctx, &bad); !errors.Is(err, anythingllm.ErrNotFound) {
						errs <- fmt.Errorf("chat in a missing workspace: %v, want ErrNotFound", err)
					}
				}
				if err := s.Chats().Create(ctx, c); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if other, dup := ids[c.ID]; dup {
					errs <- fmt.Errorf("chats %s and %s both got id %d", other, prompt, c.ID)
				}
				ids[c.ID] = prompt
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n, err := s.Chats().Count(ctx, &anythingllm.ChatFilter{WorkspaceID: w.ID})
	must(t, err)
	if n != workers*each {
		t.Fatalf("stored %d chats, want %d", n, workers*each)
	}
	for id, prompt := range ids {
		c, err := s.Chats().Get(ctx, id)
		must(t, err)
		if c.Prompt != prompt || c.Response != `{"text":"`+prompt+`"}` || !c.CreatedAt.Equal(at) || !c.Include {
			t.Fatalf("chat %d = %+v, want prompt %s at %v", id, c, prompt, at)
		}
	}
}
