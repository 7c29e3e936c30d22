// Package goosemigrate applies the modules' tenant migrations to one tenant
// database with goose, recording each module's version in a table of its own
// (goose_<module>) so that modules evolve independently.
package goosemigrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	"github.com/saasd/saasd/ports"
)

// Dialects goose understands, named as the migration folders are.
const (
	MySQL  = "mysql"
	SQLite = "sqlite"
)

// Up applies every pending migration of every schema to db.
func Up(ctx context.Context, db *sql.DB, dialect string, schemas []ports.TenantSchema) error {
	d := database.DialectMySQL
	if dialect == SQLite {
		d = database.DialectSQLite3
	}
	for _, s := range schemas {
		fsys, err := fs.Sub(s.Migrations, dialect)
		if err != nil {
			return fmt.Errorf("module %s migrations: %w", s.Module, err)
		}
		store, err := database.NewStore(d, "goose_"+s.Module)
		if err != nil {
			return err
		}
		p, err := goose.NewProvider("", db, fsys, goose.WithStore(store))
		if err != nil {
			return fmt.Errorf("module %s migrations: %w", s.Module, err)
		}
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("migrate module %s: %w", s.Module, err)
		}
	}
	return nil
}
