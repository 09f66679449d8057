package anythingllm

import (
	"strings"
	"testing"
)

// Every update-env key is reported by GET /v1/system, and every key that
// names a secret is reported only as a boolean (and left out of env-dump).
func TestEnvSettingsAreReportedAndSecretsKnown(t *testing.T) {
	for key, s := range envSettings {
		// Upstream reports connection strings (they hold passwords) as
		// secrets too.
		secret := strings.HasSuffix(key, "Key") || strings.HasSuffix(key, "Token") || strings.HasSuffix(key, "Secret") ||
			strings.HasSuffix(key, "ConnectionString")
		if secret {
			if secretVars[key] != s.env || !secretEnv[s.env] {
				t.Errorf("%s (%s) is a secret but not in secretVars", key, s.env)
			}
			continue
		}
		if settingVars[key] != s.env {
			t.Errorf("%s (%s) is settable but GET /v1/system does not report it", key, s.env)
		}
	}
	for key := range neverSettable {
		if _, ok := envSettings[key]; ok {
			t.Errorf("%s is both settable and never settable", key)
		}
	}
}
