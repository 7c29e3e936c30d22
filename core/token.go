package core

import (
	"context"
	"time"
)

// APIToken is a superadmin API token. Only a hash of its secret is stored.
type APIToken struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

type actorKey struct{}

// WithActor returns ctx carrying the token that authenticated the request.
func WithActor(ctx context.Context, t APIToken) context.Context {
	return context.WithValue(ctx, actorKey{}, t)
}

// ActorFrom returns the token that authenticated the request in ctx.
func ActorFrom(ctx context.Context) (APIToken, bool) {
	t, ok := ctx.Value(actorKey{}).(APIToken)
	return t, ok
}
