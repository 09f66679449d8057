package main

import (
	"strings"
	"testing"
)

// The users command works without a running server: it refuses users
// before multi-user mode, then creates and lists them; passwords are never
// printed.
func TestUsersCommand(t *testing.T) {
	in := newInstance(t)
	if _, stderr, err := in.cli("users", "create", "--username", "sam", "--password", "sam-password"); err == nil || !strings.Contains(stderr, "Multi-User mode") {
		t.Fatalf("create before multi-user mode: %v %s", err, stderr)
	}
	if _, _, err := in.cli("users", "enable-multi-user", "--username", "boss"); err == nil {
		t.Fatal("enable-multi-user without a password succeeded")
	}
	if _, stderr, err := in.cli("users", "enable-multi-user", "--username", "Boss", "--password", "boss-password"); err == nil || !strings.Contains(stderr, "Username must start with a lowercase letter") {
		t.Fatalf("bad admin name: %v %s", err, stderr)
	}
	if _, stderr, err := in.cli("users", "enable-multi-user", "--username", "boss", "--password", "boss-password"); err != nil {
		t.Fatalf("enable: %v %s", err, stderr)
	}
	out, stderr, err := in.cli("users", "create", "--username", "sam", "--password", "sam-password", "--role", "manager")
	if err != nil || !strings.Contains(out, `"sam" (manager)`) {
		t.Fatalf("create: %v %q %s", err, out, stderr)
	}
	if _, stderr, err := in.cli("users", "create", "--username", "sam", "--password", "sam-password"); err == nil || !strings.Contains(stderr, "already exists") {
		t.Fatalf("duplicate: %v %s", err, stderr)
	}
	out, _, err = in.cli("users", "list")
	if err != nil || !strings.Contains(out, "boss") || !strings.Contains(out, "manager") || strings.Contains(out, "password") || strings.Contains(out, "$2a$") {
		t.Fatalf("list: %v %q", err, out)
	}
}

// ANYTHINGLLM_ADMIN_USERNAME / _PASSWORD enable multi-user mode at serve
// start when it is off, and change nothing when it is on.
func TestAdminFromEnvironment(t *testing.T) {
	in := newInstance(t, "ANYTHINGLLM_ADMIN_USERNAME=ops", "ANYTHINGLLM_ADMIN_PASSWORD=ops-password-1")
	in.start()
	key := in.createKey()
	if _, body := get(t, in.url("/api/v1/admin/is-multi-user-mode"), "Bearer "+key); body != `{"isMultiUser":true}`+"\n" {
		t.Fatalf("after start: %s", body)
	}
	in.stop()
	in.env = append(in.env, "ANYTHINGLLM_ADMIN_USERNAME=other")
	in.start()
	if _, body := get(t, in.url("/api/v1/admin/users"), "Bearer "+key); !strings.Contains(body, `"username":"ops"`) || strings.Contains(body, `"other"`) {
		t.Fatalf("restart with another admin name: %s", body)
	}
	in.stop()
	if strings.Contains(in.logs.String(), "ops-password-1") {
		t.Fatal("the admin password reached the log")
	}
}
