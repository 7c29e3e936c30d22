package tenant

import (
	"context"
	"fmt"
	"slices"
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
	// Moves are tenants whose move between servers was abandoned: undone
	// before its switch (the copy dropped), finished after it (the old
	// copy dropped).
	Moves []int64
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
	// WarmUnreachable are warm pool entries on a database server no longer
	// configured: reported, never removed, as their databases are still
	// there ("name (state) on server").
	WarmUnreachable []string
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
	return len(r.Compensated)+len(r.Deleted)+len(r.Purged)+len(r.Orphans)+len(r.Foreign)+len(r.OrphanUsers)+len(r.Missing)+len(r.Moves)+
		len(r.WarmBroken)+len(r.WarmRemoved)+len(r.WarmUnreachable) == 0
}

// Reconcile makes the control database and the tenant databases on every
// database server agree after a crash: tenants left in provisioning (or
// failed) for longer than stale are undone (their database dropped, their row removed),
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
	var entries []core.WarmDatabase
	claims := map[int64]core.WarmDatabase{}
	if s.pool != nil {
		if entries, err = s.pool.WarmDatabases(ctx, ""); err != nil {
			return rec, err
		}
		for _, w := range entries {
			if w.State == core.WarmClaimed {
				claims[w.TenantID] = w
			}
		}
	}
	// Each server is reconciled on its own: what is expected there is the
	// databases of the tenants recorded on it.
	expected := map[string]map[string]bool{}
	for _, srv := range s.servers {
		expected[srv.Name] = map[string]bool{}
	}
	for _, t := range all {
		srv, err := s.serverOf(t)
		if err != nil {
			return rec, err
		}
		moving := t.MovingTo != "" || t.MovedFrom != ""
		switch {
		case moving && !t.UpdatedAt.After(cutoff):
			if _, err := s.reconcileMove(ctx, t); err != nil {
				return rec, fmt.Errorf("tenant %d: abandoned move: %w", t.ID, err)
			}
			rec.Moves = append(rec.Moves, t.ID)
			if fresh, err := s.tenants.Tenant(ctx, t.ID); err == nil {
				t = fresh
			}
			srv, _ = s.serverOf(t)
			expected[srv.Name][t.Database] = true
		case (t.Status == core.StatusProvisioning || t.Status == core.StatusFailed) && !t.UpdatedAt.After(cutoff):
			if w, ok := claims[t.ID]; ok {
				if err := s.undoClaimed(ctx, srv, t, w); err != nil {
					return rec, fmt.Errorf("undo tenant %d: %w", t.ID, err)
				}
				t.Database = ""
			}
			if t.Database == "" {
				// It may exist if the crash came before it was recorded: only
				// its marker can say that it is this tenant's.
				if name := srv.Provisioner.Name(t); s.ours(ctx, srv, name, t.ID) {
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
			// Alive, or in flight elsewhere: its database is expected, and
			// the other copy of one being moved.
			expected[srv.Name][srv.Provisioner.Name(t)] = true
			if t.Database != "" {
				expected[srv.Name][t.Database] = true
			}
			for _, other := range []string{t.MovingTo, t.MovedFrom} {
				if o, err := s.serverNamed(other); other != "" && err == nil {
					expected[o.Name][o.Provisioner.Name(t)] = true
					if other == t.MovedFrom { // the old copy: a claimed warm database keeps its own name
						if db, err := s.copyOn(ctx, o, t); err == nil && db != "" {
							expected[o.Name][db] = true
						}
					}
					rec.InProgress = append(rec.InProgress, InProgress{ID: t.ID, Status: "moving", Age: s.clock.Now().Sub(t.UpdatedAt)})
				}
			}
		}
	}
	tenants := map[int64]core.Tenant{}
	for _, t := range all {
		tenants[t.ID] = t
	}
	present := map[string]map[string]bool{}
	for _, srv := range s.servers {
		var pool []core.WarmDatabase
		for _, w := range entries {
			if w.Server == srv.Name {
				pool = append(pool, w)
			}
		}
		warm := warmCheck{entries: pool, tenants: tenants, cutoff: cutoff}
		if present[srv.Name], err = s.reconcileServer(ctx, srv, expected[srv.Name], fix, &rec, warm); err != nil {
			return rec, fmt.Errorf("database server %s: %w", srv.Name, err)
		}
	}
	// Entries on a server taken out of database.servers cannot be
	// reached: reported, never removed, as their databases are still there.
	for _, w := range entries {
		if _, err := s.serverNamed(w.Server); err != nil {
			rec.WarmUnreachable = append(rec.WarmUnreachable, fmt.Sprintf("%s (%s) on %s", w.Database, w.State, core.ServerName(w.Server)))
		}
	}
	repaired := map[int64]bool{}
	for _, id := range slices.Concat(rec.Compensated, rec.Purged, rec.Deleted) {
		repaired[id] = true
	}
	for _, t := range all {
		ready := t.Status == core.StatusActive || t.Status == core.StatusTrial || t.Status == core.StatusInactive || t.Status == core.StatusDeleted
		srv, _ := s.serverOf(t)
		if ready && !repaired[t.ID] && (t.Database == "" || !present[srv.Name][t.Database]) {
			rec.Missing = append(rec.Missing, t.ID)
		}
	}
	return rec, nil
}

// reconcileServer reports (and with fix drops) the databases and logins on
// srv that no tenant recorded there expects, and returns the databases
// present on it.
func (s *Service) reconcileServer(ctx context.Context, srv Server, expected map[string]bool, fix bool, rec *Reconciliation, warm warmCheck) (map[string]bool, error) {
	dbs, err := srv.Provisioner.Databases(ctx)
	if err != nil {
		return nil, err
	}
	// Checked after the databases are listed, so that every warm database
	// listed has its entry (entries are recorded before their database).
	if err := s.reconcileWarm(ctx, srv, rec, fix, warm, dbs, expected); err != nil {
		return nil, err
	}
	present, ownOrphans := map[string]bool{}, map[string]bool{}
	for _, db := range dbs {
		present[db] = true
		if expected[db] {
			continue
		}
		m, err := srv.Provisioner.Marker(ctx, db)
		if err != nil {
			return nil, err
		}
		if m.Installation != s.installation || (m.TenantID == 0 && srv.Warm == nil) {
			rec.Foreign = append(rec.Foreign, db)
			continue
		}
		rec.Orphans = append(rec.Orphans, db)
		ownOrphans[db] = true
		if fix {
			drop := func() error {
				return srv.Provisioner.Drop(ctx, core.Tenant{ID: m.TenantID, Database: db, Server: srv.Name})
			}
			if m.TenantID == 0 { // a warm database whose entry is gone
				drop = func() error { return srv.Warm.DropWarm(ctx, db, 0) }
			}
			if err := drop(); err != nil {
				return nil, fmt.Errorf("drop orphan %s: %w", db, err)
			}
			rec.Dropped = append(rec.Dropped, db)
		}
	}
	if srv.Users == nil {
		return present, nil
	}
	users, err := srv.Users.Users(ctx)
	if err != nil {
		return nil, err
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
			if err := srv.Users.DropUserNamed(ctx, u); err != nil {
				return nil, fmt.Errorf("drop orphan login %s: %w", u, err)
			}
			rec.Dropped = append(rec.Dropped, u)
		}
	}
	return present, nil
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

// ours reports whether database exists on srv and is marked as this installation's
// for tenant id.
func (s *Service) ours(ctx context.Context, srv Server, database string, id int64) bool {
	m, err := srv.Provisioner.Marker(ctx, database)
	return err == nil && m.Installation == s.installation && m.TenantID == id
}

// undoClaimed undoes the provisioning of t on srv, which claimed w: its
// login goes, then the database (bound to t or not yet) and the entry.
func (s *Service) undoClaimed(ctx context.Context, srv Server, t core.Tenant, w core.WarmDatabase) error {
	if srv.Users != nil {
		if err := srv.Users.DropUser(ctx, t); err != nil {
			return err
		}
	}
	return s.discardClaimed(ctx, w)
}

// warmCheck is what reconcileWarm checks one server's pool against: its
// entries, every tenant by ID, and the time before which work in progress
// counts as abandoned.
type warmCheck struct {
	entries []core.WarmDatabase
	tenants map[int64]core.Tenant
	cutoff  time.Time
}

// reconcileWarm checks the warm pool entries of srv against the databases
// listed there (dbs) and adds every entry's database to expected: entries
// abandoned half-way go with their database, as do claimed ones whose
// tenant is gone; entries done with (their tenant holds the database) are
// forgotten; ready entries whose database is missing or marked otherwise
// are reported, and removed with fix (their database dropped only when it
// is an unclaimed one of ours).
func (s *Service) reconcileWarm(ctx context.Context, srv Server, rec *Reconciliation, fix bool, c warmCheck, dbs []string, expected map[string]bool) error {
	if len(c.entries) == 0 || srv.Warm == nil {
		return nil
	}
	present := map[string]bool{}
	for _, db := range dbs {
		present[db] = true
	}
	for _, w := range c.entries {
		expected[w.Database] = true
		stale := !w.UpdatedAt.After(c.cutoff)
		switch w.State {
		case core.WarmCreating, core.WarmMigrating, core.WarmDiscarding:
			if !stale {
				continue
			}
			// A crash before the marker was written leaves a database
			// nothing says is ours: the entry goes, the database stays
			// (reported as foreign from now on).
			if err := srv.Warm.DropWarm(ctx, w.Database, 0); err != nil && core.KindOf(err) != core.Conflict {
				return fmt.Errorf("remove abandoned warm database %s: %w", w.Database, err)
			}
			if err := s.pool.DeleteWarm(ctx, w.ID); err != nil {
				return err
			}
			rec.WarmRemoved = append(rec.WarmRemoved, w.Database)
		case core.WarmClaimed:
			t, ok := c.tenants[w.TenantID]
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
			} else if m, err := srv.Provisioner.Marker(ctx, w.Database); err != nil {
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
			if present[w.Database] {
				// Marked otherwise: not ours to drop; reported as an orphan or foreign from now on.
				delete(expected, w.Database)
			}
			if err := s.pool.DeleteWarm(ctx, w.ID); err != nil {
				return err
			}
			rec.WarmRemoved = append(rec.WarmRemoved, w.Database)
		}
	}
	return nil
}

// copyOn finds the database of t on srv by its marker (this
// installation's, for t): named for t, or a claimed warm database, which
// keeps the name it was made with. "" when there is none.
func (s *Service) copyOn(ctx context.Context, srv Server, t core.Tenant) (string, error) {
	if name := srv.Provisioner.Name(t); s.ours(ctx, srv, name, t.ID) {
		return name, nil
	}
	dbs, err := srv.Provisioner.Databases(ctx)
	if err != nil {
		return "", err
	}
	for _, db := range dbs {
		if s.ours(ctx, srv, db, t.ID) {
			return db, nil
		}
	}
	return "", nil
}
