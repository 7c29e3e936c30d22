package tenant

import (
	"context"
	"fmt"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// Server is a database server tenants are placed on, with the provisioner
// of the tenant databases on it and, when tenants have logins of their
// own, its logins.
type Server struct {
	core.Server
	Provisioner ports.Provisioner
	Users       ports.DatabaseUsers // nil: no login per tenant
	Warm        ports.WarmDatabases // nil: no warm pool on it
}

// WithServers places tenants on servers (a tenant without a recorded
// server lives on the one named core.DefaultServer); load counts the
// tenants on each. Without it every tenant lives on New's provisioner, as
// the one server core.DefaultServer, without a limit.
func WithServers(load ports.ServerLoad, servers ...Server) Option {
	return func(s *Service) { s.load, s.servers = load, servers }
}

// Servers returns the database servers in their configured order, each
// with the number of tenants on it.
func (s *Service) Servers(ctx context.Context) ([]core.Server, error) {
	counts := map[string]int64{}
	if s.load != nil {
		var err error
		if counts, err = s.load.TenantsPerServer(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]core.Server, len(s.servers))
	for i, srv := range s.servers {
		out[i] = srv.Server
		out[i].Tenants = counts[srv.Name]
		if srv.Name == core.DefaultServer {
			out[i].Tenants += counts[""]
		}
	}
	return out, nil
}

// CheckServers returns an error naming every server that tenants are
// recorded on but that is not configured: their databases could not be
// reached, nor reconciled.
func (s *Service) CheckServers(ctx context.Context) error {
	if s.load == nil {
		return nil
	}
	counts, err := s.load.TenantsPerServer(ctx)
	if err != nil {
		return err
	}
	for name, n := range counts {
		if _, err := s.serverNamed(name); err != nil && n > 0 {
			return fmt.Errorf("%d tenant(s) live on database server %q, which is not configured: add it to database.servers (draining, to place no new tenants there)", n, name)
		}
	}
	return nil
}

// place picks the server of a new tenant: the active one with the most
// room, the first in configured order among equals. Returns
// core.Unavailable when every server is full or draining.
func place(servers []core.Server) (core.Server, error) {
	best, room := -1, int64(0)
	for i, srv := range servers {
		free := srv.Free()
		if free < 0 { // no limit
			return srv, nil
		}
		if free > room {
			best, room = i, free
		}
	}
	if best < 0 {
		return core.Server{}, core.Errorf(core.Unavailable, "no database server takes new tenants: every one is full or draining; raise a capacity or add a server (database.servers)")
	}
	return servers[best], nil
}

// createPlaced places t on a server and inserts it there, one placement at
// a time in this process and across the installation's replicas, so that
// concurrent signups do not all count the same free place. With the warm pool on, the insert claims a ready
// database of that server in the same transaction (warm is then true, and
// t.Database names it); with none ready, t is inserted alone. Returns
// core.Unavailable when no server has room.
func (s *Service) createPlaced(ctx context.Context, t *core.Tenant) (srv Server, w core.WarmDatabase, warm bool, err error) {
	s.placing.Lock()
	defer s.placing.Unlock()
	if s.load != nil {
		unlock, err := s.load.LockPlacement(ctx)
		if err != nil {
			return Server{}, w, false, err
		}
		defer unlock()
	}
	servers, err := s.Servers(ctx)
	if err != nil {
		return Server{}, w, false, err
	}
	chosen, err := place(servers)
	if err != nil {
		return Server{}, w, false, err
	}
	if srv, err = s.serverNamed(chosen.Name); err != nil {
		return Server{}, w, false, err
	}
	t.Server = srv.Name
	if s.pool != nil && s.poolSize > 0 && srv.Warm != nil {
		w, err = s.pool.CreateClaiming(ctx, t, s.provisioner.Version())
		if err == nil {
			return srv, w, true, nil
		}
		if core.KindOf(err) != core.NotFound {
			return Server{}, w, false, err
		}
	}
	if err := s.tenants.CreateTenant(ctx, t); err != nil {
		return Server{}, w, false, err
	}
	return srv, w, false, nil
}

// serverOf returns the server t's database is on.
func (s *Service) serverOf(t core.Tenant) (Server, error) {
	srv, err := s.serverNamed(t.Server)
	if err != nil {
		return Server{}, fmt.Errorf("tenant %d: %w", t.ID, err)
	}
	return srv, nil
}

func (s *Service) serverNamed(name string) (Server, error) {
	name = core.ServerName(name)
	for _, srv := range s.servers {
		if srv.Name == name {
			return srv, nil
		}
	}
	return Server{}, fmt.Errorf("database server %q is not configured", name)
}
