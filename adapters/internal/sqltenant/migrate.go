package sqltenant

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
)

//go:embed migrations
var migrations embed.FS

// Schema is the kernel's own tenant tables (users, sessions, usage
// counters), applied to every tenant database before any module's.
func Schema() kernel.TenantSchema {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return kernel.TenantSchema{Module: "kernel", Migrations: sub}
}

// VersionTable records the migrations applied to a tenant database. Every
// module's files go through one goose provider and this one table: a table
// per module cost a CREATE TABLE and its lookups per module on every new
// tenant, most of the provisioning time beyond the DDL itself. Versions are
// therefore global: modules name their files with timestamps
// (20261126000100_customers.sql), and two modules claiming the same version
// is an error.
const VersionTable = "goose_tenant"

// Migrator brings tenant databases to the current schema: the kernel's own
// tables, then every module's, then a usage counter row for each counted
// resource.
type Migrator struct {
	dialect string
	merged  fs.FS // every schema's files, merged once
	counted map[core.Resource]string
	version int64
}

// NewMigrator returns the migrator of schemas (every module's,
// kernel.Schemas) and counted (resource → table, kernel.Tables). Two
// modules claiming one migration version would fail the first tenant
// created: NewMigrator fails instead, at start.
func NewMigrator(d Dialect, schemas []kernel.TenantSchema, counted map[core.Resource]string) (*Migrator, error) {
	schemas = append([]kernel.TenantSchema{Schema()}, schemas...)
	merged, err := Merge(d.Name(), schemas)
	if err != nil {
		return nil, err
	}
	m := &Migrator{dialect: d.Name(), merged: merged, counted: counted}
	names, err := fs.Glob(merged, "*.sql")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		v, _, _ := strings.Cut(name, "_")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("tenant migration %s: the name must start with a version number", name)
		}
		m.version = max(m.version, n)
	}
	return m, nil
}

// Version is the schema version Migrate brings a tenant database to: the
// highest migration version of every schema.
func (m *Migrator) Version() int64 { return m.version }

// Migrate applies every pending migration to db, a connection into one
// tenant database, then gives each counted resource its usage counter row,
// so a module that counts a new resource needs no hand-written counter rows.
func (m *Migrator) Migrate(ctx context.Context, db *sql.DB) error {
	if err := up(ctx, db, m.dialect, m.merged); err != nil {
		return err
	}
	return ensureCounters(ctx, db, m.counted)
}

// ensureCounters adds the missing counter rows, each starting at its
// table's row count (0 for a table just created).
func ensureCounters(ctx context.Context, db *sql.DB, counted map[core.Resource]string) error {
	// Usually every row is there: one read instead of a statement each.
	rows, err := db.QueryContext(ctx, "SELECT `resource` FROM `usage_counters`")
	if err != nil {
		return fmt.Errorf("usage counters: %w", err)
	}
	present := map[core.Resource]bool{}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return err
		}
		present[core.Resource(r)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range slices.Sorted(maps.Keys(counted)) {
		if present[r] {
			continue
		}
		_, err := db.ExecContext(ctx, "INSERT INTO `usage_counters` (`resource`, `used`) SELECT c.r, c.n FROM (SELECT ? AS r, COUNT(*) AS n FROM "+
			quote(counted[r])+") c WHERE NOT EXISTS (SELECT 1 FROM `usage_counters` WHERE `resource` = c.r)", string(r))
		if err != nil {
			return fmt.Errorf("usage counter %s: %w", r, err)
		}
	}
	return nil
}

// up applies every pending migration of every schema to db.
func up(ctx context.Context, db *sql.DB, dialect string, merged fs.FS) error {
	d := database.DialectMySQL
	if dialect == "sqlite" {
		d = database.DialectSQLite3
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
