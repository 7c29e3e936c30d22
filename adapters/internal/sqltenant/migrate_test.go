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
