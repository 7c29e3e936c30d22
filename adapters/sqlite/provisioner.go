package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/glebarez/go-sqlite" // registers the "sqlite" database/sql driver
	"go.uber.org/zap"

	"github.com/saasd/saasd/adapters/internal/sqltenant"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/ports"
)

var _ ports.Provisioner = (*Provisioner)(nil)

var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// maxOpen bounds how many tenant files are held open at once.
const maxOpen = 64

// Config configures the tenant databases.
type Config struct {
	Dir    string // where tenant files live
	Prefix string // tenant files are named Prefix + tenant ID + ".db"
	// Installation is this installation's ID, written into the marker of
	// every file it creates; only files so marked are dropped or migrated.
	Installation string
	// Open opens tenant files for requests and migrations (tracing wraps
	// the driver there); nil: sql.Open.
	Open sqltenant.Opener
}

// Tenants names the tenant files in a directory and serves their tables to
// the shared tenant store, holding at most maxOpen files open.
type Tenants struct {
	dir          string
	prefix       string
	installation string
	store        *sqltenant.Store
	opener       sqltenant.Opener

	mu   sync.Mutex
	open map[string]*file // by file name; bounded by maxOpen
	tick uint64           // counts uses, for eviction
	// lingering are evicted files that calls still hold.
	lingering int
	locks     map[string]*sync.Mutex // migrations in progress, by file name
}

// lockOf returns the migration lock of a file.
func (ts *Tenants) lockOf(name string) *sync.Mutex {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.locks == nil {
		ts.locks = map[string]*sync.Mutex{}
	}
	if ts.locks[name] == nil {
		ts.locks[name] = &sync.Mutex{}
	}
	return ts.locks[name]
}

// NewTenants returns the tenant files under cfg.Dir, creating it.
func NewTenants(cfg Config) (*Tenants, error) {
	if !prefixRE.MatchString(cfg.Prefix) {
		return nil, fmt.Errorf("tenant database prefix %q: want %s", cfg.Prefix, prefixRE)
	}
	if cfg.Installation == "" {
		return nil, fmt.Errorf("tenant databases need the installation id")
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("create tenant data directory: %w", err)
	}
	ts := &Tenants{dir: cfg.Dir, prefix: cfg.Prefix, installation: cfg.Installation, open: map[string]*file{}, opener: cfg.Open}
	ts.store = sqltenant.New(ts, dialect{})
	return ts, nil
}

// Records is the store of the modules' records, for registering modules.
func (ts *Tenants) Records() ports.RecordStore { return ts.store }

// Data is the tenant store once tables (kernel.Tables) says which table
// counts which resource: records, users and sessions, usage counters and
// their recount, export.
func (ts *Tenants) Data(tables map[core.Resource]string) *sqltenant.Store {
	return ts.store.WithTables(tables)
}

// DatabaseName returns the file name of tenant id.
func (ts *Tenants) DatabaseName(id int64) string {
	return ts.prefix + strconv.FormatInt(id, 10) + ".db"
}

// owns reports whether name is a tenant file of this prefix: the prefix and
// a tenant ID, or the prefix, "pool" and a warm pool entry's ID (a claimed
// warm file keeps its name), then ".db".
func (ts *Tenants) owns(name string) bool {
	rest, ok := strings.CutPrefix(name, ts.prefix)
	if !ok {
		return false
	}
	id, ok := strings.CutSuffix(strings.TrimPrefix(rest, warmTag), ".db")
	if !ok || id == "" {
		return false
	}
	_, err := strconv.ParseUint(id, 10, 63)
	return err == nil
}

// Provisioner creates one SQLite file per tenant.
type Provisioner struct {
	*Tenants
	sqltenant.Warm
	migrator *sqltenant.Migrator
	logger   *zap.Logger
}

// NewProvisioner returns a provisioner of ts that applies schemas (every
// module's, kernel.Schemas) after the kernel's own tables and gives each counted resource (kernel.Tables)
// its usage counter.
func NewProvisioner(ts *Tenants, schemas []kernel.TenantSchema, counted map[core.Resource]string, logger *zap.Logger) (*Provisioner, error) {
	m, err := sqltenant.NewMigrator(dialect{}, schemas, counted)
	if err != nil {
		return nil, err
	}
	return (&Provisioner{Tenants: ts, migrator: m, logger: logger}).withWarm(), nil
}

