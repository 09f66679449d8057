package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

// Test servers of the external vector engines (.ci/steps/20-pglite.sh and
// 20-weaviate.sh start them).
const (
	pgvectorDSNEnv = "ANYTHINGLLM_TEST_PGVECTOR_DSN"
	weaviateURLEnv = "ANYTHINGLLM_TEST_WEAVIATE_URL"
)

// externalEngines lists the engines whose test server is configured, each
// with the update-env settings that select it.
func externalEngines(t *testing.T) map[string]map[string]string {
	engines := map[string]map[string]string{}
	if dsn := os.Getenv(pgvectorDSNEnv); dsn != "" {
		engines["pgvector"] = map[string]string{"VectorDB": "pgvector", "PGVectorConnectionString": dsn, "PGVectorTableName": "t_" + randomToken(10)}
	}
	if u := os.Getenv(weaviateURLEnv); u != "" {
		engines["weaviate"] = map[string]string{"VectorDB": "weaviate", "WeaviateEndpoint": u}
	}
	if len(engines) == 0 {
		t.Skipf("neither %s nor %s is set; skipping the external vector engines (e.g. %s=postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable %s=http://127.0.0.1:8079)",
			pgvectorDSNEnv, weaviateURLEnv, pgvectorDSNEnv, weaviateURLEnv)
	}
	return engines
}

// zooProbes are questions over the 100 zoo records, each with the record
// that must answer it first.
var zooProbes = []struct{ q, want string }{
	{"where does the teal hyena live?", "teal hyena"},
	{"scarlet dingo enclosure", "scarlet dingo"},
	{"what does the violet aardvark eat", "violet aardvark"},
}

// fillZoo stores the 100 records of the Documents issue's test in a new
// workspace and returns its slug.
func fillZoo(t *testing.T, in *instance, key string) string {
	t.Helper()
	slug := "zoo-" + randomToken(6)
	if st := postJSON(t, in.url("/api/v1/workspace/new"), key, map[string]any{"name": slug}, nil); st != 200 {
		t.Fatalf("workspace: %d", st)
	}
	animals := []string{"aardvark", "bison", "caribou", "dingo", "echidna", "ferret", "gazelle", "hyena", "ibex", "jackal"}
	colors := []string{"crimson", "teal", "amber", "violet", "olive", "indigo", "scarlet", "ochre", "cobalt", "magenta"}
	for i := range 100 {
		a, c := animals[i%10], colors[i/10]
		text := fmt.Sprintf("Record %d. The %s %s lives in enclosure number %d and eats %s pellets every morning.", i, c, a, i, c)
		body := map[string]any{"textContent": text, "metadata": map[string]string{"title": fmt.Sprintf("doc%03d", i)}, "addToWorkspaces": slug}
		if st := postJSON(t, in.url("/api/v1/document/raw-text"), key, body, nil); st != 200 {
			t.Fatalf("raw-text %d: %d", i, st)
		}
	}
	return slug
}

// chunkBody is a chunk's text after its metadata header, which holds the
// time the document was stored.
func chunkBody(text string) string {
	if _, body, ok := strings.Cut(text, "</document_metadata>"); ok {
		return strings.TrimSpace(body)
	}
	return text
}

type hit struct {
	text  string
	score float64
}

