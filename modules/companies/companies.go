// Package companies is the tenant-side companies module of seed 003: a
// tenant's users list the companies they represent, each addressed by a
// slug made from its name. Served under /api/v2/companies and at the seed's
// own paths, /api/v1/companies and /api/v1/auth/company.
package companies

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Schema is the companies table; its field names are seed 003's.
var Schema = &core.Schema{
	Table: "companies",
	Fields: []core.Field{
		{Name: "c_name", Type: core.TextField, Required: true, Search: true},
		{Name: "c_mobileNum", Type: core.PhoneField},
		{Name: "c_whatsappNum", Type: core.PhoneField},
		{Name: "c_bio", Type: core.TextField, Max: 5000},
		{Name: "c_email", Type: core.EmailField, Search: true},
		{Name: "personal_name", Type: core.TextField},
		{Name: "category_id", Type: core.RefField, Ref: "categories", Filter: true},
		{Name: "actype_id", Type: core.RefField, Ref: "account_types", Filter: true},
		{Name: "position", Type: core.TextField},
		{Name: "c_logo", Type: core.TextField, Max: 2048}, // the URL of the logo image
		{Name: crud.SlugField, Type: core.TextField, Computed: true, Unique: true},
		{Name: "user_id", Type: core.RefField, Ref: "users", Computed: true},
	},
}

// fields are the body keys of seed 003.
var fields = crud.Same("c_name", "c_mobileNum", "c_whatsappNum", "c_bio", "c_email", "personal_name", "category_id", "actype_id", "position", "c_logo")

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	e := &crud.Endpoints{Schema: Schema, Store: store, Label: "Company", SlugFrom: "c_name", Owner: "user_id"}
	v1 := crud.View{E: e, In: fields, Out: crud.Same(crud.SlugField, "user_id")}
	m := crud.NewModule("companies", crud.Sub(migrations), e)
	m.With(v1.ListRoute("/companies", true, crud.Count("sort")), v1.CreateRoute("/companies"))
	m.With(v1.ItemRoutes("/companies/:slug", true)...)
	m.With(v1.ListRoute("/auth/company", false, crud.All(v1.Mine(), crud.Count("limit"))))
	return m
}
