// Package contacts is the tenant-side contacts module. One table serves
// /api/v2/contacts and seed 003's /api/v1/contacts, with the seed's field
// names (ldsrc_id, picture).
package contacts

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Schema is the contacts table.
var Schema = &core.Schema{
	Table: "contacts",
	Fields: []core.Field{
		{Name: "first_name", Type: core.TextField, Required: true, Search: true},
		{Name: "last_name", Type: core.TextField, Search: true},
		{Name: "email", Type: core.EmailField, Search: true, Filter: true},
		{Name: "phone", Type: core.PhoneField},
		{Name: "mobile", Type: core.PhoneField},
		{Name: "customer_id", Type: core.RefField, Ref: "customers", Filter: true},
		{Name: "ldsrc_id", Type: core.RefField, Ref: "lead_sources", Filter: true},
		{Name: "picture", Type: core.TextField, Max: 2048}, // the URL of the picture
		{Name: "user_id", Type: core.RefField, Ref: "users", Computed: true},
	},
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	e := &crud.Endpoints{Schema: Schema, Store: store, Label: "Contact", Owner: "user_id"}
	v1 := crud.View{E: e, In: crud.Same("first_name", "last_name", "email", "ldsrc_id", "mobile", "picture"), Out: crud.Same("phone", "user_id")}
	m := crud.NewModule("contacts", crud.Sub(migrations), e)
	m.With(v1.ListRoute("/contacts", false, crud.All(v1.Mine(), crud.Count("limit"))), v1.CreateRoute("/contacts"))
	m.With(v1.ItemRoutes("/contacts/:id", false)...)
	return m
}
