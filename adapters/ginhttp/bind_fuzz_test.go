package ginhttp

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/saasd/saasd/core"
)

// FuzzDecodeJSON: whatever the body, each request decoder answers with a
// client error (400, 413 or 422) or succeeds; it never panics and never
// yields an internal error (a 500).
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"Pro","price_monthly":10.5,"limits":{"customers":5}}`,
		`{"company_name":"Acme","plan_id":1,"subdomain":"acme"}`,
		`{"plan_id":"1"}`, `{"limits":{"customers":1e99}}`, `{"price_monthly":1e400}`,
		`[]`, `null`, `{} {}`, `{"a":`, ``, `"text"`, `{"status":true}`, `{"expires_at":5}`,
		"\xff\xfe", `{"url":"https://x","events":["*"]}`, `{"name":{"x":[1,2,3]}}`,
	} {
		f.Add([]byte(s))
	}
	decoders := map[string]func() any{
		"plan":         func() any { return &planRequest{} },
		"tenant":       func() any { return &createTenantRequest{} },
		"tenantUpdate": func() any { return &updateTenantRequest{} },
		"subscription": func() any { return &updateSubscriptionRequest{} },
		"object":       func() any { return &map[string]any{} },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, dst := range decoders {
			err := decodeJSON(bytes.NewReader(body), dst())
			if err == nil {
				continue
			}
			switch core.KindOf(err) {
			case core.BadRequest, core.Invalid, core.TooLarge:
			default:
				t.Fatalf("%s decoder: %q gives %v (%v)", name, body, err, core.KindOf(err))
			}
			if !json.Valid(body) && core.KindOf(err) == core.Invalid && name == "object" {
				t.Fatalf("invalid JSON %q answered as a field error: %v", body, err)
			}
		}
	})
}
