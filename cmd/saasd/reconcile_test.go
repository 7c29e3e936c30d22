package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
)

// TestReconcileListsTenantsInProgress: tenants still in provisioning or
// deletion (younger than the stale bound) are listed with their age, and
// reconcile does not say that everything agrees.
func TestReconcileListsTenantsInProgress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly(t))
	planID := e.createPlan(starter)
	var ids []int64
	for _, sub := range []string{"acme", "beta", "gamma", "delta"} {
		ids = append(ids, int64(e.createTenant(planID, sub).want(t, http.StatusCreated).body["tenant_id"].(float64)))
	}
	// What a crash a moment ago leaves: two provisionings and a deletion unfinished.
	for i, st := range []core.Status{core.StatusProvisioning, core.StatusProvisioning, core.StatusDeleting} {
		if _, err := e.app.db.SQL().Exec("UPDATE tenants SET status = ?, updated_at = ? WHERE id = ?", string(st), time.Now().UTC().Add(-2*time.Minute), ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := e.app.tenants.Reconcile(context.Background(), false, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.InProgress) != 3 || len(rec.Compensated)+len(rec.Deleted) != 0 {
		t.Fatalf("reconcile = %+v", rec)
	}
	for _, p := range rec.InProgress {
		if p.Age < 2*time.Minute || p.Age > 3*time.Minute {
			t.Fatalf("age of %d = %v", p.ID, p.Age)
		}
	}

	config := filepath.Join(t.TempDir(), "saasd.yaml")
	yaml := fmt.Sprintf("database:\n  dsn: %s\ntenants:\n  data_dir: %s\n  key_file: %s\nlog:\n  level: error\n", e.cfg.Database.DSN, e.cfg.Tenants.DataDir, e.cfg.Tenants.KeyFile)
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, config, "tenants", "reconcile")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "agree") {
		t.Fatalf("reconcile says agree with tenants in progress:\n%s", out)
	}
	for i, st := range []string{"provisioning", "provisioning", "deleting"} {
		re := regexp.MustCompile(fmt.Sprintf(`tenant %d: %s, in progress for 2m\d+s`, ids[i], st))
		if !re.MatchString(out) {
			t.Fatalf("no line for tenant %d (%s):\n%s", ids[i], st, out)
		}
	}
	if !strings.Contains(out, "3 tenant(s) in progress") {
		t.Fatalf("no summary:\n%s", out)
	}
	// Past the bound, they are repaired, and then everything agrees.
	if out, err = run(t, config, "tenants", "reconcile", "--stale", "1m"); err != nil || !strings.Contains(out, "abandoned provisioning undone") || !strings.Contains(out, "deletion finished") {
		t.Fatalf("reconcile --stale 1m: %q, %v", out, err)
	}
	if out, err = run(t, config, "tenants", "reconcile"); err != nil || !strings.Contains(out, "agree") {
		t.Fatalf("after repair: %q, %v", out, err)
	}
}
