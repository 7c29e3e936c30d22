package ginhttp

import (
	"encoding/json"
	"testing"
)

func TestCanonicalNumber(t *testing.T) {
	for in, want := range map[string]string{
		"100": "100", "-7": "-7", "1e2": "100", "1E+2": "100", "100.0": "100", "-0.0": "0",
		"1.999e1": "19.99", "1e-2": "0.01", "0.5": "0.5", "12.50": "12.5", "2.5e-1": "0.25",
		"1e401": "1e401", "1e-401": "1e-401", "9223372036854775808": "9223372036854775808",
	} {
		if got := canonicalNumber(json.Number(in)); string(got) != want {
			t.Errorf("canonicalNumber(%s) = %s, want %s", in, got, want)
		}
	}
}
