package crud

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
)

// Alias is a schema field as another API names it: Key in bodies and
// answers, Field in the schema (seed 003's "pro_id" is the deals table's
// product_id).
type Alias struct{ Key, Field string }

// Same lists fields that keep their own names.
func Same(names ...string) []Alias {
	out := make([]Alias, len(names))
	for i, n := range names {
		out[i] = Alias{Key: n, Field: n}
	}
	return out
}

// View is a second way to see the table of an Endpoints: the keys a body
// may carry and an answer shows, under their names in that API. The
// records, their checks, quota and slugs stay those of the Endpoints, so
// both views store the same rows.
type View struct {
	E *Endpoints
	// In are the keys a body may carry; any other key is refused by name.
	In []Alias
	// Out are the keys of an answer beyond In ("slug", "user_id"); id,
	// created_at and updated_at are always there.
	Out []Alias
	// Required are keys of In a create must carry beyond the fields the
	// schema requires.
	Required []string
	// Label names a record in messages ("Product lead"); E.Label when "".
	Label string
}

func (v View) label() string {
	if v.Label != "" {
		return v.Label
	}
	return v.E.Label
}

// Decode reads a body in the view's names into a record of the schema;
// errors name the view's keys.
func (v View) Decode(ctx context.Context, raw map[string]any, create bool) (core.Record, error) {
	mapped := map[string]any{}
	errs := map[string]string{}
	keyOf := map[string]string{}
	for _, a := range v.In {
		keyOf[a.Field] = a.Key
	}
	for k, val := range raw {
		field := ""
		for _, a := range v.In {
			if a.Key == k {
				field = a.Field
			}
		}
		switch {
		case field != "":
			mapped[field] = val
		case k == "id" || k == "created_at" || k == "updated_at" || k == SlugField && v.E.SlugFrom != "" || k == v.E.Owner && k != "":
			errs[k] = "is set by the server and cannot be set"
		default:
			errs[k] = "is not a field of this resource"
		}
	}
	if create {
		for _, k := range v.Required {
			if val, ok := raw[k]; !ok || val == nil || val == "" {
				errs[k] = "is required"
			}
		}
	}
	rec, err := v.E.Decode(ctx, mapped, create)
	if err != nil && core.KindOf(err) != core.Invalid {
		return nil, err
	}
	for f, why := range core.FieldsOf(err) {
		if k, ok := keyOf[f]; ok {
			f = k
		}
		if _, taken := errs[f]; !taken {
			errs[f] = why
		}
	}
	if len(errs) > 0 {
		return nil, core.InvalidFields(errs)
	}
	return rec, nil
}

// Present shows a stored record in the view's names.
func (v View) Present(rec core.Record) map[string]any {
	all := Present(v.E.Schema, rec)
	out := map[string]any{"id": all["id"], "created_at": all["created_at"], "updated_at": all["updated_at"]}
	for _, list := range [][]Alias{v.In, v.Out} {
		for _, a := range list {
			out[a.Key] = all[a.Field]
		}
	}
	return out
}

// Query is what a v1 list reads from a request: Params describes the query
// parameters (for documents), Apply fills the list query from them and the
// context, adding the reason for each bad parameter to errs.
type Query struct {
	Params []core.Field
	Apply  func(ctx context.Context, in kernel.Input, q *core.ListQuery, errs map[string]string)
}

// Body describes the keys a body may carry in the view's names: the
// schema's fields (type, limits, enum values) under the view's keys, with
// Required as a create needs them.
func (v View) Body() []core.Field {
	var out []core.Field
	for _, a := range v.In {
		f, ok := v.E.Schema.Field(a.Field)
		if !ok {
			panic("crud: view of " + v.E.Schema.Table + " names no field " + a.Field)
		}
		f.Name = a.Key
		f.Required = f.Required || slices.Contains(v.Required, a.Key)
		f.Search, f.Filter = false, false
		out = append(out, f)
	}
	return out
}

// ListRoute is a v1 list at path: Query decides which records; the answer
// is data (the records) and meta, as v2 lists.
func (v View) ListRoute(path string, public bool, query Query) kernel.Route {
	return kernel.Route{Method: "GET", API: kernel.V1, Path: path, Public: public, AdminOnly: v.E.AdminOnly,
		Message: v.label() + " list retrieved successfully", Query: query.Params,
		Handle: func(ctx context.Context, in kernel.Input) (any, error) {
			q := core.ListQuery{Page: 1, Limit: DefaultLimit, Filters: map[string]any{}}
			errs := map[string]string{}
			if query.Apply != nil {
				query.Apply(ctx, in, &q, errs)
			}
			if len(errs) > 0 {
				return nil, core.InvalidFields(errs)
			}
			recs, total, err := v.E.Store.List(ctx, tenantOf(ctx), v.E.Schema, q)
			if err != nil {
				return nil, err
			}
			data := make([]any, len(recs))
			for i, rec := range recs {
				data[i] = v.Present(rec)
			}
			pages := int((total + int64(q.Limit) - 1) / int64(q.Limit))
			return kernel.Page{Data: data, Meta: kernel.PageMeta{CurrentPage: q.Page, TotalPages: pages, TotalRecords: total}}, nil
		}}
}

