package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"text/tabwriter"
	"time"

	"golang.org/x/crypto/bcrypt"
)

const (
	// signupWarmup signups are made on each side first and not counted.
	signupWarmup = 3
	// warmTarget is what a signup with a warm database may cost beyond its
	// password hash, at p50: the database part of the signup.
	warmTarget = 15 * time.Millisecond
	// poolFillTimeout bounds the wait for the warm pool to fill.
	poolFillTimeout = 5 * time.Minute
)

// signups measures the public signup (POST /api/register), one at a time:
// first with the warm pool off, every signup creating and migrating its
// database, then with tenants.warm_pool on, every signup claiming a
// database made ahead. Between warm signups the bench waits for the pool
// to be full again, so each one measures the claim and not the refill's
// CREATE DATABASE running beside it (signups further apart than a refill,
// about one provisioning time, see the same). bcrypt at saasd's cost is
// timed in this process: the part of a signup no pool can save.
func (b *bench) signups(ctx context.Context, bin, version string, out io.Writer) error {
	n := b.cfg.signup
	client := &http.Client{Transport: b.gen.client.Transport, Timeout: 2 * time.Minute}
	cold := &provSide{name: "without a warm database (tenants.warm_pool=0)"}
	warm := &provSide{name: fmt.Sprintf("with a warm database (tenants.warm_pool=%d)", n+signupWarmup)}
	for _, side := range []*provSide{cold, warm} {
		pool := 0
		if side == warm {
			pool = n + signupWarmup
		}
		if err := b.signupSide(ctx, client, bin, side, pool, n); err != nil {
			return err
		}
	}
	hash := &provSide{name: "bcrypt alone (this process, cost " + strconv.Itoa(bcrypt.DefaultCost) + ")"}
	for range n {
		start := time.Now()
		if _, err := bcrypt.GenerateFromPassword([]byte(benchPassword), bcrypt.DefaultCost); err != nil {
			return err
		}
		hash.add(time.Since(start), nil, nil)
	}

	fmt.Fprintf(out, "\nSignup latency on MariaDB: POST /api/register, %d signups one at a time on each side after %d to warm up\n", n, signupWarmup)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "name\tsignups\tp50\tp99\tmean\t")
	for _, p := range []*provSide{cold, warm, hash} {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t\n", p.name, len(p.lat), ms(p.percentile(0.50)), ms(p.percentile(0.99)), ms(p.mean()))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := printSplit(out, cold, warm); err != nil {
		return err
	}
	limit := hash.percentile(0.50) + warmTarget
	verdict := "met"
	if warm.percentile(0.50) > limit {
		verdict = "NOT met"
	}
	fmt.Fprintf(out, "\nwith a warm database, p50 %s; target <= bcrypt p50 + %s = %s: %s\n", ms(warm.percentile(0.50)), warmTarget, ms(limit), verdict)
	fmt.Fprintf(out, "beyond bcrypt (p50): %s without a warm database, %s with one\n",
		ms(cold.percentile(0.50)-hash.percentile(0.50)), ms(warm.percentile(0.50)-hash.percentile(0.50)))
	fmt.Fprintf(out, "machine: %d CPUs, %s/%s, %s, MariaDB %s; saasd, this process and MariaDB share the CPUs\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), version)
	return nil
}

// signupSide starts saasd with a warm pool of pool databases (0: off) and
// makes warm-up and n measured signups into side.
func (b *bench) signupSide(ctx context.Context, client *http.Client, bin string, side *provSide, pool, n int) error {
	tag := "cold"
	if pool > 0 {
		tag = "warm"
	}
	s, err := b.startSaasd(ctx, bin, b.db.schemaDSN(b.control), b.prefix, "bench-signup-"+tag,
		"SAAS_BILLING_INTERVAL=0", "SAAS_WEBHOOKS_INTERVAL=0", "SAAS_TENANTS_WARM_POOL="+strconv.Itoa(pool))
	if err != nil {
		return fmt.Errorf("signup (%s): %w", tag, err)
	}
	defer b.stopSaasd(s)
	plan, err := createPlan(ctx, client, s, "Bench signup "+tag, unlimited)
	if err != nil {
		return err
	}
	b.logger.Printf("signup: %d signups %s a warm database, after %d to warm up", n, map[bool]string{true: "with", false: "without"}[pool > 0], signupWarmup)
	for i := range signupWarmup + n {
		if pool > 0 {
			if err := b.waitPool(ctx, pool); err != nil {
				return err
			}
		}
		start := time.Now()
		got, err := signup(ctx, client, s, fmt.Sprintf("su%s%04d", tag, i), plan)
		if err != nil {
			return fmt.Errorf("signup %d (%s): %w", i, tag, err)
		}
		if end := time.Now(); i >= signupWarmup {
			side.add(end.Sub(start), nil, nil)
			side.requests = append(side.requests, created{id: got.id, start: start, end: end})
		}
	}
	ids := make([]int64, len(side.requests))
	for i, r := range side.requests {
		ids[i] = r.id
	}
	steps, err := b.db.provisioningSteps(ctx, b.control, ids)
	if err != nil {
		return err
	}
	side.split = signupSplit(side.requests, steps)
	return nil
}

// signupSplit sums, over the signups, the time before the tenant row was
// written (validation, the bcrypt hash, the insert), each saga step (from
// the end of the one before) and the time after the last (the session,
// the answer).
func signupSplit(reqs []created, steps map[int64]*stepTimes) map[string]time.Duration {
	split := map[string]time.Duration{}
	for _, r := range reqs {
		st := steps[r.id]
		if st == nil || len(st.at) == 0 {
			continue
		}
		split["before the saga (bcrypt, tenant row)"] += st.created.Sub(r.start)
		prev := st.created
		for i, name := range st.steps {
			split[name] += st.at[i].Sub(prev)
			prev = st.at[i]
		}
		split["after the saga (session, answer)"] += r.end.Sub(prev)
	}
	return split
}

// printSplit prints where the time of each side's signups goes, mean per signup.
func printSplit(out io.Writer, sides ...*provSide) error {
	fmt.Fprintln(out, "\nwhere the time goes, mean per signup (a step runs from the end of the one before; from the control schema's clock):")
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	order := []string{"before the saga (bcrypt, tenant row)", "claim_database", "create_database", "record_database", "bind_database",
		"create_user", "record_user", "migrate", "seed_admin", "activate", "after the saga (session, answer)"}
	fmt.Fprint(w, "  phase	")
	for _, p := range sides {
		fmt.Fprintf(w, "%s	", p.name)
	}
	fmt.Fprintln(w)
	for _, k := range order {
		fmt.Fprintf(w, "  %s	", k)
		for _, p := range sides {
			v, ok := p.split[k]
			if !ok || len(p.requests) == 0 {
				fmt.Fprint(w, "-	")
				continue
			}
			fmt.Fprintf(w, "%s	", ms(v/time.Duration(len(p.requests))))
		}
		fmt.Fprintln(w)
	}
	return w.Flush()
}

// waitPool waits until the warm pool has size ready databases and none
// being made.
func (b *bench) waitPool(ctx context.Context, size int) error {
	deadline := time.Now().Add(poolFillTimeout)
	q := "SELECT COALESCE(SUM(state = 'ready'), 0), COALESCE(SUM(state <> 'ready'), 0) FROM `" + b.control + "`.warm_databases"
	for {
		var ready, other int
		if err := b.db.db.QueryRowContext(ctx, q).Scan(&ready, &other); err != nil {
			return fmt.Errorf("warm pool: %w", err)
		}
		if ready >= size && other == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("warm pool: %d of %d ready after %s", ready, size, poolFillTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
