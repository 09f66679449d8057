package main

import "testing"

// The configuration reaches the App's options (a wiring slip here once
// left update-env and the link allow-list without effect).
func TestOptionsCarryConfiguration(t *testing.T) {
	env := map[string]string{"LINK_ALLOWED_HOSTS": "intranet.example, 10.0.0.0/8", "WORKSPACE_DELETION_PROTECTION": "1",
		"ANYTHINGLLM_API_KEY": "BOOT", "EMBEDDING_BATCH_SIZE": "64", "OPEN_AI_KEY": "sk-x"}
	cfg, err := configFrom(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	o := provideOptions(cfg)
	if len(o.LinkAllowedHosts) != 2 || o.LinkAllowedHosts[1] != "10.0.0.0/8" || !o.WorkspaceDeletionProtection ||
		o.BootstrapAPIKey != "BOOT" || o.EmbedBatchSize != 64 || o.Env == nil || o.Env("OPEN_AI_KEY") != "sk-x" || o.LLMFactory == nil {
		t.Fatalf("options = %+v", o)
	}
	if _, err := o.LLMFactory("generic-openai", func(k string) string {
		return map[string]string{"GENERIC_OPEN_AI_BASE_PATH": "http://127.0.0.1:9/v1", "GENERIC_OPEN_AI_MODEL_PREF": "m"}[k]
	}); err != nil {
		t.Fatal(err)
	}
}
