package aesgcm_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/saasd/saasd/adapters/aesgcm"
)

func TestLoadOrCreateKeyFileCreatesThenReads(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "keys")
	path := filepath.Join(dir, "secret.key")

	keys, created, err := aesgcm.LoadOrCreateKeyFile(path)
	if err != nil || !created || len(keys) != 1 {
		t.Fatalf("first call = %v, %v, %v; want one new key", keys, created, err)
	}
	if _, err := aesgcm.New(keys); err != nil {
		t.Fatalf("New(created key): %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", perm)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := di.Mode().Perm(); perm != 0o700 {
		t.Errorf("created directory mode = %04o, want 0700", perm)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# saasd tenant secret key ring: back it up") {
		t.Errorf("key file does not start with its explanation:\n%s", data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want the key file alone (temp file left behind?)", len(entries))
	}

	again, created, err := aesgcm.LoadOrCreateKeyFile(path)
	if err != nil || created || len(again) != 1 || again[0] != keys[0] {
		t.Fatalf("second call = %v, %v, %v; want %v, false, nil", again, created, err, keys)
	}
}

func TestLoadOrCreateKeyFileReadsRing(t *testing.T) {
	t.Parallel()
	first, second := key(), key()
	path := filepath.Join(t.TempDir(), "secret.key")
	content := "# rotated\n\n" + first + "\n  # old key below\n" + second + "\n\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	keys, created, err := aesgcm.LoadOrCreateKeyFile(path)
	if err != nil || created || len(keys) != 2 || keys[0] != first || keys[1] != second {
		t.Fatalf("LoadOrCreateKeyFile = %v, %v, %v; want [%s %s], false, nil", keys, created, err, first, second)
	}
}

func TestLoadOrCreateKeyFileRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    string
	}{
		{"group and world readable", key() + "\n", 0o644, "mode 0644"},
		{"group readable", key() + "\n", 0o640, "mode 0640"},
		{"garbage line", key() + "\nnot a key\n", 0o600, "line 2"},
		{"short key", "c2hvcnQ=\n", 0o600, "line 1"},
		{"comments only", "# saasd tenant secret key ring\n\n# nothing here\n", 0o600, "no key"},
		{"empty", "", 0o600, "no key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "secret.key")
			if err := os.WriteFile(path, []byte(tt.content), tt.mode); err != nil {
				t.Fatal(err)
			}
			// WriteFile's mode is filtered by the umask; set it exactly.
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			keys, created, err := aesgcm.LoadOrCreateKeyFile(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadOrCreateKeyFile = %v, %v, %v; want an error naming %s and %q", keys, created, err, path, tt.want)
			}
			if created {
				t.Error("created = true for an existing file")
			}
			if data, _ := os.ReadFile(path); string(data) != tt.content {
				t.Error("a refused file was rewritten")
			}
		})
	}
}

func TestLoadOrCreateKeyFileConcurrent(t *testing.T) {
	t.Parallel()
	const n = 8
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "secret.key")
		var (
			wg      sync.WaitGroup
			keys    [n][]string
			created [n]bool
			errs    [n]error
		)
		for i := range n {
			wg.Go(func() {
				keys[i], created[i], errs[i] = aesgcm.LoadOrCreateKeyFile(path)
			})
		}
		wg.Wait()
		creators := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, caller %d: %v", round, i, errs[i])
			}
			if len(keys[i]) != 1 || keys[i][0] != keys[0][0] {
				t.Fatalf("round %d: caller %d got %v, caller 0 got %v", round, i, keys[i], keys[0])
			}
			if created[i] {
				creators++
			}
		}
		if creators != 1 {
			t.Fatalf("round %d: %d callers report created, want 1", round, creators)
		}
	}
}
