// Package kernel is the microkernel of the tenant-side API. Features
// (customers, invoices, …) are modules that give the kernel their name,
// tenant tables, routes and the quota resources they count. The kernel
// derives the resource catalog from them (Resources, Tables) and wraps every
// route in its policy (Endpoints): the resolved tenant and user, the role
// check, the limits that apply, the quota a charged create reserves and the
// threshold events it crosses. The HTTP adapter only mounts the endpoints
// under /api/v2 (and /api/v1, for the routes of the FinCRM API of seed 003)
// and answers in the envelope.
//
// A module is written against this package and the core only: it never sees
// Gin, GORM or a database handle. It persists through ports implemented in
// adapters/ and handed to it by cmd/saasd.
package kernel

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"slices"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/ports"
)

// Module is a tenant-side feature.
type Module interface {
	// Name is unique: the route prefix. A
	// resource the module counts is counted in the tenant table of this name.
	Name() string
	// Resources lists the quota resources the module counts, e.g. "invoices".
	Resources() []core.Resource
	// Migrations holds the module's tenant tables: mysql/*.sql and
	// sqlite/*.sql goose migrations, named with a timestamp version that no
	// other module uses (20261126000100_customers.sql). Nil for none.
	Migrations() fs.FS
	// Routes are mounted under /api/v2/<Name>, or under /api/v1 for
	// routes whose API is V1.
	Routes() []Route
}

// The APIs a route can belong to.
const (
	// V2 is the tenant API of saasd: every route of a module is below
	// /api/v2/<Name>.
	V2 = "v2"
	// V1 is the FinCRM API of seed 003: its paths are the seed's own, below
	// /api/v1 and not prefixed by the module's name ("/companies/:slug",
	// "/auth/company"), so one module may serve several of them and the
	// v1 view of a table another module shares with its v2 view.
	V1 = "v1"
)

// Route is one endpoint of a module.
type Route struct {
	Method string // GET, POST, PUT or DELETE
	// API is V2 (or "") or V1; it decides what Path is below.
	API string
	// Path is below /api/v2/<Name> ("" or "/:id") for V2 routes and below
	// /api/v1 ("/companies/:slug") for V1 routes.
	Path    string
	Charges core.Resource
	// AdminOnly restricts the route to tenant users with the admin role.
	AdminOnly bool
	// Public lets a request with no signed-in user through (the reads seed
	// 003 documents without an Authorization header); a token that is sent
	// is still checked, and the user it names is in the context.
	Public bool
	// Status is the success status; 200 when zero.
	Status int
	// Message is the success message of the envelope.
	Message string
	// Emits lists the tenant events the handler may announce with Emit
	// ("customer.created"); they make the catalog tenant webhooks
	// subscribe to (Kernel.Events).
	Emits []string
	// Body and Query describe, for documents such as OpenAPI, the body
	// fields and query parameters the route takes (name, type, required,
	// enum values) when they are not simply its module's schema; the
	// handler still checks its input itself. Nil: not described.
	Body, Query []core.Field
	Handle      func(ctx context.Context, in Input) (any, error)
	// Doc describes the route in the API document.
	Doc Doc
}

// Doc describes a route for the API document the HTTP edge generates, so
// that the document comes from the routes themselves.
type Doc struct {
	Summary string
	// Record is the record the route answers and, on POST and PUT, takes.
	Record *core.Schema
	// List: the route answers a page of Records, selected by page, limit,
	// search and the Record's filters.
	List bool
	// Request and Response are values of the Go types of the body and of
	// the answer's data, where Record does not describe them; nil: none.
	Request, Response any
}

// Input is a request as a module sees it.
type Input interface {
	Param(name string) string
	Query(name string) string
	// Bind decodes the JSON body into dst; numbers decode as json.Number.
	Bind(dst any) error
}

// Page is a list answer: the adapter writes Data as "data" and Meta as
// "meta" beside it.
type Page struct {
	Data []any
	Meta PageMeta
}

// PageMeta describes a page of a list.
type PageMeta struct {
	CurrentPage  int   `json:"current_page"`
	TotalPages   int   `json:"total_pages"`
	TotalRecords int64 `json:"total_records"`
}

// Deps are what the kernel's policy needs.
type Deps struct {
	Plans  ports.PlanStore // the limits of a tenant that has no override
	Outbox ports.Outbox    // where quota.threshold events go; nil: none
	Clock  ports.Clock
	// Report is told of a failure that must not fail the request it
	// happened in (a threshold event that could not be written after the
	// create committed); nil drops it.
	Report func(ctx context.Context, err error)
}

