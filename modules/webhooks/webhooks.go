// Package webhooks is the tenant-side webhooks module: a tenant's admins
// register URLs for the tenant's own events (customer.created,
// invoice.created, payment.received, … — kernel.Events). Deliveries are
// signed, retried and logged by the same machinery as the operator's
// webhooks (core/webhook); the signing secret is answered once.
package webhooks

import (
	"context"
	"io/fs"
	"strconv"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
)

// Hooks is what the module needs of the tenant webhook service.
type Hooks interface {
	Register(ctx context.Context, tenantID int64, url string, events []string) (core.Webhook, error)
	List(ctx context.Context, tenantID int64) ([]core.Webhook, error)
	Delete(ctx context.Context, tenantID, id int64) error
}

// Module serves /api/v2/webhooks.
type Module struct{ hooks Hooks }

// New returns the module.
func New(hooks Hooks) *Module { return &Module{hooks: hooks} }

// Name is the route prefix.
func (m *Module) Name() string { return "webhooks" }

// Resources is empty: webhooks count against no plan limit.
func (m *Module) Resources() []core.Resource { return nil }

// Migrations is nil: webhooks live in the control database, beside the
// outbox that feeds them.
func (m *Module) Migrations() fs.FS { return nil }

// Routes are register, list and delete, for admins only.
func (m *Module) Routes() []kernel.Route {
	return []kernel.Route{
		{Method: "POST", Path: "", AdminOnly: true, Status: 201, Message: "Webhook created: store its secret now, it is not shown again", Handle: m.create,
			Doc: kernel.Doc{Summary: "Register a webhook for this tenant's events (its secret is answered once)", Request: createRequest{}, Response: map[string]any{}}},
		{Method: "GET", Path: "", AdminOnly: true, Message: "Webhooks retrieved successfully", Handle: m.list,
			Doc: kernel.Doc{Summary: "This tenant's webhooks", Response: []map[string]any{}}},
		{Method: "DELETE", Path: "/:id", AdminOnly: true, Message: "Webhook deleted successfully", Handle: m.delete,
			Doc: kernel.Doc{Summary: "Delete one of this tenant's webhooks"}},
	}
}

func tenantID(ctx context.Context) int64 {
	t, _ := core.TenantFrom(ctx)
	return t.ID
}

// createRequest is the body of a webhook registration.
type createRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

func (m *Module) create(ctx context.Context, in kernel.Input) (any, error) {
	var req createRequest
	if err := in.Bind(&req); err != nil {
		return nil, err
	}
	w, err := m.hooks.Register(ctx, tenantID(ctx), req.URL, req.Events)
	if err != nil {
		return nil, err
	}
	out := present(w)
	out["secret"] = w.Secret
	return out, nil
}

func (m *Module) list(ctx context.Context, _ kernel.Input) (any, error) {
	hooks, err := m.hooks.List(ctx, tenantID(ctx))
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(hooks))
	for i, w := range hooks {
		out[i] = present(w)
	}
	return out, nil
}

func (m *Module) delete(ctx context.Context, in kernel.Input) (any, error) {
	id, err := strconv.ParseInt(in.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, core.Errorf(core.NotFound, "webhook not found")
	}
	return nil, m.hooks.Delete(ctx, tenantID(ctx), id)
}

// present is a webhook as answered, without its secret.
func present(w core.Webhook) map[string]any {
	return map[string]any{"id": w.ID, "url": w.URL, "events": w.Events, "created_at": w.CreatedAt.UTC().Format(time.RFC3339)}
}
