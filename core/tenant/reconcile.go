package tenant

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/saasd/saasd/core"
)

// Reconciliation is what Reconcile found and did.
type Reconciliation struct {
	Compensated []int64  // tenants stuck in provisioning (or failed) whose work was undone
	Deleted     []int64  // tenants stuck in deleting whose deletion was finished
	Purged      []int64  // deleted tenants whose retention passed, now dropped
	Orphans     []string // databases marked as this installation's that belong to no tenant
	Foreign     []string // tenant-looking databases not marked as this installation's: never touched
	OrphanUsers []string // tenant-looking database logins that belong to no tenant
	Dropped     []string // orphans (databases and logins) removed (with fix)
	Missing     []int64  // tenants that should have a database and have none
	// InProgress are tenants in provisioning, deleting or failed that are
	// younger than stale: left alone, since another replica may be at work.
	InProgress []InProgress
	// WarmBroken are ready warm pool entries whose database is missing or
	// not marked as this installation's unclaimed one ("name: why").
	WarmBroken []string
	// WarmRemoved are warm pool entries removed with their database:
	// abandoned half-way (made, migrated or discarded for longer than
	// stale), claimed by a tenant that is gone, or broken (with fix).
	WarmRemoved []string
}

// InProgress is a tenant whose provisioning or deletion has not finished.
type InProgress struct {
	ID     int64
	Status core.Status
	Age    time.Duration // since its last change of state
}

// Clean reports whether there was nothing to repair or report, tenants in
// progress aside (the background janitor sees them all the time; the
// reconcile command lists them).
func (r Reconciliation) Clean() bool {
	return len(r.Compensated)+len(r.Deleted)+len(r.Purged)+len(r.Orphans)+len(r.Foreign)+len(r.OrphanUsers)+len(r.Missing)+
		len(r.WarmBroken)+len(r.WarmRemoved) == 0
}

