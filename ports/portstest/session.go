package portstest

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// SessionStores are a token store and the session store beside it, on one database.
type SessionStores struct {
	Tokens   ports.TokenStore
	Sessions ports.SessionStore
}

// TestSessionStore runs the console session contract against stores built
// by open, fresh for every call.
func TestSessionStore(t *testing.T, open func(t *testing.T) SessionStores) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	newToken := func(t *testing.T, s SessionStores, name string) core.APIToken {
		t.Helper()
		tok := core.APIToken{Name: name, CreatedAt: now}
		if err := s.Tokens.CreateToken(ctx, &tok, hash("secret "+name)); err != nil {
			t.Fatal(err)
		}
		return tok
	}

	t.Run("live session finds its token", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tok := newToken(t, s, "ops")
		if err := s.Sessions.CreateSession(ctx, hash("a"), tok.ID, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Sessions.SessionToken(ctx, hash("a"), now.Add(time.Minute))
		if err != nil || got.ID != tok.ID || got.Name != "ops" {
			t.Fatalf("SessionToken = %+v, %v", got, err)
		}
		_, err = s.Sessions.SessionToken(ctx, hash("b"), now)
		wantKind(t, err, core.NotFound)
	})
	t.Run("ended session is gone", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tok := newToken(t, s, "ops")
		if err := s.Sessions.CreateSession(ctx, hash("a"), tok.ID, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		_, err := s.Sessions.SessionToken(ctx, hash("a"), now.Add(time.Hour))
		wantKind(t, err, core.NotFound)
		if err := s.Sessions.DeleteExpiredSessions(ctx, now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		_, err = s.Sessions.SessionToken(ctx, hash("a"), now)
		wantKind(t, err, core.NotFound)
	})
	t.Run("sign-out ends one session", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tok := newToken(t, s, "ops")
		for _, id := range []string{"a", "b"} {
			if err := s.Sessions.CreateSession(ctx, hash(id), tok.ID, now, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Sessions.DeleteSession(ctx, hash("a")); err != nil {
			t.Fatal(err)
		}
		if err := s.Sessions.DeleteSession(ctx, hash("unknown")); err != nil {
			t.Fatalf("deleting an unknown session: %v", err)
		}
		_, err := s.Sessions.SessionToken(ctx, hash("a"), now)
		wantKind(t, err, core.NotFound)
		if _, err := s.Sessions.SessionToken(ctx, hash("b"), now); err != nil {
			t.Fatalf("the other session ended too: %v", err)
		}
	})
	t.Run("revoked token ends its sessions", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tok, other := newToken(t, s, "ops"), newToken(t, s, "other")
		if err := s.Sessions.CreateSession(ctx, hash("a"), tok.ID, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.Sessions.CreateSession(ctx, hash("b"), other.ID, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.Tokens.RevokeToken(ctx, "ops", now); err != nil {
			t.Fatal(err)
		}
		_, err := s.Sessions.SessionToken(ctx, hash("a"), now)
		wantKind(t, err, core.NotFound)
		if got, err := s.Sessions.SessionToken(ctx, hash("b"), now); err != nil || got.ID != other.ID {
			t.Fatalf("other token's session: %+v, %v", got, err)
		}
	})
}
