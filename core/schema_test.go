package core_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/saasd/saasd/core"
)

// A Positive money field refuses zero and negative amounts, as seed 004's
// validation example ("Amount must be greater than 0") shows.
func TestSchemaDecodePositiveMoney(t *testing.T) {
	t.Parallel()
	schema := &core.Schema{Table: "transactions", Fields: []core.Field{
		{Name: "amount", Type: core.MoneyField, Required: true, Positive: true},
		{Name: "fee", Type: core.MoneyField},
	}}
	tests := []struct {
		body      string
		wantField string // "" for no error
	}{
		{`{"amount": 1500.00}`, ""},
		{`{"amount": "0.01"}`, ""},
		{`{"amount": 0}`, "amount"},
		{`{"amount": "0.00"}`, "amount"},
		{`{"amount": -5}`, "amount"},
		{`{"amount": 1, "fee": -1}`, ""}, // not Positive: a sign is allowed
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			var raw map[string]any
			dec := json.NewDecoder(strings.NewReader(tt.body))
			dec.UseNumber()
			if err := dec.Decode(&raw); err != nil {
				t.Fatal(err)
			}
			_, err := schema.Decode(raw, false)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Decode = %v", err)
				}
				return
			}
			var ce *core.Error
			if !errors.As(err, &ce) || ce.Kind != core.Invalid || ce.Fields[tt.wantField] == "" {
				t.Fatalf("Decode = %v, want Invalid naming %s", err, tt.wantField)
			}
		})
	}
}
