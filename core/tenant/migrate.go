package tenant

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/saasd/saasd/core"
)

// MigrateOptions select and pace a fleet migration.
type MigrateOptions struct {
	TenantID    int64 // 0: every tenant with a database
	Concurrency int   // tenant databases migrated at once (per server); at least 1
	DryRun      bool  // list what is behind, migrate nothing
	// Progress, when set, is told after each tenant how far the run is.
	Progress func(done, total, failed int)
}

// FleetMigration is what a fleet migration found and did.
type FleetMigration struct {
	Target   int64           // the schema version every tenant is brought to
	Current  int             // tenants already at the target (not touched)
	Pending  []int64         // tenants behind the target (with DryRun: what would run)
	Migrated []int64         // tenants brought to the target
	Failed   map[int64]error // tenants whose migration failed, each skipped
	// Warm pool databases: behind the target (with DryRun), brought to
	// it, and discarded because their migration failed (the pool makes
	// new ones).
	WarmPending, WarmMigrated, WarmDiscarded int
}

// MigrateFleet brings tenant databases to the current schema version: in
// parallel up to opts.Concurrency on each database server, each tenant on
// its own (a failure is recorded on the tenant and skipped while the others
// go on), resumable
// (the control database records each tenant's version, so a second run
// continues where the first stopped, and up-to-date tenants are known
// without opening their databases).
func (s *Service) MigrateFleet(ctx context.Context, opts MigrateOptions) (FleetMigration, error) {
	run := FleetMigration{Target: s.provisioner.Version(), Failed: map[int64]error{}}
	var list []core.Tenant
	if opts.TenantID > 0 {
		t, err := s.tenants.Tenant(ctx, opts.TenantID)
		if err != nil {
			return run, err
		}
		list = []core.Tenant{t}
	} else {
		all, err := s.allTenants(ctx)
		if err != nil {
			return run, err
		}
		list = all
	}
	var pending []core.Tenant
	for _, t := range list {
		if !migratable(t) {
			continue
		}
		if t.SchemaVersion >= run.Target && t.MigrationError == "" {
			run.Current++
			continue
		}
		pending = append(pending, t)
		run.Pending = append(run.Pending, t.ID)
	}
	if s.pool != nil && opts.TenantID == 0 {
		if err := s.migrateWarm(ctx, &run, opts.DryRun); err != nil {
			return run, err
		}
	}
	if opts.DryRun || len(pending) == 0 {
		return run, nil
	}
	if s.tracer != nil {
		var end func(error)
		ctx, end = s.tracer.Start(ctx, "tenant.migrate_fleet", 0)
		defer func() { end(errors.Join(ctx.Err(), failures(run))) }()
	}
	// Each server migrates its own tenants, opts.Concurrency at a time, so
	// that one busy server neither waits for nor overloads another.
	byServer := map[string][]core.Tenant{}
	for _, t := range pending {
		name := core.ServerName(t.Server)
		byServer[name] = append(byServer[name], t)
	}
	n := max(opts.Concurrency, 1)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, list := range byServer {
		work := make(chan core.Tenant)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for t := range work {
					_, err := s.migrateTenant(ctx, t, "fleet")
					mu.Lock()
					if err != nil {
						run.Failed[t.ID] = err
					} else {
						run.Migrated = append(run.Migrated, t.ID)
					}
					if opts.Progress != nil {
						opts.Progress(len(run.Migrated)+len(run.Failed), len(pending), len(run.Failed))
					}
					mu.Unlock()
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(work)
			for _, t := range list {
				if ctx.Err() != nil {
					return
				}
				work <- t
			}
		}()
	}
	wg.Wait()
	sort.Slice(run.Migrated, func(i, j int) bool { return run.Migrated[i] < run.Migrated[j] })
	return run, ctx.Err()
}

