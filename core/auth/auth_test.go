package auth_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/auth"
	"github.com/saasd/saasd/ports"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type touch struct {
	id int64
	at time.Time
}

// spy is the memory token store, keeping the touches it is asked for.
type spy struct {
	*memory.Stores
	mu      sync.Mutex
	touches []touch
}

func (s *spy) TouchToken(ctx context.Context, id int64, at time.Time) error {
	s.mu.Lock()
	s.touches = append(s.touches, touch{id: id, at: at})
	s.mu.Unlock()
	return s.Stores.TouchToken(ctx, id, at)
}

func (s *spy) touched() []touch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.touches)
}

// failLookup fails every TokenByHash with err.
type failLookup struct {
	ports.TokenStore
	err error
}

func (f failLookup) TokenByHash(context.Context, []byte) (core.APIToken, error) {
	return core.APIToken{}, f.err
}

// failTouch fails every TouchToken with err.
type failTouch struct {
	ports.TokenStore
	err error
}

func (f failTouch) TouchToken(context.Context, int64, time.Time) error { return f.err }

func newService() (*auth.Service, *spy, *clock.Fake) {
	store, c := &spy{Stores: memory.NewStores()}, clock.NewFake(start)
	return auth.New(store, c), store, c
}

func storedTokens(t *testing.T, store ports.TokenStore) []core.APIToken {
	t.Helper()
	list, err := store.Tokens(context.Background())
	if err != nil {
		t.Fatalf("Tokens: %v", err)
	}
	return list
}

func TestServiceCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		wantName string
		wantErr  bool
	}{
		{name: "plain", in: "deploy-bot", wantName: "deploy-bot"},
		{name: "trimmed", in: "  ci  ", wantName: "ci"},
		{name: "100 characters", in: strings.Repeat("n", 100), wantName: strings.Repeat("n", 100)},
		{name: "empty", in: "", wantErr: true},
		{name: "blank", in: "   ", wantErr: true},
		{name: "101 characters", in: strings.Repeat("n", 101), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc, store, _ := newService()
			secret, tok, err := svc.Create(context.Background(), tt.in)
			if tt.wantErr {
				if core.KindOf(err) != core.Invalid {
					t.Fatalf("Create error = %v, want invalid", err)
				}
				if _, ok := core.FieldsOf(err)["name"]; !ok {
					t.Errorf("fields = %v, want name", core.FieldsOf(err))
				}
				if stored := storedTokens(t, store); secret != "" || len(stored) != 0 {
					t.Errorf("secret %q, stored %+v; want neither", secret, stored)
				}
				return
			}
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if !strings.HasPrefix(secret, auth.TokenPrefix) || auth.TokenPrefix != "saasd_" {
				t.Errorf("secret %q does not start with %q", secret, "saasd_")
			}
			if len(secret) < len(auth.TokenPrefix)+40 {
				t.Errorf("secret %q is too short to be unguessable", secret)
			}
			if tok.ID != 1 || tok.Name != tt.wantName || !tok.CreatedAt.Equal(start) {
				t.Errorf("token = %+v, want #1 %q created at %s", tok, tt.wantName, start)
			}
			if stored := storedTokens(t, store); len(stored) != 1 {
				t.Fatalf("stored %d tokens, want 1", len(stored))
			}
			// The store matches hashes exactly: finding the token by
			// auth.Hash(secret) proves that is what it keeps.
			if got, err := store.TokenByHash(context.Background(), auth.Hash(secret)); err != nil || got.ID != tok.ID {
				t.Errorf("TokenByHash(auth.Hash(secret)) = %+v, %v; want token %d", got, err, tok.ID)
			}
			if hash := auth.Hash(secret); bytes.Contains(hash, []byte(secret)) || bytes.Contains(hash, []byte(strings.TrimPrefix(secret, auth.TokenPrefix))) {
				t.Error("the stored value contains the secret")
			}
			if _, err := store.TokenByHash(context.Background(), []byte(secret)); core.KindOf(err) != core.NotFound {
				t.Errorf("TokenByHash(secret) error = %v, want not found: the secret itself is not stored", err)
			}
		})
	}
}

