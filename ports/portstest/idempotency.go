package portstest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"sync"
	"testing"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// TestIdempotencyStore runs the idempotency contract against stores built
// by newStore, which must return an empty store, keeping keys for longer
// than the test runs, for every call.
func TestIdempotencyStore(t *testing.T, newStore func(t *testing.T) ports.IdempotencyStore) {
	t.Run("replay", func(t *testing.T) { t.Parallel(); testIdempotencyReplay(t, newStore(t)) })
	t.Run("release", func(t *testing.T) { t.Parallel(); testIdempotencyRelease(t, newStore(t)) })
	t.Run("scopes", func(t *testing.T) { t.Parallel(); testIdempotencyScopes(t, newStore(t)) })
	t.Run("race", func(t *testing.T) { t.Parallel(); testIdempotencyRace(t, newStore(t)) })
}

// requestHash is what the edge passes as hash: a SHA-256.
func requestHash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func wantNew(t *testing.T, s ports.IdempotencyStore, scope, key string, hash []byte) {
	t.Helper()
	got, err := s.Begin(context.Background(), scope, key, hash)
	if err != nil || got != nil {
		t.Fatalf("Begin(%s, %s) = %+v, %v; want a new key", scope, key, got, err)
	}
}

func testIdempotencyReplay(t *testing.T, s ports.IdempotencyStore) {
	ctx := context.Background()
	h := requestHash(`{"name":"acme"}`)
	wantNew(t, s, "tenants", "k1", h)
	_, err := s.Begin(ctx, "tenants", "k1", h)
	wantKind(t, err, core.Conflict)

	answer := core.StoredResponse{Status: 201, Body: []byte(`{"id":7}`)}
	if err := s.Complete(ctx, "tenants", "k1", answer); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		got, err := s.Begin(ctx, "tenants", "k1", h)
		if err != nil || got == nil || got.Status != 201 || !bytes.Equal(got.Body, answer.Body) {
			t.Fatalf("Begin after Complete = %+v, %v; want %+v", got, err, answer)
		}
	}
	_, err = s.Begin(ctx, "tenants", "k1", requestHash(`{"name":"other"}`))
	wantKind(t, err, core.Invalid)

	// A completed key stays completed: Release is for failed requests.
	if err := s.Release(ctx, "tenants", "k1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Begin(ctx, "tenants", "k1", h); err != nil || got == nil || got.Status != 201 {
		t.Fatalf("Begin after releasing a completed key = %+v, %v", got, err)
	}

	// An empty body replays as an empty body.
	wantNew(t, s, "tenants", "k2", h)
	if err := s.Complete(ctx, "tenants", "k2", core.StoredResponse{Status: 204}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Begin(ctx, "tenants", "k2", h); err != nil || got == nil || got.Status != 204 || len(got.Body) != 0 {
		t.Fatalf("Begin = %+v, %v", got, err)
	}
}

func testIdempotencyRelease(t *testing.T, s ports.IdempotencyStore) {
	ctx := context.Background()
	h := requestHash("a")
	wantNew(t, s, "plans", "k", h)
	if err := s.Release(ctx, "plans", "k"); err != nil {
		t.Fatal(err)
	}
	wantNew(t, s, "plans", "k", h)
	// Once released, the key may come back with other content.
	if err := s.Release(ctx, "plans", "k"); err != nil {
		t.Fatal(err)
	}
	wantNew(t, s, "plans", "k", requestHash("b"))
	if err := s.Release(ctx, "plans", "unknown"); err != nil {
		t.Fatalf("releasing an unknown key: %v", err)
	}
}

func testIdempotencyScopes(t *testing.T, s ports.IdempotencyStore) {
	ctx := context.Background()
	h := requestHash("a")
	wantNew(t, s, "tenant:1", "k", h)
	wantNew(t, s, "tenant:2", "k", requestHash("other"))
	if err := s.Complete(ctx, "tenant:1", "k", core.StoredResponse{Status: 200, Body: []byte("one")}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Begin(ctx, "tenant:2", "k", requestHash("other"))
	wantKind(t, err, core.Conflict)
	if err := s.Release(ctx, "tenant:2", "k"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Begin(ctx, "tenant:1", "k", h); err != nil || got == nil || string(got.Body) != "one" {
		t.Fatalf("Begin in scope 1 = %+v, %v", got, err)
	}
	wantNew(t, s, "tenant:2", "k", h)
}

// Racing first requests with one key: exactly one runs.
func testIdempotencyRace(t *testing.T, s ports.IdempotencyStore) {
	h := requestHash("a")
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var got *core.StoredResponse
			got, errs[i] = s.Begin(context.Background(), "race", "k", h)
			if got != nil {
				errs[i] = core.Errorf(core.Internal, "replayed %+v before any Complete", got)
			}
		}()
	}
	wg.Wait()
	wantWinners(t, errs, 1, core.Conflict)
}
