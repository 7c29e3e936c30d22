package portstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// WarmStores are the stores the warm pool contract runs against: the pool
// and, on the same database, the tenants its claims insert and their plans.
type WarmStores struct {
	Stores
	Pool ports.WarmPool
}

// TestWarmPool runs the warm pool store contract against stores built by
// open, a fresh one for every call.
func TestWarmPool(t *testing.T, open func(t *testing.T) WarmStores) {
	t.Run("lifecycle", func(t *testing.T) { t.Parallel(); testWarmLifecycle(t, open(t)) })
	t.Run("50 claims at once over two servers", func(t *testing.T) { t.Parallel(); testWarmConcurrentClaims(t, open(t)) })
}

func warmName(id int64) string { return fmt.Sprintf("tpool%d", id) }

// addReady records n ready entries on server at version.
func addReady(t *testing.T, p ports.WarmPool, server string, version int64, n int) []core.WarmDatabase {
	t.Helper()
	var out []core.WarmDatabase
	for range n {
		w, err := p.AddWarm(context.Background(), server, warmName)
		if err != nil || w.State != core.WarmCreating || w.Database != warmName(w.ID) || w.Server != server {
			t.Fatalf("AddWarm = %+v, %v", w, err)
		}
		if err := p.SetWarm(context.Background(), w.ID, core.WarmCreating, core.WarmReady, version); err != nil {
			t.Fatal(err)
		}
		w.State, w.SchemaVersion = core.WarmReady, version
		out = append(out, w)
	}
	return out
}

