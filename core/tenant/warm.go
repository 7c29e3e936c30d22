package tenant

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// WithWarmPool keeps size databases of server ready ahead of any tenant
// (created, migrated, marked as this installation's and no tenant's), so
// that Create claims one instead of creating and migrating a database.
// With size 0 nothing is claimed or made, but entries left from before are
// still known to reconcile and fleet migrations (and discarded by Refill).
func WithWarmPool(pool ports.WarmPool, dbs ports.WarmDatabases, server string, size int) Option {
	return func(s *Service) {
		s.pool, s.warm, s.server, s.poolSize = pool, dbs, server, size
		s.claimed = make(chan struct{}, 1)
	}
}

// claimWarm claims a ready warm database for t; false when the pool is off
// or empty, or the claim failed: Create then takes the normal path, and a
// failed claim holds nothing (the claim is one conditional write).
func (s *Service) claimWarm(ctx context.Context, t core.Tenant) (core.WarmDatabase, bool) {
	if s.pool == nil || s.poolSize <= 0 {
		return core.WarmDatabase{}, false
	}
	w, err := s.pool.ClaimWarm(ctx, s.server, s.provisioner.Version(), t.ID)
	if err != nil {
		return core.WarmDatabase{}, false
	}
	return w, true
}

// wakeRefill tells the refill (without blocking) that the pool has room
// again. Create calls it once it has answered, not at the claim: a refill
// making a database meanwhile would slow the very signup it refills for.
func (s *Service) wakeRefill() {
	select {
	case s.claimed <- struct{}{}:
	default:
	}
}

// warmStep is the saga's first step when t claimed w: the claim happened
// before the saga (an empty pool chooses the normal path instead); the step
// records it and owns its undo, which drops the claimed database whether
// or not it was bound to t yet.
func (s *Service) warmStep(t *core.Tenant, w core.WarmDatabase) step {
	return step{name: "claim_database", do: func(context.Context) error {
		t.Database = w.Database
		return nil
	}, undo: func(ctx context.Context) error { return s.discardClaimed(ctx, w) }}
}

// bindStep marks the claimed database as t's.
func (s *Service) bindStep(t *core.Tenant) step {
	return step{name: "bind_database", do: func(ctx context.Context) error { return s.warm.Bind(ctx, *t) }}
}

// discardClaimed drops a claimed warm database (unbound, or bound to the
// tenant that claimed it) and removes its entry.
func (s *Service) discardClaimed(ctx context.Context, w core.WarmDatabase) error {
	if err := s.warm.DropWarm(ctx, w.Database, w.TenantID); err != nil {
		return err
	}
	return s.pool.DeleteWarm(ctx, w.ID)
}

// PoolClaimed is told (without blocking) when a tenant claimed a warm
// database, so that the refill need not wait for its next tick; nil
// without a warm pool.
func (s *Service) PoolClaimed() <-chan struct{} { return s.claimed }

// WarmPool lists the warm pool's entries on every server, oldest first;
// none without a warm pool.
func (s *Service) WarmPool(ctx context.Context) ([]core.WarmDatabase, error) {
	if s.pool == nil {
		return nil, nil
	}
	return s.pool.WarmDatabases(ctx, "")
}

// Refill is what one pass over the warm pool did.
type Refill struct {
	Added     int // warm databases made
	Migrated  int // ready ones brought to the current schema version
	Discarded int // ready ones dropped: beyond the size, or failing to migrate
}

// RefillPool brings the warm pool of this server to its size: ready
// entries behind the schema version are migrated (discarded when that
// fails), entries beyond the size discarded, and new ones made until there
// are size ready or being made. One pass at a time across replicas should
// hold the "warm-pool" lease (RefillPoolLeased).
func (s *Service) RefillPool(ctx context.Context) (Refill, error) {
	var r Refill
	if s.pool == nil {
		return r, nil
	}
	var err error
	if r.Migrated, r.Discarded, err = s.migratePool(ctx, s.server); err != nil {
		return r, err
	}
	list, err := s.pool.WarmDatabases(ctx, s.server)
	if err != nil {
		return r, err
	}
	version, have := s.provisioner.Version(), 0
	for _, w := range list {
		switch {
		case w.State == core.WarmClaimed:
			if err := s.forgetClaimed(ctx, w); err != nil {
				return r, err
			}
		case w.State == core.WarmCreating, w.State == core.WarmMigrating:
			have++ // being made or migrated (or abandoned so, and reconcile's)
		case w.State != core.WarmReady || w.SchemaVersion != version:
		case have >= s.poolSize:
			if err := s.discard(ctx, w); err != nil && core.KindOf(err) != core.Conflict {
				return r, err
			} else if err == nil {
				r.Discarded++
			}
		default:
			have++
		}
	}
	for ; have < s.poolSize && ctx.Err() == nil; have++ {
		if err := s.addWarm(ctx, version); err != nil {
			return r, err
		}
		r.Added++
	}
	return r, ctx.Err()
}

