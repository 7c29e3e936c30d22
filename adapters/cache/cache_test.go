package cache_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/saasd/saasd/adapters/cache"
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/ports"
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

// users is a tenant user store of sessions that counts its reads.
type users struct {
	ports.UserStore // nil: only what the cache calls is here
	mu              sync.Mutex
	sessions        map[string]fakeSession
	reads           int
}

type fakeSession struct {
	u       core.User
	expires time.Time
}

func (s *users) Session(_ context.Context, t core.Tenant, hash []byte) (core.User, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	se, ok := s.sessions[fmt.Sprint(t.ID, string(hash))]
	if !ok {
		return core.User{}, time.Time{}, core.Errorf(core.NotFound, "session not found")
	}
	return se.u, se.expires, nil
}

func (s *users) UserBySession(ctx context.Context, t core.Tenant, hash []byte, now time.Time) (core.User, error) {
	u, expires, err := s.Session(ctx, t, hash)
	if err == nil && !now.Before(expires) {
		return core.User{}, core.Errorf(core.NotFound, "session expired")
	}
	return u, err
}

func (s *users) DeleteSession(_ context.Context, t core.Tenant, hash []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, fmt.Sprint(t.ID, string(hash)))
	return nil
}

// set stores (or changes) a session behind the cache's back, as another replica would.
func (s *users) set(t core.Tenant, hash string, u core.User, expires time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[fmt.Sprint(t.ID, hash)] = fakeSession{u, expires}
}

func (s *users) readCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// A tenant session is read once, then served from the cache until it
// ends, its tenant's sessions are invalidated, or (without a live channel)
// the short TTL passes.
func TestSessionsCachedUntilEnded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &users{sessions: map[string]fakeSession{}}
	b := &bus{}
	var live atomic.Bool
	live.Store(true)
	c := cache.New(cache.Config{TTL: time.Hour, ShortTTL: 100 * time.Millisecond}, b, live.Load, zap.NewNop())
	us := c.Users(store)
	acme, globex := core.Tenant{ID: 1}, core.Tenant{ID: 2}
	now := time.Now()
	ann := core.User{ID: 7, Name: "Ann", Role: core.RoleStaff}
	store.set(acme, "a", ann, now.Add(time.Hour))
	store.set(globex, "g", core.User{ID: 9, Name: "Gus"}, now.Add(time.Hour))
	get := func(tn core.Tenant, hash string, at time.Time) (core.User, error) {
		t.Helper()
		return us.UserBySession(ctx, tn, []byte(hash), at)
	}
	for range 3 {
		if u, err := get(acme, "a", now); err != nil || u != ann {
			t.Fatalf("UserBySession = %+v, %v", u, err)
		}
		if _, err := get(globex, "g", now); err != nil {
			t.Fatal(err)
		}
	}
	if n := store.readCount(); n != 2 {
		t.Fatalf("%d reads for two sessions asked three times, want 2", n)
	}
	// Unknown sessions are not cached: each ask reads.
	for range 2 {
		if _, err := get(acme, "nobody", now); core.KindOf(err) != core.NotFound {
			t.Fatalf("unknown session: %v", err)
		}
	}
	if n := store.readCount(); n != 4 {
		t.Fatalf("%d reads after two asks of an unknown session, want 4", n)
	}
	// A cached session never outlives its end.
	if _, err := get(acme, "a", now.Add(time.Hour)); core.KindOf(err) != core.NotFound {
		t.Fatalf("at its end: %v, want not found", err)
	}
	// Promoted behind the cache's back (another replica): cached while
	// live, until that replica's invalidation of the tenant arrives.
	boss := ann
	boss.Role = core.RoleAdmin
	store.set(acme, "a", boss, now.Add(time.Hour))
	if u, _ := get(acme, "a", now); u.Role != core.RoleStaff {
		t.Fatalf("before the invalidation: %+v", u)
	}
	reads := store.readCount()
	c.Drop(cache.SessionsOf(acme.ID))
	if u, _ := get(acme, "a", now); u.Role != core.RoleAdmin {
		t.Fatalf("after the invalidation: %+v, want promoted", u)
	}
	// Another tenant's sessions stay cached.
	if _, err := get(globex, "g", now); err != nil || store.readCount() != reads+1 {
		t.Fatalf("other tenant: %v, %d reads, want %d", err, store.readCount(), reads+1)
	}
	// A change of tenants (a move, say) drops every tenant's sessions.
	reads = store.readCount()
	c.Drop(cache.Tenants)
	if _, err := get(globex, "g", now); err != nil || store.readCount() != reads+1 {
		t.Fatalf("after a tenant change: %v, %d reads, want %d", err, store.readCount(), reads+1)
	}
	// Logout through the decorator: dropped here and announced for the tenant.
	if err := us.DeleteSession(ctx, acme, []byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := get(acme, "a", now); core.KindOf(err) != core.NotFound {
		t.Fatalf("after logout: %v", err)
	}
	if want := []string{cache.SessionsOf(acme.ID)}; !slices.Equal(b.topics, want) {
		t.Fatalf("announced %v, want %v", b.topics, want)
	}
	// Without a live channel, entries expire after the short TTL.
	live.Store(false)
	store.set(acme, "b", ann, now.Add(time.Hour))
	if _, err := get(acme, "b", now); err != nil {
		t.Fatal(err)
	}
	_ = store.DeleteSession(ctx, acme, []byte("b")) // behind the cache's back
	if _, err := get(acme, "b", now); err != nil {
		t.Fatalf("within the short TTL: %v", err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, err := get(acme, "b", now); core.KindOf(err) != core.NotFound {
		t.Fatalf("after the short TTL: %v", err)
	}
}

// Writes to the users and sessions tables through the record store drop
// the tenant's sessions, failed ones too; writes to other tables do not.
func TestRecordWritesInvalidateSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := &bus{}
	c := cache.New(cache.Config{TTL: time.Hour}, b, func() bool { return true }, zap.NewNop())
	recs := c.Records(failing{})
	tn := core.Tenant{ID: 3}
	usersTable, customers := &core.Schema{Table: "users"}, &core.Schema{Table: "customers"}
	_, _ = recs.Create(ctx, tn, customers, nil, quota.Quota{})
	_, _ = recs.Update(ctx, tn, customers, 1, core.Record{})
	_ = recs.Delete(ctx, tn, customers, 1)
	if len(b.topics) != 0 {
		t.Fatalf("writes to customers announced %v", b.topics)
	}
	_, _ = recs.Create(ctx, tn, usersTable, nil, quota.Quota{})
	_, _ = recs.Update(ctx, tn, usersTable, 1, core.Record{})
	_ = recs.Delete(ctx, tn, usersTable, 1)
	topic := cache.SessionsOf(tn.ID)
	if want := []string{topic, topic, topic}; !slices.Equal(b.topics, want) {
		t.Fatalf("writes to users announced %v, want %v", b.topics, want)
	}
}

// failing is a record store whose every write fails as a lost connection
// at commit would: nobody knows whether it committed.
type failing struct{ ports.RecordStore }

var errLost = errors.New("connection lost at commit")

func (failing) Create(context.Context, core.Tenant, *core.Schema, []core.Record, quota.Quota) ([]core.Record, error) {
	return nil, errLost
}

func (failing) Update(context.Context, core.Tenant, *core.Schema, int64, core.Record) (core.Record, error) {
	return nil, errLost
}

func (failing) Delete(context.Context, core.Tenant, *core.Schema, int64) error { return errLost }