// zooAnswers asks every probe through vector-search and through chat and
// returns, per probe, the search hits and the chat's source texts.
func zooAnswers(t *testing.T, in *instance, key, slug string) (search [][]hit, chat [][]string) {
	t.Helper()
	for _, p := range zooProbes {
		var res struct {
			Results []struct {
				Text  string
				Score float64
			}
		}
		if st := postJSON(t, in.url("/api/v1/workspace/"+slug+"/vector-search"), key, map[string]any{"query": p.q, "topN": 4}, &res); st != 200 {
			t.Fatalf("vector-search %q: %d", p.q, st)
		}
		if len(res.Results) == 0 || !strings.Contains(res.Results[0].Text, p.want) {
			t.Fatalf("%q: first hit %+v, want %q", p.q, res.Results, p.want)
		}
		var hs []hit
		for _, r := range res.Results {
			hs = append(hs, hit{chunkBody(r.Text), r.Score})
		}
		search = append(search, hs)
		var c struct {
			TextResponse string
			Sources      []map[string]any
		}
		if st := postJSON(t, in.url("/api/v1/workspace/"+slug+"/chat"), key, map[string]any{"message": p.q, "mode": "query"}, &c); st != 200 {
			t.Fatalf("chat %q: %d", p.q, st)
		}
		var texts []string
		for _, s := range c.Sources {
			text, _ := s["text"].(string)
			texts = append(texts, chunkBody(text))
		}
		if len(texts) == 0 || !strings.Contains(texts[0], p.want) {
			t.Fatalf("chat %q: sources %v", p.q, texts)
		}
		chat = append(chat, texts)
	}
	return search, chat
}

func sameAnswers(t *testing.T, engine string, wantS, gotS [][]hit, wantC, gotC [][]string) {
	t.Helper()
	for i := range wantS {
		if len(gotS[i]) != len(wantS[i]) {
			t.Fatalf("%s, %q: %d hits, flat %d", engine, zooProbes[i].q, len(gotS[i]), len(wantS[i]))
		}
		for j := range wantS[i] {
			if gotS[i][j].text != wantS[i][j].text || math.Abs(gotS[i][j].score-wantS[i][j].score) > 1e-3 {
				t.Fatalf("%s, %q, hit %d: %+v; flat %+v", engine, zooProbes[i].q, j, gotS[i][j], wantS[i][j])
			}
		}
		if strings.Join(gotC[i], "\x00") != strings.Join(wantC[i], "\x00") {
			t.Fatalf("%s, chat %q: sources %q; flat %q", engine, zooProbes[i].q, gotC[i], wantC[i])
		}
	}
}

// A library embedded with the default flat index moves into pgvector and
// into Weaviate with update-env, `vectors reindex` and a restart, and
// answers the same vector searches and chats there; a server that starts
// on an external engine embeds into it directly and answers alike.
func TestVectorEnginesAnswerAsFlat(t *testing.T) {
	engines := externalEngines(t)
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	llm := []string{"LLM_PROVIDER=generic-openai", "GENERIC_OPEN_AI_BASE_PATH=" + fake.BaseURL(), "GENERIC_OPEN_AI_MODEL_PREF=fake-model"}
	in := newInstance(t, llm...)
	key := in.createKey()
	in.start()
	slug := fillZoo(t, in, key)
	flatS, flatC := zooAnswers(t, in, key, slug)

	for _, name := range []string{"pgvector", "weaviate"} {
		settings, ok := engines[name]
		if !ok {
			continue
		}
		t.Run("reindex into "+name, func(t *testing.T) {
			if st := postJSON(t, in.url("/api/v1/system/update-env"), key, settings, nil); st != 200 {
				t.Fatalf("update-env: %d", st)
			}
			in.stop()
			_, stderr, err := in.cli("vectors", "reindex", "--batch", "30")
			if err != nil || !strings.Contains(stderr, "reindex: 100 vectors in 1 workspaces") || !strings.Contains(stderr, "reindex: done, 100 vectors") {
				t.Fatalf("reindex: %v\n%s", err, stderr)
			}
			in.start()
			if !strings.Contains(in.logs.String(), "engine="+name) {
				t.Fatalf("the restarted server does not use %s:\n%s", name, in.logs.String())
			}
			s, c := zooAnswers(t, in, key, slug)
			sameAnswers(t, name, flatS, s, flatC, c)
			// Running it again rebuilds the same engine, no duplicates
			// (a duplicate would take a place in the top hits).
			if _, stderr, err := in.cli("vectors", "reindex"); err != nil || !strings.Contains(stderr, "done, 100 vectors") {
				t.Fatalf("second reindex: %v\n%s", err, stderr)
			}
			s, c = zooAnswers(t, in, key, slug)
			sameAnswers(t, name, flatS, s, flatC, c)
		})
		t.Run("embed directly into "+name, func(t *testing.T) {
			env := append([]string{}, llm...)
			for k, v := range settings {
				env = append(env, map[string]string{"VectorDB": "VECTOR_DB", "PGVectorConnectionString": "PGVECTOR_CONNECTION_STRING",
					"PGVectorTableName": "PGVECTOR_TABLE_NAME", "WeaviateEndpoint": "WEAVIATE_ENDPOINT"}[k]+"="+v)
			}
			direct := newInstance(t, env...)
			dkey := direct.createKey()
			direct.start()
			dslug := fillZoo(t, direct, dkey)
			s, c := zooAnswers(t, direct, dkey, dslug)
			sameAnswers(t, name, flatS, s, flatC, c)
		})
	}
}

