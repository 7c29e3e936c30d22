package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedIsCurrent fails when the committed migration is not what
// the iso-codes installed here give: edit gen, not the SQL, and run
// go generate ./modules/lookups.
func TestGeneratedIsCurrent(t *testing.T) {
	const iso = "/usr/share/iso-codes/json"
	if _, err := os.Stat(filepath.Join(iso, "iso_3166-1.json")); err != nil {
		t.Skip("iso-codes not installed (apt-get install iso-codes)")
	}
	sql := render(iso)
	for _, dialect := range []string{"mysql", "sqlite"} {
		committed, err := os.ReadFile(filepath.Join("..", "migrations", dialect, File))
		if err != nil {
			t.Fatal(err)
		}
		if string(committed) != sql {
			t.Errorf("%s/%s differs from what gen writes from %s (another iso-codes version?): run go generate ./modules/lookups", dialect, File, iso)
		}
	}
	if n := countOf(sql, "countries"); n != 249 {
		t.Errorf("%d countries", n)
	}
	if n := countOf(sql, "currencies"); n < 150 {
		t.Errorf("%d currencies", n)
	}
}
