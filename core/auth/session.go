package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// SessionPrefix starts every console session id.
const SessionPrefix = "saasds_"

// DefaultSessionTTL is how long a console session lasts when no TTL is given.
const DefaultSessionTTL = 12 * time.Hour

// Option configures a Service.
type Option func(*Service)

// WithSessions lets tokens be exchanged for console sessions kept in store,
// each lasting ttl (DefaultSessionTTL when ttl <= 0).
func WithSessions(store ports.SessionStore, ttl time.Duration) Option {
	return func(s *Service) {
		if ttl <= 0 {
			ttl = DefaultSessionTTL
		}
		s.sessions, s.sessionTTL = store, ttl
	}
}

// Session is a console sign-in: the id goes into a cookie, the CSRF token
// into a header of every change the console makes.
type Session struct {
	ID        string
	CSRF      string
	Token     core.APIToken
	ExpiresAt time.Time
}

// SignIn exchanges a live API token for a new console session. Returns
// core.Unauthorized, or core.Unavailable when sessions are not configured.
func (s *Service) SignIn(ctx context.Context, secret string) (Session, error) {
	if s.sessions == nil {
		return Session{}, core.Errorf(core.Unavailable, "console sessions are not configured")
	}
	t, err := s.Authenticate(ctx, secret)
	if err != nil {
		return Session{}, err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return Session{}, err
	}
	id := SessionPrefix + base64.RawURLEncoding.EncodeToString(buf)
	now := s.clock.Now()
	// Sign-ins are rare: a good time to forget the sessions that ended.
	if err := s.sessions.DeleteExpiredSessions(ctx, now); err != nil {
		return Session{}, err
	}
	expires := now.Add(s.sessionTTL)
	if err := s.sessions.CreateSession(ctx, Hash(id), t.ID, now, expires); err != nil {
		return Session{}, err
	}
	return Session{ID: id, CSRF: CSRFToken(id), Token: t, ExpiresAt: expires}, nil
}

// AuthenticateSession returns the token behind a live session. The store
// checks the token too, so revoking a token ends its sessions at once.
// Returns core.Unauthorized.
func (s *Service) AuthenticateSession(ctx context.Context, id string) (core.APIToken, error) {
	if s.sessions == nil || !strings.HasPrefix(id, SessionPrefix) || len(id) > 200 {
		return core.APIToken{}, core.Errorf(core.Unauthorized, "invalid or expired console session; sign in again")
	}
	t, err := s.sessions.SessionToken(ctx, Hash(id), s.clock.Now())
	if core.KindOf(err) == core.NotFound {
		return core.APIToken{}, core.Errorf(core.Unauthorized, "invalid or expired console session; sign in again")
	}
	return t, err
}

// SignOut ends a session; an unknown one is no error.
func (s *Service) SignOut(ctx context.Context, id string) error {
	if s.sessions == nil || id == "" {
		return nil
	}
	return s.sessions.DeleteSession(ctx, Hash(id))
}

// CSRFToken is the token a session's changes must carry. It is derived
// from the session id, which only the cookie holds, so it needs no storage
// and a page of another origin can neither read nor compute it.
func CSRFToken(sessionID string) string {
	m := hmac.New(sha256.New, []byte(sessionID))
	m.Write([]byte("saasd console csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports whether csrf is the CSRF token of the session, in
// constant time. Returns core.Forbidden when it is not.
func CheckCSRF(sessionID, csrf string) error {
	if csrf == "" || !hmac.Equal([]byte(csrf), []byte(CSRFToken(sessionID))) {
		return core.Errorf(core.Forbidden, "missing or wrong X-CSRF-Token header: a console session's changes must carry the token its sign-in answered")
	}
	return nil
}
