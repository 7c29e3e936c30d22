// Package goosemigrate applies the modules' tenant migrations to one tenant
// database with goose.
//
// Every module's files go through one goose provider and one version table
// (goose_tenant): a version table per module cost a CREATE TABLE and its
// lookups per module on every new tenant, most of the provisioning time
// beyond the DDL itself. Versions are therefore global: modules name their
// files with timestamps (20261126000100_customers.sql), and two modules
// claiming the same version is an error.
package goosemigrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/saasd/saasd/core/kernel"
)

// Dialects goose understands, named as the migration folders are.
const (
	MySQL  = "mysql"
	SQLite = "sqlite"
)

// VersionTable records the migrations applied to a tenant database.
const VersionTable = "goose_tenant"

// Up applies every pending migration of every schema to db.
func Up(ctx context.Context, db *sql.DB, dialect string, schemas []kernel.TenantSchema) error {
	d := database.DialectMySQL
	if dialect == SQLite {
		d = database.DialectSQLite3
	}
	merged, err := Merge(dialect, schemas)
	if err != nil {
		return err
	}
	store, err := database.NewStore(d, VersionTable)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider("", db, merged, goose.WithStore(store))
	if err != nil {
		return fmt.Errorf("tenant migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate tenant database: %w", err)
	}
	return nil
}

// Merge gathers the dialect's migration files of every schema into one
// file system (an in-memory map: they are small), refusing a version that
// two files claim.
func Merge(dialect string, schemas []kernel.TenantSchema) (fs.FS, error) {
	merged := fstest.MapFS{}
	owner := map[string]string{}
	for _, s := range schemas {
		names, err := fs.Glob(s.Migrations, dialect+"/*.sql")
		if err != nil {
			return nil, fmt.Errorf("module %s migrations: %w", s.Module, err)
		}
		for _, name := range names {
			base := path.Base(name)
			version, _, _ := strings.Cut(base, "_")
			if other, taken := owner[version]; taken {
				return nil, fmt.Errorf("modules %s and %s both have tenant migration version %s", other, s.Module, version)
			}
			data, err := fs.ReadFile(s.Migrations, name)
			if err != nil {
				return nil, err
			}
			owner[version] = s.Module
			merged[base] = &fstest.MapFile{Data: data, Mode: 0o444}
		}
	}
	return merged, nil
}
