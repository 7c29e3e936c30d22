// Package crud turns a core.Schema into the list, get, create, update and
// delete routes of a tenant-side module, stored through ports.RecordStore.
package crud

import (
	"context"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/ports"
)

// Paging of tenant-side lists.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Endpoints are the list, get, create, update and delete routes of one schema.
type Endpoints struct {
	Schema *core.Schema
	Store  ports.RecordStore
	Label  string // "Customer": used in messages
	// BeforeWrite may change or refuse a decoded record before it is stored
	// (hash a password, check a rule); raw is the body as sent and create
	// says which write it is.
	BeforeWrite func(ctx context.Context, raw map[string]any, rec core.Record, create bool) error
	AdminOnly   bool // every route needs the admin role
	// SlugFrom names the text field a create makes the record's "slug"
	// field from (see Insert); "" for a schema with no slug.
	SlugFrom string
	// Owner names the field a create sets to the signed-in user's id; ""
	// for none.
	Owner string
	// Events are the tenant events the writes announce to the tenant's
	// webhooks, with the record as answered for data.
	Events Events
}

// Events names the tenant events of a module's writes; "" announces nothing.
type Events struct {
	Created, Updated, Deleted string
	// CreatedBy, when set, names an enum field whose value picks the event
	// of a create instead of Created, through CreatedAs (value -> event):
	// a transaction is a "payment.received" only when it is "Income".
	CreatedBy string
	CreatedAs map[string]string
}