// Reconcile makes the control database and the set of tenant databases
// agree after a crash: tenants left in provisioning (or failed) for longer
// than stale are undone (their database dropped, their row removed),
// deletions left half-way are finished, and databases marked as this
// installation's that belong to no tenant are reported, and dropped when fix
// is set. A tenant-looking database without this installation's marker is
// reported as foreign and never touched: another installation on the same
// server, or one whose control database was lost. Tenants younger than
// stale may be in the hands of another replica and are left alone.
func (s *Service) Reconcile(ctx context.Context, fix bool, stale time.Duration) (Reconciliation, error) {
	var rec Reconciliation
	cutoff := s.clock.Now().Add(-stale)
	all, err := s.allTenants(ctx)
	if err != nil {
		return rec, err
	}
	// A tenant that claimed a warm database may have died before binding
	// it: the claim, not the marker, says the database is the tenant's.
	claims := map[int64]core.WarmDatabase{}
	if s.pool != nil {
		entries, err := s.pool.WarmDatabases(ctx, "")
		if err != nil {
			return rec, err
		}
		for _, w := range entries {
			if w.State == core.WarmClaimed {
				claims[w.TenantID] = w
			}
		}
	}
	expected := map[string]bool{}
	for _, t := range all {
		switch {
		case (t.Status == core.StatusProvisioning || t.Status == core.StatusFailed) && !t.UpdatedAt.After(cutoff):
			if w, ok := claims[t.ID]; ok {
				if err := s.undoClaimed(ctx, t, w); err != nil {
					return rec, fmt.Errorf("undo tenant %d: %w", t.ID, err)
				}
				t.Database = ""
			}
			if t.Database == "" {
				// It may exist if the crash came before it was recorded: only
				// its marker can say that it is this tenant's.
				if name := s.provisioner.Name(t); s.ours(ctx, name, t.ID) {
					t.Database = name
				}
			}
			if err := s.dropDatabase(ctx, t); err != nil {
				return rec, fmt.Errorf("undo tenant %d: %w", t.ID, err)
			}
			s.record(ctx, t.ID, "reconcile", core.StepUndone, nil)
			if err := s.tenants.DeleteTenant(ctx, t.ID); err != nil && core.KindOf(err) != core.NotFound {
				return rec, err
			}
			rec.Compensated = append(rec.Compensated, t.ID)
		case t.Status == core.StatusDeleted && t.DeletedAt != nil && !s.clock.Now().Before(t.DeletedAt.Add(s.retention)):
			if err := s.purge(ctx, t); err != nil {
				return rec, fmt.Errorf("purge tenant %d: %w", t.ID, err)
			}
			rec.Purged = append(rec.Purged, t.ID)
		case t.Status == core.StatusDeleting && !t.UpdatedAt.After(cutoff):
			if err := s.dropDatabase(ctx, t); err != nil {
				return rec, fmt.Errorf("finish deleting tenant %d: %w", t.ID, err)
			}
			if err := s.tenants.DeleteTenant(ctx, t.ID); err != nil && core.KindOf(err) != core.NotFound {
				return rec, err
			}
			rec.Deleted = append(rec.Deleted, t.ID)
		default:
			if t.Status == core.StatusProvisioning || t.Status == core.StatusFailed || t.Status == core.StatusDeleting {
				rec.InProgress = append(rec.InProgress, InProgress{ID: t.ID, Status: t.Status, Age: s.clock.Now().Sub(t.UpdatedAt)})
			}
			// Alive, or in flight elsewhere: its database is expected.
			expected[s.provisioner.Name(t)] = true
			if t.Database != "" {
				expected[t.Database] = true
			}
		}
	}
	dbs, err := s.provisioner.Databases(ctx)
	if err != nil {
		return rec, err
	}
	// Read after the databases, so that every warm database listed has
	// its entry (entries are recorded before their database is made).
	if err := s.reconcileWarm(ctx, &rec, fix, cutoff, all, dbs, expected); err != nil {
		return rec, err
	}
	present, ownOrphans := map[string]bool{}, map[string]bool{}
	for _, db := range dbs {
		present[db] = true
		if expected[db] {
			continue
		}
		m, err := s.provisioner.Marker(ctx, db)
		if err != nil {
			return rec, err
		}
		if m.Installation != s.installation || (m.TenantID == 0 && s.warm == nil) {
			rec.Foreign = append(rec.Foreign, db)
			continue
		}
		rec.Orphans = append(rec.Orphans, db)
		ownOrphans[db] = true
		if fix {
			drop := func() error { return s.provisioner.Drop(ctx, core.Tenant{ID: m.TenantID, Database: db}) }
			if m.TenantID == 0 { // a warm database whose entry is gone
				drop = func() error { return s.warm.DropWarm(ctx, db, 0) }
			}
			if err := drop(); err != nil {
				return rec, fmt.Errorf("drop orphan %s: %w", db, err)
			}
			rec.Dropped = append(rec.Dropped, db)
		}
	}
	if s.users != nil {
		users, err := s.users.Users(ctx)
		if err != nil {
			return rec, err
		}
		for _, u := range users {
			if expected[u] { // a login is named like its tenant's database
				continue
			}
			rec.OrphanUsers = append(rec.OrphanUsers, u)
			// A login has no marker of its own: it goes only with its
			// database (named alike) when that was this installation's, or
			// when its name carries this installation's own tag.
			if fix && (ownOrphans[u] || (s.ownPrefix != "" && strings.HasPrefix(u, s.ownPrefix) && !present[u])) {
				if err := s.users.DropUserNamed(ctx, u); err != nil {
					return rec, fmt.Errorf("drop orphan login %s: %w", u, err)
				}
				rec.Dropped = append(rec.Dropped, u)
			}
		}
	}
	for _, t := range all {
		ready := t.Status == core.StatusActive || t.Status == core.StatusTrial || t.Status == core.StatusInactive || t.Status == core.StatusDeleted
		if ready && (t.Database == "" || !present[t.Database]) {
			rec.Missing = append(rec.Missing, t.ID)
		}
	}
	return rec, nil
}

// allTenants reads every tenant row, whatever its status.
func (s *Service) allTenants(ctx context.Context) ([]core.Tenant, error) {
	var all []core.Tenant
	for _, st := range []core.Status{core.StatusProvisioning, core.StatusFailed, core.StatusDeleting, core.StatusDeleted, core.StatusActive, core.StatusTrial, core.StatusInactive} {
		for page := 1; ; page++ {
			batch, _, err := s.tenants.Tenants(ctx, core.TenantFilter{Status: st, Page: page, PerPage: core.MaxPerPage})
			if err != nil {
				return nil, err
			}
			all = append(all, batch...)
			if len(batch) < core.MaxPerPage {
				break
			}
		}
	}
	return all, nil
}

