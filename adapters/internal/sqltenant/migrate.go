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
	dialect  string
	merged   fs.FS // every schema's files, merged once
	counted  map[core.Resource]string
	version  int64
	versions []int64 // of every file
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
		m.versions = append(m.versions, n)
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
	if err := up(ctx, db, m.dialect, m.merged, nil); err != nil {
		return err
	}
	return ensureCounters(ctx, db, m.counted)
}

// Owner is whose a tenant database must be for a migration to touch it.
type Owner struct {
	Installation string
	Tenant       core.Tenant
	Name         string // the name the tenant's database has by construction (Owns)
}

// MigrateOwned is Migrate for the database of owner.Tenant, checking its
// marker first (Owns: nothing is changed in a database that is not
// owner's, and one made before markers is marked). db is one connection
// into the database whose migration lock the caller holds, so what it
// reads stays true until it is done: one query reads the marker, the
// applied versions and the usage counters, goose is spared its own reads
// (whether its table exists, the versions twice, the latest version), and a
// database with nothing pending costs that query alone. It reports whether
// anything changed. A database without one of those tables (new, or older
// than markers) takes the long way: each read on its own.
func (m *Migrator) MigrateOwned(ctx context.Context, db *sql.DB, owner Owner, d Dialect) (changed bool, err error) {
	st, err := readState(ctx, db)
	if err != nil && ctx.Err() == nil {
		// Mostly a table missing (IsNoTable); an odd legacy database
		// (other collations) gets the long way too.
		mk, err := ReadMarker(ctx, Handle{DB: db, Database: owner.Name}, d)
		if err != nil {
			return false, err
		}
		if err := Owns(mk, owner.Installation, owner.Tenant, owner.Name); err != nil {
			return false, err
		}
		if mk == (core.DatabaseMarker{}) {
			if err := WriteMarker(ctx, Handle{DB: db, Database: owner.Name}, core.DatabaseMarker{Installation: owner.Installation, TenantID: owner.Tenant.ID}); err != nil {
				return false, err
			}
		}
		return true, m.Migrate(ctx, db)
	}
	if err != nil {
		return false, fmt.Errorf("read the state of %s: %w", owner.Name, err)
	}
	if err := Owns(st.marker, owner.Installation, owner.Tenant, owner.Name); err != nil {
		return false, err
	}
	if st.marker == (core.DatabaseMarker{}) {
		// An empty marker table: Owns allowed it, but it is not ours to
		// write into (WriteMarker makes the table); as before markers.
		return false, fmt.Errorf("database %s has an empty owner marker: not touched", owner.Name)
	}
	if m.pending(st.versions) {
		if err := up(ctx, db, m.dialect, m.merged, st.versions); err != nil {
			return true, err
		}
		changed = true
	}
	for r := range m.counted {
		if !st.counters[r] {
			return true, ensureCounters(ctx, db, m.counted)
		}
	}
	return changed, nil
}

// pending reports whether a migration file's version is missing from
// applied (goose then decides what to run, or refuses out-of-order files).
func (m *Migrator) pending(applied []*database.ListMigrationsResult) bool {
	have := make(map[int64]bool, len(applied))
	for _, a := range applied {
		have[a.Version] = true
	}
	for _, v := range m.versions {
		if !have[v] {
			return true
		}
	}
	return false
}

// state is what MigrateOwned reads of a tenant database before changing it.
type state struct {
	marker   core.DatabaseMarker
	versions []*database.ListMigrationsResult // goose's rows, newest first
	counters map[core.Resource]bool
}

// readState reads the marker, goose's version rows (as its ListMigrations
// does: newest first) and the usage counters' resources in one round trip.
// It fails (IsNoTable) when one of the three tables is missing.
func readState(ctx context.Context, db *sql.DB) (state, error) {
	rows, err := db.QueryContext(ctx, "SELECT 0, `installation`, `tenant_id`, 0 FROM "+quote(MarkerTable)+
		" UNION ALL SELECT 1, `version_id`, `is_applied`, `id` FROM "+quote(VersionTable)+
		" UNION ALL SELECT 2, `resource`, 0, 0 FROM `usage_counters` ORDER BY 1, 4 DESC")
	if err != nil {
		return state{}, err
	}
	defer rows.Close()
	st := state{counters: map[core.Resource]bool{}}
	markers := 0
	for rows.Next() {
		var part, num, id int64
		var text string
		if err := rows.Scan(&part, &text, &num, &id); err != nil {
			return state{}, err
		}
		switch part {
		case 0:
			st.marker, markers = core.DatabaseMarker{Installation: text, TenantID: num}, markers+1
		case 1:
			v, err := strconv.ParseInt(text, 10, 64)
			if err != nil {
				return state{}, fmt.Errorf("version %q: %w", text, err)
			}
			st.versions = append(st.versions, &database.ListMigrationsResult{Version: v, IsApplied: num != 0})
		case 2:
			st.counters[core.Resource(text)] = true
		}
	}
	if err := rows.Err(); err != nil {
		return state{}, err
	}
	if markers > 1 {
		return state{}, fmt.Errorf("%d owner markers: not touched", markers)
	}
	return st, nil
}

