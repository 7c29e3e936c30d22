// The ports of the caches that decorate the control-database and tenant
// stores (adapters/cache): how one replica tells the others to drop what
// they cached, and how tenant sessions are read to be cached.
package ports

import (
	"context"
	"time"

	"github.com/saasd/saasd/core"
)

// Invalidator announces to every replica that cached facts changed.
type Invalidator interface {
	// Invalidate tells every replica's caches that what they hold under
	// topic is stale. An error means other replicas may not have heard:
	// their short expiry bounds how long they stay stale.
	Invalidate(ctx context.Context, topic string) error
}

// SessionReader is what the cache of tenant login sessions reads them
// with: an optional capability of a UserStore, found by type assertion.
type SessionReader interface {
	// Session returns the user of the session with that hash and when the
	// session ends, ended or not, so that a cached session never outlives
	// its end. Returns core.NotFound.
	Session(ctx context.Context, t core.Tenant, hash []byte) (core.User, time.Time, error)
}
