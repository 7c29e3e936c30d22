// Package users is the tenant-side users module: the tenant's staff, counted
// against the plan's staff limit. Only admins manage users. Passwords are
// stored as slow salted hashes and never returned.
package users

import (
	"context"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

// Resource is the quota resource this module counts: one row of its table each.
const Resource core.Resource = "staff"

// Schema is the kernel's users table as this module serves it.
var Schema = &core.Schema{
	Table:  "users",
	Counts: Resource,
	Fields: []core.Field{
		{Name: "name", Type: core.TextField, Required: true, Search: true},
		{Name: "email", Type: core.EmailField, Required: true, Search: true},
		// "administrator" as seed 004 names it; "admin" is accepted for it.
		{Name: "role", Type: core.EnumField, Values: []string{core.RoleStaff, core.RoleAdmin}, Aliases: core.RoleAliases, Filter: true},
	},
	Hidden:     []string{"password_hash"},
	Inputs:     []string{"password"},
	Credential: "password_hash",
	// Without an admin nobody could manage the tenant's users any more.
	Keep: &core.Keep{Field: "role", Value: core.RoleAdmin, Message: "a tenant keeps at least one admin: make another user admin first"},
}

// New returns the module. The users table belongs to the kernel's own
// tenant schema, so the module brings no migrations.
func New(store ports.RecordStore, hasher ports.PasswordHasher) *crud.Module {
	return crud.NewModule("users", nil, &crud.Endpoints{
		Schema: Schema, Store: store, Label: "User", AdminOnly: true,
		BeforeWrite: func(_ context.Context, raw map[string]any, rec core.Record, create bool) error {
			pw, present := raw["password"]
			if !present && !create {
				return nil
			}
			s, _ := pw.(string)
			email, _ := rec["email"].(string)
			if err := core.ValidatePassword(s, email); err != nil {
				return core.InvalidFields(map[string]string{"password": err.Error()})
			}
			hash, err := hasher.Hash(s)
			if err != nil {
				return err
			}
			rec["password_hash"] = hash
			return nil
		},
	})
}
