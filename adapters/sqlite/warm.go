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

// withWarm gives p its warm databases, on p's server.
func (p *Provisioner) withWarm() *Provisioner {
	p.Warm = sqltenant.Warm{Backend: warmFiles{p}, Dialect: dialect{}, Installation: p.installation, Logger: p.logger}
	return p
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
