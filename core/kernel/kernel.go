// Package kernel is the microkernel of the tenant-side API. Features
// (customers, invoices, …) are modules that give the kernel their name,
// tenant tables, routes and the quota resources they count; the kernel owns
// tenancy, authentication, rate limits, quotas and routing, and the HTTP
// adapter mounts every module under /api/v2/<Name> with one envelope.
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

	"github.com/saasd/saasd/core"
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
	// Routes are mounted under /api/v2/<Name>.
	Routes() []Route
}

// Route is one endpoint of a module.
type Route struct {
	Method  string // GET, POST, PUT or DELETE
	Path    string // below /api/v2/<Name>: "" or "/:id"
	Charges core.Resource
	// AdminOnly restricts the route to tenant users with the admin role.
	AdminOnly bool
	// Status is the success status; 200 when zero.
	Status int
	// Message is the success message of the envelope.
	Message string
	Handle  func(ctx context.Context, in Input) (any, error)
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

// Kernel is the registry of modules.
type Kernel struct {
	modules []Module
	names   map[string]bool
}

// New returns an empty kernel.
func New() *Kernel { return &Kernel{names: map[string]bool{}} }

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
		switch r.Method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete:
		default:
			panic(fmt.Sprintf("kernel: module %s: route %s %s: unsupported method", name, r.Method, r.Path))
		}
		if r.Handle == nil {
			panic(fmt.Sprintf("kernel: module %s: route %s %s has no handler", name, r.Method, r.Path))
		}
		if r.Charges != "" && !core.IsResource(r.Charges) {
			panic(fmt.Sprintf("kernel: module %s charges unknown resource %q", name, r.Charges))
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
