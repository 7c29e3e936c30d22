// The ports of core/auth: superadmin API tokens.
package ports

import (
	"context"
	"time"

	"github.com/saasd/saasd/core"
)

// TokenStore keeps superadmin API tokens; it never sees a secret, only its hash.
type TokenStore interface {
	// CreateToken inserts t with the hash of its secret. Returns core.Conflict
	// if the name is taken by a token that is not revoked.
	CreateToken(ctx context.Context, t *core.APIToken, hash []byte) error
	// TokenByHash returns the live (not revoked) token with that hash. Returns core.NotFound.
	TokenByHash(ctx context.Context, hash []byte) (core.APIToken, error)
	// Tokens returns every token, revoked ones included.
	Tokens(ctx context.Context) ([]core.APIToken, error)
	// RevokeToken revokes the live token with that name. Returns core.NotFound.
	RevokeToken(ctx context.Context, name string, at time.Time) error
	// TouchToken records that the token was used at the given time.
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// SessionStore keeps console sessions. A session stands for the API token it
// was made with and is found by the hash of its id; the id itself is never
// stored.
type SessionStore interface {
	// CreateSession stores a session for token tokenID that ends at expires.
	CreateSession(ctx context.Context, hash []byte, tokenID int64, created, expires time.Time) error
	// SessionToken returns the token of the session with that hash when the
	// session has not ended by now and the token is live (not revoked).
	// Returns core.NotFound.
	SessionToken(ctx context.Context, hash []byte, now time.Time) (core.APIToken, error)
	// DeleteSession ends the session with that hash; an unknown one is no error.
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteExpiredSessions removes the sessions that ended before now.
	DeleteExpiredSessions(ctx context.Context, now time.Time) error
}