// Name returns the file name of tenant t.
func (p *Provisioner) Name(t core.Tenant) string { return p.DatabaseName(t.ID) }

// Create creates the tenant's file, marked as this installation's for t.
// Returns core.Conflict if it exists already: a file that is not ours is
// never adopted.
func (p *Provisioner) Create(ctx context.Context, t core.Tenant) (string, error) {
	name := p.DatabaseName(t.ID)
	path := filepath.Join(p.dir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if errors.Is(err, os.ErrExist) {
		return "", core.Errorf(core.Conflict, "database file %s already exists", name)
	} else if err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	err = withFile(path, func(db *sql.DB) error {
		return sqltenant.WriteMarker(ctx, sqltenant.Handle{DB: db, Database: name}, core.DatabaseMarker{Installation: p.installation, TenantID: t.ID})
	})
	if err != nil {
		removeFiles(path)
		return "", err
	}
	return name, nil
}

// withFile runs fn on a connection of its own to an existing file.
func withFile(path string, fn func(*sql.DB) error) error {
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	return fn(db)
}

// Marker returns what the tenant-looking file database says about its
// owner; the zero marker when it has none. Returns core.NotFound when the
// file is gone.
func (p *Provisioner) Marker(ctx context.Context, database string) (core.DatabaseMarker, error) {
	if !p.owns(database) {
		return core.DatabaseMarker{}, fmt.Errorf("%q is not a tenant database of prefix %q", database, p.prefix)
	}
	path := filepath.Join(p.dir, database)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return core.DatabaseMarker{}, core.Errorf(core.NotFound, "database file %s does not exist", database)
	}
	var m core.DatabaseMarker
	err := withFile(path, func(db *sql.DB) error {
		var err error
		m, err = sqltenant.ReadMarker(ctx, sqltenant.Handle{DB: db, Database: database}, dialect{})
		return err
	})
	return m, err
}

// Version is the tenant schema version Migrate brings a file to.
func (p *Provisioner) Version() int64 { return p.migrator.Version() }

// Migrate applies the pending tenant migrations to t's file. A file made
// before markers existed is marked as t's first; one marked by another
// installation or for another tenant is refused.
func (p *Provisioner) Migrate(ctx context.Context, t core.Tenant) error {
	if !p.owns(t.Database) {
		return fmt.Errorf("tenant %d has no database of prefix %q", t.ID, p.prefix)
	}
	m, err := p.Marker(ctx, t.Database)
	if err != nil {
		return err
	}
	if err := sqltenant.Owns(m, p.installation, t, p.DatabaseName(t.ID)); err != nil {
		return err
	}
	// One migration of a file at a time in this process; SQLite's own
	// write lock (and goose's version table) covers other processes.
	mu := p.lockOf(t.Database)
	mu.Lock()
	defer mu.Unlock()
	start := time.Now()
	db, err := p.opener.Open("sqlite", DSN(filepath.Join(p.dir, t.Database)), t.ID)
	if err != nil {
		return err
	}
	defer db.Close()
	if m == (core.DatabaseMarker{}) {
		if err := sqltenant.WriteMarker(ctx, sqltenant.Handle{DB: db, Database: t.Database}, core.DatabaseMarker{Installation: p.installation, TenantID: t.ID}); err != nil {
			return err
		}
	}
	if err := p.migrator.Migrate(ctx, db); err != nil {
		return err
	}
	p.logger.Info("tenant database migrated", zap.Int64("tenant_id", t.ID), zap.String("database", t.Database), zap.Duration("took", time.Since(start)))
	return nil
}

// Provision is Create then Migrate, removing the file again if migrating fails.
func (p *Provisioner) Provision(ctx context.Context, t core.Tenant) (string, error) {
	name, err := p.Create(ctx, t)
	if err != nil {
		return "", err
	}
	t.Database = name
	if err := p.Migrate(ctx, t); err != nil {
		removeFiles(filepath.Join(p.dir, name))
		return "", err
	}
	return name, nil
}

