package tenant_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/core/tenant"
)

// versioned is the fixture's tenant store with SchemaVersions: it records
// each batch instead of updating rows one by one.
type versioned struct {
	*tenants
	mu      sync.Mutex
	batches [][]int64
}

func (s *versioned) SetSchemaVersion(_ context.Context, ids []int64, _ int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, slices.Clone(ids))
	return nil
}

// TestMigrateFleetBatches: versions reached are recorded at most 100 a
// statement, each batch of one database server's tenants, every migrated
// tenant once.
func TestMigrateFleetBatches(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	serverOf := map[int64]string{}
	for i := range 250 {
		srv := []string{"a", "b"}[i%2]
		row := core.Tenant{Subdomain: fmt.Sprintf("t%d", i), PlanID: basicPlan.ID, Status: core.StatusActive, Server: srv, Database: fmt.Sprintf("db_%d", i)}
		if err := f.store.CreateTenant(ctx, &row); err != nil {
			t.Fatal(err)
		}
		serverOf[row.ID] = srv
	}
	store := &versioned{tenants: f.tenants}
	var servers []tenant.Server
	for _, name := range []string{"a", "b"} {
		servers = append(servers, tenant.Server{Server: core.Server{Name: name, Capacity: -1}, Provisioner: &fakeProvisioner{}})
	}
	svc := tenant.New(store, f.plans, f.prov, f.counter, quota.NewCatalog(customers, "invoices"), clock.NewFake(now), "saasd.test",
		tenant.WithServers(f.store, servers...))
	run, err := svc.MigrateFleet(ctx, tenant.MigrateOptions{Concurrency: 4})
	if err != nil || len(run.Migrated) != 250 || len(run.Failed) != 0 {
		t.Fatalf("run = %d migrated, %v failed, %v", len(run.Migrated), run.Failed, err)
	}
	var recorded []int64
	for _, b := range store.batches {
		if len(b) == 0 || len(b) > 100 {
			t.Fatalf("a batch of %d", len(b))
		}
		for _, id := range b {
			if serverOf[id] != serverOf[b[0]] {
				t.Fatalf("batch %v mixes servers", b)
			}
		}
		recorded = append(recorded, b...)
	}
	slices.Sort(recorded)
	if !slices.Equal(recorded, run.Migrated) {
		t.Fatalf("recorded %d tenants, migrated %d", len(recorded), len(run.Migrated))
	}
}