// CreatedEvents lists every event a create may announce.
func (ev Events) CreatedEvents() []string {
	var out []string
	if ev.CreatedBy == "" && ev.Created != "" {
		out = append(out, ev.Created)
	}
	for _, e := range ev.CreatedAs {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return out
}

func one(name string) []string {
	if name == "" {
		return nil
	}
	return []string{name}
}

// AnnounceCreated announces the create of rec (as presented), from a route
// whose Emits are CreatedEvents.
func (r *Endpoints) AnnounceCreated(ctx context.Context, rec map[string]any) {
	name := r.Events.Created
	if r.Events.CreatedBy != "" {
		v, _ := rec[r.Events.CreatedBy].(string)
		name = r.Events.CreatedAs[v]
	}
	if name != "" {
		kernel.Emit(ctx, name, rec)
	}
}

// Routes returns the five CRUD routes.
func (r *Endpoints) Routes() []kernel.Route {
	return []kernel.Route{
		{Method: "GET", Path: "", Handle: r.list, AdminOnly: r.AdminOnly, Message: r.Label + " list retrieved successfully",
			Doc: kernel.Doc{Summary: "List " + r.Label + " records", Record: r.Schema, List: true}},
		{Method: "POST", Path: "", Handle: r.create, Charges: r.Schema.Counts, AdminOnly: r.AdminOnly, Status: 201, Message: r.Label + " created successfully",
			Emits: r.Events.CreatedEvents(), Doc: kernel.Doc{Summary: "Create a " + r.Label + " record", Record: r.Schema}},
		{Method: "GET", Path: "/:id", Handle: r.get, AdminOnly: r.AdminOnly, Message: r.Label + " retrieved successfully",
			Doc: kernel.Doc{Summary: "Get a " + r.Label + " record", Record: r.Schema}},
		{Method: "PUT", Path: "/:id", Handle: r.update, AdminOnly: r.AdminOnly, Message: r.Label + " updated successfully",
			Emits: one(r.Events.Updated), Doc: kernel.Doc{Summary: "Update a " + r.Label + " record (fields sent are changed)", Record: r.Schema}},
		{Method: "DELETE", Path: "/:id", Handle: r.delete, AdminOnly: r.AdminOnly, Message: r.Label + " deleted successfully",
			Emits: one(r.Events.Deleted), Doc: kernel.Doc{Summary: "Delete a " + r.Label + " record"}},
	}
}

func (r *Endpoints) notFound() error {
	return core.Errorf(core.NotFound, "%s not found", strings.ToLower(r.Label))
}

func (r *Endpoints) id(in kernel.Input) (int64, error) {
	id, err := strconv.ParseInt(in.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, r.notFound()
	}
	return id, nil
}

func tenantOf(ctx context.Context) core.Tenant {
	t, _ := core.TenantFrom(ctx)
	return t
}

func (r *Endpoints) list(ctx context.Context, in kernel.Input) (any, error) {
	q, err := ParseQuery(r.Schema, in)
	if err != nil {
		return nil, err
	}
	recs, total, err := r.Store.List(ctx, tenantOf(ctx), r.Schema, q)
	if err != nil {
		return nil, err
	}
	data := make([]any, len(recs))
	for i, rec := range recs {
		data[i] = Present(r.Schema, rec)
	}
	pages := int((total + int64(q.Limit) - 1) / int64(q.Limit))
	return kernel.Page{Data: data, Meta: kernel.PageMeta{CurrentPage: q.Page, TotalPages: pages, TotalRecords: total}}, nil
}

// ParseQuery reads page, limit, search, the schema's filters and
// date_from/date_to. Returns core.Invalid naming each bad parameter.
func ParseQuery(s *core.Schema, in kernel.Input) (core.ListQuery, error) {
	errs := map[string]string{}
	num := func(name string, def, max int) int {
		v := in.Query(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			errs[name] = "must be an integer from 1 to " + strconv.Itoa(max)
		}
		return n
	}
	q := core.ListQuery{Page: num("page", 1, core.MaxPage), Limit: num("limit", DefaultLimit, MaxLimit), Filters: map[string]any{}}
	q.Search = strings.TrimSpace(in.Query("search"))
	if len(q.Search) > 100 {
		errs["search"] = "must be at most 100 characters"
	}
	for _, f := range s.Fields {
		v := in.Query(f.Name)
		if !f.Filter || v == "" {
			continue
		}
		val, err := s.Decode(map[string]any{f.Name: v}, true)
		if err != nil {
			errs[f.Name] = core.FieldsOf(err)[f.Name]
			continue
		}
		q.Filters[f.Name] = val[f.Name]
	}
	if s.DateFilter != "" {
		date := func(name string) *time.Time {
			v := in.Query(name)
			if v == "" {
				return nil
			}
			d, err := core.ParseDate(v)
			if err != nil {
				errs[name] = err.Error()
				return nil
			}
			return &d
		}
		q.DateFrom, q.DateTo = date("date_from"), date("date_to")
	}
	if len(errs) > 0 {
		return core.ListQuery{}, core.InvalidFields(errs)
	}
	return q, nil
}

func (r *Endpoints) get(ctx context.Context, in kernel.Input) (any, error) {
	id, err := r.id(in)
	if err != nil {
		return nil, err
	}
	rec, err := r.Store.Get(ctx, tenantOf(ctx), r.Schema, id)
	if err != nil {
		return nil, r.translate(err)
	}
	return Present(r.Schema, rec), nil
}

// Decode reads and validates a record from the request body.
func (r *Endpoints) Decode(ctx context.Context, raw map[string]any, create bool) (core.Record, error) {
	rec, err := r.Schema.Decode(raw, !create)
	if err != nil {
		return nil, err
	}
	if r.Schema.Items != nil && rec["items"] != nil {
		total, err := core.TotalOf(rec["items"].([]core.Item))
		if err != nil {
			return nil, err
		}
		rec[r.Schema.Total] = total
	}
	if r.BeforeWrite != nil {
		if err := r.BeforeWrite(ctx, raw, rec, create); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

func (r *Endpoints) create(ctx context.Context, in kernel.Input) (any, error) {
	var raw map[string]any
	if err := in.Bind(&raw); err != nil {
		return nil, err
	}
	rec, err := r.Decode(ctx, raw, true)
	if err != nil {
		return nil, err
	}
	out, err := r.Insert(ctx, rec)
	if err != nil {
		return nil, err
	}
	created := Present(r.Schema, out)
	r.AnnounceCreated(ctx, created)
	return created, nil
}

func (r *Endpoints) update(ctx context.Context, in kernel.Input) (any, error) {
	id, err := r.id(in)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := in.Bind(&raw); err != nil {
		return nil, err
	}
	rec, err := r.Decode(ctx, raw, false)
	if err != nil {
		return nil, err
	}
	out, err := r.Store.Update(ctx, tenantOf(ctx), r.Schema, id, rec)
	if err != nil {
		return nil, r.translate(err)
	}
	updated := Present(r.Schema, out)
	if r.Events.Updated != "" {
		kernel.Emit(ctx, r.Events.Updated, updated)
	}
	return updated, nil
}

func (r *Endpoints) delete(ctx context.Context, in kernel.Input) (any, error) {
	id, err := r.id(in)
	if err != nil {
		return nil, err
	}
	if err := r.Store.Delete(ctx, tenantOf(ctx), r.Schema, id); err != nil {
		return nil, r.translate(err)
	}
	if r.Events.Deleted != "" {
		kernel.Emit(ctx, r.Events.Deleted, map[string]any{"id": id})
	}
	return nil, nil
}

func (r *Endpoints) translate(err error) error {
	if core.KindOf(err) == core.NotFound {
		return r.notFound()
	}
	return err
}

// Present turns a stored record into its JSON shape: money with two
// decimals, dates as YYYY-MM-DD, times as RFC 3339 UTC; hidden columns are
// never in a record the store returns.
func Present(s *core.Schema, rec core.Record) map[string]any {
	out := make(map[string]any, len(rec))
	for k, v := range rec {
		switch val := v.(type) {
		case time.Time:
			if f, ok := s.Field(k); ok && f.Type == core.DateField {
				out[k] = val.Format(time.DateOnly)
			} else {
				out[k] = val.UTC().Format(time.RFC3339)
			}
		default:
			out[k] = v
		}
	}
	return out
}

// Module is a kernel module serving one set of Endpoints.
type Module struct {
	name       string
	migrations fs.FS
	endpoints  *Endpoints
	more       []kernel.Route
}

// NewModule returns a module named name (its route prefix and its table)
// whose tenant tables are migrations (nil for none).
func NewModule(name string, migrations fs.FS, r *Endpoints) *Module {
	return &Module{name: name, migrations: migrations, endpoints: r}
}

// Name returns the module's name.
func (m *Module) Name() string { return m.name }

// Resources returns the quota resource the module counts, if any.
func (m *Module) Resources() []core.Resource {
	if m.endpoints.Schema.Counts == "" {
		return nil
	}
	return []core.Resource{m.endpoints.Schema.Counts}
}

// Migrations returns the module's tenant tables.
func (m *Module) Migrations() fs.FS { return m.migrations }

// Routes returns the CRUD routes and those added by With.
func (m *Module) Routes() []kernel.Route { return append(m.endpoints.Routes(), m.more...) }

// With adds routes to the module (the v1 views of its table) and returns it.
func (m *Module) With(routes ...kernel.Route) *Module {
	m.more = append(m.more, routes...)
	return m
}

// Sub returns the "migrations" folder of an embedded FS.
func Sub(fsys fs.FS) fs.FS {
	sub, err := fs.Sub(fsys, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}

// Endpoints returns the module's endpoint set, for a module that serves the
// same table another way (the batch module).
func (m *Module) Endpoints() *Endpoints { return m.endpoints }