// Drop removes the tenant's file, only when its marker says it is this
// installation's for t (or it is unmarked and named for t); one already
// gone is no error.
func (p *Provisioner) Drop(ctx context.Context, t core.Tenant) error {
	if !p.owns(t.Database) {
		return fmt.Errorf("refusing to drop %q: not a tenant database of prefix %q", t.Database, p.prefix)
	}
	m, err := p.Marker(ctx, t.Database)
	if core.KindOf(err) == core.NotFound {
		return nil
	} else if err != nil {
		return err
	}
	if err := sqltenant.Owns(m, p.installation, t, p.DatabaseName(t.ID)); err != nil {
		return fmt.Errorf("refusing to drop: %w", err)
	}
	p.mu.Lock()
	if f, ok := p.open[t.Database]; ok {
		p.retireLocked(t.Database, f)
	}
	p.mu.Unlock()
	if err := removeFiles(filepath.Join(p.dir, t.Database)); err != nil {
		return err
	}
	p.logger.Info("tenant database dropped", zap.Int64("tenant_id", t.ID), zap.String("database", t.Database))
	return nil
}

// Databases lists the tenant files in the data directory.
func (p *Provisioner) Databases(ctx context.Context) ([]string, error) {
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && p.owns(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func removeFiles(path string) error {
	var errs []error
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// file is an open tenant file, shared by the calls that use it.
type file struct {
	db      *sql.DB
	refs    int    // calls holding it
	used    uint64 // tick of its last use, for least-recently-used eviction
	evicted bool   // out of the map: closed when refs reaches 0
}

// acquire returns an open handle on a tenant file, holding at most maxOpen
// files in the map; the caller releases it. An evicted file stays open
// only while calls still hold it and is closed when the last one ends, so
// open files stay bounded by maxOpen plus the calls in flight.
func (p *Tenants) acquire(name string, tenantID int64) (*file, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tick++
	if f, ok := p.open[name]; ok {
		f.refs++
		f.used = p.tick
		return f, nil
	}
	path := filepath.Join(p.dir, name)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("tenant database %s: %w", name, err)
	}
	if len(p.open) >= maxOpen {
		p.evictLocked()
	}
	db, err := p.opener.Open("sqlite", DSN(path), tenantID)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	f := &file{db: db, refs: 1, used: p.tick}
	p.open[name] = f
	return f, nil
}

// evictLocked takes the least recently used file out of the map, an idle
// one if there is any, closing it now or when its last call ends.
func (p *Tenants) evictLocked() {
	var victim string
	var best *file
	for n, f := range p.open {
		switch {
		case best == nil,
			f.refs == 0 && best.refs > 0,
			(f.refs == 0) == (best.refs == 0) && f.used < best.used:
			victim, best = n, f
		}
	}
	if best != nil {
		p.retireLocked(victim, best)
	}
}

// retireLocked takes f out of the map and closes it once no call holds it.
func (p *Tenants) retireLocked(name string, f *file) {
	delete(p.open, name)
	f.evicted = true
	if f.refs == 0 {
		f.db.Close()
	} else {
		p.lingering++
	}
}

// release ends one call's use of f.
func (p *Tenants) release(f *file) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f.refs--
	if f.refs == 0 && f.evicted {
		f.db.Close()
		p.lingering--
	}
}

// OpenFiles is how many tenant files are open: in the map, and evicted
// ones that calls still hold.
func (p *Tenants) OpenFiles() (held, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.open), len(p.open) + p.lingering
}

// Close closes every open tenant file.
func (p *Tenants) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n, f := range p.open {
		p.retireLocked(n, f)
	}
	return nil
}

// Handle serves tenant t's tables from its own file. The handle has one
// connection: SQLite has one writer anyway, and queuing in Go makes quota
// transactions serial instead of failing with SQLITE_BUSY.
func (p *Tenants) Handle(_ context.Context, t core.Tenant) (sqltenant.Handle, error) {
	if !p.owns(t.Database) {
		return sqltenant.Handle{}, fmt.Errorf("tenant %d has no database of prefix %q", t.ID, p.prefix)
	}
	f, err := p.acquire(t.Database, t.ID)
	if err != nil {
		return sqltenant.Handle{}, err
	}
	var once sync.Once
	return sqltenant.Handle{DB: f.db, Database: t.Database, Done: func() { once.Do(func() { p.release(f) }) }}, nil
}
