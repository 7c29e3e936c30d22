package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

const (
	// quotaLimit is the customers limit of the limited plan: high enough
	// that no run reaches it, so every create passes the check.
	quotaLimit = 1_000_000_000
	// unlimited is a plan limit that never runs out (core.Unlimited).
	unlimited = -1
	// quotaTargetRatio is what creates on a limited plan should reach of
	// creates on an unlimited one.
	quotaTargetRatio = 0.80
	// maxSignupFailures stops making tenants: that many failures is a
	// broken server, not bad luck.
	maxSignupFailures = 10
	// benchPassword is every bench tenant admin's password.
	benchPassword = "bench-pass-1"
)

// customerBody is what every create sends.
var customerBody = []byte(`{"account":"Bench customer"}`)

// tenantSide starts saasd again on the schemas of the first part and
// measures the tenant-side API: the quota check, then reads spread over
// cfg.tenants tenants, whose results it returns (none with -tenants 0).
func (b *bench) tenantSide(ctx context.Context, bin, dsn string, out io.Writer) ([]result, error) {
	// Before saasd has a connection: what everyone else holds.
	before, err := b.db.threadsConnected(ctx)
	if err != nil {
		return nil, err
	}
	s, err := b.startSaasd(ctx, bin, dsn, b.prefix, "bench-tenants")
	if err != nil {
		return nil, fmt.Errorf("tenant side: %w", err)
	}
	running := true
	defer func() {
		if running {
			b.stopSaasd(s)
		}
	}()
	// Signups hash a password and migrate a schema: far slower than a
	// load generator's request is allowed to be.
	setup := &http.Client{Transport: b.gen.client.Transport, Timeout: 2 * time.Minute}
	limited, err := createPlan(ctx, setup, s, "Bench limited", quotaLimit)
	if err != nil {
		return nil, err
	}
	free, err := createPlan(ctx, setup, s, "Bench unlimited", unlimited)
	if err != nil {
		return nil, err
	}
	if err := b.quotaCost(ctx, setup, s, limited, free, out); err != nil {
		return nil, fmt.Errorf("quota: %w", err)
	}
	if b.cfg.tenants == 0 {
		b.logger.Printf("-tenants 0: skipping GET /api/v2/customers/{id} over many tenants")
		return nil, nil
	}
	// wrk drops its connections with requests in flight, and saasd logs
	// each of those to stderr; printed once saasd is gone, the report
	// comes after them rather than amid them.
	var report bytes.Buffer
	rs, targets, err := b.spread(ctx, setup, s, free, before, &report)
	if err != nil {
		return nil, fmt.Errorf("%d tenants: %w", b.cfg.tenants, err)
	}
	running = false
	b.stopSaasd(s)
	if len(b.cfg.modes) > 0 {
		if err := b.compareModes(ctx, bin, dsn, targets, &report); err != nil {
			return nil, fmt.Errorf("tenant connection modes: %w", err)
		}
	}
	_, err = report.WriteTo(out)
	return rs, err
}