// Kernel is the registry of modules and the policy around every module
// route: the resolved tenant and user → role check → the limits that apply
// → the quota reserved by a charged create → threshold events.
type Kernel struct {
	deps    Deps
	modules []Module
	names   map[string]bool
}

// New returns an empty kernel.
func New(d Deps) *Kernel { return &Kernel{deps: d, names: map[string]bool{}} }

// Register adds m. Like sql.Register, it panics on nil, on a duplicate
// name, and on a route the kernel cannot mount, so that wiring mistakes
// stop the program at start.
func (k *Kernel) Register(m Module) {
	if m == nil {
		panic("kernel: Register of a nil module")
	}
	name := m.Name()
	if name == "" || k.names[name] {
		panic(fmt.Sprintf("kernel: Register called twice for module %q (or with no name)", name))
	}
	for _, r := range m.Routes() {
		if r.API != "" && r.API != V1 && r.API != V2 {
			panic(fmt.Sprintf("kernel: module %s: route %s %s: unknown API %q", name, r.Method, r.Path, r.API))
		}
		switch r.Method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete:
		default:
			panic(fmt.Sprintf("kernel: module %s: route %s %s: unsupported method", name, r.Method, r.Path))
		}
		if r.Handle == nil {
			panic(fmt.Sprintf("kernel: module %s: route %s %s has no handler", name, r.Method, r.Path))
		}
	}
	k.names[name] = true
	k.modules = append(k.modules, m)
}

// Modules returns the registered modules in registration order.
func (k *Kernel) Modules() []Module { return k.modules }

// TenantSchema is one module's tenant tables: an fs.FS with mysql/*.sql and
// sqlite/*.sql goose migrations. Versions are global across modules (name
// files with a timestamp: 20261126000100_customers.sql); every tenant
// database applies all modules' files in version order.
type TenantSchema struct {
	Module     string
	Migrations fs.FS
}

// Schemas returns the tenant migrations of every module, to be applied to
// each new tenant database after base.
func (k *Kernel) Schemas(base ...TenantSchema) []TenantSchema {
	out := append([]TenantSchema(nil), base...)
	for _, m := range k.modules {
		if fsys := m.Migrations(); fsys != nil {
			out = append(out, TenantSchema{Module: m.Name(), Migrations: fsys})
		}
	}
	return out
}

// Resources is the catalog of quota resources: every resource a registered
// module counts, in registration order. Plans may limit these and no others.
func (k *Kernel) Resources() quota.Catalog {
	var rs []core.Resource
	for _, m := range k.modules {
		rs = append(rs, m.Resources()...)
	}
	return quota.NewCatalog(rs...)
}

// Tables maps each counted resource to the tenant table whose rows are its usage.
func (k *Kernel) Tables() map[core.Resource]string {
	out := map[core.Resource]string{}
	for _, m := range k.modules {
		for _, r := range m.Resources() {
			out[r] = m.Name()
		}
	}
	return out
}