// A server whose external engine is down starts, serves everything else
// and answers searches with a JSON 503 until the engine is back; CLI
// commands that need no vectors work.
func TestVectorEngineDownAtStart(t *testing.T) {
	dead := freePort(t)
	in := newInstance(t, "VECTOR_DB=weaviate", fmt.Sprintf("WEAVIATE_ENDPOINT=http://127.0.0.1:%d", dead))
	key := in.createKey()
	in.start()
	if st := postJSON(t, in.url("/api/v1/workspace/new"), key, map[string]any{"name": "w"}, nil); st != 200 {
		t.Fatalf("workspace: %d", st)
	}
	var out map[string]any
	st := postJSON(t, in.url("/api/v1/document/raw-text"), key, map[string]any{"textContent": "hello there", "metadata": map[string]string{"title": "t"}, "addToWorkspaces": "w"}, &out)
	if st != 503 && !(st == 200 && out["success"] == false) {
		t.Fatalf("embedding while the engine is down: %d %v", st, out)
	}
	var errBody struct{ Error string }
	if st := postJSON(t, in.url("/api/v1/workspace/w/vector-search"), key, map[string]any{"query": "hello"}, &errBody); st != 503 || !strings.Contains(errBody.Error, "weaviate") {
		t.Fatalf("search while the engine is down: %d %+v", st, errBody)
	}
	var docs struct{ Workspace []struct{ Documents []any } }
	st, body := get(t, in.url("/api/v1/workspace/w"), "Bearer "+key)
	if err := json.Unmarshal([]byte(body), &docs); err != nil || st != 200 || len(docs.Workspace) != 1 || len(docs.Workspace[0].Documents) != 0 {
		t.Fatalf("workspace after a failed embed: %d %s", st, body)
	}
}

// VECTOR_QUANTIZE=binary serves the same answers (small workspaces are
// re-ranked whole, so exactly); a value it does not know stops the start
// with a message naming the choices.
func TestQuantizedFlatIndex(t *testing.T) {
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	llm := []string{"LLM_PROVIDER=generic-openai", "GENERIC_OPEN_AI_BASE_PATH=" + fake.BaseURL(), "GENERIC_OPEN_AI_MODEL_PREF=fake-model"}
	answers := func(quantize string, env ...string) ([][]hit, [][]string) {
		in := newInstance(t, append(env, llm...)...)
		key := in.createKey()
		in.start()
		if !strings.Contains(in.logs.String(), "engine=flat quantize="+quantize) {
			t.Fatalf("the server does not run the %s scan:\n%s", quantize, in.logs.String())
		}
		return zooAnswers(t, in, key, fillZoo(t, in, key))
	}
	flatS, flatC := answers("none")
	binS, binC := answers("binary", "VECTOR_QUANTIZE=binary")
	sameAnswers(t, "binary", flatS, binS, flatC, binC)

	bad := newInstance(t, "VECTOR_QUANTIZE=int4")
	if _, stderr, err := bad.cli("serve"); err == nil || !strings.Contains(stderr, "VECTOR_QUANTIZE=int4 is not supported; use none") {
		t.Fatalf("serve with a bad VECTOR_QUANTIZE: %v\n%s", err, stderr)
	}
}
