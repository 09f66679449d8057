package anythingllm_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/vectordb/memvec"
)

// flakyEngine is an external vector engine that fails its next upsert
// after writing part of it, as a server that drops mid-batch would.
type flakyEngine struct {
	*memvec.Store
	fail atomic.Bool
}

func (f *flakyEngine) Upsert(ctx context.Context, ns string, recs []anythingllm.VectorRecord) error {
	if f.fail.Load() {
		_ = f.Store.Upsert(ctx, ns, recs[:1])
		return errors.New("engine unreachable")
	}
	return f.Store.Upsert(ctx, ns, recs)
}

// An engine that fails after the SQL rows were written leaves neither the
// document in SQL nor its partial vectors in the engine; the same request
// succeeds once the engine is back.
func TestEmbeddingIsAllOrNothingWhenTheEngineFails(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	eng := &flakyEngine{Store: memvec.New()}
	app, err := anythingllm.New(anythingllm.Deps{Store: st, Blobs: blobstore.NewMemory(), Vectors: eng, Embedder: native.New()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new("docs")})
	if err != nil {
		t.Fatal(err)
	}
	req := &anythingllm.RawTextRequest{TextContent: strings.Repeat("The engine may fail. ", 400),
		Metadata: anythingllm.DocumentMetadata{Title: "t"}, AddToWorkspaces: []string{"docs"}}
	eng.fail.Store(true)
	if _, err := app.CreateRawText(ctx, req); err == nil {
		t.Fatal("embedding succeeded while the engine failed")
	}
	docs, err := st.Documents().ListByWorkspace(ctx, w.ID)
	if err != nil || len(docs) != 0 {
		t.Fatalf("workspace documents after a failed embed: %v %v", docs, err)
	}
	if n, _ := st.Documents().CountVectors(ctx, 0); n != 0 {
		t.Fatalf("%d vectors left in SQL", n)
	}
	if n, _ := eng.Total(ctx); n != 0 {
		t.Fatalf("%d partial vectors left in the engine", n)
	}
	eng.fail.Store(false)
	if _, err := app.CreateRawText(ctx, req); err != nil {
		t.Fatal(err)
	}
	sqlN, _ := st.Documents().CountVectors(ctx, 0)
	engN, _ := eng.Total(ctx)
	if sqlN == 0 || sqlN != engN {
		t.Fatalf("after recovery: %d vectors in SQL, %d in the engine", sqlN, engN)
	}
}

