package anythingllm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// preferenceLabels are the system_settings labels /v1/admin/preferences
// may set (upstream's list); others are dropped.
var preferenceLabels = map[string]bool{
	"logo_filename": true, "telemetry_id": true, "footer_data": true, "support_email": true,
	"text_splitter_chunk_size": true, "text_splitter_chunk_overlap": true, "agent_search_provider": true,
	"default_agent_skills": true, "disabled_agent_skills": true, "disabled_filesystem_skills": true,
	"disabled_create_files_skills": true, "disabled_gmail_skills": true, "gmail_agent_config": true,
	"disabled_google_calendar_skills": true, "google_calendar_agent_config": true, "disabled_outlook_skills": true,
	"outlook_agent_config": true, "agent_sql_connections": true, "agent_clarifying_questions_enabled": true,
	"agent_clarifying_questions_max_per_turn": true, "custom_app_name": true, "default_system_prompt": true,
	"meta_page_title": true, "meta_page_favicon": true, "experimental_live_file_sync": true, "hub_api_key": true,
	"memory_enabled": true, "memory_auto_extraction": true,
}

// UpdatePreferences stores the known labels with upstream's
// normalisations and ignores the rest. Values are strings as upstream
// stores them (footer_data: a JSON array). Multi-user mode only.
func (a *App) UpdatePreferences(ctx context.Context, in map[string]string) error {
	if err := a.requireMultiUser(ctx); err != nil {
		return err
	}
	for label, v := range in {
		if !preferenceLabels[label] {
			continue
		}
		switch label {
		case "text_splitter_chunk_size":
			if n, err := strconv.Atoi(v); err != nil || n <= 0 {
				v = "1000"
			}
		case "text_splitter_chunk_overlap":
			if n, err := strconv.Atoi(v); err != nil || n < 0 {
				v = "20"
			}
		case "default_system_prompt":
			if v = strings.TrimSpace(v); v == "" {
				if err := a.deps.Store.Settings().Delete(ctx, label); err != nil && Code(err) != NotFound {
					return err
				}
				continue
			}
		case "experimental_live_file_sync":
			if v != "enabled" {
				v = "disabled"
			}
		case "footer_data":
			v = footerData(v)
		}
		if strings.ContainsAny(v, "\x00") {
			continue
		}
		if err := a.deps.Store.Settings().Set(ctx, label, v); err != nil {
			return err
		}
	}
	return nil
}

// footerData keeps at most 3 entries with valid http(s) urls.
func footerData(v string) string {
	var items []map[string]any
	_ = json.Unmarshal([]byte(v), &items)
	var out []map[string]any
	for _, it := range items {
		u, _ := it["url"].(string)
		if p, err := url.Parse(u); err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" {
			out = append(out, it)
		}
		if len(out) == 3 {
			break
		}
	}
	if out == nil {
		out = []map[string]any{}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// DumpEnv writes the effective settings of the update-env allow-list to
// env-dump/anythingllm.env in the file store, as KEY='value' lines, so an
// operator can carry them into a .env file. Secrets (API keys, tokens) are
// never written: a set secret appears as a comment naming it, so the file
// is safe to share and back up; the values stay in the database.
func (a *App) DumpEnv(ctx context.Context) error {
	names := make([]string, 0, len(envSettings))
	for _, s := range envSettings {
		names = append(names, s.env)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString("# anythingllm-go settings, written by GET /api/v1/system/env-dump\n")
	for _, n := range names {
		v := a.effectiveEnv(ctx, n)
		switch {
		case v == "":
		case secretEnv[n]:
			fmt.Fprintf(&b, "# %s is set; secrets are not written here\n", n)
		default:
			fmt.Fprintf(&b, "%s='%s'\n", n, strings.Map(func(r rune) rune {
				if r == '\'' || r < 32 || r == 127 {
					return -1
				}
				return r
			}, v))
		}
	}
	return a.blobs().Put(ctx, "env-dump/anythingllm.env", &b)
}
