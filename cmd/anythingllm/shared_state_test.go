package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestReplicasShareKeysUsersAndSettings: what one replica changes in the
// database (settings, multi-user mode, keys, users) takes effect on the
// others within a second.
func TestReplicasShareKeysUsersAndSettings(t *testing.T) {
	dbURL := postgresSchema(t)
	c := newCluster(t, 2, "DATABASE_URL="+dbURL)
	within := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not reach the other replica within 1 s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// A setting changed through replica 0 is seen by replica 1.
	c.mustJSON(0, "POST", "/api/v1/system/update-env", map[string]string{"OllamaLLMModelPref": "replica-model"}, nil)
	within("update-env", func() bool {
		_, b, _ := c.jsonCall(1, "GET", "/api/v1/system", nil)
		return bytes.Contains(b, []byte(`"OllamaLLMModelPref":"replica-model"`))
	})
	// Multi-user mode turned on through replica 0's CLI.
	if _, stderr, err := c.replicas[0].cli("users", "enable-multi-user", "--username", "boss", "--password", "boss-password"); err != nil {
		t.Fatalf("enable-multi-user: %v %s", err, stderr)
	}
	within("multi-user mode", func() bool {
		_, b, _ := c.jsonCall(1, "GET", "/api/v1/admin/is-multi-user-mode", nil)
		return bytes.Contains(b, []byte(`"isMultiUser":true`))
	})
	// A user suspended through replica 0 is suspended on replica 1.
	var created struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	c.mustJSON(0, "POST", "/api/v1/admin/users/new", map[string]string{"username": "sam", "password": "sam-password"}, &created)
	c.mustJSON(0, "POST", fmt.Sprintf("/api/v1/admin/users/%d", created.User.ID), map[string]any{"suspended": 1}, nil)
	within("a suspension", func() bool {
		_, b, _ := c.jsonCall(1, "GET", "/api/v1/admin/users", nil)
		return bytes.Contains(b, []byte(`"suspended":1`))
	})
	// A key revoked on replica 0 stops working on replica 1.
	second := c.replicas[0].createKey()
	out, stderr, err := c.replicas[0].cli("apikey", "list")
	if err != nil {
		t.Fatalf("apikey list: %v %s", err, stderr)
	}
	id := ""
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.Contains(line, second[:7]) {
			id = f[0]
		}
	}
	if id == "" {
		t.Fatalf("apikey list does not show the new key:\n%s", out)
	}
	auth := func(i int) int {
		req, _ := http.NewRequest("GET", c.replicas[i].url("/api/v1/auth"), nil)
		req.Header.Set("Authorization", "Bearer "+second)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := auth(1); st != 200 {
		t.Fatalf("new key on replica 1: %d", st)
	}
	if _, stderr, err := c.replicas[0].cli("apikey", "revoke", id); err != nil {
		t.Fatalf("apikey revoke: %v %s", err, stderr)
	}
	within("a key revocation", func() bool { return auth(1) == 403 })
}
