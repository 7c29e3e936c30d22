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

// signups measures the public signup (POST /api/register), one at a time,
// on two saasd running side by side, each on control and tenant schemas
// of its own: one with the warm pool off, every signup creating and
// migrating its database, one with tenants.warm_pool on, every signup
// claiming a database made ahead. The sides take turns signup by signup
// with bcrypt alone (at saasd's cost, in this process: the part no pool
// can save), so that whatever else loads the machine loads all three.
// Before each warm signup the bench waits for the pool to be full again,
// so it measures the claim and not the refill's CREATE DATABASE beside it
// (signups further apart than one provisioning see the same).
func (b *bench) signups(ctx context.Context, bin, version string, out io.Writer) error {
	n := b.cfg.signup
	pool := n + signupWarmup
	client := &http.Client{Transport: b.gen.client.Transport, Timeout: 2 * time.Minute}
	cold := &signupSide{provSide: provSide{name: "without a warm database (tenants.warm_pool=0)"}, tag: "cold", control: b.control, prefix: b.prefix}
	// Named under the run's tenant prefix, so that the cleanup drops them.
	warm := &signupSide{provSide: provSide{name: fmt.Sprintf("with a warm database (tenants.warm_pool=%d)", pool)}, tag: "warm",
		control: b.prefix + "w", prefix: b.prefix + "w_", pool: pool}
	hash := &provSide{name: "bcrypt alone (this process, cost " + strconv.Itoa(bcrypt.DefaultCost) + ")"}
	for _, side := range []*signupSide{cold, warm} {
		if err := b.startSignupSide(ctx, client, bin, side); err != nil {
			return err
		}
		defer b.stopSaasd(side.s)
	}
	b.logger.Printf("signup: %d signups on each side, taking turns, after %d of each to warm up", n, signupWarmup)
	for i := range signupWarmup + n {
		measured := i >= signupWarmup
		for _, side := range []*signupSide{cold, warm} {
			if err := b.signupOnce(ctx, client, side, i, measured); err != nil {
				return err
			}
		}
		start := time.Now()
		if _, err := bcrypt.GenerateFromPassword([]byte(benchPassword), bcrypt.DefaultCost); err != nil {
			return err
		}
		if measured {
			hash.add(time.Since(start), nil, nil)
		}
	}
	for _, side := range []*signupSide{cold, warm} {
		ids := make([]int64, len(side.requests))
		for i, r := range side.requests {
			ids[i] = r.id
		}
		steps, err := b.db.provisioningSteps(ctx, side.control, ids)
		if err != nil {
			return err
		}
		side.split = signupSplit(side.requests, steps)
	}

	fmt.Fprintf(out, "\nSignup latency on MariaDB: POST /api/register, %d signups one at a time on each side, the sides taking turns, after %d of each to warm up\n", n, signupWarmup)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "name\tsignups\tp50\tp99\tmean\t")
	for _, p := range []*provSide{&cold.provSide, &warm.provSide, hash} {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t\n", p.name, len(p.lat), ms(p.percentile(0.50)), ms(p.percentile(0.99)), ms(p.mean()))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := printSplit(out, &cold.provSide, &warm.provSide); err != nil {
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
	fmt.Fprintf(out, "machine: %d CPUs, %s/%s, %s, MariaDB %s; both saasd, this process and MariaDB share the CPUs\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), version)
	return nil
}

// signupSide is one saasd of the signup measurement and its signups.
type signupSide struct {
	provSide
	tag             string // in subdomains
	control, prefix string // its control schema and tenant prefix
	pool            int    // tenants.warm_pool; 0: off
	s               *saasd
	plan            int64
}

// startSignupSide starts side's saasd and makes its plan.
func (b *bench) startSignupSide(ctx context.Context, client *http.Client, bin string, side *signupSide) error {
	s, err := b.startSaasd(ctx, bin, b.db.schemaDSN(side.control), side.prefix, "bench-signup-"+side.tag,
		"SAAS_BILLING_INTERVAL=0", "SAAS_WEBHOOKS_INTERVAL=0", "SAAS_TENANTS_WARM_POOL="+strconv.Itoa(side.pool))
	if err != nil {
		return fmt.Errorf("signup (%s): %w", side.tag, err)
	}
	side.s = s
	side.plan, err = createPlan(ctx, client, s, "Bench signup "+side.tag, unlimited)
	return err
}

// signupOnce makes signup i on side, after the warm pool is full again.
func (b *bench) signupOnce(ctx context.Context, client *http.Client, side *signupSide, i int, measured bool) error {
	if side.pool > 0 {
		if err := b.waitPool(ctx, side.control, side.pool); err != nil {
			return err
		}
	}
	start := time.Now()
	got, err := signup(ctx, client, side.s, fmt.Sprintf("su%s%04d", side.tag, i), side.plan)
	if err != nil {
		return fmt.Errorf("signup %d (%s): %w", i, side.tag, err)
	}
	if end := time.Now(); measured {
		side.add(end.Sub(start), nil, nil)
		side.requests = append(side.requests, created{id: got.id, start: start, end: end})
	}
	return nil
}

// signupSplit sums, over the signups, the time before the tenant row was
// written (validation, the bcrypt hash, the insert with its claim), each saga step (from
// the end of the one before) and the time after the last (the session,
// the answer).
func signupSplit(reqs []created, steps map[int64]*stepTimes) map[string]time.Duration {
	split := map[string]time.Duration{}
	for _, r := range reqs {
		st := steps[r.id]
		if st == nil || len(st.at) == 0 {
			continue
		}
		split["before the saga (bcrypt, tenant row, claim)"] += st.created.Sub(r.start)
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
	order := []string{"before the saga (bcrypt, tenant row, claim)", "create_database", "record_database", "bind_database",
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

// waitPool waits until the warm pool of control has size ready databases
// and no other entries (being made, or claimed and not yet forgotten).
func (b *bench) waitPool(ctx context.Context, control string, size int) error {
	deadline := time.Now().Add(poolFillTimeout)
	q := "SELECT COALESCE(SUM(state = 'ready'), 0), COALESCE(SUM(state <> 'ready'), 0) FROM `" + control + "`.warm_databases"
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
