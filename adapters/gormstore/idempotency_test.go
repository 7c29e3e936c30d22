package gormstore_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/aesgcm"
	"github.com/saasd/saasd/adapters/gormstore"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
	"github.com/saasd/saasd/ports/portstest"
)

const testKey = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0="

func newIdempotencyStore(t *testing.T, db *gormstore.DB, ttl, claim time.Duration) *gormstore.IdempotencyStore {
	t.Helper()
	ring, err := aesgcm.New([]string{testKey})
	if err != nil {
		t.Fatal(err)
	}
	s, err := gormstore.NewIdempotencyStore(db, gormstore.IdempotencyConfig{TTL: ttl, ClaimTimeout: claim, Sealer: ring})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIdempotencyStore(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			portstest.TestIdempotencyStore(t, func(t *testing.T) ports.IdempotencyStore {
				return newIdempotencyStore(t, open(t), time.Hour, time.Hour)
			})
		})
	}
}

// Answers are sealed at rest; a claim its request abandoned expires after
// the claim timeout; Sweep removes what expired and nothing else.
func TestIdempotencyStoreAtRest(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := open(t)
			s := newIdempotencyStore(t, db, time.Hour, time.Minute)
			h := bytes.Repeat([]byte{7}, 32)
			if got, err := s.Begin(ctx, "ip:1", "k", h); err != nil || got != nil {
				t.Fatalf("Begin = %v, %v", got, err)
			}
			secret := `{"data":{"token":"saasd_t_live-session-token"}}`
			if err := s.Complete(ctx, "ip:1", "k", core.StoredResponse{Status: 201, Body: []byte(secret)}); err != nil {
				t.Fatal(err)
			}
			var raw []byte
			if err := db.SQL().QueryRow("SELECT body FROM idempotency_keys WHERE idem_key = 'k'").Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(raw, []byte("live-session-token")) || len(raw) == 0 {
				t.Fatalf("stored body is not sealed: %q", raw)
			}
			if got, err := s.Begin(ctx, "ip:1", "k", h); err != nil || got == nil || string(got.Body) != secret {
				t.Fatalf("replay = %+v, %v", got, err)
			}

			// A claim from a request that died two minutes ago is free again.
			old := time.Now().UTC().Add(-2 * time.Minute)
			if _, err := db.SQL().Exec("INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, created_at) VALUES ('ip:1', 'crashed', ?, 0, ?)", h, old); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Begin(ctx, "ip:1", "crashed", h); err != nil || got != nil {
				t.Fatalf("Begin after an abandoned claim = %+v, %v; want a new claim", got, err)
			}
			// A fresh claim is still in progress.
			if _, err := s.Begin(ctx, "ip:1", "crashed", h); core.KindOf(err) != core.Conflict {
				t.Fatalf("second Begin = %v, want Conflict", err)
			}

			for _, row := range []struct {
				key    string
				status int
				age    time.Duration
			}{{"expired", 201, 2 * time.Hour}, {"abandoned", 0, 2 * time.Minute}, {"recent", 201, 2 * time.Minute}} {
				if _, err := db.SQL().Exec("INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, created_at) VALUES ('ip:2', ?, ?, ?, ?)",
					row.key, h, row.status, time.Now().UTC().Add(-row.age)); err != nil {
					t.Fatal(err)
				}
			}
			n, err := s.Sweep(ctx)
			if err != nil || n != 2 {
				t.Fatalf("Sweep = %d, %v; want 2", n, err)
			}
			var left int
			if err := db.SQL().QueryRow("SELECT COUNT(*) FROM idempotency_keys").Scan(&left); err != nil || left != 3 {
				t.Fatalf("%d keys left, %v; want k, crashed and recent", left, err)
			}
		})
	}
}
