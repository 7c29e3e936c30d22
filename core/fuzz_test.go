package core_test

import (
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"
	"unicode"

	"github.com/saasd/saasd/core"
)

// Fuzz tests: plain `go test` runs their seeds (f.Add and testdata/fuzz);
// `make fuzz` runs each for FUZZTIME.

// FuzzParseMoney: never panics; what it accepts prints back to the same
// amount, exactly.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"10", "10.5", "-3.10", "0.01", "92233720368547758.07", "92233720368547758.08", "-92233720368547758.08", "1e3", " 7 ", "--1", "1.", ".1", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := core.ParseMoney(s)
		if err != nil {
			if core.KindOf(err) != core.Invalid {
				t.Fatalf("ParseMoney(%q): kind %v", s, core.KindOf(err))
			}
			return
		}
		back, err := core.ParseMoney(m.String())
		if err != nil || back != m {
			t.Fatalf("ParseMoney(%q) = %d, printed %q, read back %d, %v", s, m, m.String(), back, err)
		}
		var j core.Money
		if err := json.Unmarshal([]byte(m.String()), &j); err != nil || j != m {
			t.Fatalf("JSON round trip of %d: %d, %v", m, j, err)
		}
	})
}

// FuzzDecodeItems: invoice items decoded from any JSON are bounded, and
// their total is either exact (checked against big integers) or refused
// as Invalid — never a wrapped number.
func FuzzDecodeItems(f *testing.F) {
	f.Add(`[{"description":"x","qty":1,"amount":"10.00"}]`)
	f.Add(`[{"description":"x","qty":1000000,"amount":1000000000}]`)
	f.Add(`[{"description":"a","qty":"2","amount":0.5},{"description":"b","amount":"3"}]`)
	f.Add(`[]`)
	f.Add(`[{"description":"x","qty":-1,"amount":1}]`)
	f.Add(`{"description":"x"}`)
	f.Fuzz(func(t *testing.T, body string) {
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		items, err := core.DecodeItems(v)
		if err != nil {
			return
		}
		want := new(big.Int)
		for _, it := range items {
			if it.Qty < 1 || it.Qty > 1_000_000 || it.Amount < 0 || it.Amount > core.MaxPrice {
				t.Fatalf("item out of bounds: %+v", it)
			}
			want.Add(want, new(big.Int).Mul(big.NewInt(it.Qty), big.NewInt(int64(it.Amount))))
		}
		total, err := core.TotalOf(items)
		switch {
		case want.IsInt64() && (err != nil || int64(total) != want.Int64()):
			t.Fatalf("TotalOf = %d, %v; want %s", total, err, want)
		case !want.IsInt64() && core.KindOf(err) != core.Invalid:
			t.Fatalf("TotalOf = %d, %v; want Invalid for %s", total, err, want)
		}
	})
}

// FuzzValidateSubdomain: an accepted subdomain is a DNS label safe to name
// a database after: 3 to 63 of a-z, 0-9 and '-', a letter first, no '-' last.
func FuzzValidateSubdomain(f *testing.F) {
	for _, s := range []string{"acme", "a", "ab", "abc", "www", "Acme", "acme-", "-acme", "1acme", "ac_me", "acme;drop", "ａｃｍｅ", strings.Repeat("a", 63), strings.Repeat("a", 64), "information_schema"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if core.ValidateSubdomain(s) != nil {
			return
		}
		if len(s) < 3 || len(s) > 63 || s[0] < 'a' || s[0] > 'z' || s[len(s)-1] == '-' {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Fatalf("accepted %q with %q", s, r)
			}
		}
	})
}

// FuzzValidateEmail: an accepted email is one bare address, bounded, with
// no spaces or control characters.
func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{"john@example.com", "John <john@example.com>", "john@localhost", "a@b.c", "@example.com", "john@", "jo hn@example.com", "john@example.com\n", `"j"@example.com`, strings.Repeat("a", 190) + "@example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if core.ValidateEmail(s) != nil {
			return
		}
		at := strings.LastIndex(s, "@")
		if at <= 0 || len(s) > 191 || !strings.Contains(s[at:], ".") || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			t.Fatalf("accepted %q", s)
		}
	})
}

// FuzzMoneyArithmetic: Add and Mul are exact or refused.
func FuzzMoneyArithmetic(f *testing.F) {
	f.Add(int64(1), int64(2))
	f.Add(int64(math.MaxInt64), int64(1))
	f.Add(int64(math.MinInt64), int64(-1))
	f.Add(int64(core.MaxPrice), int64(12))
	f.Fuzz(func(t *testing.T, a, b int64) {
		sum := new(big.Int).Add(big.NewInt(a), big.NewInt(b))
		if got, err := core.Money(a).Add(core.Money(b)); sum.IsInt64() != (err == nil) || (err == nil && int64(got) != sum.Int64()) {
			t.Fatalf("%d.Add(%d) = %d, %v; want %s", a, b, got, err, sum)
		}
		prod := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
		if got, err := core.Money(a).Mul(b); prod.IsInt64() != (err == nil) || (err == nil && int64(got) != prod.Int64()) {
			t.Fatalf("%d.Mul(%d) = %d, %v; want %s", a, b, got, err, prod)
		}
	})
}

var fuzzSchema = &core.Schema{
	Table: "invoices",
	Fields: []core.Field{
		{Name: "number", Type: core.TextField, Max: 50},
		{Name: "email", Type: core.EmailField},
		{Name: "count", Type: core.IntField},
		{Name: "amount", Type: core.MoneyField},
		{Name: "due", Type: core.DateField},
		{Name: "status", Type: core.EnumField, Values: []string{"Unpaid", "Paid"}},
		{Name: "customer_id", Type: core.RefField, Ref: "customers", Required: true},
		{Name: "total", Type: core.MoneyField, Computed: true},
	},
	Items: &core.ItemsSchema{Table: "invoice_items", FK: "invoice_id"},
	Total: "total",
}

// FuzzSchemaDecode is the tenant-side body decoder: any JSON object gives
// a typed record or core.Invalid, never a panic or another kind of error.
func FuzzSchemaDecode(f *testing.F) {
	f.Add(`{"customer_id":1,"amount":"10.00","due":"2024-02-30","status":"Paid","items":[{"description":"x","amount":1}]}`, false)
	f.Add(`{"customer_id":"9223372036854775808","count":1e3,"email":"x@y.z"}`, true)
	f.Add(`{"total":5,"number":null}`, true)
	f.Fuzz(func(t *testing.T, body string, partial bool) {
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		var raw map[string]any
		if dec.Decode(&raw) != nil {
			return
		}
		if _, err := fuzzSchema.Decode(raw, partial); err != nil && core.KindOf(err) != core.Invalid {
			t.Fatalf("Decode(%s): %v (%v)", body, err, core.KindOf(err))
		}
	})
}
