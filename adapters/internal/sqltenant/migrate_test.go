package sqltenant

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/saasd/saasd/core/kernel"
)

func TestMerge(t *testing.T) {
	t.Parallel()
	a := fstest.MapFS{"mysql/100_a.sql": {Data: []byte("-- +goose Up\nSELECT 1;\n")}, "sqlite/100_a.sql": {Data: []byte("x")}}
	b := fstest.MapFS{"mysql/200_b.sql": {Data: []byte("-- +goose Up\nSELECT 2;\n")}}
	merged, err := Merge("mysql", []kernel.TenantSchema{{Module: "a", Migrations: a}, {Module: "b", Migrations: b}})
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(merged, "*.sql")
	if strings.Join(names, ",") != "100_a.sql,200_b.sql" {
		t.Fatalf("merged = %v", names)
	}
	clash := fstest.MapFS{"mysql/100_c.sql": {Data: []byte("x")}}
	_, err = Merge("mysql", []kernel.TenantSchema{{Module: "a", Migrations: a}, {Module: "c", Migrations: clash}})
	if err == nil || !strings.Contains(err.Error(), "a and c") {
		t.Fatalf("clash error = %v", err)
	}
}

// TestDDLOnly: only files of table and index DDL lose their transaction on
// MySQL; data, blocks and annotated files keep theirs.
func TestDDLOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, sql string
		want      bool
	}{
		{"add column", "-- +goose Up\nALTER TABLE customers ADD COLUMN nickname VARCHAR(50) NOT NULL DEFAULT '';\n", true},
		{"tables, indexes and down", "-- +goose Up\n-- why\nCREATE TABLE a (id INT);\ncreate unique index a_id on a (id);\n\n-- +goose Down\nDROP TABLE a;\n", true},
		{"data", "-- +goose Up\nCREATE TABLE a (id INT);\nINSERT INTO a VALUES (1);\n", false},
		{"block", "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (id INT);\n-- +goose StatementEnd\n", false},
		{"says so already", "-- +goose NO TRANSACTION\n-- +goose Up\nALTER TABLE a ADD COLUMN b INT;\n", false},
		{"semicolon in a literal", "-- +goose Up\nALTER TABLE a ADD COLUMN b VARCHAR(5) DEFAULT 'x;y';\n", false},
		{"nothing", "-- +goose Up\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ddlOnly(tc.sql); got != tc.want {
				t.Fatalf("ddlOnly = %v, want %v", got, tc.want)
			}
		})
	}
}
