package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/auth"
)

func TestSessions(t *testing.T) {
	ctx := context.Background()
	store, c := memory.NewStores(), clock.NewFake(start)
	svc := auth.New(store, c, auth.WithSessions(store, time.Hour))
	secret, tok, err := svc.Create(ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}

	_, err = svc.SignIn(ctx, "saasd_wrong")
	if core.KindOf(err) != core.Unauthorized {
		t.Fatalf("sign-in with a wrong token: %v", err)
	}
	s, err := svc.SignIn(ctx, secret)
	if err != nil || !strings.HasPrefix(s.ID, auth.SessionPrefix) || s.CSRF == "" || s.Token.ID != tok.ID || !s.ExpiresAt.Equal(start.Add(time.Hour)) {
		t.Fatalf("SignIn = %+v, %v", s, err)
	}
	if got, err := svc.AuthenticateSession(ctx, s.ID); err != nil || got.ID != tok.ID {
		t.Fatalf("AuthenticateSession = %+v, %v", got, err)
	}
	if auth.CheckCSRF(s.ID, s.CSRF) != nil || core.KindOf(auth.CheckCSRF(s.ID, "x")) != core.Forbidden ||
		core.KindOf(auth.CheckCSRF(s.ID, "")) != core.Forbidden {
		t.Fatal("CSRF check wrong")
	}
	other, _ := svc.SignIn(ctx, secret)
	if other.CSRF == s.CSRF {
		t.Fatal("two sessions share a CSRF token")
	}

	for name, id := range map[string]string{"empty": "", "garbage": "nope", "unknown": auth.SessionPrefix + "x"} {
		if _, err := svc.AuthenticateSession(ctx, id); core.KindOf(err) != core.Unauthorized {
			t.Errorf("%s session: %v", name, err)
		}
	}

	if err := svc.SignOut(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateSession(ctx, s.ID); core.KindOf(err) != core.Unauthorized {
		t.Fatalf("signed-out session still works: %v", err)
	}
	if _, err := svc.AuthenticateSession(ctx, other.ID); err != nil {
		t.Fatalf("sign-out ended another session: %v", err)
	}

	c.Advance(time.Hour)
	if _, err := svc.AuthenticateSession(ctx, other.ID); core.KindOf(err) != core.Unauthorized {
		t.Fatalf("expired session still works: %v", err)
	}

	late, err := svc.SignIn(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Revoke(ctx, "ops"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateSession(ctx, late.ID); core.KindOf(err) != core.Unauthorized {
		t.Fatalf("session of a revoked token still works: %v", err)
	}
}

func TestSessionsOff(t *testing.T) {
	store := memory.NewStores()
	svc := auth.New(store, clock.NewFake(start))
	secret, _, _ := svc.Create(context.Background(), "ops")
	if _, err := svc.SignIn(context.Background(), secret); core.KindOf(err) != core.Unavailable {
		t.Fatalf("SignIn without a session store: %v", err)
	}
}
