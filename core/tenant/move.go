package tenant

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// WithMoves lets tenants move between database servers: copier copies
// their databases; settle is how long every replica may take to see that a
// tenant became read-only (or was switched) before the move goes on: at
// least the lifetime of a cached tenant.
func WithMoves(copier ports.DatabaseCopier, settle time.Duration) Option {
	return func(s *Service) { s.copier, s.settle = copier, settle }
}

// Moved is what a move did.
type Moved struct {
	Tenant   core.Tenant // as switched to its new server
	From, To string
	core.CopyStats
	Took     time.Duration // the whole move
	ReadOnly time.Duration // how long the tenant's writes were refused
}

// Move copies tenant id's database to server to and switches the tenant
// there: BeginMove, then FinishMove. Returns what BeginMove returns, or
// the error of the step that failed (the move then undone).
func (s *Service) Move(ctx context.Context, id int64, to string) (Moved, error) {
	t, err := s.BeginMove(ctx, id, to)
	if err != nil {
		return Moved{}, err
	}
	return s.FinishMove(ctx, t)
}

// BeginMove checks that tenant id can move to server to and makes it
// read-only for the copy, recorded (moving_to) so that reconcile can undo
// a move whose process died. Returns core.NotFound, core.Invalid (no such
// server, the tenant is there already, moves are not configured),
// core.Conflict (already moving, not in a state to move) or
// core.Unavailable (the target is draining or full).
func (s *Service) BeginMove(ctx context.Context, id int64, to string) (core.Tenant, error) {
	if s.copier == nil {
		return core.Tenant{}, invalidTo("moving tenants needs MySQL database servers (database.servers)")
	}
	dst, err := s.serverNamed(to)
	if err != nil {
		return core.Tenant{}, invalidTo("no such database server; one of " + strings.Join(s.serverNames(), ", "))
	}
	t, err := s.Get(ctx, id)
	if err != nil {
		return core.Tenant{}, err
	}
	if core.ServerName(t.Server) == dst.Name {
		return core.Tenant{}, invalidTo("the tenant is on " + dst.Name + " already")
	}
	servers, err := s.Servers(ctx)
	if err != nil {
		return core.Tenant{}, err
	}
	for _, srv := range servers {
		if srv.Name == dst.Name && srv.Free() == 0 {
			return core.Tenant{}, core.Errorf(core.Unavailable, "database server %s takes no more tenants (%s, %d of %d)", dst.Name, srv.State, srv.Tenants, srv.Capacity)
		}
	}
	// The copy is made at the current schema version on both sides.
	if t, err = s.Current(ctx, t); err != nil {
		return core.Tenant{}, err
	}
	actx := core.WithAudit(ctx, "tenant.move", "tenant", strconv.FormatInt(id, 10), map[string]any{"from": core.ServerName(t.Server), "to": dst.Name})
	t, err = s.tenants.UpdateTenant(actx, id, func(r *core.Tenant) error {
		switch {
		case r.MovingTo != "" || r.MovedFrom != "":
			return core.Errorf(core.Conflict, "tenant %d is being moved already", id)
		case r.Gone():
			return core.Errorf(core.NotFound, "tenant not found")
		case r.Status != core.StatusActive && r.Status != core.StatusTrial && r.Status != core.StatusInactive:
			return core.Errorf(core.Conflict, "tenant %d is %s: only a ready tenant moves", id, r.Status)
		case r.Database == "" || r.SchemaVersion != s.provisioner.Version():
			return core.Errorf(core.Conflict, "tenant %d's database is not at the current schema version; run saasd tenants migrate first", id)
		}
		r.MovingTo = dst.Name
		return nil
	})
	if err != nil {
		return core.Tenant{}, err
	}
	s.record(ctx, id, "move_begin", core.StepDone, nil)
	return t, nil
}

