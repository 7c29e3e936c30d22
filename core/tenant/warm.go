package tenant

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// WithWarmPool keeps size databases ready on every active database server
// that has room (created, migrated, marked as this installation's and no
// tenant's; a server's Warm makes them), so that Create claims one instead
// of creating and migrating a database. Ready databases do not count
// against a server's capacity, but a server keeps no more of them than it
// has room for tenants, and a draining or full one none. With size 0
// nothing is claimed or made, but entries left from before are still known
// to reconcile and fleet migrations (and discarded by a refill).
func WithWarmPool(pool ports.WarmPool, size int) Option {
	return func(s *Service) {
		s.pool, s.poolSize = pool, size
		s.claimed = make(chan struct{}, 1)
	}
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

// bindStep is the first step of a tenant t that claimed w on srv: the
// claim (with the tenant row) names the database for reconcile already;
// the step marks it as t's. Its undo drops the claimed database whether or
// not it was bound to t yet, so it runs even when binding failed.
func (s *Service) bindStep(srv Server, t *core.Tenant, w core.WarmDatabase) step {
	return step{name: "bind_database", do: func(ctx context.Context) error {
		return srv.Warm.Bind(ctx, *t)
	}, undo: func(ctx context.Context) error { return s.discardClaimed(ctx, w) }, undoFailed: true}
}

// warmOn returns the server an entry is on and whether it makes warm databases;
// false when that server is not configured (or makes none): the entry is left alone.
func (s *Service) warmOn(name string) (Server, bool) {
	srv, err := s.serverNamed(name)
	return srv, err == nil && srv.Warm != nil
}

// discardClaimed drops a claimed warm database (unbound, or bound to the
// tenant that claimed it) and removes its entry.
func (s *Service) discardClaimed(ctx context.Context, w core.WarmDatabase) error {
	srv, ok := s.warmOn(w.Server)
	if !ok {
		return fmt.Errorf("warm database %s: database server %q is not configured", w.Database, w.Server)
	}
	if err := srv.Warm.DropWarm(ctx, w.Database, w.TenantID); err != nil {
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

func (r *Refill) add(o Refill) {
	r.Added, r.Migrated, r.Discarded = r.Added+o.Added, r.Migrated+o.Migrated, r.Discarded+o.Discarded
}

// poolTarget is how many ready databases srv keeps: the pool's size, at
// most the tenants it still has room for; none when it is draining or full,
// or makes no warm databases.
func (s *Service) poolTarget(srv Server, load core.Server) int {
	if srv.Warm == nil {
		return 0
	}
	free := load.Free()
	if free < 0 {
		return s.poolSize
	}
	return int(min(int64(s.poolSize), free))
}

// RefillPool brings the warm pool of every server to its target
// (poolTarget): ready entries behind the schema version are migrated
// (discarded when that fails), entries beyond the target discarded, and
// new ones made until there are as many ready or being made. Replicas
// should refill one at a time per server (RefillPoolLeased).
func (s *Service) RefillPool(ctx context.Context) (Refill, error) {
	r, _, err := s.refill(ctx, false)
	return r, err
}

// RefillPoolLeased is RefillPool run for each server by one replica at a
// time, under that server's "warm-pool:<server>" lease; false when another
// replica holds every one.
func (s *Service) RefillPoolLeased(ctx context.Context) (Refill, bool, error) {
	if s.leases == nil {
		return Refill{}, false, fmt.Errorf("leases are not configured")
	}
	return s.refill(ctx, true)
}

func (s *Service) refill(ctx context.Context, leased bool) (Refill, bool, error) {
	const ttl = time.Minute
	var total Refill
	if s.pool == nil {
		return total, false, nil
	}
	loads, err := s.Servers(ctx)
	if err != nil {
		return total, false, err
	}
	ran := false
	for i, srv := range s.servers {
		if srv.Warm == nil {
			continue
		}
		if leased {
			ok, err := s.leases.Lease(ctx, LeaseName("warm-pool:"+srv.Name), s.holder, ttl)
			if err != nil {
				return total, ran, err
			}
			if !ok {
				continue
			}
		}
		ran = true
		r, err := s.refillServer(ctx, srv, s.poolTarget(srv, loads[i]))
		total.add(r)
		if err != nil {
			return total, ran, fmt.Errorf("database server %s: %w", srv.Name, err)
		}
	}
	return total, ran, ctx.Err()
}

// maxLeaseName is what the control database's lease names hold.
const maxLeaseName = 40

// LeaseName fits name into a lease name: one longer than 30 characters
// keeps its first 30 and a hash of the whole, so that two long names
// (servers' names run to 32 characters) never share a lease.
func LeaseName(name string) string {
	if len(name) <= 30 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:30] + "~" + hex.EncodeToString(sum[:])[:maxLeaseName-31]
}

// refillServer brings the warm pool of srv to size.
func (s *Service) refillServer(ctx context.Context, srv Server, size int) (Refill, error) {
	var r Refill
	var err error
	if r.Migrated, r.Discarded, err = s.migratePool(ctx, srv.Name); err != nil {
		return r, err
	}
	list, err := s.pool.WarmDatabases(ctx, srv.Name)
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
		case have >= size:
			if err := s.discard(ctx, srv, w); err != nil && core.KindOf(err) != core.Conflict {
				return r, err
			} else if err == nil {
				r.Discarded++
			}
		default:
			have++
		}
	}
	for ; have < size && ctx.Err() == nil; have++ {
		if err := s.addWarm(ctx, srv, version); err != nil {
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
	case t.Status == core.StatusProvisioning || t.Status == core.StatusFailed:
		return nil
	}
	return s.pool.DeleteWarm(ctx, w.ID)
}

// addWarm makes one warm database on srv: recorded first (creating), so
// that a crash leaves an entry reconcile finds, then created and migrated,
// then ready. A failure removes what it made.
func (s *Service) addWarm(ctx context.Context, srv Server, version int64) error {
	w, err := s.pool.AddWarm(ctx, srv.Name, srv.Warm.WarmName)
	if err != nil {
		return err
	}
	err = srv.Warm.CreateWarm(ctx, w.Database)
	if err == nil {
		err = s.pool.SetWarm(ctx, w.ID, core.WarmCreating, core.WarmReady, version)
	}
	if err != nil {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if core.KindOf(err) != core.Conflict { // a Conflict from CreateWarm: the database is not ours to drop
			err = errors.Join(err, srv.Warm.DropWarm(uctx, w.Database, 0))
		}
		return fmt.Errorf("warm database %s: %w", w.Database, errors.Join(err, s.pool.DeleteWarm(uctx, w.ID)))
	}
	return nil
}

// discard takes a ready entry out of the pool (so that no tenant claims it
// meanwhile), drops its database and removes it. Returns core.Conflict
// when it was claimed first.
func (s *Service) discard(ctx context.Context, srv Server, w core.WarmDatabase) error {
	if err := s.pool.SetWarm(ctx, w.ID, core.WarmReady, core.WarmDiscarding, w.SchemaVersion); err != nil {
		return err
	}
	if err := srv.Warm.DropWarm(ctx, w.Database, 0); err != nil {
		return err
	}
	return s.pool.DeleteWarm(ctx, w.ID)
}

// migratePool brings the ready warm databases of server ("" for every
// server) to the current schema version; one whose migration fails is
// discarded, the pool makes a new one. Each is taken out of the pool while
// it migrates, so that no tenant claims it half-way. Entries on a server
// no longer configured are left alone.
func (s *Service) migratePool(ctx context.Context, server string) (migrated, discarded int, err error) {
	list, err := s.pool.WarmDatabases(ctx, server)
	if err != nil {
		return 0, 0, err
	}
	version := s.provisioner.Version()
	for _, w := range list {
		srv, ok := s.warmOn(w.Server)
		if !ok || w.State != core.WarmReady || w.SchemaVersion >= version || ctx.Err() != nil {
			continue
		}
		if err := s.pool.SetWarm(ctx, w.ID, core.WarmReady, core.WarmMigrating, w.SchemaVersion); core.KindOf(err) == core.Conflict {
			continue // claimed or taken meanwhile
		} else if err != nil {
			return migrated, discarded, err
		}
		if merr := srv.Warm.MigrateWarm(ctx, w.Database); merr != nil {
			// One whose marker is no longer ours stays (reconcile reports it); its entry goes.
			if err := srv.Warm.DropWarm(ctx, w.Database, 0); err != nil && core.KindOf(err) != core.Conflict {
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
