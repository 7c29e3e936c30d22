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
	"time"

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
// installation's and no tenant's, and migrates it. On error the file is
// removed again; an existing one is never adopted (core.Conflict).
func (p *Provisioner) CreateWarm(ctx context.Context, database string) error {
	if !p.isWarm(database) {
		return fmt.Errorf("%q is not a warm database name of prefix %q", database, p.prefix)
	}
	path := filepath.Join(p.dir, database)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if errors.Is(err, os.ErrExist) {
		return core.Errorf(core.Conflict, "database file %s already exists", database)
	} else if err != nil {
		return fmt.Errorf("create %s: %w", database, err)
	}
	if err := f.Close(); err != nil {
		removeFiles(path)
		return err
	}
	start := time.Now()
	err = withFile(path, func(db *sql.DB) error {
		if err := sqltenant.WriteMarker(ctx, sqltenant.Handle{DB: db, Database: database}, core.DatabaseMarker{Installation: p.installation}); err != nil {
			return err
		}
		return p.migrator.Migrate(ctx, db)
	})
	if err != nil {
		removeFiles(path)
		return err
	}
	p.logger.Info("warm database created", zap.String("database", database), zap.Duration("took", time.Since(start)))
	return nil
}

// MigrateWarm applies pending migrations to an unclaimed warm file.
func (p *Provisioner) MigrateWarm(ctx context.Context, database string) error {
	if err := p.ownsWarm(ctx, database, 0); err != nil {
		return err
	}
	mu := p.lockOf(database)
	mu.Lock()
	defer mu.Unlock()
	return withFile(filepath.Join(p.dir, database), func(db *sql.DB) error { return p.migrator.Migrate(ctx, db) })
}

// Bind marks the warm file t.Database as t's.
func (p *Provisioner) Bind(ctx context.Context, t core.Tenant) error {
	if !p.owns(t.Database) || t.ID <= 0 {
		return fmt.Errorf("tenant %d has no database of prefix %q", t.ID, p.prefix)
	}
	path := filepath.Join(p.dir, t.Database)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("bind %s: %w", t.Database, err)
	}
	return withFile(path, func(db *sql.DB) error {
		return sqltenant.BindMarker(ctx, sqltenant.Handle{DB: db, Database: t.Database}, dialect{}, p.installation, t.ID)
	})
}

// DropWarm removes a warm file that is this installation's and no tenant's
// or tenantID's; one already gone is no error.
func (p *Provisioner) DropWarm(ctx context.Context, database string, tenantID int64) error {
	err := p.ownsWarm(ctx, database, tenantID)
	if core.KindOf(err) == core.NotFound {
		return nil
	} else if err != nil {
		return fmt.Errorf("refusing to drop: %w", err)
	}
	p.mu.Lock()
	if f, ok := p.open[database]; ok {
		p.retireLocked(database, f)
	}
	p.mu.Unlock()
	if err := removeFiles(filepath.Join(p.dir, database)); err != nil {
		return err
	}
	p.logger.Info("warm database dropped", zap.String("database", database), zap.Int64("tenant_id", tenantID))
	return nil
}

// ownsWarm reads the marker of database and checks it is a warm file of
// this installation, no tenant's or tenantID's.
func (p *Provisioner) ownsWarm(ctx context.Context, database string, tenantID int64) error {
	m, err := p.Marker(ctx, database)
	if err != nil {
		return err
	}
	return sqltenant.OwnsWarm(m, p.installation, database, tenantID)
}

// isWarm reports whether name is a warm database name of this prefix.
func (p *Provisioner) isWarm(name string) bool {
	return p.owns(name) && strings.HasPrefix(strings.TrimPrefix(name, p.prefix), warmTag)
}
