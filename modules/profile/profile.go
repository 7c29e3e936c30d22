// Package profile is the tenant-side module of seed 003's GET
// /api/v1/profile: the signed-in user and the tenant they belong to.
package profile

import (
	"context"
	"io/fs"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
)

// Module is the profile module.
type Module struct{}

// New returns the module.
func New() *Module { return &Module{} }

// Name returns "profile".
func (m *Module) Name() string { return "profile" }

// Resources is empty.
func (m *Module) Resources() []core.Resource { return nil }

// Migrations is nil: the user is the kernel's.
func (m *Module) Migrations() fs.FS { return nil }

// Routes returns GET /api/v1/profile.
func (m *Module) Routes() []kernel.Route {
	return []kernel.Route{{Method: "GET", API: kernel.V1, Path: "/profile", Message: "Profile retrieved successfully", Handle: profile}}
}

func profile(ctx context.Context, _ kernel.Input) (any, error) {
	u, _ := core.UserFrom(ctx)
	t, _ := core.TenantFrom(ctx)
	return map[string]any{
		"id": u.ID, "name": u.Name, "email": u.Email, "role": u.Role,
		"tenant": map[string]any{"id": t.ID, "subdomain": t.Subdomain, "company": t.CompanyName, "status": t.Status},
	}, nil
}