// forgetClaimed removes the entry of a claimed warm database once its
// tenant is provisioned: the tenant row names the database from then on.
// One still provisioning, or whose tenant is gone, is left to its saga or
// to reconcile.
func (s *Service) forgetClaimed(ctx context.Context, w core.WarmDatabase) error {
	t, err := s.tenants.Tenant(ctx, w.TenantID)
	switch {
	case core.KindOf(err) == core.NotFound:
		return nil
	case err != nil:
		return err
	case t.Status == core.StatusProvisioning || t.Status == core.StatusFailed || t.Database != w.Database:
		return nil
	}
	return s.pool.DeleteWarm(ctx, w.ID)
}

// addWarm makes one warm database: recorded first (creating), so that a
// crash leaves an entry reconcile finds, then created and migrated, then
// ready. A failure removes what it made.
func (s *Service) addWarm(ctx context.Context, version int64) error {
	w, err := s.pool.AddWarm(ctx, s.server, s.warm.WarmName)
	if err != nil {
		return err
	}
	err = s.warm.CreateWarm(ctx, w.Database)
	if err == nil {
		err = s.pool.SetWarm(ctx, w.ID, core.WarmCreating, core.WarmReady, version)
	}
	if err != nil {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if core.KindOf(err) != core.Conflict { // a Conflict from CreateWarm: the database is not ours to drop
			err = errors.Join(err, s.warm.DropWarm(uctx, w.Database, 0))
		}
		return fmt.Errorf("warm database %s: %w", w.Database, errors.Join(err, s.pool.DeleteWarm(uctx, w.ID)))
	}
	return nil
}

// discard takes a ready entry out of the pool (so that no tenant claims it
// meanwhile), drops its database and removes it. Returns core.Conflict
// when it was claimed first.
func (s *Service) discard(ctx context.Context, w core.WarmDatabase) error {
	if err := s.pool.SetWarm(ctx, w.ID, core.WarmReady, core.WarmDiscarding, w.SchemaVersion); err != nil {
		return err
	}
	if err := s.warm.DropWarm(ctx, w.Database, 0); err != nil {
		return err
	}
	return s.pool.DeleteWarm(ctx, w.ID)
}

// migratePool brings the ready warm databases of server ("" for every
// server) to the current schema version; one whose migration fails is
// discarded, the pool makes a new one. Each is taken out of the pool while
// it migrates, so that no tenant claims it half-way.
func (s *Service) migratePool(ctx context.Context, server string) (migrated, discarded int, err error) {
	list, err := s.pool.WarmDatabases(ctx, server)
	if err != nil {
		return 0, 0, err
	}
	version := s.provisioner.Version()
	for _, w := range list {
		if w.State != core.WarmReady || w.SchemaVersion >= version || ctx.Err() != nil {
			continue
		}
		if err := s.pool.SetWarm(ctx, w.ID, core.WarmReady, core.WarmMigrating, w.SchemaVersion); core.KindOf(err) == core.Conflict {
			continue // claimed or taken meanwhile
		} else if err != nil {
			return migrated, discarded, err
		}
		if merr := s.warm.MigrateWarm(ctx, w.Database); merr != nil {
			// One whose marker is no longer ours stays (reconcile reports it); its entry goes.
			if err := s.warm.DropWarm(ctx, w.Database, 0); err != nil && core.KindOf(err) != core.Conflict {
				return migrated, discarded, fmt.Errorf("discard warm database %s: %w", w.Database, err)
			}
			if err := s.pool.DeleteWarm(ctx, w.ID); err != nil {
				return migrated, discarded, err
			}
			discarded++
			continue
		}
		if err := s.pool.SetWarm(ctx, w.ID, core.WarmMigrating, core.WarmReady, version); err != nil {
			return migrated, discarded, err
		}
		migrated++
	}
	return migrated, discarded, nil
}

// RefillPoolLeased is RefillPool run by one replica at a time, under the
// "warm-pool:<server>" lease; false when another replica holds it.
func (s *Service) RefillPoolLeased(ctx context.Context) (Refill, bool, error) {
	const ttl = time.Minute
	if s.leases == nil {
		return Refill{}, false, fmt.Errorf("leases are not configured")
	}
	ok, err := s.leases.Lease(ctx, "warm-pool:"+s.server, s.holder, ttl)
	if err != nil || !ok {
		return Refill{}, false, err
	}
	r, err := s.RefillPool(ctx)
	return r, true, err
}
