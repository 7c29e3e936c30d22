package auth_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/auth"
	"github.com/saasd/saasd/ports"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type touch struct {
	id int64
	at time.Time
}

type storedToken struct {
	token core.APIToken
	hash  []byte
}

// fakeTokens is an in-memory ports.TokenStore that keeps what it was given.
type fakeTokens struct {
	mu       sync.Mutex
	tokens   []storedToken
	touches  []touch
	calls    int
	createEr error
	lookupEr error
	touchErr error
}

func (f *fakeTokens) CreateToken(_ context.Context, t *core.APIToken, hash []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.createEr != nil {
		return f.createEr
	}
	t.ID = int64(len(f.tokens) + 1)
	f.tokens = append(f.tokens, storedToken{token: *t, hash: bytes.Clone(hash)})
	return nil
}

func (f *fakeTokens) TokenByHash(_ context.Context, hash []byte) (core.APIToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.lookupEr != nil {
		return core.APIToken{}, f.lookupEr
	}
	for _, s := range f.tokens {
		if s.token.RevokedAt == nil && bytes.Equal(s.hash, hash) {
			return s.token, nil
		}
	}
	return core.APIToken{}, core.Errorf(core.NotFound, "token not found")
}

func (f *fakeTokens) Tokens(context.Context) ([]core.APIToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	out := make([]core.APIToken, len(f.tokens))
	for i, s := range f.tokens {
		out[i] = s.token
	}
	return out, nil
}

func (f *fakeTokens) RevokeToken(_ context.Context, name string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	for i, s := range f.tokens {
		if s.token.Name == name && s.token.RevokedAt == nil {
			f.tokens[i].token.RevokedAt = &at
			return nil
		}
	}
	return core.Errorf(core.NotFound, "token not found")
}

func (f *fakeTokens) TouchToken(_ context.Context, id int64, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.touches = append(f.touches, touch{id: id, at: at})
	if f.touchErr != nil {
		return f.touchErr
	}
	for i, s := range f.tokens {
		if s.token.ID == id {
			f.tokens[i].token.LastUsedAt = &at
		}
	}
	return nil
}

func (f *fakeTokens) touchCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.touches)
}

var _ ports.TokenStore = (*fakeTokens)(nil)

// clock is a settable ports.Clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func newService() (*auth.Service, *fakeTokens, *clock) {
	store, c := &fakeTokens{}, &clock{now: start}
	return auth.New(store, c), store, c
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
				if secret != "" || store.calls != 0 {
					t.Errorf("secret %q, store calls %d; want neither", secret, store.calls)
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
			if len(store.tokens) != 1 {
				t.Fatalf("stored %d tokens, want 1", len(store.tokens))
			}
			hash := store.tokens[0].hash
			if !bytes.Equal(hash, auth.Hash(secret)) {
				t.Errorf("stored hash %x, want auth.Hash(secret) %x", hash, auth.Hash(secret))
			}
			if bytes.Contains(hash, []byte(secret)) || bytes.Contains(hash, []byte(strings.TrimPrefix(secret, auth.TokenPrefix))) {
				t.Error("the stored value contains the secret")
			}
		})
	}
}

func TestServiceCreateSecretsDiffer(t *testing.T) {
	t.Parallel()
	svc, _, _ := newService()
	seen := map[string]bool{}
	for i := range 20 {
		secret, _, err := svc.Create(context.Background(), "bot")
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
	store.createEr = core.Errorf(core.Conflict, "name taken")
	secret, _, err := svc.Create(context.Background(), "bot")
	if core.KindOf(err) != core.Conflict || secret != "" {
		t.Fatalf("Create = %q, %v; want no secret and a conflict", secret, err)
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
			svc, store, _ := newService()
			secret, created, err := svc.Create(context.Background(), "bot")
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if tt.revoke {
				if err := svc.Revoke(context.Background(), "bot"); err != nil {
					t.Fatalf("Revoke: %v", err)
				}
			}
			store.lookupEr = tt.lookupEr
			got, err := svc.Authenticate(context.Background(), tt.secret(secret))
			if core.KindOf(err) != tt.wantKind {
				t.Fatalf("Authenticate error = %v, want kind %q", err, tt.wantKind)
			}
			if err != nil {
				if tt.wantKind == core.Unauthorized && core.MessageOf(err) != "invalid API token" {
					t.Errorf("message = %q, want %q", core.MessageOf(err), "invalid API token")
				}
				if store.touchCount() != 0 {
					t.Errorf("touched %d times after a refused token", store.touchCount())
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
			c.set(at)
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
			store.mu.Lock()
			defer store.mu.Unlock()
			if len(store.touches) != len(wantTouches) {
				t.Fatalf("touches = %v, want %v", store.touches, wantTouches)
			}
			for i := range wantTouches {
				if store.touches[i].id != wantTouches[i].id || !store.touches[i].at.Equal(wantTouches[i].at) {
					t.Fatalf("touches = %v, want %v", store.touches, wantTouches)
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
	if n := store.touchCount(); n != 1 {
		t.Errorf("touched %d times for 50 requests at one instant, want 1", n)
	}
}

func TestServiceAuthenticateTouchFails(t *testing.T) {
	t.Parallel()
	svc, store, _ := newService()
	secret, _, err := svc.Create(context.Background(), "bot")
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("read-only replica")
	store.touchErr = boom
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
			c.set(revokedAt)
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
