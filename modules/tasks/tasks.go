// Package tasks is the tenant-side tasks module, counted against the plan'\”s tasks limit; a task belongs to a project when one is given.
package tasks

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Resource is the quota resource this module counts: one row of its table each.
const Resource core.Resource = "tasks"

// Schema is the tasks table.
var Schema = &core.Schema{
	Table:  "tasks",
	Counts: Resource,
	Fields: []core.Field{
		{Name: "name", Type: core.TextField, Required: true, Search: true},
		{Name: "project_id", Type: core.RefField, Ref: "projects", Filter: true},
		{Name: "status", Type: core.EnumField, Values: []string{"open", "in_progress", "done"}, Filter: true},
		{Name: "due_date", Type: core.DateField},
		{Name: "description", Type: core.TextField, Max: 5000, Search: true},
	},
	DateFilter: "due_date",
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	return crud.NewModule("tasks", crud.Sub(migrations), &crud.Endpoints{
		Schema: Schema, Store: store, Label: "Task",
	})
}