// CreateRoute is a v1 create at path, answered 201 with the record.
func (v View) CreateRoute(path string) kernel.Route {
	return kernel.Route{Method: "POST", API: kernel.V1, Path: path, Charges: v.E.Schema.Counts, AdminOnly: v.E.AdminOnly,
		Status: 201, Message: v.label() + " created successfully", Body: v.Body(),
		Handle: func(ctx context.Context, in kernel.Input) (any, error) {
			var raw map[string]any
			if err := in.Bind(&raw); err != nil {
				return nil, err
			}
			rec, err := v.Decode(ctx, raw, true)
			if err != nil {
				return nil, err
			}
			out, err := v.E.Insert(ctx, rec)
			if err != nil {
				return nil, err
			}
			return v.Present(out), nil
		}}
}

// ItemRoutes are the v1 get, update and delete of one record at path,
// which ends in ":id" or ":slug". The body of an update is read before the
// record is looked up, so a bad body is a 422 whatever the address.
func (v View) ItemRoutes(path string, public bool) []kernel.Route {
	find := func(ctx context.Context, in kernel.Input) (core.Record, error) {
		if strings.HasSuffix(path, ":slug") {
			return v.E.BySlug(ctx, in.Param("slug"))
		}
		id, err := v.E.id(in)
		if err != nil {
			return nil, err
		}
		rec, err := v.E.Store.Get(ctx, tenantOf(ctx), v.E.Schema, id)
		return rec, v.E.translate(err)
	}
	label := v.label()
	body := v.Body()
	for i := range body { // an update sends only what changes
		body[i].Required = false
	}
	return []kernel.Route{
		{Method: "GET", API: kernel.V1, Path: path, Public: public, AdminOnly: v.E.AdminOnly, Message: label + " retrieved successfully",
			Handle: func(ctx context.Context, in kernel.Input) (any, error) {
				rec, err := find(ctx, in)
				if err != nil {
					return nil, err
				}
				return v.Present(rec), nil
			}},
		{Method: "PUT", API: kernel.V1, Path: path, AdminOnly: v.E.AdminOnly, Message: label + " updated successfully", Body: body,
			Handle: func(ctx context.Context, in kernel.Input) (any, error) {
				var raw map[string]any
				if err := in.Bind(&raw); err != nil {
					return nil, err
				}
				rec, err := v.Decode(ctx, raw, false)
				if err != nil {
					return nil, err
				}
				cur, err := find(ctx, in)
				if err != nil {
					return nil, err
				}
				out, err := v.E.Store.Update(ctx, tenantOf(ctx), v.E.Schema, cur["id"].(int64), rec)
				if err != nil {
					return nil, v.E.translate(err)
				}
				return v.Present(out), nil
			}},
		{Method: "DELETE", API: kernel.V1, Path: path, AdminOnly: v.E.AdminOnly, Message: label + " deleted successfully",
			Handle: func(ctx context.Context, in kernel.Input) (any, error) {
				cur, err := find(ctx, in)
				if err != nil {
					return nil, err
				}
				return nil, v.E.translate(v.E.Store.Delete(ctx, tenantOf(ctx), v.E.Schema, cur["id"].(int64)))
			}},
	}
}

// Count reads a query parameter that says how many records a v1 list
// returns (seed 003's "sort" and "limit"): 1 to MaxLimit, DefaultLimit
// when absent.
func Count(name string) Query {
	return Query{Params: []core.Field{{Name: name, Type: core.IntField}},
		Apply: func(_ context.Context, in kernel.Input, q *core.ListQuery, errs map[string]string) {
			s := in.Query(name)
			if s == "" {
				return
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > MaxLimit {
				errs[name] = "must be an integer from 1 to " + strconv.Itoa(MaxLimit)
				return
			}
			q.Limit = n
		}}
}

// Flag reads a true/false query parameter; absent is def.
func Flag(in kernel.Input, name string, def bool, errs map[string]string) bool {
	s := in.Query(name)
	if s == "" {
		return def
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		errs[name] = "must be true or false"
	}
	return b
}

// FlagQuery is a true/false parameter name that, when it is set (absent:
// def), calls apply.
func FlagQuery(name string, def bool, apply func(q *core.ListQuery, set bool)) Query {
	return Query{Params: []core.Field{{Name: name, Type: core.BoolField}},
		Apply: func(_ context.Context, in kernel.Input, q *core.ListQuery, errs map[string]string) {
			apply(q, Flag(in, name, def, errs))
		}}
}

// Mine keeps the signed-in user's records: those whose Owner field is the
// user's id.
func (v View) Mine() Query {
	return Query{Apply: func(ctx context.Context, _ kernel.Input, q *core.ListQuery, _ map[string]string) {
		u, _ := core.UserFrom(ctx)
		q.Filters[v.E.Owner] = u.ID
	}}
}

// All runs every query in order.
func All(qs ...Query) Query {
	var out Query
	for _, q := range qs {
		out.Params = append(out.Params, q.Params...)
	}
	out.Apply = func(ctx context.Context, in kernel.Input, q *core.ListQuery, errs map[string]string) {
		for _, query := range qs {
			if query.Apply != nil {
				query.Apply(ctx, in, q, errs)
			}
		}
	}
	return out
}

// Featured keeps records whose bool field is true when ?featured=true;
// false or absent lists them all, as seed 003 describes.
func Featured(field string) Query {
	return FlagQuery("featured", false, func(q *core.ListQuery, set bool) {
		if set {
			q.Filters[field] = true
		}
	})
}
