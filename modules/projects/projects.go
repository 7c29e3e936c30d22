// Package projects is the tenant-side projects module, counted against the plan'\”s projects limit.
package projects

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Resource is the quota resource this module counts: one row of its table each.
const Resource core.Resource = "projects"

// Schema is the projects table.
var Schema = &core.Schema{
	Table:  "projects",
	Counts: Resource,
	Fields: []core.Field{
		{Name: "name", Type: core.TextField, Required: true, Search: true},
		{Name: "customer_id", Type: core.RefField, Ref: "customers", Filter: true},
		{Name: "status", Type: core.EnumField, Values: []string{"active", "on_hold", "completed", "cancelled"}, Filter: true},
		{Name: "description", Type: core.TextField, Max: 5000, Search: true},
	},
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	return crud.NewModule("projects", crud.Sub(migrations), &crud.Endpoints{
		Schema: Schema, Store: store, Label: "Project",
	})
}
