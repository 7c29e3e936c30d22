package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes saasd with args against the config file and returns stdout.
func run(t *testing.T, config string, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append(args, "--config", config))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "saasd.yaml")
	yaml := "database:\n  dsn: " + filepath.Join(dir, "control.db") + "\ntenants:\n  data_dir: " + filepath.Join(dir, "tenants") + "\n  key_file: " + filepath.Join(dir, "secret.key") + "\nlog:\n  level: error\n"
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, config, "migrate"); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate: %q, %v", out, err)
	}
	out, err := run(t, config, "token", "create", "--name", "ops")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if !strings.HasPrefix(token, "saasd_") || strings.Contains(token, " ") {
		t.Fatalf("last line is not the token alone: %q", out)
	}
	if _, err := run(t, config, "token", "create", "--name", "ops"); err == nil {
		t.Fatal("a second live token with the same name was created")
	}
	if _, err := run(t, config, "token", "create"); err == nil {
		t.Fatal("token create without --name succeeded")
	}
	out, err = run(t, config, "token", "list")
	if err != nil || !strings.Contains(out, "ops") || strings.Contains(out, token) {
		t.Fatalf("list: %q, %v", out, err)
	}
	if out, err := run(t, config, "token", "revoke", "--name", "ops"); err != nil || !strings.Contains(out, "Revoked") {
		t.Fatalf("revoke: %q, %v", out, err)
	}
	if _, err := run(t, config, "token", "revoke", "--name", "ops"); err == nil {
		t.Fatal("revoking a revoked token succeeded")
	}
	if out, err := run(t, config, "usage", "recount"); err != nil || !strings.Contains(out, "match") {
		t.Fatalf("recount: %q, %v", out, err)
	}
	if _, err := run(t, config, "usage", "recount", "--tenant", "42"); err == nil {
		t.Fatal("recount of an unknown tenant succeeded")
	}
	if out, err := run(t, config, "tenants", "migrate", "--dry-run"); err != nil || !strings.Contains(out, "0 tenants behind") {
		t.Fatalf("tenants migrate --dry-run: %q, %v", out, err)
	}
	if out, err := run(t, config, "tenants", "migrate"); err != nil || !strings.Contains(out, "0 migrated") {
		t.Fatalf("tenants migrate: %q, %v", out, err)
	}
	if _, err := run(t, config, "tenants", "migrate", "--concurrency", "0"); err == nil {
		t.Fatal("tenants migrate --concurrency 0 succeeded")
	}
	if out, err := run(t, config, "tenants", "list", "--failed"); err != nil || !strings.Contains(out, "SCHEMA") {
		t.Fatalf("tenants list: %q, %v", out, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("database:\n  driver: oracle\n"), 0o600)
	if _, err := run(t, bad, "migrate"); err == nil || !strings.Contains(err.Error(), "database.driver") {
		t.Fatalf("bad config: %v", err)
	}
}
