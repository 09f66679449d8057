package anythingllm

import (
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// FuzzSettingValue runs every update-env key's value checks (pure
// functions) on mutated values: they never panic, and a value they accept
// keeps its promise: a URL setting is an http(s) URL with a host, a number
// setting a positive number, a provider one this build supports, an OpenAI
// key starts with sk-, a required value is not blank.
func FuzzSettingValue(f *testing.F) {
	keys := make([]string, 0, len(envSettings))
	for k := range envSettings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// One seed per value, spread over the keys (the fuzzer varies both);
	// few seeds keep the baseline short enough for a 10 s CI run.
	for i, v := range []string{"", " ", "http://127.0.0.1:11434", "http://x/", "ftp://x", "sk-abc", "0", "-1", "1e309", "NaN", "ollama", "javascript:alert(1)", "http://[::1", "\x00"} {
		f.Add(uint8(i*3), v)
	}
	// And each kind of check with values on both sides of it.
	index := map[string]uint8{}
	for i, k := range keys {
		index[k] = uint8(i)
	}
	for key, vals := range map[string][]string{
		"GenericOpenAiTokenLimit": {"0", "-1", "4096", "abc"},
		"LocalAiTokenLimit":       {"0.0", "-0", "1e-9"},
		"OllamaLLMBasePath":       {"http://x/", "http://127.0.0.1:11434", "x"},
		"LMStudioBasePath":        {"ftp://x", " ", "https://h"},
		"LLMProvider":             {"ollama", "evil", ""},
		"OpenAiKey":               {"sk-x", "pk-x"},
		"GroqApiKey":              {" ", "k"},
	} {
		for _, v := range vals {
			f.Add(index[key], v)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, v string) {
		key := keys[int(which)%len(keys)]
		s := envSettings[key]
		for _, check := range s.checks {
			if msg := check(v); msg != "" {
				return // refused with a message
			}
		}
		name := strings.ToUpper(s.env)
		switch {
		case strings.HasSuffix(name, "_BASE_PATH"):
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("%s accepted %q, not an http(s) URL", key, v)
			}
			if key == "OllamaLLMBasePath" && strings.HasSuffix(v, "/") {
				t.Fatalf("%s accepted a trailing slash: %q", key, v)
			}
		case key == "GenericOpenAiTokenLimit" || key == "LocalAiTokenLimit":
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || !(n > 0) || math.IsInf(n, 0) {
				t.Fatalf("%s accepted %q, not a positive number", key, v)
			}
		case key == "LLMProvider":
			ok := false
			for _, p := range SupportedLLMProviders {
				ok = ok || p == v
			}
			if !ok {
				t.Fatalf("%s accepted %q", key, v)
			}
		case key == "OpenAiKey":
			if !strings.HasPrefix(v, "sk-") {
				t.Fatalf("%s accepted %q", key, v)
			}
		}
		if len(s.checks) > 0 && strings.TrimSpace(v) == "" && key != "GenericOpenAiBasePath" && key != "GenericOpenAiTokenLimit" && key != "LocalAiTokenLimit" {
			t.Fatalf("%s accepted a blank value", key)
		}
	})
}
