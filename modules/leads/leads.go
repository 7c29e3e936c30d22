// Package leads is the tenant-side leads module. One table serves
// /api/v2/leads and seed 003's views of it under /api/v1: leads
// (/leads), leads for a product (/product/leads, with pro_id) and leads for
// a service (/api-services/leads, with service_id).
package leads

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Schema is the leads table.
var Schema = &core.Schema{
	Table: "leads",
	Fields: []core.Field{
		{Name: "first_name", Type: core.TextField, Required: true, Search: true},
		{Name: "last_name", Type: core.TextField, Search: true},
		{Name: "email", Type: core.EmailField, Search: true, Filter: true},
		{Name: "company", Type: core.TextField, Search: true}, // the lead's company, by name
		{Name: "phone", Type: core.PhoneField},
		{Name: "source", Type: core.TextField, Max: 100, Filter: true},
		{Name: "status", Type: core.EnumField, Values: []string{"new", "contacted", "qualified", "won", "lost"}, Filter: true},
		{Name: "designation", Type: core.TextField},
		{Name: "notes", Type: core.TextField, Max: 5000},
		{Name: "company_id", Type: core.RefField, Ref: "companies", Filter: true}, // one of the tenant's companies
		{Name: "mobile", Type: core.PhoneField},
		{Name: "picture", Type: core.TextField, Max: 2048}, // the URL of the picture
		{Name: "product_id", Type: core.RefField, Ref: "products", Filter: true},
		{Name: "service_id", Type: core.RefField, Ref: "services", Filter: true},
		{Name: "user_id", Type: core.RefField, Ref: "users", Computed: true},
	},
}

// The v1 names of seed 003: its "company" is the id of one of the tenant's
// companies (company_id), its "pro_id" the product.
var (
	v1Lead = []crud.Alias{
		{Key: "first_name", Field: "first_name"}, {Key: "last_name", Field: "last_name"}, {Key: "email", Field: "email"},
		{Key: "designation", Field: "designation"}, {Key: "notes", Field: "notes"}, {Key: "company", Field: "company_id"},
		{Key: "phone", Field: "phone"}, {Key: "mobile", Field: "mobile"}, {Key: "picture", Field: "picture"},
	}
	v1Out         = append(append([]crud.Alias(nil), v1Lead...), crud.Alias{Key: "pro_id", Field: "product_id"}, crud.Alias{Key: "service_id", Field: "service_id"}, crud.Alias{Key: "user_id", Field: "user_id"})
	v1ProductLead = []crud.Alias{
		{Key: "first_name", Field: "first_name"}, {Key: "email", Field: "email"}, {Key: "mobile", Field: "mobile"},
		{Key: "pro_id", Field: "product_id"}, {Key: "notes", Field: "notes"},
	}
	v1ServiceLead = []crud.Alias{
		{Key: "name", Field: "first_name"}, {Key: "mobile", Field: "mobile"}, {Key: "service_id", Field: "service_id"}, {Key: "notes", Field: "notes"},
	}
)

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	e := &crud.Endpoints{Schema: Schema, Store: store, Label: "Lead", Owner: "user_id"}
	lead := crud.View{E: e, In: v1Lead, Out: v1Out}
	product := crud.View{E: e, In: v1ProductLead, Out: v1Out, Required: []string{"pro_id"}, Label: "Product lead"}
	service := crud.View{E: e, In: v1ServiceLead, Out: v1Out, Required: []string{"service_id"}, Label: "Service lead"}
	m := crud.NewModule("leads", crud.Sub(migrations), e)
	m.With(lead.ListRoute("/leads", false, crud.All(lead.Mine(), crud.Count("limit"))), lead.CreateRoute("/leads"))
	m.With(lead.ItemRoutes("/leads/:id", false)...)
	m.With(product.CreateRoute("/product/leads"), product.ListRoute("/product/leads", false, crud.All(crud.Count("limit"), productOnly)))
	m.With(service.CreateRoute("/api-services/leads"))
	return m
}

// productOnly is seed 003's ?all=false (the default): only leads for a
// product; all=true lists every lead.
var productOnly = crud.FlagQuery("all", false, func(q *core.ListQuery, all bool) {
	if !all {
		q.Set = append(q.Set, "product_id")
	}
})