// createPlan creates a plan whose only limit is customers and returns its id.
func createPlan(ctx context.Context, client *http.Client, s *saasd, name string, customers int64) (int64, error) {
	var plan struct {
		Data struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	err := post(ctx, client, s.base+"/api/saas/plans", s.token, map[string]any{
		"name": name, "price_monthly": 10, "limits": map[string]int64{"customers": customers},
	}, &plan)
	if err != nil {
		return 0, err
	}
	if plan.Data.ID == 0 {
		return 0, errors.New("POST /api/saas/plans answered no id")
	}
	return plan.Data.ID, nil
}

// session is a tenant made by signup, signed in as its admin.
type session struct {
	id       int64
	header   http.Header // X-Tenant and Authorization, for every request as this tenant
	customer int64       // id of the tenant's one customer, 0 until made
}

// signup registers tenant subdomain on plan through the public API, as a
// customer of the SaaS would.
func signup(ctx context.Context, client *http.Client, s *saasd, subdomain string, plan int64) (session, error) {
	var resp struct {
		Data struct {
			Token  string `json:"token"`
			Tenant struct {
				ID int64 `json:"id"`
			} `json:"tenant"`
		} `json:"data"`
	}
	err := call(ctx, client, http.MethodPost, s.base+"/api/register", nil, map[string]any{
		"name": "Bench Owner", "email": "owner@" + subdomain + ".example.com", "mobile": "5550100",
		"company": "Bench " + subdomain, "password": benchPassword, "c_password": benchPassword,
		"subdomain": subdomain, "plan_id": plan,
	}, http.StatusCreated, &resp)
	if err != nil {
		return session{}, err
	}
	if resp.Data.Token == "" || resp.Data.Tenant.ID == 0 {
		return session{}, fmt.Errorf("signup of %s answered no token or tenant id", subdomain)
	}
	return session{id: resp.Data.Tenant.ID, header: http.Header{
		"X-Tenant":      {subdomain},
		"Authorization": {"Bearer " + resp.Data.Token},
	}}, nil
}

// createCustomer creates one customer for t and returns its id.
func createCustomer(ctx context.Context, client *http.Client, s *saasd, t session) (int64, error) {
	var resp struct {
		Data struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	err := call(ctx, client, http.MethodPost, s.base+"/api/v2/customers", t.header, map[string]any{"account": "Bench customer"},
		http.StatusCreated, &resp)
	if err != nil {
		return 0, err
	}
	if resp.Data.ID == 0 {
		return 0, errors.New("POST /api/v2/customers answered no id")
	}
	return resp.Data.ID, nil
}

// quotaCost measures POST /api/v2/customers for a tenant on the limited
// plan, then for one on the unlimited plan.
//
// Both keep the usage counter: every create locks the tenant's customers
// counter row (SELECT … FOR UPDATE) and increments it in the create's
// transaction, whatever the plan, because usage is reported from it. The
// difference measured is therefore the limit check itself (and the plan
// lookup that feeds it), not the counting.
func (b *bench) quotaCost(ctx context.Context, client *http.Client, s *saasd, limitedPlan, freePlan int64, out io.Writer) error {
	lim, err := signup(ctx, client, s, "quota-limited", limitedPlan)
	if err != nil {
		return err
	}
	free, err := signup(ctx, client, s, "quota-unlimited", freePlan)
	if err != nil {
		return err
	}
	create := func(t session) []target {
		h := t.header.Clone()
		h.Set("Content-Type", "application/json")
		u, _ := url.Parse(s.base + "/api/v2/customers") // base is ours: it parses
		return []target{{method: http.MethodPost, url: u, header: h, body: customerBody, status: http.StatusCreated}}
	}
	rl, err := b.measureTargets(ctx, "limited (customers "+strconv.Itoa(quotaLimit)+")", s.proc, create(lim))
	if err != nil {
		return err
	}
	ru, err := b.measureTargets(ctx, "unlimited (customers -1)", s.proc, create(free))
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\nPOST /api/v2/customers, cost of quota enforcement: %d connections, %s per measurement after %s warm-up, one tenant each\n",
		b.cfg.concurrency, b.cfg.duration, warmup)
	fmt.Fprintln(out, "usage counters are maintained in both cases (each create locks the counter row and increments it,")
	fmt.Fprintln(out, "because usage is reported from it): the difference measured is the limit check itself")
	fmt.Fprintln(out)
	rs := []result{rl, ru}
	if err := printResults(out, rs); err != nil {
		return err
	}
	if ru.rps() > 0 {
		ratio := rl.rps() / ru.rps()
		verdict := "met"
		if ratio < quotaTargetRatio {
			verdict = "NOT met"
		}
		fmt.Fprintf(out, "\nratio limited/unlimited = %.2f (target >= %.2f: %s)\n", ratio, quotaTargetRatio, verdict)
	} else {
		fmt.Fprintf(out, "\nratio limited/unlimited = n/a: the unlimited tenant created nothing (target >= %.2f)\n", quotaTargetRatio)
	}
	// The counters' proof: both equal their tables' rows, warm-up included.
	fmt.Fprintln(out, "customers usage counter after the runs, next to the rows in the table:")
	for _, c := range []struct {
		name string
		t    session
	}{{"limited", lim}, {"unlimited", free}} {
		used, limit, err := customersUsage(ctx, client, s, c.t)
		if err != nil {
			return err
		}
		rows, err := b.db.countRows(ctx, b.prefix+strconv.FormatInt(c.t.id, 10), "customers")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-9s  used %d of limit %d, rows %d\n", c.name, used, limit, rows)
	}
	fmt.Fprintln(out)
	return printPerRequest(out, rs)
}

// customersUsage reads t's customers usage through GET /api/v2/usage.
func customersUsage(ctx context.Context, client *http.Client, s *saasd, t session) (used, limit int64, err error) {
	var resp struct {
		Data map[string]struct {
			Used  int64 `json:"used"`
			Limit int64 `json:"limit"`
		} `json:"data"`
	}
	if err := call(ctx, client, http.MethodGet, s.base+"/api/v2/usage", t.header, nil, http.StatusOK, &resp); err != nil {
		return 0, 0, err
	}
	c, ok := resp.Data["customers"]
	if !ok {
		return 0, 0, errors.New("GET /api/v2/usage answered no customers")
	}
	return c.Used, c.Limit, nil
}

// provisioning is how making the tenants went.
type provisioning struct {
	made, failed int
	firstErr     error
	took         time.Duration
	conns        conns // the most connections MariaDB had meanwhile
}

// makeTenants signs up cfg.tenants tenants on plan, cfg.signups at a time,
// and gives each one customer. It stops early after maxSignupFailures.
func (b *bench) makeTenants(ctx context.Context, client *http.Client, s *saasd, plan int64) ([]session, provisioning, error) {
	n := b.cfg.tenants
	b.logger.Printf("making %d tenants by signup, %d at a time", n, b.cfg.signups)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watch := b.db.watchConns(ctx, b.control, b.prefix)
	start := time.Now()
	var (
		next, done, failed atomic.Int64
		mu                 sync.Mutex
		firstErr           error
		sessions           = make([]session, n)
	)
	progress := make(chan struct{})
	go func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-progress:
				return
			case <-tick.C:
				d, took := done.Load(), time.Since(start)
				b.logger.Printf("tenants: %d/%d made in %s (%.1f/s), %d failed", d, n, took.Round(time.Second),
					float64(d)/took.Seconds(), failed.Load())
			}
		}
	}()
	var wg sync.WaitGroup
	for range b.cfg.signups {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				t, err := signup(ctx, client, s, fmt.Sprintf("bench%05d", i), plan)
				if err == nil {
					t.customer, err = createCustomer(ctx, client, s, t)
				}
				if err == nil {
					sessions[i] = t
					done.Add(1)
					continue
				}
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				if failed.Add(1) >= maxSignupFailures {
					cancel()
				}
			}
		})
	}
	wg.Wait()
	close(progress)
	p := provisioning{made: int(done.Load()), failed: int(failed.Load()), firstErr: firstErr, took: time.Since(start), conns: watch()}
	if err := parent.Err(); err != nil {
		return nil, p, err
	}
	if p.failed >= maxSignupFailures {
		return nil, p, fmt.Errorf("%d signups failed, first: %w", p.failed, firstErr)
	}
	b.logger.Printf("tenants: %d made in %s (%.1f/s), %d failed", p.made, p.took.Round(time.Millisecond),
		float64(p.made)/p.took.Seconds(), p.failed)
	made := sessions[:0]
	for _, t := range sessions {
		if t.customer != 0 {
			made = append(made, t)
		}
	}
	return made, p, nil
}

