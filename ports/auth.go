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