// FinishMove copies t (made read-only by BeginMove) to its target server:
// creates its database there at the same schema version, copies every
// row from one consistent snapshot, verifies each table (row count and
// checksum against the source as it is now), creates its login there,
// switches the control database to the new copy and drops the old one.
// A step that fails undoes the ones before it and the tenant is writable
// on its old server again; a process that dies leaves the steps recorded
// for reconcile to undo (before the switch) or finish (after it).
func (s *Service) FinishMove(ctx context.Context, t core.Tenant) (Moved, error) {
	if !t.Moving() {
		return Moved{}, core.Errorf(core.Conflict, "tenant %d has no move begun", t.ID)
	}
	start := s.clock.Now()
	out := Moved{From: core.ServerName(t.Server), To: t.MovingTo}
	src, err := s.serverOf(t)
	if err != nil {
		return out, err
	}
	dst, err := s.serverNamed(t.MovingTo)
	if err != nil {
		return out, err
	}
	// Keep the row fresh while the copy runs, so that no reconcile takes
	// the move for abandoned.
	beat, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	go func() {
		tick := time.NewTicker(30 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-beat.Done():
				return
			case <-tick.C:
				_, _ = s.tenants.UpdateTenant(beat, t.ID, func(*core.Tenant) error { return nil })
			}
		}
	}()
	// Every replica stops writing before the snapshot is taken.
	if err := s.wait(ctx, s.settle); err != nil {
		return out, s.undoMove(ctx, t, dst, nil, err)
	}
	target := t
	target.Server, target.Database, target.DBUser, target.DBSecret, target.MovingTo = dst.Name, "", "", "", ""
	type moveStep struct {
		name string
		do   func(context.Context) error
		undo func(context.Context) error
	}
	steps := []moveStep{
		{name: "move_create", do: func(ctx context.Context) error {
			db, err := dst.Provisioner.Create(ctx, target)
			target.Database = db
			return err
		}, undo: func(ctx context.Context) error { return dst.Provisioner.Drop(ctx, target) }},
		{name: "move_migrate", do: func(ctx context.Context) error { return dst.Provisioner.Migrate(ctx, target) }},
		{name: "move_copy", do: func(ctx context.Context) error {
			stats, err := s.copier.CopyRows(ctx, t, target)
			out.CopyStats = stats
			return err
		}},
		{name: "move_verify", do: func(ctx context.Context) error { return s.verifyCopy(ctx, t, target) }},
	}
	if dst.Users != nil {
		steps = append(steps, moveStep{name: "move_login", do: func(ctx context.Context) error {
			user, password, err := dst.Users.CreateUser(ctx, target)
			if err != nil {
				return err
			}
			target.DBUser = user
			target.DBSecret, err = s.sealer.Seal(password)
			return err
		}, undo: func(ctx context.Context) error { return dst.Users.DropUser(ctx, target) }})
	}
	steps = append(steps, moveStep{name: "move_switch", do: func(ctx context.Context) error {
		switched, err := s.tenants.UpdateTenant(ctx, t.ID, func(r *core.Tenant) error {
			if r.MovingTo != dst.Name {
				return core.Errorf(core.Conflict, "the move of tenant %d was undone meanwhile", t.ID)
			}
			r.Server, r.Database, r.DBUser, r.DBSecret = target.Server, target.Database, target.DBUser, target.DBSecret
			r.MovingTo, r.MovedFrom = "", src.Name
			return nil
		})
		out.Tenant = switched
		return err
	}})
	var done []func(context.Context) error
	for _, st := range steps {
		err := st.do(ctx)
		failed := st.name
		if err == nil {
			s.record(ctx, t.ID, st.name, core.StepDone, nil)
			if st.undo != nil {
				done = append(done, st.undo)
			}
			if s.fault != nil {
				if err = s.fault(ctx, st.name); err != nil {
					failed = "after_" + st.name
				}
			}
		}
		if err == nil {
			continue
		}
		s.record(ctx, t.ID, failed, core.StepFailed, err)
		err = fmt.Errorf("move tenant %d to %s: %s: %w", t.ID, dst.Name, failed, err)
		if failed == "after_move_switch" {
			return out, err // switched: reconcile drops the old copy
		}
		return out, s.undoMove(ctx, t, dst, done, err)
	}
	out.ReadOnly = s.clock.Now().Sub(start)
	// Replicas that still hold the old row read the old copy a moment more.
	_ = s.wait(ctx, s.settle)
	old := t
	old.MovingTo = ""
	if err := s.dropOldCopy(ctx, src, old); err != nil {
		// The tenant is moved; reconcile drops the old copy later.
		s.record(ctx, t.ID, "move_drop_old", core.StepFailed, err)
	} else {
		out.Tenant.MovedFrom = ""
	}
	out.Took = s.clock.Now().Sub(start)
	return out, nil
}