// row is one line of the spread table: a Go load generator run or wrk's.
type row struct {
	name             string
	requests, errors int64
	rps              float64
	p50, p99         time.Duration
	conns            conns
	firstErr         error
}

func rowOf(r result, c conns) row {
	return row{name: r.name, requests: r.requests, errors: r.errors, rps: r.rps(),
		p50: r.percentile(0.50), p99: r.percentile(0.99), conns: c, firstErr: r.firstErr}
}

// spread makes cfg.tenants tenants with one customer each, then loads
// GET /api/v2/customers/{id} for one of them, and round-robin over all of
// them, with the Go load generator and with wrk, while watching how many
// connections MariaDB has.
func (b *bench) spread(ctx context.Context, client *http.Client, s *saasd, plan, threadsBefore int64, out io.Writer) ([]result, []target, error) {
	tenants, prov, err := b.makeTenants(ctx, client, s, plan)
	if err != nil {
		return nil, nil, err
	}
	if len(tenants) == 0 {
		return nil, nil, fmt.Errorf("no tenant could be made, first error: %w", prov.firstErr)
	}
	targets := make([]target, len(tenants))
	for i, t := range tenants {
		u, err := url.Parse(s.base + "/api/v2/customers/" + strconv.FormatInt(t.customer, 10))
		if err != nil {
			return nil, nil, err
		}
		targets[i] = target{method: http.MethodGet, url: u, header: t.header, status: http.StatusOK}
	}

	var rows []row
	var rs []result
	measure := func(name string, targets []target) error {
		watch := b.db.watchConns(ctx, b.control, b.prefix)
		r, err := b.measureTargets(ctx, name, s.proc, targets)
		c := watch()
		if err != nil {
			return err
		}
		rs, rows = append(rs, r), append(rows, rowOf(r, c))
		return nil
	}
	if err := measure("1 tenant", targets[:1]); err != nil {
		return nil, nil, err
	}
	if err := measure(fmt.Sprintf("%d tenants", len(targets)), targets); err != nil {
		return nil, nil, err
	}
	watch := b.db.watchConns(ctx, b.control, b.prefix)
	w, err := runWrkSpread(ctx, b.cfg, s.base, targets)
	c := watch()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if err != nil {
		b.logger.Printf("wrk over %d tenants: %v", len(targets), err)
	} else if w != nil {
		w.name, w.conns = fmt.Sprintf("%d tenants, wrk", len(targets)), c
		rows = append(rows, *w)
	}

	fmt.Fprintf(out, "\nGET /api/v2/customers/{id} over %d tenants (one customer each, round-robin, X-Tenant and token per tenant): "+
		"%d connections, %s per measurement after %s warm-up\n",
		len(targets), b.cfg.concurrency, b.cfg.duration, warmup)
	fmt.Fprintf(out, "tenants made by POST /api/register, %d at a time: %d in %s = %.1f tenants/s (each: bcrypt hash, schema with all migrations, first customer)",
		b.cfg.signups, prov.made, prov.took.Round(100*time.Millisecond), float64(prov.made)/prov.took.Seconds())
	if prov.failed > 0 {
		fmt.Fprintf(out, "; %d failed, first: %v", prov.failed, prov.firstErr)
	}
	fmt.Fprintf(out, "\nMariaDB Threads_connected: %d before saasd started, max %d while making tenants, of which %s on this run's schemas\n"+
		"(saasd's pool, plus a short-lived connection per signup in flight that migrates the new schema)\n\n",
		threadsBefore, prov.conns.threads, count(prov.conns.run))
	if err := printRows(out, rows); err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(out, "\nsaasd serves every tenant schema from one pool (database.max_open_conns %d), so its connections should stay at\n"+
		"most %d whatever the number of tenants. Threads_connected counts every client of the server (%d before saasd started,\n"+
		"this bench's own included); \"of which saasd's\" counts only connections on this run's schemas.\n",
		poolSize, poolSize, threadsBefore)
	// Each tenant's tables are tables of their own to MariaDB: spread over
	// many schemas, reads can outgrow its table caches.
	var caches []string
	for _, v := range []string{"table_open_cache", "table_definition_cache"} {
		val, err := b.db.variable(ctx, v)
		if err != nil {
			b.logger.Printf("%v", err)
			continue
		}
		caches = append(caches, v+" "+val)
	}
	if len(caches) > 0 {
		fmt.Fprintf(out, "MariaDB %s: tables opened past them show below as Table_open_cache_misses and Opened_table_definitions.\n", strings.Join(caches, ", "))
	}
	fmt.Fprintln(out)
	return rs, targets, printPerRequest(out, rs)
}