// knownStore is goose's version store with the versions read beforehand
// (under the migration lock, so they stay true): goose's reads of them are
// answered without a round trip until it records a version, and then
// from the database again.
type knownStore struct {
	database.Store
	versions []*database.ListMigrationsResult
	stale    bool // a version was recorded or removed since
}

// TableExists is true: the versions were read from it.
func (s *knownStore) TableExists(context.Context, database.DBTxConn) (bool, error) { return true, nil }

func (s *knownStore) ListMigrations(ctx context.Context, db database.DBTxConn) ([]*database.ListMigrationsResult, error) {
	if s.stale {
		return s.Store.ListMigrations(ctx, db)
	}
	return slices.Clone(s.versions), nil
}

func (s *knownStore) Insert(ctx context.Context, db database.DBTxConn, req database.InsertRequest) error {
	if err := s.Store.Insert(ctx, db, req); err != nil {
		return err
	}
	if !s.stale {
		s.versions = append([]*database.ListMigrationsResult{{Version: req.Version, IsApplied: true}}, s.versions...)
	}
	return nil
}

func (s *knownStore) Delete(ctx context.Context, db database.DBTxConn, version int64) error {
	s.stale = true
	return s.Store.Delete(ctx, db, version)
}

// GetLatestVersion is the highest version known, as goose's MAX(version_id).
func (s *knownStore) GetLatestVersion(ctx context.Context, db database.DBTxConn) (int64, error) {
	if s.stale || len(s.versions) == 0 {
		return s.Store.GetLatestVersion(ctx, db)
	}
	latest := s.versions[0].Version
	for _, v := range s.versions {
		latest = max(latest, v.Version)
	}
	return latest, nil
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

// up applies every pending migration of every schema to db; known, when
// not nil, are the version rows already read (knownStore).
func up(ctx context.Context, db *sql.DB, dialect string, merged fs.FS, known []*database.ListMigrationsResult) error {
	d := database.DialectMySQL
	if dialect == "sqlite" {
		d = database.DialectSQLite3
	}
	store, err := database.NewStore(d, VersionTable)
	if err != nil {
		return err
	}
	if known != nil {
		store = &knownStore{Store: store, versions: known}
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
// two files claim. On MySQL a file of DDL alone runs without a transaction
// (goose's NO TRANSACTION): each DDL statement commits by itself there
// anyway, so BEGIN and COMMIT were two round trips that protected nothing.
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
			if dialect == "mysql" && ddlOnly(string(data)) {
				data = append([]byte("-- +goose NO TRANSACTION\n"), data...)
			}
			merged[base] = &fstest.MapFile{Data: data, Mode: 0o444}
		}
	}
	return merged, nil
}

// ddlOnly reports whether every statement of the goose file sql (Up and
// Down) is a CREATE, ALTER, DROP or RENAME of a table or index. Anything
// else (data, StatementBegin blocks, a file that already says how it
// runs, a ';' inside a literal that splits oddly) keeps its transaction.
func ddlOnly(sql string) bool {
	var body strings.Builder
	for line := range strings.Lines(sql) {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "--") {
			if l := strings.ToLower(t); strings.Contains(l, "+goose") && !strings.Contains(l, "+goose up") && !strings.Contains(l, "+goose down") {
				return false
			}
			continue
		}
		body.WriteString(line)
	}
	n := 0
	for stmt := range strings.SplitSeq(body.String(), ";") {
		words := strings.Fields(strings.ToUpper(stmt))
		if len(words) == 0 {
			continue
		}
		n++
		if len(words) < 3 || !ddlStart(words[0], words[1], words[2]) {
			return false
		}
	}
	return n > 0
}

func ddlStart(verb, what, next string) bool {
	switch verb {
	case "CREATE":
		return what == "TABLE" || what == "INDEX" || (what == "UNIQUE" && next == "INDEX")
	case "ALTER", "DROP", "RENAME":
		return what == "TABLE" || (verb == "DROP" && what == "INDEX")
	}
	return false
}
