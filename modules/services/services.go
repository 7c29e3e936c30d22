// Package services is the tenant-side services module of seed 003: the
// services a tenant's users offer, each addressed by a slug made from its
// title. Served under /api/v2/services and at the seed's own paths,
// /api/v1/api-services and /api/v1/services (the signed-in user's).
// Leads for a service (/api/v1/api-services/leads) are leads, kept by the
// leads module.
package services

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Schema is the services table; its field names are seed 003's.
var Schema = &core.Schema{
	Table: "services",
	Fields: []core.Field{
		{Name: "title", Type: core.TextField, Required: true, Search: true},
		{Name: "price", Type: core.MoneyField},
		{Name: "servcategory_id", Type: core.RefField, Ref: "categories", Filter: true},
		{Name: "serv_subcategory_id", Type: core.RefField, Ref: "subcategories", Filter: true},
		{Name: "company_id", Type: core.RefField, Ref: "companies", Filter: true},
		{Name: "image", Type: core.TextField, Max: 2048}, // the URL of the image
		{Name: "description", Type: core.TextField, Max: 5000, Search: true},
		{Name: "brand", Type: core.TextField, Search: true},
		{Name: "tags", Type: core.TextField, Max: 500, Search: true},
		{Name: "featured", Type: core.BoolField, Filter: true},
		{Name: crud.SlugField, Type: core.TextField, Computed: true, Unique: true},
		{Name: "user_id", Type: core.RefField, Ref: "users", Computed: true},
	},
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	e := &crud.Endpoints{Schema: Schema, Store: store, Label: "Service", SlugFrom: "title", Owner: "user_id"}
	v1 := crud.View{E: e, Out: crud.Same(crud.SlugField, "user_id"), In: crud.Same("title", "price", "servcategory_id",
		"serv_subcategory_id", "company_id", "image", "description", "brand", "tags", "featured")}
	m := crud.NewModule("services", crud.Sub(migrations), e)
	m.With(v1.ListRoute("/api-services", true, crud.All(crud.Count("limit"), crud.Featured("featured"))), v1.CreateRoute("/api-services"))
	m.With(v1.ItemRoutes("/api-services/:slug", false)[0]) // the seed reads a service; v2 changes it
	m.With(v1.ListRoute("/services", false, crud.All(v1.Mine(), crud.Count("limit"))))
	return m
}
