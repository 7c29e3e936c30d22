package sqlite_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/saasd/saasd/core"
)

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(entries)
}

// TestOpenFilesBoundedUnderChurn: requests spread over 200 tenants, round
// after round, keep open files bounded; a handle evicted while a call holds
// it keeps working and is closed as soon as that call releases it.
// Not parallel: it counts the whole process's descriptors.
func TestOpenFilesBoundedUnderChurn(t *testing.T) {
	p := newProvisioner(t, t.TempDir(), schemas())
	ctx := context.Background()
	const tenants = 200
	all := make([]core.Tenant, tenants)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < tenants; i += 8 {
				name, err := p.Provision(ctx, core.Tenant{ID: int64(i + 1)})
				if err != nil {
					t.Error(err)
				}
				all[i] = core.Tenant{ID: int64(i + 1), Database: name}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	data := p.Data(counted)
	base := openFDs(t)
	round := func() {
		var wg sync.WaitGroup
		work := make(chan core.Tenant)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for tn := range work {
					if _, err := data.Count(ctx, tn); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		for _, tn := range all {
			work <- tn
		}
		close(work)
		wg.Wait()
	}
	var peak int
	for r := range 8 {
		round()
		n := openFDs(t)
		peak = max(peak, n)
		held, total := p.OpenFiles()
		t.Logf("round %d: %d open descriptors (%d before the first round), %d tenant files open", r+1, n, base, total)
		if held > 64 || total != held {
			t.Fatalf("round %d: %d files in the map, %d open in all", r+1, held, total)
		}
	}
	// Each open file costs its database, -wal and -shm descriptors.
	if limit := base + 3*64 + 16; peak > limit {
		t.Fatalf("open descriptors grew to %d (from %d, bound %d)", peak, base, limit)
	}

	// 65 calls at once on 65 tenants: the first one's file is pushed out
	// of the map while held, keeps working, and closes at its release.
	var held []interface{ Release() }
	first, err := p.Handle(ctx, all[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range all[1:65] {
		h, err := p.Handle(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, h)
	}
	if inMap, total := p.OpenFiles(); inMap != 64 || total != 65 {
		t.Fatalf("65 held: %d in the map, %d open", inMap, total)
	}
	var n int
	if err := first.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM usage_counters").Scan(&n); err != nil {
		t.Fatalf("the held handle stopped working when evicted: %v", err)
	}
	first.Release()
	first.Release() // a second release changes nothing
	if inMap, total := p.OpenFiles(); inMap != 64 || total != 64 {
		t.Fatalf("after its release: %d in the map, %d open", inMap, total)
	}
	if err := first.DB.PingContext(ctx); err == nil {
		t.Fatal("the evicted handle is still open after its last release")
	}
	for _, h := range held {
		h.Release()
	}
}
