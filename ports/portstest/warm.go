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

// TestWarmPool runs the warm pool store contract against stores built by
// open, a fresh one for every call.
func TestWarmPool(t *testing.T, open func(t *testing.T) ports.WarmPool) {
	t.Run("lifecycle", func(t *testing.T) { t.Parallel(); testWarmLifecycle(t, open(t)) })
	t.Run("50 claims at once", func(t *testing.T) { t.Parallel(); testWarmConcurrentClaims(t, open(t)) })
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

func testWarmLifecycle(t *testing.T, p ports.WarmPool) {
	ctx := context.Background()
	if _, err := p.ClaimWarm(ctx, "default", 1, 7); core.KindOf(err) != core.NotFound {
		t.Fatalf("claim from an empty pool: %v", err)
	}
	ready := addReady(t, p, "default", 1, 2)
	other := addReady(t, p, "second", 1, 1)
	stale := addReady(t, p, "default", 0, 1)
	// Only ready entries of the server, at the version, are claimed.
	got, err := p.ClaimWarm(ctx, "default", 1, 7)
	if err != nil || got.State != core.WarmClaimed || got.TenantID != 7 || (got.ID != ready[0].ID && got.ID != ready[1].ID) {
		t.Fatalf("ClaimWarm = %+v, %v", got, err)
	}
	second, err := p.ClaimWarm(ctx, "default", 1, 8)
	if err != nil || second.ID == got.ID || second.TenantID != 8 {
		t.Fatalf("second ClaimWarm = %+v, %v", second, err)
	}
	if _, err := p.ClaimWarm(ctx, "default", 1, 9); core.KindOf(err) != core.NotFound {
		t.Fatalf("claim past the ready entries: %v (the stale and the other server's are not given)", err)
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
	if again, err := p.ClaimWarm(ctx, "default", 1, 9); err != nil || again.ID != stale[0].ID {
		t.Fatalf("claim of the migrated entry = %+v, %v", again, err)
	}
	wantKind(t, p.SetWarm(ctx, 9999, core.WarmReady, core.WarmClaimed, 1), core.NotFound)

	all, err := p.WarmDatabases(ctx, "")
	if err != nil || len(all) != 4 || all[0].ID != ready[0].ID {
		t.Fatalf("WarmDatabases = %+v, %v", all, err)
	}
	if list, err := p.WarmDatabases(ctx, "second"); err != nil || len(list) != 1 || list[0].ID != other[0].ID || list[0].State != core.WarmReady {
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

// 50 claimers at once over 30 ready entries: 30 get one each, never one
// twice, and 20 are told the pool is empty.
func testWarmConcurrentClaims(t *testing.T, p ports.WarmPool) {
	const claimers, size = 50, 30
	addReady(t, p, "default", 1, size)
	var wg sync.WaitGroup
	got := make([]core.WarmDatabase, claimers)
	errs := make([]error, claimers)
	for i := range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = p.ClaimWarm(context.Background(), "default", 1, int64(100+i))
		}()
	}
	wg.Wait()
	byEntry, empty := map[int64]int64{}, 0
	for i, w := range got {
		switch {
		case core.KindOf(errs[i]) == core.NotFound:
			empty++
		case errs[i] != nil:
			t.Fatalf("claim %d: %v", i, errors.Join(errs...))
		default:
			if other, taken := byEntry[w.ID]; taken {
				t.Fatalf("entry %d claimed by tenants %d and %d", w.ID, other, w.TenantID)
			}
			byEntry[w.ID] = w.TenantID
		}
	}
	if len(byEntry) != size || empty != claimers-size {
		t.Fatalf("%d entries claimed, %d claimers found none; want %d and %d", len(byEntry), empty, size, claimers-size)
	}
}
