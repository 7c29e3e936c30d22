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

	"github.com/saasd/saasd/adapters/goosemigrate"
	"github.com/saasd/saasd/adapters/gormstore"
	"github.com/saasd/saasd/adapters/sqlrecords"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/ports"
)

var _ ports.Provisioner = (*Provisioner)(nil)

var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// maxOpen bounds how many tenant files are held open at once.
const maxOpen = 64

// Config configures the provisioner.
type Config struct {
	Dir    string // where tenant files live
	Prefix string // tenant files are named Prefix + tenant ID + ".db"
}

// Provisioner creates one SQLite file per tenant.
type Provisioner struct {
	dir     string
	prefix  string
	schemas []kernel.TenantSchema
	logger  *zap.Logger

	mu   sync.Mutex
	open map[string]*sql.DB // by file name; bounded by maxOpen
}

// New returns a provisioner writing tenant files under cfg.Dir.
func New(cfg Config, schemas []kernel.TenantSchema, logger *zap.Logger) (*Provisioner, error) {
	if !prefixRE.MatchString(cfg.Prefix) {
		return nil, fmt.Errorf("tenant database prefix %q: want %s", cfg.Prefix, prefixRE)
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("create tenant data directory: %w", err)
	}
	return &Provisioner{dir: cfg.Dir, prefix: cfg.Prefix, schemas: schemas, logger: logger, open: map[string]*sql.DB{}}, nil
}

// DatabaseName returns the file name of tenant id.
func (p *Provisioner) DatabaseName(id int64) string {
	return p.prefix + strconv.FormatInt(id, 10) + ".db"
}

func (p *Provisioner) owns(name string) bool {
	rest, ok := strings.CutPrefix(name, p.prefix)
	if !ok {
		return false
	}
	id, ok := strings.CutSuffix(rest, ".db")
	if !ok || id == "" {
		return false
	}
	_, err := strconv.ParseUint(id, 10, 63)
	return err == nil
}

// Name returns the file name of tenant t.
func (p *Provisioner) Name(t core.Tenant) string { return p.DatabaseName(t.ID) }

// Create creates the tenant's empty file. Returns core.Conflict if it exists
// already: a file that is not ours is never adopted.
func (p *Provisioner) Create(ctx context.Context, t core.Tenant) (string, error) {
	name := p.DatabaseName(t.ID)
	f, err := os.OpenFile(filepath.Join(p.dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if errors.Is(err, os.ErrExist) {
		return "", core.Errorf(core.Conflict, "database file %s already exists", name)
	} else if err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	return name, f.Close()
}

// Migrate applies the pending tenant migrations to t's file.
func (p *Provisioner) Migrate(ctx context.Context, t core.Tenant) error {
	if !p.owns(t.Database) {
		return fmt.Errorf("tenant %d has no database of prefix %q", t.ID, p.prefix)
	}
	start := time.Now()
	db, err := sql.Open("sqlite", gormstore.SQLiteDSN(filepath.Join(p.dir, t.Database)))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := goosemigrate.Up(ctx, db, goosemigrate.SQLite, p.schemas); err != nil {
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

// Drop removes the tenant's file.
func (p *Provisioner) Drop(ctx context.Context, t core.Tenant) error {
	if !p.owns(t.Database) {
		return fmt.Errorf("refusing to drop %q: not a tenant database of prefix %q", t.Database, p.prefix)
	}
	p.mu.Lock()
	if db, ok := p.open[t.Database]; ok {
		db.Close()
		delete(p.open, t.Database)
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

// handle returns an open handle on a tenant file, opening at most maxOpen.
func (p *Provisioner) handle(name string) (*sql.DB, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if db, ok := p.open[name]; ok {
		return db, nil
	}
	path := filepath.Join(p.dir, name)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("tenant database %s: %w", name, err)
	}
	if len(p.open) >= maxOpen {
		for n, db := range p.open { // evict any one: tenants are cheap to reopen
			delete(p.open, n)
			// A request may still be using it: close once it surely is done.
			time.AfterFunc(time.Minute, func() { db.Close() })
			break
		}
	}
	db, err := sql.Open("sqlite", gormstore.SQLiteDSN(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	p.open[name] = db
	return db, nil
}

// Close closes every open tenant file.
func (p *Provisioner) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n, db := range p.open {
		db.Close()
		delete(p.open, n)
	}
	return nil
}

// Handle serves tenant t's tables from its own file. The handle has one
// connection: SQLite has one writer anyway, and queuing in Go makes quota
// transactions serial instead of failing with SQLITE_BUSY.
func (p *Provisioner) Handle(_ context.Context, t core.Tenant) (sqlrecords.Handle, error) {
	if !p.owns(t.Database) {
		return sqlrecords.Handle{}, fmt.Errorf("tenant %d has no database of prefix %q", t.ID, p.prefix)
	}
	db, err := p.handle(t.Database)
	if err != nil {
		return sqlrecords.Handle{}, err
	}
	return sqlrecords.Handle{DB: db}, nil
}
