// The port of the caches that decorate the control-database stores
// (adapters/cache): how one replica tells the others to drop what they
// cached.
package ports

import "context"

// Invalidator announces to every replica that cached facts changed.
type Invalidator interface {
	// Invalidate tells every replica's caches that what they hold under
	// topic is stale. An error means other replicas may not have heard:
	// their short expiry bounds how long they stay stale.
	Invalidate(ctx context.Context, topic string) error
}