func TestServiceCreateSecretsDiffer(t *testing.T) {
	t.Parallel()
	svc, _, _ := newService()
	seen := map[string]bool{}
	for i := range 20 {
		// Names differ: a live token's name is taken.
		secret, _, err := svc.Create(context.Background(), "bot-"+strconv.Itoa(i))
		if err != nil {
			t.Fatalf("Create #%d: %v", i, err)
		}
		if seen[secret] {
			t.Fatalf("secret %q issued twice", secret)
		}
		seen[secret] = true
	}
}

func TestServiceCreateConflict(t *testing.T) {
	t.Parallel()
	svc, store, _ := newService()
	if _, _, err := svc.Create(context.Background(), "bot"); err != nil {
		t.Fatalf("Create: %v", err)
	}
	secret, _, err := svc.Create(context.Background(), " bot ")
	if core.KindOf(err) != core.Conflict || secret != "" {
		t.Fatalf("Create = %q, %v; want no secret and a conflict", secret, err)
	}
	if stored := storedTokens(t, store); len(stored) != 1 {
		t.Errorf("stored %d tokens, want 1", len(stored))
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	a, b := auth.Hash("saasd_a"), auth.Hash("saasd_b")
	if len(a) != 32 || bytes.Equal(a, b) || !bytes.Equal(a, auth.Hash("saasd_a")) {
		t.Errorf("Hash is not a stable 32-byte digest: %x %x", a, b)
	}
}

// flipLast changes the last character of s to another valid one.
func flipLast(s string) string {
	last := byte('A')
	if s[len(s)-1] == last {
		last = 'B'
	}
	return s[:len(s)-1] + string(last)
}

func TestServiceAuthenticate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		secret   func(valid string) string
		revoke   bool
		lookupEr error
		wantKind core.Kind
	}{
		{name: "valid", secret: func(s string) string { return s }},
		{name: "wrong secret", secret: func(string) string { return auth.TokenPrefix + "not-the-right-one" }, wantKind: core.Unauthorized},
		{name: "one character off", secret: flipLast, wantKind: core.Unauthorized},
		{name: "secret with suffix", secret: func(s string) string { return s + "x" }, wantKind: core.Unauthorized},
		{name: "revoked", secret: func(s string) string { return s }, revoke: true, wantKind: core.Unauthorized},
		{name: "empty", secret: func(string) string { return "" }, wantKind: core.Unauthorized},
		{name: "prefix only", secret: func(string) string { return auth.TokenPrefix }, wantKind: core.Unauthorized},
		{name: "no prefix", secret: func(s string) string { return strings.TrimPrefix(s, auth.TokenPrefix) }, wantKind: core.Unauthorized},
		{name: "bearer header passed as is", secret: func(s string) string { return "Bearer " + s }, wantKind: core.Unauthorized},
		{name: "garbage", secret: func(string) string { return "\x00\xff'; DROP TABLE api_tokens; --" }, wantKind: core.Unauthorized},
		{name: "too long", secret: func(string) string { return auth.TokenPrefix + strings.Repeat("a", 200) }, wantKind: core.Unauthorized},
		{name: "store failure is not unauthorized", secret: func(s string) string { return s }, lookupEr: errors.New("db down"), wantKind: core.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc, store, c := newService()
			secret, created, err := svc.Create(context.Background(), "bot")
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if tt.revoke {
				if err := svc.Revoke(context.Background(), "bot"); err != nil {
					t.Fatalf("Revoke: %v", err)
				}
			}
			if tt.lookupEr != nil {
				svc = auth.New(failLookup{store, tt.lookupEr}, c)
			}
			got, err := svc.Authenticate(context.Background(), tt.secret(secret))
			if core.KindOf(err) != tt.wantKind {
				t.Fatalf("Authenticate error = %v, want kind %q", err, tt.wantKind)
			}
			if err != nil {
				if tt.wantKind == core.Unauthorized && core.MessageOf(err) != "invalid API token" {
					t.Errorf("message = %q, want %q", core.MessageOf(err), "invalid API token")
				}
				if n := len(store.touched()); n != 0 {
					t.Errorf("touched %d times after a refused token", n)
				}
				return
			}
			if got.ID != created.ID || got.Name != "bot" {
				t.Errorf("Authenticate = %+v, want token %d", got, created.ID)
			}
		})
	}
}

func TestServiceAuthenticateTouchesAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	svc, store, c := newService()
	ctx := context.Background()
	first, a, err := svc.Create(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	second, b, err := svc.Create(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name      string
		after     time.Duration // since start
		secret    string
		wantTouch bool
	}{
		{name: "a first use", after: 0, secret: first, wantTouch: true},
		{name: "a again at once", after: 0, secret: first},
		{name: "b first use is its own", after: time.Second, secret: second, wantTouch: true},
		{name: "a after 30s", after: 30 * time.Second, secret: first},
		{name: "a after 59.999s", after: time.Minute - time.Millisecond, secret: first},
		{name: "a after a minute", after: time.Minute, secret: first, wantTouch: true},
		{name: "b after 60.5s", after: time.Minute + 500*time.Millisecond, secret: second},
		{name: "a after 61s", after: time.Minute + time.Second, secret: first},
		{name: "b after 61s", after: time.Minute + time.Second, secret: second, wantTouch: true},
		{name: "a after an hour", after: time.Hour, secret: first, wantTouch: true},
		{name: "clock going back", after: 10 * time.Minute, secret: first},
	}
	wantTouches := []touch{}
	for _, st := range steps {
		// Steps share one service and run in order, so they are not parallel.
		t.Run(st.name, func(t *testing.T) {
			at := start.Add(st.after)
			c.Set(at)
			got, err := svc.Authenticate(ctx, st.secret)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if st.wantTouch {
				wantTouches = append(wantTouches, touch{id: got.ID, at: at})
				if got.LastUsedAt == nil || !got.LastUsedAt.Equal(at) {
					t.Errorf("LastUsedAt = %v, want %s", got.LastUsedAt, at)
				}
			}
			touches := store.touched()
			if len(touches) != len(wantTouches) {
				t.Fatalf("touches = %v, want %v", touches, wantTouches)
			}
			for i := range wantTouches {
				if touches[i].id != wantTouches[i].id || !touches[i].at.Equal(wantTouches[i].at) {
					t.Fatalf("touches = %v, want %v", touches, wantTouches)
				}
			}
		})
	}
	if a.ID == b.ID {
		t.Fatalf("both tokens have id %d", a.ID)
	}
}

func TestServiceAuthenticateConcurrentTouchOnce(t *testing.T) {
	t.Parallel()
	svc, store, _ := newService()
	secret, _, err := svc.Create(context.Background(), "busy")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := svc.Authenticate(context.Background(), secret); err != nil {
				t.Errorf("Authenticate: %v", err)
			}
		})
	}
	wg.Wait()
	if n := len(store.touched()); n != 1 {
		t.Errorf("touched %d times for 50 requests at one instant, want 1", n)
	}
}

func TestServiceAuthenticateTouchFails(t *testing.T) {
	t.Parallel()
	store, c := memory.NewStores(), clock.NewFake(start)
	boom := errors.New("read-only replica")
	svc := auth.New(failTouch{store, boom}, c)
	secret, _, err := svc.Create(context.Background(), "bot")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(context.Background(), secret); !errors.Is(err, boom) {
		t.Fatalf("Authenticate error = %v, want %v", err, boom)
	}
}

func TestServiceRevoke(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		revoke   string
		wantKind core.Kind
	}{
		{name: "by name", revoke: "bot"},
		{name: "name trimmed", revoke: "  bot "},
		{name: "unknown", revoke: "other", wantKind: core.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc, _, c := newService()
			ctx := context.Background()
			secret, _, err := svc.Create(ctx, "bot")
			if err != nil {
				t.Fatal(err)
			}
			revokedAt := start.Add(time.Hour)
			c.Set(revokedAt)
			if err := svc.Revoke(ctx, tt.revoke); core.KindOf(err) != tt.wantKind {
				t.Fatalf("Revoke error = %v, want kind %q", err, tt.wantKind)
			}
			list, err := svc.List(ctx)
			if err != nil || len(list) != 1 {
				t.Fatalf("List = %v, %v; want one token", list, err)
			}
			_, authErr := svc.Authenticate(ctx, secret)
			if tt.wantKind != "" {
				if list[0].RevokedAt != nil || authErr != nil {
					t.Errorf("token revoked = %v, auth error = %v; want untouched", list[0].RevokedAt, authErr)
				}
				return
			}
			if list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(revokedAt) {
				t.Errorf("RevokedAt = %v, want %s", list[0].RevokedAt, revokedAt)
			}
			if core.KindOf(authErr) != core.Unauthorized {
				t.Errorf("Authenticate after revoke error = %v, want unauthorized", authErr)
			}
		})
	}
}