// update-env takes the vector engines' settings with upstream's names,
// checks them and never echoes a secret; EffectiveSetting reads them back
// as the stock binary does at start.
func TestUpdateEnvVectorEngineSettings(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	env := map[string]string{"VECTOR_DB": "lancedb"}
	app, _ := anythingllm.New(anythingllm.Deps{Store: st}, &anythingllm.Options{Env: func(k string) string { return env[k] }})
	for kv, want := range map[anythingllm.EnvSetting]string{
		{"VectorDB", "pinecone"}:                              "Invalid VectorDB type. Must be one of lancedb, pgvector, weaviate",
		{"VectorDB", ""}:                                      "Value cannot be empty",
		{"PGVectorConnectionString", "mysql://x"}:             "Invalid Postgres connection string. Must start with postgresql://",
		{"PGVectorConnectionString", "postgresql://a b@h/db"}: "Must not contain spaces.",
		{"PGVectorTableName", "v; DROP TABLE users"}:          "Invalid table name.",
		{"WeaviateEndpoint", "localhost:8080"}:                "URL is not a valid URL.",
	} {
		res, err := app.UpdateEnv(ctx, []anythingllm.EnvSetting{kv})
		if err != nil || !strings.Contains(res.Error, want) || len(res.NewValues) != 0 {
			t.Errorf("%v: %+v %v, want %q", kv, res, err, want)
		}
	}
	res, err := app.UpdateEnv(ctx, []anythingllm.EnvSetting{{"VectorDB", "pgvector"},
		{"PGVectorConnectionString", "postgresql://u:pw-secret@db/vectors"}, {"PGVectorTableName", "team_vectors"},
		{"WeaviateEndpoint", "http://weaviate:8080"}, {"WeaviateApiKey", "wv-secret"}})
	if err != nil || res.Error != "" {
		t.Fatalf("%+v %v", res, err)
	}
	if res.NewValues["PGVectorConnectionString"] != "******" || res.NewValues["WeaviateApiKey"] != "******" || res.NewValues["VectorDB"] != "pgvector" {
		t.Fatalf("new values = %v", res.NewValues)
	}
	sys, err := app.SystemSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sys["VectorDB"] != "pgvector" || sys["PGVectorTableName"] != "team_vectors" || sys["PGVectorConnectionString"] != true || sys["WeaviateApiKey"] != true {
		t.Fatalf("system settings: VectorDB=%v table=%v conn=%v key=%v", sys["VectorDB"], sys["PGVectorTableName"], sys["PGVectorConnectionString"], sys["WeaviateApiKey"])
	}
	for name, want := range map[string]string{"VECTOR_DB": "pgvector", "PGVECTOR_TABLE_NAME": "team_vectors", "WEAVIATE_API_KEY": "wv-secret"} {
		if got, err := anythingllm.EffectiveSetting(ctx, st.Settings(), func(k string) string { return env[k] }, name); err != nil || got != want {
			t.Errorf("EffectiveSetting(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	if got, _ := anythingllm.EffectiveSetting(ctx, memstore.New().Settings(), func(k string) string { return env[k] }, "VECTOR_DB"); got != "lancedb" {
		t.Errorf("without a stored value EffectiveSetting = %q, want the environment's", got)
	}
}

// namedModel answers with its name, so a test sees which model ran.
type namedModel struct{ name string }

func (m namedModel) Chat(ctx context.Context, req *anythingllm.ChatRequest) (*anythingllm.ChatResponse, error) {
	return &anythingllm.ChatResponse{Text: m.name}, nil
}

func (m namedModel) ChatStream(ctx context.Context, req *anythingllm.ChatRequest) iter.Seq2[anythingllm.ChatChunk, error] {
	return func(yield func(anythingllm.ChatChunk, error) bool) { yield(anythingllm.ChatChunk{Text: m.name}, nil) }
}

// /api/llm/generate uses the chat model rebuilt from update-env settings,
// as chats do, not the one built from the environment at start.
func TestGenerateUsesUpdatedSettings(t *testing.T) {
	ctx := context.Background()
	env := map[string]string{"LLM_PROVIDER": "generic-openai", "GENERIC_OPEN_AI_API_KEY": "old-key"}
	factory := func(provider string, getenv func(string) string) (anythingllm.ChatModel, error) {
		return namedModel{provider + ":" + getenv("GENERIC_OPEN_AI_API_KEY")}, nil
	}
	app, _ := anythingllm.New(anythingllm.Deps{Store: memstore.New(), LLM: namedModel{"generic-openai:old-key"}},
		&anythingllm.Options{LLMProvider: "generic-openai", LLMFactory: factory, Env: func(k string) string { return env[k] }})
	req := &anythingllm.ChatRequest{Messages: []anythingllm.Message{{Role: anythingllm.RoleUser, Content: "hi"}}}
	if r, err := app.Generate(ctx, req, nil); err != nil || r.Text != "generic-openai:old-key" {
		t.Fatalf("before: %+v %v", r, err)
	}
	if res, err := app.UpdateEnv(ctx, []anythingllm.EnvSetting{{"GenericOpenAiKey", "new-key"}}); err != nil || res.Error != "" {
		t.Fatal(res, err)
	}
	if r, err := app.Generate(ctx, req, nil); err != nil || r.Text != "generic-openai:new-key" {
		t.Fatalf("after update-env: %+v %v", r, err)
	}
}
