// Package auth issues, checks and revokes superadmin API tokens.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// TokenPrefix starts every token, so that a leaked one is easy to recognise
// by secret scanners.
const TokenPrefix = "saasd_"

// touchEvery bounds how often last_used_at is written for one token: a busy
// token must not turn every read into a write.
const touchEvery = time.Minute

// Service manages API tokens.
type Service struct {
	tokens ports.TokenStore
	clock  ports.Clock

	mu      sync.Mutex
	touched map[int64]time.Time

	sessions   ports.SessionStore // nil: no console sessions
	sessionTTL time.Duration
}

// New returns an auth service.
func New(tokens ports.TokenStore, clock ports.Clock, opts ...Option) *Service {
	s := &Service{tokens: tokens, clock: clock, touched: map[int64]time.Time{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Create issues a token named name and returns its secret, which is shown
// once and never stored. Returns core.Invalid or core.Conflict.
func (s *Service) Create(ctx context.Context, name string) (string, core.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", core.APIToken{}, core.InvalidFields(map[string]string{"name": "must be 1 to 100 characters"})
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", core.APIToken{}, err
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(buf)
	t := core.APIToken{Name: name, CreatedAt: s.clock.Now()}
	if err := s.tokens.CreateToken(core.WithAudit(ctx, "token.create", "token", "", map[string]any{"name": name}), &t, Hash(secret)); err != nil {
		return "", core.APIToken{}, err
	}
	return secret, t, nil
}

// List returns every token, revoked ones included.
func (s *Service) List(ctx context.Context) ([]core.APIToken, error) {
	return s.tokens.Tokens(ctx)
}

// Revoke revokes the live token named name; it is refused from the next
// request on. Returns core.NotFound.
func (s *Service) Revoke(ctx context.Context, name string) error {
	name = strings.TrimSpace(name)
	return s.tokens.RevokeToken(core.WithAudit(ctx, "token.revoke", "token", "", map[string]any{"name": name}), name, s.clock.Now())
}

// Authenticate returns the live token whose secret is given. The store is
// asked every time, so a token revoked by another process fails at once.
// The lookup is by SHA-256 of the secret: the stored value is never compared
// to the secret byte by byte, so timing reveals nothing about it.
// Returns core.Unauthorized.
func (s *Service) Authenticate(ctx context.Context, secret string) (core.APIToken, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return core.APIToken{}, core.Errorf(core.Unauthorized, "invalid API token")
	}
	t, err := s.tokens.TokenByHash(ctx, Hash(secret))
	if core.KindOf(err) == core.NotFound {
		return core.APIToken{}, core.Errorf(core.Unauthorized, "invalid API token")
	} else if err != nil {
		return core.APIToken{}, err
	}
	now := s.clock.Now()
	s.mu.Lock()
	due := now.Sub(s.touched[t.ID]) >= touchEvery
	if due {
		s.touched[t.ID] = now
	}
	s.mu.Unlock()
	if due {
		if err := s.tokens.TouchToken(ctx, t.ID, now); err != nil {
			return core.APIToken{}, err
		}
		t.LastUsedAt = &now
	}
	return t, nil
}

// Hash returns the SHA-256 of a token secret, the only form that is stored.
func Hash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}
