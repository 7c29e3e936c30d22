// Package apikeys is the tenant-side API keys module: a tenant's admins
// make, list and revoke the keys that programs use as a Bearer token
// instead of a login session. The secret is answered once, at creation;
// only its hash is kept (core/account).
package apikeys

import (
	"context"
	"io/fs"
	"strconv"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
)

// Keys is what the module needs of the account service.
type Keys interface {
	CreateKey(ctx context.Context, t core.Tenant, u core.User, name, role string) (string, core.APIKey, error)
	Keys(ctx context.Context, t core.Tenant) ([]core.APIKey, error)
	RevokeKey(ctx context.Context, t core.Tenant, id int64) error
}

// Module serves /api/v2/api-keys.
type Module struct{ keys Keys }

// New returns the module.
func New(keys Keys) *Module { return &Module{keys: keys} }

// Name is the route prefix.
func (m *Module) Name() string { return "api-keys" }

// Resources is empty: keys count against no plan limit.
func (m *Module) Resources() []core.Resource { return nil }

// Migrations is nil: the api_keys table is the kernel's (core/account
// authenticates with it).
func (m *Module) Migrations() fs.FS { return nil }

// Routes are create, list and revoke, for admins only.
func (m *Module) Routes() []kernel.Route {
	return []kernel.Route{
		{Method: "POST", Path: "", AdminOnly: true, Status: 201, Message: "API key created: store it now, it is not shown again", Handle: m.create,
			Doc: kernel.Doc{Summary: "Create an API key (its secret is answered once)", Request: createRequest{}, Response: map[string]any{}}},
		{Method: "GET", Path: "", AdminOnly: true, Message: "API keys retrieved successfully", Handle: m.list,
			Doc: kernel.Doc{Summary: "This tenant's API keys (without secrets)", Response: []map[string]any{}}},
		{Method: "DELETE", Path: "/:id", AdminOnly: true, Message: "API key revoked", Handle: m.revoke,
			Doc: kernel.Doc{Summary: "Revoke an API key"}},
	}
}

func who(ctx context.Context) (core.Tenant, core.User) {
	t, _ := core.TenantFrom(ctx)
	u, _ := core.UserFrom(ctx)
	return t, u
}

// createRequest is the body of a key creation; role is optional.
type createRequest struct {
	Name string `json:"name"`
	Role string `json:"role,omitempty"`
}

func (m *Module) create(ctx context.Context, in kernel.Input) (any, error) {
	var req createRequest
	if err := in.Bind(&req); err != nil {
		return nil, err
	}
	t, u := who(ctx)
	secret, k, err := m.keys.CreateKey(ctx, t, u, req.Name, req.Role)
	if err != nil {
		return nil, err
	}
	out := present(k)
	out["key"] = secret
	return out, nil
}

func (m *Module) list(ctx context.Context, _ kernel.Input) (any, error) {
	t, _ := who(ctx)
	keys, err := m.keys.Keys(ctx, t)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(keys))
	for i, k := range keys {
		out[i] = present(k)
	}
	return out, nil
}

func (m *Module) revoke(ctx context.Context, in kernel.Input) (any, error) {
	id, err := strconv.ParseInt(in.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, core.Errorf(core.NotFound, "api key not found")
	}
	t, _ := who(ctx)
	return nil, m.keys.RevokeKey(ctx, t, id)
}

// present is a key as answered: never its secret or hash.
func present(k core.APIKey) map[string]any {
	stamp := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return t.UTC().Format(time.RFC3339)
	}
	return map[string]any{
		"id": k.ID, "name": k.Name, "hint": k.Hint, "role": k.Role, "user_id": k.UserID,
		"created_at": k.CreatedAt.UTC().Format(time.RFC3339), "last_used_at": stamp(k.LastUsedAt),
		"revoked_at": stamp(k.RevokedAt), "active": k.RevokedAt == nil,
	}
}
