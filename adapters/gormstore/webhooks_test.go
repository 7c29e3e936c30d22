package gormstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/aesgcm"
	"github.com/saasd/saasd/adapters/gormstore"
	"github.com/saasd/saasd/core"
)

// Webhook signing secrets are sealed at rest and come back in clear; one
// stored in clear before sealing (an upgrade) still signs, and
// SealSecrets seals it.
func TestWebhookSecretsSealed(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := open(t)
			ring, err := aesgcm.New([]string{testKey})
			if err != nil {
				t.Fatal(err)
			}
			hooks := gormstore.NewWebhookStore(db, ring)
			secret := "whsec_" + strings.Repeat("x", 43)
			w := core.Webhook{URL: "https://hooks.example.com/a", Events: []string{"*"}, Secret: secret, CreatedAt: time.Now().UTC()}
			if err := hooks.CreateWebhook(ctx, &w); err != nil {
				t.Fatal(err)
			}
			legacy := "whsec_legacy"
			if _, err := db.SQL().Exec("INSERT INTO webhooks (url, events, secret, created_at) VALUES (?, ?, ?, ?)",
				"https://hooks.example.com/b", `["*"]`, legacy, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			stored := func() []string {
				rows, err := db.SQL().Query("SELECT secret FROM webhooks ORDER BY id")
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				var out []string
				for rows.Next() {
					var s string
					if err := rows.Scan(&s); err != nil {
						t.Fatal(err)
					}
					out = append(out, s)
				}
				return out
			}
			if got := stored(); len(got) != 2 || strings.Contains(got[0], "whsec_") || got[1] != legacy {
				t.Fatalf("stored secrets %q", got)
			}
			check := func() {
				t.Helper()
				list, err := hooks.Webhooks(ctx)
				if err != nil || len(list) != 2 || list[0].Secret != secret || list[1].Secret != legacy {
					t.Fatalf("webhooks %+v, %v", list, err)
				}
			}
			check()
			if n, err := hooks.SealSecrets(ctx); err != nil || n != 1 {
				t.Fatalf("SealSecrets = %d, %v; want 1", n, err)
			}
			if n, err := hooks.SealSecrets(ctx); err != nil || n != 0 {
				t.Fatalf("SealSecrets again = %d, %v; want 0", n, err)
			}
			for _, s := range stored() {
				if strings.Contains(s, "whsec_") {
					t.Fatalf("a secret is still in clear: %q", s)
				}
			}
			check()
		})
	}
}