// tenantModes are the ways saasd connects to tenant databases, by the
// settings that choose them.
var tenantModes = map[string][]string{
	"logins": {"SAAS_TENANTS_DB_USERS=true", "SAAS_TENANTS_DB_ROLES=false"},
	"roles":  {"SAAS_TENANTS_DB_USERS=true", "SAAS_TENANTS_DB_ROLES=true"},
	"shared": {"SAAS_TENANTS_DB_USERS=false", "SAAS_TENANTS_DB_ROLES=false"},
}

// modeRatio is what the spread read under tenant logins or roles should
// reach of the shared login's (issue 9).
const modeRatio = 0.7

// compareModes loads the spread read again over the same tenants with
// saasd started in each of b.cfg.modes, one after the other, and prints
// each mode's rate against the shared login's, with the most connections
// saasd held meanwhile.
func (b *bench) compareModes(ctx context.Context, bin, dsn string, targets []target, out io.Writer) error {
	var rows []row
	var rs []result
	var shared float64
	for _, mode := range b.cfg.modes {
		s, err := b.startSaasd(ctx, bin, dsn, b.prefix, "bench-"+mode, tenantModes[mode]...)
		if err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
		base, err := url.Parse(s.base)
		if err != nil {
			b.stopSaasd(s)
			return err
		}
		targets := slices.Clone(targets)
		for i, t := range targets { // this saasd listens on a port of its own
			u := *t.url
			u.Host = base.Host
			targets[i].url = &u
		}
		// A first request per tenant makes what a mode makes once per
		// tenant (with roles: the tenant's role), before the warm-up.
		b.logger.Printf("%s: a first pass over the %d tenants", mode, len(targets))
		b.gen.runTargets(ctx, targets, time.Duration(len(targets))*2*time.Millisecond)
		watch := b.db.watchConns(ctx, b.control, b.prefix)
		r, err := b.measureTargets(ctx, fmt.Sprintf("%d tenants, %s", len(targets), mode), s.proc, targets)
		c := watch()
		b.stopSaasd(s)
		if err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
		r.name = mode
		rows, rs = append(rows, rowOf(r, c)), append(rs, r)
		if mode == "shared" {
			shared = r.rps()
		}
	}
	tenantConns := "100"
	if v := os.Getenv("SAAS_DATABASE_MAX_TENANT_CONNS"); v != "" {
		tenantConns = v
	}
	fmt.Fprintf(out, "\nthe same read over the same %d tenants with saasd in each tenant connection mode (logins: a login and a pool per tenant;\n"+
		"roles: one pooled login set to each tenant's role; shared: the control login); database.max_tenant_conns %s,\n"+
		"database.max_open_conns %d: saasd's connections stay within their sum\n\n", len(targets), tenantConns, poolSize)
	if err := printRows(out, rows); err != nil {
		return err
	}
	if shared > 0 {
		for _, r := range rows {
			if r.name == "logins" || r.name == "roles" {
				met := "met"
				if r.rps < modeRatio*shared {
					met = "NOT met"
				}
				fmt.Fprintf(out, "ratio %s/shared = %.2f (target >= %.2f: %s)\n", r.name, r.rps/shared, modeRatio, met)
			}
		}
	}
	fmt.Fprintln(out)
	return printPerRequest(out, rs)
}

// count renders n, or - where it could not be read.
func count(n int64) string {
	if n < 0 {
		return "-"
	}
	return strconv.FormatInt(n, 10)
}

// printRows prints the spread table.
func printRows(out io.Writer, rows []row) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "name\trequests\terrors\treq/s\tp50\tp99\tThreads_connected max\tof which saasd's\t")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t\n", r.name, r.requests, r.errors, r.rps, ms(r.p50), ms(r.p99),
			count(r.conns.threads), count(r.conns.run))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if r.errors > 0 && r.firstErr != nil {
			fmt.Fprintf(out, "%s: first error: %v\n", r.name, r.firstErr)
		}
	}
	return nil
}
