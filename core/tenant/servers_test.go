package tenant_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/core/tenant"
)

// onServers is a fixture whose service places tenants on servers, each
// with a provisioner of its own; seeded maps a server name to how many
// tenants it already holds.
func onServers(t *testing.T, servers []core.Server, seeded map[string]int) (*fixture, map[string]*fakeProvisioner) {
	t.Helper()
	f := newFixture(t)
	provs := map[string]*fakeProvisioner{}
	var list []tenant.Server
	for _, s := range servers {
		provs[s.Name] = &fakeProvisioner{}
		list = append(list, tenant.Server{Server: s, Provisioner: provs[s.Name]})
	}
	ctx := context.Background()
	for name, n := range seeded {
		for i := range n {
			row := core.Tenant{Subdomain: fmt.Sprintf("seed-%s-%d", name, i), PlanID: basicPlan.ID, Status: core.StatusActive, Server: name}
			if err := f.store.CreateTenant(ctx, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.svc = tenant.New(f.tenants, f.plans, f.prov, f.counter, quota.NewCatalog(customers, "invoices"), clock.NewFake(now), "saasd.test",
		tenant.WithServers(f.store, list...))
	return f, provs
}

// TestPlacement: a new tenant goes to the active server with the most free
// capacity (the first listed among equals); draining and full servers take
// none; with none left the create is Unavailable and leaves no row.
func TestPlacement(t *testing.T) {
	active := func(name string, capacity int64) core.Server {
		return core.Server{Name: name, Capacity: capacity, State: core.ServerActive}
	}
	draining := func(name string, capacity int64) core.Server {
		return core.Server{Name: name, Capacity: capacity, State: core.ServerDraining}
	}
	cases := []struct {
		name    string
		servers []core.Server
		seeded  map[string]int
		want    string // "" for Unavailable
	}{
		{"most free capacity", []core.Server{active("a", 10), active("b", 10)}, map[string]int{"a": 3, "b": 1}, "b"},
		{"first among equals", []core.Server{active("a", 5), active("b", 5)}, nil, "a"},
		{"capacity, not count", []core.Server{active("a", 100), active("b", 10)}, map[string]int{"a": 50, "b": 1}, "a"},
		{"draining takes none", []core.Server{draining("a", 100), active("b", 10)}, map[string]int{"b": 9}, "b"},
		{"full takes none", []core.Server{active("a", 2), active("b", 10)}, map[string]int{"a": 2, "b": 9}, "b"},
		{"no limit", []core.Server{active("a", 0), active("b", 10)}, map[string]int{"a": 1000}, "a"},
		{"all full or draining", []core.Server{active("a", 2), draining("b", 10)}, map[string]int{"a": 2}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, provs := onServers(t, tc.servers, tc.seeded)
			before, _, _ := f.store.Tenants(context.Background(), core.TenantFilter{Page: 1, PerPage: 100})
			got, err := f.svc.Create(context.Background(), newTenantInput(basicPlan.ID))
			if tc.want == "" {
				if core.KindOf(err) != core.Unavailable {
					t.Fatalf("Create = %+v, %v; want Unavailable", got, err)
				}
				after, _, _ := f.store.Tenants(context.Background(), core.TenantFilter{Page: 1, PerPage: 100})
				if len(after) != len(before) {
					t.Fatalf("%d tenant rows after a refused create, %d before", len(after), len(before))
				}
				for name, p := range provs {
					if len(p.provisioned) > 0 {
						t.Fatalf("server %s was asked to create %v", name, p.provisioned)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Server != tc.want || len(provs[tc.want].provisioned) != 1 {
				t.Fatalf("placed on %q (provisioned there: %v), want %q", got.Server, provs[tc.want].provisioned, tc.want)
			}
			servers, err := f.svc.Servers(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range servers {
				want := int64(tc.seeded[s.Name])
				if s.Name == tc.want {
					want++
				}
				if s.Tenants != want {
					t.Fatalf("server %s counts %d tenants, want %d", s.Name, s.Tenants, want)
				}
			}
		})
	}
}

// TestPlacementConcurrent: fifty creates at once over two servers with
// room for twenty fill both exactly and refuse the rest.
func TestPlacementConcurrent(t *testing.T) {
	f, _ := onServers(t, []core.Server{
		{Name: "a", Capacity: 12, State: core.ServerActive},
		{Name: "b", Capacity: 8, State: core.ServerActive},
	}, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	placed, refused := map[string]int{}, 0
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := newTenantInput(basicPlan.ID)
			n.Subdomain = fmt.Sprintf("acme-%d", i)
			got, err := f.svc.Create(context.Background(), n)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				placed[got.Server]++
			case core.KindOf(err) == core.Unavailable:
				refused++
			default:
				t.Errorf("create %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if placed["a"] != 12 || placed["b"] != 8 || refused != 30 {
		t.Fatalf("placed %v, refused %d; want a:12 b:8, 30 refused", placed, refused)
	}
}

// TestCheckServers: tenants recorded on a server that is not configured
// stop the start, naming it; the default server holds tenants without one.
func TestCheckServers(t *testing.T) {
	f, _ := onServers(t, []core.Server{{Name: core.DefaultServer, State: core.ServerDraining}}, map[string]int{"": 1, core.DefaultServer: 1})
	if err := f.svc.CheckServers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if servers, _ := f.svc.Servers(context.Background()); servers[0].Tenants != 2 {
		t.Fatalf("default server counts %d tenants, want 2", servers[0].Tenants)
	}
	g, _ := onServers(t, []core.Server{{Name: core.DefaultServer, State: core.ServerActive}}, map[string]int{"gone": 2})
	if err := g.svc.CheckServers(context.Background()); err == nil {
		t.Fatal("tenants on an unconfigured server passed the check")
	}
}