// ours reports whether database exists and is marked as this installation's
// for tenant id.
func (s *Service) ours(ctx context.Context, database string, id int64) bool {
	m, err := s.provisioner.Marker(ctx, database)
	return err == nil && m.Installation == s.installation && m.TenantID == id
}

// undoClaimed undoes the provisioning of t, which claimed w: its login
// goes, then the database (bound to t or not yet) and the entry.
func (s *Service) undoClaimed(ctx context.Context, t core.Tenant, w core.WarmDatabase) error {
	if s.users != nil {
		if err := s.users.DropUser(ctx, t); err != nil {
			return err
		}
	}
	return s.discardClaimed(ctx, w)
}

// reconcileWarm checks the warm pool's entries against the databases
// listed (dbs) and adds every entry's database to expected: entries
// abandoned half-way for longer than stale (cutoff) go with their
// database, as do claimed ones whose tenant is gone; entries done with
// (their tenant holds the database) are forgotten; ready entries whose
// database is missing or marked otherwise are reported, and removed with
// fix (their database dropped only when it is an unclaimed one of ours).
func (s *Service) reconcileWarm(ctx context.Context, rec *Reconciliation, fix bool, cutoff time.Time, all []core.Tenant, dbs []string, expected map[string]bool) error {
	if s.pool == nil {
		return nil
	}
	entries, err := s.pool.WarmDatabases(ctx, "")
	if err != nil {
		return err
	}
	tenants := map[int64]core.Tenant{}
	for _, t := range all {
		tenants[t.ID] = t
	}
	present := map[string]bool{}
	for _, db := range dbs {
		present[db] = true
	}
	for _, w := range entries {
		expected[w.Database] = true
		stale := !w.UpdatedAt.After(cutoff)
		switch w.State {
		case core.WarmCreating, core.WarmMigrating, core.WarmDiscarding:
			if !stale {
				continue
			}
			// A crash before the marker was written leaves a database
			// nothing says is ours: the entry goes, the database stays
			// (reported as foreign from now on).
			if err := s.warm.DropWarm(ctx, w.Database, 0); err != nil && core.KindOf(err) != core.Conflict {
				return fmt.Errorf("remove abandoned warm database %s: %w", w.Database, err)
			}
			if err := s.pool.DeleteWarm(ctx, w.ID); err != nil {
				return err
			}
			rec.WarmRemoved = append(rec.WarmRemoved, w.Database)
		case core.WarmClaimed:
			t, ok := tenants[w.TenantID]
			switch {
			case ok && t.Status != core.StatusProvisioning && t.Status != core.StatusFailed:
				if err := s.forgetClaimed(ctx, w); err != nil { // the tenant holds it: nothing left to track
					return err
				}
			case ok || !stale:
				// In the hands of a provisioning tenant (undone above when stale).
			default:
				if err := s.discardClaimed(ctx, w); err != nil {
					return fmt.Errorf("remove warm database %s of gone tenant %d: %w", w.Database, w.TenantID, err)
				}
				rec.WarmRemoved = append(rec.WarmRemoved, w.Database)
			}
		case core.WarmReady:
			why := ""
			if !present[w.Database] {
				why = "its database is missing"
			} else if m, err := s.provisioner.Marker(ctx, w.Database); err != nil {
				return err
			} else if m.Installation != s.installation || m.TenantID != 0 {
				why = "its database is not marked as this installation's unclaimed one"
			}
			if why == "" {
				continue
			}
			rec.WarmBroken = append(rec.WarmBroken, w.Database+": "+why)
			if !fix {
				continue
			}
			// Taken out of the pool first, so that no tenant claims it meanwhile.
			if err := s.pool.SetWarm(ctx, w.ID, core.WarmReady, core.WarmDiscarding, w.SchemaVersion); core.KindOf(err) == core.Conflict {
				continue
			} else if err != nil {
				return err
			}
			if present[w.Database] && why != "its database is missing" {
				// Marked otherwise: not ours to drop; reported as an orphan or foreign from now on.
				delete(expected, w.Database)
			} else if err := s.warm.DropWarm(ctx, w.Database, 0); err != nil {
				return err
			}
			if err := s.pool.DeleteWarm(ctx, w.ID); err != nil {
				return err
			}
			rec.WarmRemoved = append(rec.WarmRemoved, w.Database)
		}
	}
	return nil
}
