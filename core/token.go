package core

import (
	"context"
	"strings"
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

// Roles of tenant users, as seed 004 names them. RoleAdmin is what is
// stored and answered; "admin", its name before, is accepted as an alias
// (RoleAliases) wherever a role is read.
const (
	RoleAdmin = "administrator"
	RoleStaff = "staff"
)

// RoleAliases maps other accepted spellings of a role to the stored one.
var RoleAliases = map[string]string{"admin": RoleAdmin}

// CanonicalRole returns the stored name of role, resolving aliases and case;
// an unknown role is returned as it is.
func CanonicalRole(role string) string {
	r := strings.ToLower(strings.TrimSpace(role))
	if alias, ok := RoleAliases[r]; ok {
		return alias
	}
	if r == RoleAdmin || r == RoleStaff {
		return r
	}
	return role
}

// APIKey is a tenant's API key: a long-lived secret used as a Bearer token
// instead of a session. It acts for the user who made it, with Role at
// most. Only a hash of its secret is stored.
type APIKey struct {
	ID         int64
	Name       string
	Hint       string // the secret's first characters, to tell keys apart
	UserID     int64
	Role       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// User is a person who signs in to a tenant's own API.
type User struct {
	ID    int64
	Name  string
	Email string
	Role  string
}

type tenantKey struct{}
type userKey struct{}

// WithTenant returns ctx carrying the tenant a tenant-side request is for.
func WithTenant(ctx context.Context, t Tenant) context.Context {
	return context.WithValue(ctx, tenantKey{}, t)
}

// TenantFrom returns the tenant of a tenant-side request.
func TenantFrom(ctx context.Context) (Tenant, bool) {
	t, ok := ctx.Value(tenantKey{}).(Tenant)
	return t, ok
}

// WithUser returns ctx carrying the signed-in tenant user.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the signed-in tenant user.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey{}).(User)
	return u, ok
}

type sessionKey struct{}

// WithSession returns ctx carrying the hash of the session token a
// tenant-side request came with, so that a password change can end the
// user's other sessions and keep this one.
func WithSession(ctx context.Context, hash []byte) context.Context {
	return context.WithValue(ctx, sessionKey{}, hash)
}

// SessionFrom returns the hash of the request's session token, if any.
func SessionFrom(ctx context.Context) []byte {
	h, _ := ctx.Value(sessionKey{}).([]byte)
	return h
}