// verifyCopy compares every table of the two copies.
func (s *Service) verifyCopy(ctx context.Context, from, to core.Tenant) error {
	a, err := s.copier.Checksums(ctx, from)
	if err != nil {
		return err
	}
	b, err := s.copier.Checksums(ctx, to)
	if err != nil {
		return err
	}
	var bad []string
	for _, table := range slices.Sorted(maps.Keys(a)) {
		if got, ok := b[table]; !ok || got != a[table] {
			bad = append(bad, fmt.Sprintf("%s (%d rows, sum %s; copy: %d rows, sum %s)", table, a[table].Rows, a[table].Sum, got.Rows, got.Sum))
		}
	}
	for table := range b {
		if _, ok := a[table]; !ok {
			bad = append(bad, table+" (only in the copy)")
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the copy differs from the source in %s", strings.Join(bad, ", "))
	}
	return nil
}

// undoMove undoes the steps done (newest first) and makes t writable on its
// old server again. When an undo fails the tenant stays moving, read-only
// but served, for reconcile to finish undoing.
func (s *Service) undoMove(ctx context.Context, t core.Tenant, dst Server, done []func(context.Context) error, cause error) error {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for i := len(done) - 1; i >= 0; i-- {
		if err := done[i](uctx); err != nil {
			s.record(uctx, t.ID, "move_undo", core.StepUndoFailed, err)
			return cause
		}
	}
	if _, err := s.tenants.UpdateTenant(uctx, t.ID, func(r *core.Tenant) error {
		if r.MovingTo == dst.Name {
			r.MovingTo = ""
		}
		return nil
	}); err != nil {
		return cause
	}
	s.record(uctx, t.ID, "move_begin", core.StepUndone, nil)
	return cause
}

// dropOldCopy drops the database and login a switched move left on src,
// and clears the record of them.
func (s *Service) dropOldCopy(ctx context.Context, src Server, old core.Tenant) error {
	old.Server = src.Name
	if src.Users != nil {
		if err := src.Users.DropUser(ctx, old); err != nil {
			return err
		}
	}
	if err := src.Provisioner.Drop(ctx, old); err != nil {
		return err
	}
	_, err := s.tenants.UpdateTenant(ctx, old.ID, func(r *core.Tenant) error {
		if r.MovedFrom == src.Name {
			r.MovedFrom = ""
		}
		return nil
	})
	if err == nil {
		s.record(ctx, old.ID, "move_drop_old", core.StepDone, nil)
	}
	return err
}

// reconcileMove undoes a move abandoned before its switch (the copy on
// the target dropped, the tenant writable again on its server) or
// finishes one abandoned after it (the old copy dropped). It reports
// whether there was one.
func (s *Service) reconcileMove(ctx context.Context, t core.Tenant) (bool, error) {
	switch {
	case t.MovingTo != "":
		dst, err := s.serverNamed(t.MovingTo)
		if err != nil {
			return true, err
		}
		copyOf := t
		copyOf.Server, copyOf.MovingTo = dst.Name, ""
		copyOf.Database = dst.Provisioner.Name(t)
		var undo []func(context.Context) error
		if dst.Users != nil {
			undo = append(undo, func(ctx context.Context) error { return dst.Users.DropUser(ctx, copyOf) })
		}
		undo = append(undo, func(ctx context.Context) error { return dst.Provisioner.Drop(ctx, copyOf) })
		// undoMove runs them newest first: the database, then the login.
		if err := s.undoMove(ctx, t, dst, undo, nil); err != nil {
			return true, err
		}
		if fresh, err := s.tenants.Tenant(ctx, t.ID); err != nil || fresh.MovingTo != "" {
			return true, fmt.Errorf("undo the move of tenant %d to %s: see its provisioning steps", t.ID, dst.Name)
		}
		return true, nil
	case t.MovedFrom != "":
		src, err := s.serverNamed(t.MovedFrom)
		if err != nil {
			return true, err
		}
		old := t
		old.MovedFrom, old.DBUser, old.DBSecret = "", "", ""
		// Found by its marker: a database claimed from the warm pool is
		// not named for its tenant.
		db, err := s.copyOn(ctx, src, t)
		if err != nil {
			return true, err
		}
		old.Database = db
		if db == "" {
			old.Database = src.Provisioner.Name(t) // gone already: only the login and the record are left
		}
		return true, s.dropOldCopy(ctx, src, old)
	}
	return false, nil
}

// invalidTo refuses a move's target, saying why in the message too (the
// CLI shows the message alone).
func invalidTo(why string) error {
	return &core.Error{Kind: core.Invalid, Message: "to: " + why, Fields: map[string]string{"to": why}}
}

// wait waits d or until ctx ends.
func (s *Service) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func (s *Service) serverNames() []string {
	names := make([]string, len(s.servers))
	for i, srv := range s.servers {
		names[i] = srv.Name
	}
	return names
}