// warmPlan records the plan the claiming tenants are on.
func warmPlan(t *testing.T, s WarmStores) int64 {
	t.Helper()
	p := plan("Starter")
	if err := s.Plans.CreatePlan(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func testWarmLifecycle(t *testing.T, s WarmStores) {
	ctx := context.Background()
	p, planID := s.Pool, warmPlan(t, s)
	claim := func(sub, server string) (core.Tenant, core.WarmDatabase, error) {
		tn := tenant(sub, planID)
		tn.Server = server
		w, err := p.CreateClaiming(ctx, &tn, 1)
		return tn, w, err
	}
	// From an empty pool: nothing claimed, nothing inserted.
	if _, _, err := claim("empty", "default"); core.KindOf(err) != core.NotFound {
		t.Fatalf("claim from an empty pool: %v", err)
	}
	if _, err := s.Tenants.TenantBySubdomain(ctx, "empty"); core.KindOf(err) != core.NotFound {
		t.Fatalf("a claim from an empty pool inserted its tenant: %v", err)
	}
	ready := addReady(t, p, "default", 1, 2)
	other := addReady(t, p, "second", 1, 1)
	stale := addReady(t, p, "default", 0, 1)
	// Only ready entries of the tenant's server, at the version, are claimed.
	tn, got, err := claim("alpha", "default")
	if err != nil || got.State != core.WarmClaimed || got.TenantID != tn.ID || tn.ID == 0 || got.Server != "default" ||
		(got.ID != ready[0].ID && got.ID != ready[1].ID) || tn.Database != got.Database {
		t.Fatalf("CreateClaiming = %+v, %+v, %v", tn, got, err)
	}
	// The tenant row and the claim were written together.
	if row, err := s.Tenants.Tenant(ctx, tn.ID); err != nil || row.Database != got.Database || row.Server != "default" || row.Status != core.StatusProvisioning {
		t.Fatalf("claiming tenant = %+v, %v", row, err)
	}
	// A taken subdomain claims nothing.
	if _, _, err := claim("alpha", "default"); core.KindOf(err) != core.Conflict {
		t.Fatalf("claim for a taken subdomain: %v", err)
	}
	tn2, second, err := claim("beta", "default")
	if err != nil || second.ID == got.ID || second.TenantID != tn2.ID {
		t.Fatalf("second CreateClaiming = %+v, %v", second, err)
	}
	if _, _, err := claim("gamma", "default"); core.KindOf(err) != core.NotFound {
		t.Fatalf("claim past the ready entries: %v (the stale and the other server's are not given)", err)
	}
	if tn3, w, err := claim("delta", "second"); err != nil || w.ID != other[0].ID || w.TenantID != tn3.ID {
		t.Fatalf("claim on the second server = %+v, %v", w, err)
	}
	// A state change is conditional: whoever took the entry first has it.
	wantKind(t, p.SetWarm(ctx, got.ID, core.WarmReady, core.WarmDiscarding, 1), core.Conflict)
	if err := p.SetWarm(ctx, stale[0].ID, core.WarmReady, core.WarmMigrating, 0); err != nil {
		t.Fatal(err)
	}
	wantKind(t, p.SetWarm(ctx, stale[0].ID, core.WarmReady, core.WarmMigrating, 0), core.Conflict)
	if err := p.SetWarm(ctx, stale[0].ID, core.WarmMigrating, core.WarmReady, 1); err != nil {
		t.Fatal(err)
	}
	if _, again, err := claim("epsilon", "default"); err != nil || again.ID != stale[0].ID {
		t.Fatalf("claim of the migrated entry = %+v, %v", again, err)
	}
	wantKind(t, p.SetWarm(ctx, 9999, core.WarmReady, core.WarmClaimed, 1), core.NotFound)

	all, err := p.WarmDatabases(ctx, "")
	if err != nil || len(all) != 4 || all[0].ID != ready[0].ID {
		t.Fatalf("WarmDatabases = %+v, %v", all, err)
	}
	if list, err := p.WarmDatabases(ctx, "second"); err != nil || len(list) != 1 || list[0].ID != other[0].ID || list[0].State != core.WarmClaimed {
		t.Fatalf("WarmDatabases(second) = %+v, %v", list, err)
	}
	for _, w := range all {
		if err := p.DeleteWarm(ctx, w.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.DeleteWarm(ctx, all[0].ID); err != nil {
		t.Fatalf("deleting a deleted entry: %v", err)
	}
	if list, _ := p.WarmDatabases(ctx, ""); len(list) != 0 {
		t.Fatalf("entries left: %+v", list)
	}
}

// 50 claimers at once over 30 ready entries on two servers (20 and 10),
// each claimer on one of them: every entry is claimed once, never twice,
// never from the other server, and the claimers left over are told the
// pool is empty, with no tenant inserted.
func testWarmConcurrentClaims(t *testing.T, s WarmStores) {
	const claimers = 50
	sizes := map[string]int{"default": 20, "second": 10}
	ctx := context.Background()
	planID := warmPlan(t, s)
	for server, n := range sizes {
		addReady(t, s.Pool, server, 1, n)
	}
	var wg sync.WaitGroup
	got := make([]core.WarmDatabase, claimers)
	tenants := make([]core.Tenant, claimers)
	errs := make([]error, claimers)
	for i := range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tenants[i] = tenant(fmt.Sprintf("rush%02d", i), planID)
			tenants[i].Server = "default"
			if i%2 == 1 {
				tenants[i].Server = "second"
			}
			got[i], errs[i] = s.Pool.CreateClaiming(ctx, &tenants[i], 1)
		}()
	}
	wg.Wait()
	byEntry, claimed, empty := map[int64]int64{}, map[string]int{}, 0
	for i, w := range got {
		switch {
		case core.KindOf(errs[i]) == core.NotFound:
			empty++
			if _, err := s.Tenants.TenantBySubdomain(ctx, tenants[i].Subdomain); core.KindOf(err) != core.NotFound {
				t.Fatalf("claimer %d found no entry but its tenant was inserted: %v", i, err)
			}
		case errs[i] != nil:
			t.Fatalf("claim %d: %v", i, errors.Join(errs...))
		default:
			if other, taken := byEntry[w.ID]; taken {
				t.Fatalf("entry %d claimed by tenants %d and %d", w.ID, other, w.TenantID)
			}
			if w.Server != tenants[i].Server || w.TenantID != tenants[i].ID || tenants[i].Database != w.Database {
				t.Fatalf("claimer %d on %s got %+v", i, tenants[i].Server, w)
			}
			byEntry[w.ID] = w.TenantID
			claimed[w.Server]++
		}
	}
	// 25 claimers per server: 20 claims on default, 10 on second.
	if claimed["default"] != 20 || claimed["second"] != 10 || empty != claimers-30 {
		t.Fatalf("claimed %v, %d claimers found none; want %v and %d", claimed, empty, sizes, claimers-30)
	}
}
