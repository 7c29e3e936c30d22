// Package lookups is the tenant-side module of seed 003's reference lists
// for drop-downs: currencies, countries, states by country, account,
// industry, deal and lead types, lead sources, categories, subcategories
// and units, under their seed paths below /api/v1. The lists are tenant
// tables filled by this module's migrations: the ISO 3166-1 countries,
// ISO 4217 currencies and first-level ISO 3166-2 subdivisions are
// generated from Debian's iso-codes (go generate; see gen/), the short
// lists are written out in 20261130000100_lookups.sql. Tenants read them.
package lookups

//go:generate go run ./gen -iso /usr/share/iso-codes/json -out migrations

import (
	"context"
	"embed"
	"io/fs"
	"strconv"
	"strings"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

func list(table string, fields ...core.Field) *core.Schema {
	return &core.Schema{Table: table, Fields: append([]core.Field{{Name: "name", Type: core.TextField, Required: true}}, fields...)}
}

// The lookup tables. Other modules refer to their ids by table name
// (a product's procat_id is a row of categories).
var (
	Countries = list("countries",
		core.Field{Name: "official_name", Type: core.TextField},
		core.Field{Name: "iso2", Type: core.TextField, Max: 2},
		core.Field{Name: "iso3", Type: core.TextField, Max: 3})
	Currencies = list("currencies",
		core.Field{Name: "code", Type: core.TextField, Max: 3},
		core.Field{Name: "symbol", Type: core.TextField, Max: 16},
		core.Field{Name: "iso_numeric", Type: core.IntField})
	States = list("states",
		core.Field{Name: "country_id", Type: core.RefField, Ref: "countries"},
		core.Field{Name: "code", Type: core.TextField, Max: 16},
		core.Field{Name: "type", Type: core.TextField})
	AccountTypes  = list("account_types")
	IndustryTypes = list("industry_types")
	DealTypes     = list("deal_types")
	LeadTypes     = list("lead_types")
	LeadSources   = list("lead_sources")
	Categories    = list("categories")
	Subcategories = list("subcategories", core.Field{Name: "category_id", Type: core.RefField, Ref: "categories"})
	Units         = list("units", core.Field{Name: "short_name", Type: core.TextField, Max: 16})
)

// maxRows bounds a lookup list; the longest, countries, has 249.
const maxRows = 1000

// Module is the lookups module.
type Module struct{ store ports.RecordStore }

// New returns the module, reading through store.
func New(store ports.RecordStore) *Module { return &Module{store: store} }

// Name returns "lookups".
func (m *Module) Name() string { return "lookups" }

// Resources is empty: reference data counts against no plan.
func (m *Module) Resources() []core.Resource { return nil }

// Migrations returns the lookup tables and their rows.
func (m *Module) Migrations() fs.FS { return crud.Sub(migrations) }

// Routes returns the v1 lists of seed 003.
func (m *Module) Routes() []kernel.Route {
	return []kernel.Route{
		m.route("/currencies", "Currencies", Currencies, "code", nil),
		m.route("/countries", "Countries", Countries, "name", nil),
		m.route("/states/:country_id", "States", States, "name", m.byCountry),
		m.route("/account-type", "Account types", AccountTypes, "", nil),
		m.route("/industry-type", "Industry types", IndustryTypes, "name", nil),
		m.route("/deal-type", "Deal types", DealTypes, "", nil),
		m.route("/lead-type", "Lead types", LeadTypes, "", nil),
		m.route("/lead-source", "Lead sources", LeadSources, "", nil),
		m.route("/list-category", "Categories", Categories, "", nil),
		withQuery(m.route("/list-subcategory", "Subcategories", Subcategories, "", subcategories),
			core.Field{Name: "category_id", Type: core.RefField, Ref: "categories"}, core.Field{Name: "limit", Type: core.IntField}),
		m.route("/units", "Units", Units, "", nil),
	}
}

// withQuery describes the query parameters r takes.
func withQuery(r kernel.Route, params ...core.Field) kernel.Route {
	r.Query = params
	return r
}

// route lists s, ordered by the field order ("" keeps the order of the
// migration: ids ascending), narrowed by query.
func (m *Module) route(path, label string, s *core.Schema, order string, query func(context.Context, kernel.Input, *core.ListQuery, map[string]string) error) kernel.Route {
	if order == "" {
		order = "id"
	}
	return kernel.Route{Method: "GET", API: kernel.V1, Path: path, Message: label + " retrieved successfully",
		Handle: func(ctx context.Context, in kernel.Input) (any, error) {
			q := core.ListQuery{Page: 1, Limit: maxRows, Filters: map[string]any{}, OrderBy: order}
			errs := map[string]string{}
			if query != nil {
				if err := query(ctx, in, &q, errs); err != nil {
					return nil, err
				}
			}
			if len(errs) > 0 {
				return nil, core.InvalidFields(errs)
			}
			t, _ := core.TenantFrom(ctx)
			recs, _, err := m.store.List(ctx, t, s, q)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(recs))
			for i, rec := range recs {
				row := map[string]any{"id": rec["id"]}
				for _, f := range s.Fields {
					row[f.Name] = rec[f.Name]
				}
				out[i] = row
			}
			return out, nil
		}}
}

// byCountry narrows states to one country, named by its id (the ISO 3166-1
// numeric code: 840) or its two- or three-letter code (US, USA).
func (m *Module) byCountry(ctx context.Context, in kernel.Input, q *core.ListQuery, _ map[string]string) error {
	key := strings.TrimSpace(in.Param("country_id"))
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		field := "iso2"
		if len(key) == 3 {
			field = "iso3"
		}
		t, _ := core.TenantFrom(ctx)
		recs, _, err := m.store.List(ctx, t, Countries, core.ListQuery{Page: 1, Limit: 1, Filters: map[string]any{field: strings.ToUpper(key)}})
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return core.Errorf(core.NotFound, "country not found")
		}
		id = recs[0]["id"].(int64)
	} else {
		t, _ := core.TenantFrom(ctx)
		if _, err := m.store.Get(ctx, t, Countries, id); err != nil {
			if core.KindOf(err) == core.NotFound {
				return core.Errorf(core.NotFound, "country not found")
			}
			return err
		}
	}
	q.Filters["country_id"] = id
	return nil
}

// subcategories reads seed 003's category_id and limit.
func subcategories(_ context.Context, in kernel.Input, q *core.ListQuery, errs map[string]string) error {
	if v := in.Query("category_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			errs["category_id"] = "must be a positive integer"
		}
		q.Filters["category_id"] = id
	}
	if v := in.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxRows {
			errs["limit"] = "must be an integer from 1 to " + strconv.Itoa(maxRows)
		}
		q.Limit = n
	}
	return nil
}
