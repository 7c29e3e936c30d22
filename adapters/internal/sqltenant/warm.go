package sqltenant

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/saasd/saasd/core"
)

// WarmBackend is what a tenant-database adapter does to one database of
// its own kind for the warm pool; Warm builds the rest of
// ports.WarmDatabases on it, the same for every backend.
type WarmBackend interface {
	// IsWarm reports whether name is a warm database name of the adapter.
	IsWarm(name string) bool
	// CreateEmpty creates database name, empty. Returns core.Conflict if
	// it exists.
	CreateEmpty(ctx context.Context, name string) error
	// Remove drops database name whatever it holds; one gone is no error.
	Remove(ctx context.Context, name string) error
	// Exists reports whether database name is there.
	Exists(ctx context.Context, name string) (bool, error)
	// Marker reads the marker of an existing database name.
	Marker(ctx context.Context, name string) (core.DatabaseMarker, error)
	// WithHandle runs fn on a handle of database name.
	WithHandle(ctx context.Context, name string, fn func(Handle) error) error
	// MigrateDatabase applies the tenant migrations to database name.
	MigrateDatabase(ctx context.Context, name string) error
}

// Warm is the warm databases of one backend (and database server) of
// installation: ports.WarmDatabases but for the names, which each adapter
// gives (WarmName). An adapter's provisioner embeds it.
type Warm struct {
	Backend      WarmBackend
	Dialect      Dialect
	Installation string
	Logger       *zap.Logger
}

// CreateWarm creates database as a warm one: marked as this installation's
// and no tenant's (tenant 0), and migrated. On error it is removed again;
// an existing one is never adopted (core.Conflict).
func (w Warm) CreateWarm(ctx context.Context, database string) error {
	if err := w.create(ctx, database); err != nil {
		return err
	}
	w.Logger.Info("warm database created", zap.String("database", database))
	return nil
}

func (w Warm) create(ctx context.Context, database string) error {
	if !w.Backend.IsWarm(database) {
		return fmt.Errorf("%q is not a warm database name of this installation", database)
	}
	if err := w.Backend.CreateEmpty(ctx, database); err != nil {
		return err
	}
	err := w.Backend.WithHandle(ctx, database, func(h Handle) error {
		return WriteMarker(ctx, h, core.DatabaseMarker{Installation: w.Installation})
	})
	if err == nil {
		err = w.Backend.MigrateDatabase(ctx, database)
	}
	if err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if rerr := w.Backend.Remove(cctx, database); rerr != nil {
			return fmt.Errorf("%w (and the half-made database %s was left: %v)", err, database, rerr)
		}
		return err
	}
	return nil
}

// MigrateWarm applies pending migrations to an unclaimed warm database.
func (w Warm) MigrateWarm(ctx context.Context, database string) error {
	if err := w.owns(ctx, database, 0); err != nil {
		return err
	}
	return w.Backend.MigrateDatabase(ctx, database)
}

// Bind marks the warm database t.Database as t's.
func (w Warm) Bind(ctx context.Context, t core.Tenant) error {
	if t.ID <= 0 {
		return fmt.Errorf("bind %s: no tenant", t.Database)
	}
	if !w.Backend.IsWarm(t.Database) {
		return fmt.Errorf("bind %q to tenant %d: not a warm database name of this installation", t.Database, t.ID)
	}
	if ok, err := w.Backend.Exists(ctx, t.Database); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("bind %s to tenant %d: the database is gone", t.Database, t.ID)
	}
	return w.Backend.WithHandle(ctx, t.Database, func(h Handle) error {
		return BindMarker(ctx, h, w.Dialect, w.Installation, t.ID)
	})
}

// DropWarm drops a warm database that is this installation's and no
// tenant's or tenantID's; one already gone is no error. A database marked
// otherwise is refused with core.Conflict.
func (w Warm) DropWarm(ctx context.Context, database string, tenantID int64) error {
	if !w.Backend.IsWarm(database) {
		return fmt.Errorf("refusing to drop %q: not a warm database name of this installation", database)
	}
	if ok, err := w.Backend.Exists(ctx, database); err != nil || !ok {
		return err
	}
	if err := w.owns(ctx, database, tenantID); err != nil {
		return fmt.Errorf("refusing to drop: %w", err)
	}
	if err := w.Backend.Remove(ctx, database); err != nil {
		return err
	}
	w.Logger.Info("warm database dropped", zap.String("database", database), zap.Int64("tenant_id", tenantID))
	return nil
}

// owns reads the marker of database and checks that it is a warm database
// of this installation, no tenant's or tenantID's.
func (w Warm) owns(ctx context.Context, database string, tenantID int64) error {
	m, err := w.Backend.Marker(ctx, database)
	if err != nil {
		return err
	}
	return OwnsWarm(m, w.Installation, database, tenantID)
}
