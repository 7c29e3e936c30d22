package cache_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/saasd/saasd/adapters/cache"
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports/portstest"
)

// bus records invalidations, as Redis would carry them.
type bus struct {
	mu     sync.Mutex
	topics []string
}

func (b *bus) Invalidate(_ context.Context, topic string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.topics = append(b.topics, topic)
	return nil
}

// The decorated stores still keep every store contract.
func TestStoreContract(t *testing.T) {
	t.Parallel()
	portstest.TestStores(t, func(*testing.T) portstest.Stores {
		m := memory.NewStores()
		c := cache.New(cache.Config{ShortTTL: 50 * time.Millisecond}, nil, nil, zap.NewNop())
		return portstest.Stores{Tenants: c.Tenants(m), Plans: c.Plans(m), Tokens: c.Tokens(m)}
	})
}

func TestTokensCachedUntilRevokedOrExpired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := memory.NewStores()
	b := &bus{}
	live := true
	c := cache.New(cache.Config{TTL: time.Hour, ShortTTL: 100 * time.Millisecond}, b, func() bool { return live }, zap.NewNop())
	tokens := c.Tokens(m)
	for _, name := range []string{"a", "b"} {
		if err := tokens.CreateToken(ctx, &core.APIToken{Name: name, CreatedAt: time.Now()}, []byte("hash-"+name)); err != nil {
			t.Fatal(err)
		}
		if _, err := tokens.TokenByHash(ctx, []byte("hash-"+name)); err != nil {
			t.Fatal(err)
		}
	}
	// Revoked behind the cache's back (another replica): still cached while live...
	if err := m.RevokeToken(ctx, "a", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.TokenByHash(ctx, []byte("hash-a")); err != nil {
		t.Fatalf("cached token: %v", err)
	}
	// ...until that replica's invalidation arrives.
	c.Drop(cache.Tokens)
	if _, err := tokens.TokenByHash(ctx, []byte("hash-a")); core.KindOf(err) != core.NotFound {
		t.Fatalf("after the invalidation: %v, want not found", err)
	}
	// Revoked through the decorator: dropped here and announced.
	if err := tokens.RevokeToken(ctx, "b", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.TokenByHash(ctx, []byte("hash-b")); core.KindOf(err) != core.NotFound {
		t.Fatalf("after revoke: %v", err)
	}
	if len(b.topics) != 1 || b.topics[0] != cache.Tokens {
		t.Fatalf("announced %v", b.topics)
	}
	// Without a live channel, entries expire after the short TTL.
	live = false
	if err := tokens.CreateToken(ctx, &core.APIToken{Name: "c", CreatedAt: time.Now()}, []byte("hash-c")); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.TokenByHash(ctx, []byte("hash-c")); err != nil {
		t.Fatal(err)
	}
	if err := m.RevokeToken(ctx, "c", time.Now()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, err := tokens.TokenByHash(ctx, []byte("hash-c")); core.KindOf(err) != core.NotFound {
		t.Fatalf("after the short TTL: %v", err)
	}
}