// Events is the catalog of tenant events: every event a registered
// module's route may announce, sorted.
func (k *Kernel) Events() []string {
	var out []string
	for _, m := range k.modules {
		for _, r := range m.Routes() {
			for _, e := range r.Emits {
				if !slices.Contains(out, e) {
					out = append(out, e)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

type emitterKey struct{}

// emitter gathers the events of one request until its handler succeeded.
type emitter struct {
	allowed []string
	events  []core.Event
}

// Emit announces a tenant event from a route handler: once the handler
// returns without error, the kernel writes it to the outbox with the
// tenant's ID, and the tenant's webhooks that subscribe to typ receive it.
// typ must be one of the route's Emits; anything else is a wiring mistake
// and panics, like Register.
func Emit(ctx context.Context, typ string, data map[string]any) {
	em, _ := ctx.Value(emitterKey{}).(*emitter)
	if em == nil || !slices.Contains(em.allowed, typ) {
		panic(fmt.Sprintf("kernel: Emit(%q) from a route that does not list it in Emits", typ))
	}
	em.events = append(em.events, core.Event{Type: typ, Scope: core.ScopeTenant, Data: data})
}

// Endpoint is a module route as the HTTP edge mounts it: Path is below
// /api/<API> ("/customers/:id" below /api/v2), and Serve applies the
// kernel's policy before the module's handler. Serve needs a context that
// carries the resolved tenant (core.WithTenant) and, unless Public, the
// signed-in user (core.WithUser).
type Endpoint struct {
	Method string
	API    string // V2 or V1
	Path   string
	// Public endpoints take requests with no signed-in user.
	Public  bool
	Module  string // the module that serves it
	Charges core.Resource
	// Body and Query are the route's descriptions (Route.Body, Route.Query).
	Body, Query []core.Field
	Status      int // the success status
	Message     string
	Serve       func(ctx context.Context, in Input) (any, error)
	// Doc and AdminOnly are the route's, for the API document.
	Doc       Doc
	AdminOnly bool
}

// Endpoints returns every module route wrapped in the kernel's policy. Like
// Register, it panics on a wiring mistake: a route that charges a resource
// no registered module counts.
func (k *Kernel) Endpoints() []Endpoint {
	catalog := k.Resources()
	var out []Endpoint
	for _, m := range k.modules {
		for _, r := range m.Routes() {
			if r.Charges != "" && !catalog.Has(r.Charges) {
				panic(fmt.Sprintf("kernel: module %s charges %q, which no registered module counts", m.Name(), r.Charges))
			}
			status := r.Status
			if status == 0 {
				status = http.StatusOK
			}
			ep := Endpoint{Method: r.Method, API: V2, Path: "/" + m.Name() + r.Path, Public: r.Public, Module: m.Name(),
				Charges: r.Charges, Body: r.Body, Query: r.Query, Status: status, Message: r.Message, Serve: k.serve(r),
				Doc: r.Doc, AdminOnly: r.AdminOnly}
			if r.API == V1 {
				ep.API, ep.Path = V1, r.Path
			}
			out = append(out, ep)
		}
	}
	return out
}

// serve wraps one route in the policy.
func (k *Kernel) serve(r Route) func(context.Context, Input) (any, error) {
	return func(ctx context.Context, in Input) (any, error) {
		t, ok := core.TenantFrom(ctx)
		if !ok {
			return nil, core.Errorf(core.NotFound, "tenant not found")
		}
		u, ok := core.UserFrom(ctx)
		if !ok && !r.Public {
			return nil, core.Errorf(core.Unauthorized, "sign in first")
		}
		if r.AdminOnly && core.CanonicalRole(u.Role) != core.RoleAdmin {
			return nil, core.Errorf(core.Forbidden, "only admins may do this")
		}
		if r.Charges != "" {
			limits, err := k.limits(ctx, t)
			if err != nil {
				return nil, err
			}
			q := quota.Quota{Resource: r.Charges, Limit: limits.Of(r.Charges)}
			q.Counted = k.thresholds(ctx, t, q)
			ctx = quota.With(ctx, q)
		}
		if len(r.Emits) == 0 {
			return r.Handle(ctx, in)
		}
		em := &emitter{allowed: r.Emits}
		out, err := r.Handle(context.WithValue(ctx, emitterKey{}, em), in)
		if err == nil {
			k.announce(ctx, t, em.events)
		}
		return out, err
	}
}

// announce writes a request's tenant events to the outbox. Like
// thresholds, they are written just after the change committed in the
// tenant's database, outside its transaction: an outbox that cannot be
// written is reported and does not fail a request that did its work.
func (k *Kernel) announce(ctx context.Context, t core.Tenant, events []core.Event) {
	if k.deps.Outbox == nil || len(events) == 0 {
		return
	}
	now := k.deps.Clock.Now()
	for i := range events {
		events[i].TenantID, events[i].At = t.ID, now
	}
	if err := k.deps.Outbox.Append(context.WithoutCancel(ctx), events...); err != nil && k.deps.Report != nil {
		k.deps.Report(ctx, fmt.Errorf("tenant events: %w", err))
	}
}

// limits are the tenant's own, where the operator set an override, or its
// plan's.
func (k *Kernel) limits(ctx context.Context, t core.Tenant) (core.Limits, error) {
	if t.Limits != nil {
		return t.Limits, nil
	}
	plan, err := k.deps.Plans.Plan(ctx, t.PlanID)
	if err != nil {
		return nil, fmt.Errorf("limits of tenant %d: %w", t.ID, err)
	}
	return plan.Limits, nil
}

// thresholds announces quota.threshold when a create takes a tenant to one
// of quota.Thresholds. The rows live in the tenant's database and the outbox
// in the control one, so the event is written just after the create commits
// rather than in its transaction.
func (k *Kernel) thresholds(ctx context.Context, t core.Tenant, q quota.Quota) func(before, after int64) {
	if k.deps.Outbox == nil {
		return nil
	}
	return func(before, after int64) {
		for _, pct := range q.Crossed(before, after, quota.Thresholds...) {
			e := core.NewEvent(core.EventQuotaThreshold, t.ID, k.deps.Clock.Now(), map[string]any{
				"resource": string(q.Resource), "threshold": pct, "used": after, "limit": q.Limit,
			})
			if err := k.deps.Outbox.Append(context.WithoutCancel(ctx), e); err != nil && k.deps.Report != nil {
				k.deps.Report(ctx, fmt.Errorf("quota threshold event: %w", err))
			}
		}
	}
}
