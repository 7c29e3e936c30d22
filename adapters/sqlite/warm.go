package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/saasd/saasd/adapters/internal/sqltenant"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.WarmDatabases = (*Provisioner)(nil)

// warmTag follows the prefix in the names of warm pool files: a tenant
// file is the prefix and digits only, so the two never meet.
const warmTag = "pool"

// WarmName returns the file name of warm pool entry id.
func (p *Provisioner) WarmName(id int64) string {
	return p.prefix + warmTag + strconv.FormatInt(id, 10) + ".db"
}

// CreateWarm creates the file of a warm pool entry, marked as this
// installation's and no tenant's, and migrates it.
func (p *Provisioner) CreateWarm(ctx context.Context, database string) error {
	if err := p.warm().Create(ctx, database); err != nil {
		return err
	}
	p.logger.Info("warm database created", zap.String("database", database))
	return nil
}

// MigrateWarm applies pending migrations to an unclaimed warm file.
func (p *Provisioner) MigrateWarm(ctx context.Context, database string) error {
	return p.warm().Migrate(ctx, database)
}

// Bind marks the warm file t.Database as t's.
func (p *Provisioner) Bind(ctx context.Context, t core.Tenant) error {
	if !p.owns(t.Database) {
		return fmt.Errorf("tenant %d has no database of prefix %q", t.ID, p.prefix)
	}
	return p.warm().Bind(ctx, t)
}

// DropWarm removes a warm file that is this installation's and no tenant's
// or tenantID's; one already gone is no error.
func (p *Provisioner) DropWarm(ctx context.Context, database string, tenantID int64) error {
	if !p.owns(database) {
		return fmt.Errorf("refusing to drop %q: not a tenant database of prefix %q", database, p.prefix)
	}
	if err := p.warm().Drop(ctx, database, tenantID); err != nil {
		return err
	}
	p.logger.Info("warm database dropped", zap.String("database", database), zap.Int64("tenant_id", tenantID))
	return nil
}

func (p *Provisioner) warm() sqltenant.Warm {
	return sqltenant.Warm{Backend: warmFiles{p}, Dialect: dialect{}, Installation: p.installation}
}

// warmFiles is what sqltenant.Warm needs of the files in p's directory.
type warmFiles struct{ p *Provisioner }

func (w warmFiles) IsWarm(name string) bool {
	return w.p.owns(name) && strings.HasPrefix(strings.TrimPrefix(name, w.p.prefix), warmTag)
}

func (w warmFiles) path(name string) string { return filepath.Join(w.p.dir, name) }

func (w warmFiles) CreateEmpty(_ context.Context, name string) error {
	f, err := os.OpenFile(w.path(name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if errors.Is(err, os.ErrExist) {
		return core.Errorf(core.Conflict, "database file %s already exists", name)
	} else if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		_ = removeFiles(w.path(name))
		return err
	}
	return nil
}

func (w warmFiles) Remove(_ context.Context, name string) error {
	w.p.mu.Lock()
	if f, ok := w.p.open[name]; ok {
		w.p.retireLocked(name, f)
	}
	w.p.mu.Unlock()
	return removeFiles(w.path(name))
}

func (w warmFiles) Exists(_ context.Context, name string) (bool, error) {
	_, err := os.Stat(w.path(name))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (w warmFiles) Marker(ctx context.Context, name string) (core.DatabaseMarker, error) {
	return w.p.Marker(ctx, name)
}

func (w warmFiles) WithHandle(_ context.Context, name string, fn func(sqltenant.Handle) error) error {
	return withFile(w.path(name), func(db *sql.DB) error { return fn(sqltenant.Handle{DB: db, Database: name}) })
}

func (w warmFiles) MigrateDatabase(ctx context.Context, name string) error {
	// One migration of a file at a time in this process, as Migrate.
	mu := w.p.lockOf(name)
	mu.Lock()
	defer mu.Unlock()
	return withFile(w.path(name), func(db *sql.DB) error { return w.p.migrator.Migrate(ctx, db) })
}
