// The ports of core/account: a tenant's users, their passwords and sessions,
// kept in the tenant's own database.
package ports

import (
	"context"
	"time"

	"github.com/saasd/saasd/core"
)

// UserStore keeps a tenant's users' credentials and sessions in the
// tenant's own database.
type UserStore interface {
	// CreateUser inserts a user with a password hash and sets its ID.
	// Returns core.Conflict if the email is taken.
	CreateUser(ctx context.Context, t core.Tenant, u *core.User, passwordHash string) error
	// UserByEmail returns a user and the hash of their password. Returns core.NotFound.
	UserByEmail(ctx context.Context, t core.Tenant, email string) (core.User, string, error)
	// CreateSession stores the hash of a new session token for a user.
	CreateSession(ctx context.Context, t core.Tenant, userID int64, hash []byte, expires time.Time) error
	// UserBySession returns the user of a live session. Returns core.NotFound.
	UserBySession(ctx context.Context, t core.Tenant, hash []byte, now time.Time) (core.User, error)
	// DeleteSession ends a session; an unknown one is no error.
	DeleteSession(ctx context.Context, t core.Tenant, hash []byte) error
}

// PasswordHasher hashes and checks passwords with a slow, salted hash.
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Compare returns core.Unauthorized when password does not match hash.
	Compare(hash, password string) error
}

// APIKeyStore keeps a tenant's API keys in the tenant's own database: only
// the hash of each secret, as for sessions.
type APIKeyStore interface {
	// CreateAPIKey stores k with the hash of its secret and sets its ID.
	CreateAPIKey(ctx context.Context, t core.Tenant, k *core.APIKey, hash []byte) error
	// APIKeys returns every key, revoked ones too, newest first.
	APIKeys(ctx context.Context, t core.Tenant) ([]core.APIKey, error)
	// RevokeAPIKey marks a key revoked at at; revoking it again changes
	// nothing. Returns core.NotFound.
	RevokeAPIKey(ctx context.Context, t core.Tenant, id int64, at time.Time) error
	// UserByAPIKey returns the live (unrevoked) key of hash and the user it
	// acts for, and notes that it was used at now. Returns core.NotFound.
	UserByAPIKey(ctx context.Context, t core.Tenant, hash []byte, now time.Time) (core.User, core.APIKey, error)
}