// MigrateFleetLeased is MigrateFleet run by one replica at a time (under
// the "tenant-migrate" lease, renewed as it goes); false when another
// replica holds the lease.
func (s *Service) MigrateFleetLeased(ctx context.Context, opts MigrateOptions) (FleetMigration, bool, error) {
	const ttl = 10 * time.Minute
	if s.leases == nil {
		return FleetMigration{}, false, fmt.Errorf("leases are not configured")
	}
	ok, err := s.leases.Lease(ctx, "tenant-migrate", s.holder, ttl)
	if err != nil || !ok {
		return FleetMigration{}, false, err
	}
	progress := opts.Progress
	last := time.Now()
	opts.Progress = func(done, total, failed int) {
		if time.Since(last) > ttl/4 {
			last = time.Now()
			_, _ = s.leases.Lease(ctx, "tenant-migrate", s.holder, ttl)
		}
		if progress != nil {
			progress(done, total, failed)
		}
	}
	run, err := s.MigrateFleet(ctx, opts)
	return run, true, err
}

// failures is the first of run's failed tenants as an error, for the
// fleet's span; nil when none failed.
func failures(run FleetMigration) error {
	for id, err := range run.Failed {
		return fmt.Errorf("%d tenants failed, among them %d: %w", len(run.Failed), id, err)
	}
	return nil
}

// migratable reports whether t has a database migrations apply to.
func migratable(t core.Tenant) bool {
	if t.MovingTo != "" {
		return false // its copy is being made at the version it has
	}
	switch t.Status {
	case core.StatusActive, core.StatusTrial, core.StatusInactive, core.StatusDeleted:
		return t.Database != ""
	}
	return false
}

// Current returns t with its database at the current schema version,
// migrating it first when it is behind (after an upgrade, before the fleet
// migration reached it), one migration of a tenant at a time in this
// process (the adapter serialises processes). Returns core.Unavailable
// when the migration fails: the request is retried, not served on a stale
// schema.
func (s *Service) Current(ctx context.Context, t core.Tenant) (core.Tenant, error) {
	if t.SchemaVersion >= s.provisioner.Version() || !migratable(t) {
		return t, nil
	}
	mu, _ := s.migrating.LoadOrStore(t.ID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	fresh, err := s.tenants.Tenant(ctx, t.ID)
	if err != nil {
		return t, err
	}
	if fresh.SchemaVersion >= s.provisioner.Version() {
		return fresh, nil
	}
	migrated, err := s.migrateTenant(ctx, fresh, "lazy")
	if err != nil {
		return t, &core.Error{Kind: core.Unavailable, Message: "the tenant's database is being upgraded; try again shortly: " + err.Error()}
	}
	return migrated, nil
}

// migrateTenant migrates one tenant's database and records the outcome
// (its version, or why it failed) on the tenant; how says who asked:
// "fleet" (the migration of every tenant) or "lazy" (a request for a
// tenant not reached yet).
func (s *Service) migrateTenant(ctx context.Context, t core.Tenant, how string) (core.Tenant, error) {
	merr := s.traced(ctx, "tenant.migrate."+how, t.ID, func(ctx context.Context) error {
		srv, err := s.serverOf(t)
		if err != nil {
			return err
		}
		return srv.Provisioner.Migrate(ctx, t)
	})
	version := s.provisioner.Version()
	updated, err := s.tenants.UpdateTenant(context.WithoutCancel(ctx), t.ID, func(r *core.Tenant) error {
		if merr != nil {
			r.MigrationError = merr.Error()
			return nil
		}
		r.SchemaVersion, r.MigrationError = version, ""
		return nil
	})
	if merr != nil {
		return t, fmt.Errorf("tenant %d: %w", t.ID, merr)
	}
	return updated, err
}

// migrateWarm brings the ready warm pool databases of every server to the
// target too, so that no tenant claims a stale one after an upgrade; with
// dryRun it only counts them.
func (s *Service) migrateWarm(ctx context.Context, run *FleetMigration, dryRun bool) error {
	if !dryRun {
		var err error
		run.WarmMigrated, run.WarmDiscarded, err = s.migratePool(ctx, "")
		return err
	}
	list, err := s.pool.WarmDatabases(ctx, "")
	if err != nil {
		return err
	}
	for _, w := range list {
		if w.State == core.WarmReady && w.SchemaVersion < run.Target {
			run.WarmPending++
		}
	}
	return nil
}
