package tenant

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
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
	// Versions reached are recorded in batches when the store can (one
	// statement and one commit per batch, not per tenant), a batch per
	// server, written by a goroutine of their own while the workers go on
	// migrating; a batch lost to a crash only makes the next run look at
	// those tenants again.
	versions, _ := s.tenants.(ports.SchemaVersions)
	var mu sync.Mutex
	flush := func(ids []int64) {
		if len(ids) == 0 {
			return
		}
		err := versions.SetSchemaVersion(context.WithoutCancel(ctx), ids, run.Target)
		if err == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, id := range ids {
			run.Failed[id] = fmt.Errorf("tenant %d: migrated, but recording its schema version failed: %w", id, err)
		}
		run.Migrated = slices.DeleteFunc(run.Migrated, func(id int64) bool { return slices.Contains(ids, id) })
	}
	var wg sync.WaitGroup
	for _, list := range byServer {
		work := make(chan core.Tenant)
		var reached []int64 // this server's migrated tenants, not recorded yet
		lastFlush := time.Now()
		batches := make(chan []int64, 4)
		flushed := make(chan struct{})
		go func() {
			defer close(flushed)
			for batch := range batches {
				flush(batch)
			}
		}()
		var workers sync.WaitGroup
		for range n {
			workers.Add(1)
			go func() {
				defer workers.Done()
				for t := range work {
					var err error
					if versions != nil {
						if merr := s.migrateDatabase(ctx, t, "fleet"); merr != nil {
							_, err = s.recordMigration(ctx, t, merr)
						}
					} else {
						_, err = s.migrateTenant(ctx, t, "fleet")
					}
					var batch []int64
					mu.Lock()
					if err != nil {
						run.Failed[t.ID] = err
					} else {
						run.Migrated = append(run.Migrated, t.ID)
						if versions != nil {
							reached = append(reached, t.ID)
							if len(reached) >= versionBatch || time.Since(lastFlush) > time.Second {
								batch, reached, lastFlush = reached, nil, time.Now()
							}
						}
					}
					if opts.Progress != nil {
						opts.Progress(len(run.Migrated)+len(run.Failed), len(pending), len(run.Failed))
					}
					mu.Unlock()
					if batch != nil {
						batches <- batch
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, t := range list {
				if ctx.Err() != nil {
					break
				}
				work <- t
			}
			close(work)
			workers.Wait()
			mu.Lock()
			batch := reached
			reached = nil
			mu.Unlock()
			batches <- batch
			close(batches)
			<-flushed
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

// versionBatch is how many tenants' new schema version the fleet migration
// records in one statement.
const versionBatch = 100

// migrateTenant migrates one tenant's database and records the outcome
// (its version, or why it failed) on the tenant; how says who asked:
// "fleet" (the migration of every tenant) or "lazy" (a request for a
// tenant not reached yet).
func (s *Service) migrateTenant(ctx context.Context, t core.Tenant, how string) (core.Tenant, error) {
	return s.recordMigration(ctx, t, s.migrateDatabase(ctx, t, how))
}

// migrateDatabase migrates t's database on its server, traced as how.
func (s *Service) migrateDatabase(ctx context.Context, t core.Tenant, how string) error {
	return s.traced(ctx, "tenant.migrate."+how, t.ID, func(ctx context.Context) error {
		srv, err := s.serverOf(t)
		if err != nil {
			return err
		}
		return srv.Provisioner.Migrate(ctx, t)
	})
}

// recordMigration records on t the outcome merr of migrating its database:
// its version, or why it failed.
func (s *Service) recordMigration(ctx context.Context, t core.Tenant, merr error) (core.Tenant, error) {
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
