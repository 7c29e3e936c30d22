// Command bench measures saasd on MariaDB. It prints numbers and asserts
// nothing.
//
//	go run ./bench [-duration 10s] [-concurrency 32] [-tenants 1000] [-signup-concurrency 6] [-provision 60] [-signup 30] [-only provisioning|signup] [-dsn DSN] [-keep]
//
// It measures, in order:
//
//  1. GET /api/saas/tenants/{id} through the whole stack, next to a bare Gin
//     handler that does one primary-key select on the same server: the
//     ceiling the full stack is judged against.
//  2. What quota enforcement costs: POST /api/v2/customers for a tenant on a
//     plan with a customers limit, then for one on a plan without.
//  3. GET /api/v2/customers/{id} spread round-robin over -tenants tenants,
//     each made by public signup, with MariaDB's connection count watched,
//     judged against the mean of the ceiling measured before and again
//     after it. -tenants 0 skips this part, the only slow one.
//  4. Provisioning latency: POST /api/saas/tenants one at a time, next to
//     the raw floor, the same statements sent straight through the driver
//     without the saga, and the floor migrated with goose as saasd does, to
//     say where the difference goes. -provision 0 skips it; -only
//     provisioning runs it alone.
//  5. Signup latency: POST /api/register one at a time, without and then
//     with a warm database (tenants.warm_pool), next to bcrypt alone, the
//     part no pool saves. -signup 0 skips it; -only signup runs it alone.
//
// The servers run as subprocesses, one after the other, so none shares the
// CPUs with another; the load generator runs in this process. Every
// schema the run creates is dropped at the end, also after Ctrl-C, unless
// -keep is given.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

const (
	// warmup is run and thrown away before each measurement, so that pools,
	// keep-alive connections and MariaDB's buffer pool are warm.
	warmup = 2 * time.Second
	// poolSize is the database pool of both servers: saasd's default, set
	// explicitly so that the comparison holds whatever the environment says.
	poolSize = 20
	// superadminRatio is what GET /api/saas/tenants/{id} should reach of
	// the ceiling, and tenantRatio what a tenant-side GET should (issue 11).
	superadminRatio = 0.6
	tenantRatio     = 0.5
)

// config is what the flags say.
type config struct {
	duration    time.Duration
	concurrency int
	dsn         string // server DSN; the database name in it is ignored
	keep        bool
	tenants     int      // tenants the spread read is loaded over; 0 skips it
	signups     int      // signups at a time while making them
	provision   int      // tenants provisioned on each side for the latency; 0 skips it
	signup      int      // signups measured with and without a warm database; 0 skips it
	only        string   // one part to run alone, one of parts; "" runs them all
	modes       []string // tenant connection modes the spread read is loaded in again, of tenantModes
}

// parts are what -only can name.
var parts = []string{"provisioning", "signup"}

func main() {
	// The ceiling server is this same binary, started again by run.
	if len(os.Args) > 1 && os.Args[1] == ceilingCmd {
		if err := runCeiling(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench ceiling:", err)
			os.Exit(1)
		}
		return
	}
	cfg := parseFlags()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg, os.Stdout, log.New(os.Stderr, "bench: ", 0))
	interrupted := ctx.Err() != nil
	stop()
	if interrupted {
		fmt.Fprintln(os.Stderr, "bench: interrupted")
		os.Exit(130)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags() config {
	dsn := os.Getenv("SAAS_TEST_MYSQL_DSN")
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/"
	}
	var cfg config
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "length of each measurement, after a 2s warm-up")
	flag.IntVar(&cfg.concurrency, "concurrency", 32, "concurrent client connections")
	flag.StringVar(&cfg.dsn, "dsn", dsn, "MariaDB server (go-sql-driver DSN; default from SAAS_TEST_MYSQL_DSN)")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the control and tenant schemas instead of dropping them")
	flag.IntVar(&cfg.tenants, "tenants", 1000, "tenants to spread GET /api/v2/customers/{id} over, made by signup (slow: minutes for 1000); 0 skips that part")
	flag.IntVar(&cfg.signups, "signup-concurrency", 6, "concurrent signups while making the tenants")
	flag.IntVar(&cfg.provision, "provision", 60, "tenants provisioned one at a time through saasd, and as many on the raw floor (and the floor with goose), for p50/p99; 0 skips that part")
	flag.IntVar(&cfg.signup, "signup", 30, "signups (POST /api/register) one at a time without and with a warm database (tenants.warm_pool), for p50/p99; 0 skips that part")
	flag.StringVar(&cfg.only, "only", "", "run only this part: "+strings.Join(parts, ", "))
	modes := flag.String("modes", "", "load the spread read again over the same tenants with saasd in each of these tenant connection modes, comma-separated: "+
		strings.Join(slices.Sorted(maps.Keys(tenantModes)), ", ")+"; each is judged against shared")
	flag.Parse()
	if *modes != "" {
		cfg.modes = strings.Split(*modes, ",")
		for _, m := range cfg.modes {
			if tenantModes[m] == nil {
				fmt.Fprintf(os.Stderr, "-modes: %q is not one of %s\n", m, strings.Join(slices.Sorted(maps.Keys(tenantModes)), ", "))
				os.Exit(2)
			}
		}
	}
	if flag.NArg() > 0 || cfg.duration <= 0 || cfg.concurrency < 1 || cfg.tenants < 0 || cfg.signups < 1 || cfg.provision < 0 || cfg.signup < 0 {
		flag.Usage()
		os.Exit(2)
	}
	if cfg.only != "" && !slices.Contains(parts, cfg.only) {
		fmt.Fprintf(os.Stderr, "-only %q: want one of %s\n", cfg.only, strings.Join(parts, ", "))
		os.Exit(2)
	}
	if cfg.only == "provisioning" && cfg.provision == 0 {
		fmt.Fprintln(os.Stderr, "-only provisioning with -provision 0 leaves nothing to run")
		os.Exit(2)
	}
	if cfg.only == "signup" && cfg.signup == 0 {
		fmt.Fprintln(os.Stderr, "-only signup with -signup 0 leaves nothing to run")
		os.Exit(2)
	}
	return cfg
}

// run builds saasd, measures and prints each report to out as soon as its
// part is done.
// Progress goes to logger.
func run(ctx context.Context, cfg config, out io.Writer, logger *log.Logger) (err error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "saasd-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	db, err := openServer(ctx, cfg.dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	version, err := db.version(ctx)
	if err != nil {
		return err
	}

	bin := filepath.Join(tmp, "saasd")
	logger.Printf("building ./cmd/saasd")
	if err := buildSaasd(ctx, root, bin); err != nil {
		return err
	}

	control := "bench_" + randomHex(4)
	prefix := control + "_t"
	// The raw floor's schemas and logins: a prefix of their own, so that
	// nothing of saasd's is taken for the floor's or the other way round.
	floorPrefix := control + "_f"
	defer func() {
		if cfg.keep {
			logger.Printf("kept schemas %s, %s* and %s*, and logins %s* and %s*", control, prefix, floorPrefix, prefix, floorPrefix)
			return
		}
		// The run's context may be what ended the run; cleaning up gets its
		// own, long enough to drop a thousand schemas.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
		defer cancel()
		n, derr := db.dropSchemas(cctx, control, prefix, floorPrefix)
		if derr != nil {
			logger.Printf("cleaning up: %v", derr)
			err = errors.Join(err, derr)
		}
		// saasd gives each tenant a MySQL login named like its schema, and
		// so does the raw floor.
		u, uerr := db.dropUsers(cctx, prefix, floorPrefix)
		if uerr != nil {
			logger.Printf("cleaning up: %v", uerr)
			err = errors.Join(err, uerr)
		}
		logger.Printf("dropped %d schemas (%s, %s* and %s*) and %d logins (%s* and %s*)", n, control, prefix, floorPrefix, u, prefix, floorPrefix)
	}()

	b := &bench{cfg: cfg, logger: logger, gen: newLoadGen(cfg.concurrency), db: db, dbPID: db.pid(ctx),
		control: control, prefix: prefix, floorPrefix: floorPrefix}
	if cfg.only == "" {
		if err := b.reads(ctx, bin, version, out); err != nil {
			return err
		}
	}
	if cfg.only == "" || cfg.only == "provisioning" {
		if cfg.provision == 0 {
			logger.Printf("-provision 0: skipping provisioning latency")
		} else if err := b.provisioning(ctx, bin, root, version, out); err != nil {
			return err
		}
	}
	if cfg.only == "" || cfg.only == "signup" {
		if cfg.signup == 0 {
			logger.Printf("-signup 0: skipping signup latency")
			return nil
		}
		return b.signups(ctx, bin, version, out)
	}
	return nil
}

// reads runs the first three parts: a tenant's record through the full
// stack next to the ceiling, then the tenant-side API.
func (b *bench) reads(ctx context.Context, bin, version string, out io.Writer) error {
	cfg, db, control, prefix := b.cfg, b.db, b.control, b.prefix
	full, id, err := b.fullStack(ctx, bin, db.schemaDSN(control), prefix)
	if err != nil {
		return fmt.Errorf("full stack: %w", err)
	}
	ceiling, err := b.ceiling(ctx, db.schemaDSN(control), id)
	if err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	if err := report(out, cfg, version, []result{full, ceiling}); err != nil {
		return err
	}
	// saasd again, on the same schemas, for the tenant-side API: the ceiling
	// ran on its own, and so does this.
	tenantReads, err := b.tenantSide(ctx, bin, db.schemaDSN(control), out)
	if err != nil || len(tenantReads) == 0 {
		return err
	}
	// The ceiling again: on a shared machine the capacity drifts over a
	// run, so tenant reads are judged against the ceiling's mean before
	// and after them.
	after, err := b.ceiling(ctx, db.schemaDSN(control), id)
	if err != nil {
		return fmt.Errorf("ceiling after the tenant reads: %w", err)
	}
	after.name = "ceiling after"
	return reportTenantReads(out, tenantReads, ceiling, after)
}

// reportTenantReads prints each tenant read's ratio to the mean of the
// ceiling measured before and after them.
func reportTenantReads(out io.Writer, reads []result, before, after result) error {
	mean := (before.rps() + after.rps()) / 2
	fmt.Fprintf(out, "\nGET /api/v2/customers/{id} next to the ceiling: %.0f req/s before the tenant reads, %.0f after, mean %.0f\n\n",
		before.rps(), after.rps(), mean)
	if err := printResults(out, []result{after}); err != nil {
		return err
	}
	fmt.Fprintln(out)
	for _, r := range reads {
		if mean <= 0 {
			fmt.Fprintf(out, "ratio %s/ceiling = n/a: the ceiling answered nothing (target >= %.2f)\n", r.name, tenantRatio)
			continue
		}
		ratio := r.rps() / mean
		verdict := "met"
		if ratio < tenantRatio {
			verdict = "NOT met"
		}
		fmt.Fprintf(out, "ratio %s/ceiling = %.2f (%.0f req/s; target >= %.2f: %s)\n", r.name, ratio, r.rps(), tenantRatio, verdict)
	}
	return nil
}

// bench is what all measurements share.
type bench struct {
	cfg    config
	logger *log.Logger
	gen    *loadGen
	db     *mariadb
	dbPID  int // MariaDB's process, 0 when it is not on this machine
	// control is the run's control schema; tenant schemas (and saasd's
	// tenant logins) are named prefix + tenant id; the raw floor's schemas
	// and logins, floorPrefix + a number.
	control, prefix, floorPrefix string
}

// measure warms the server srv up, then loads url for cfg.duration and
// reads MariaDB's counters and the CPU times around the measured part only;
// then wrk loads it for a second opinion.
func (b *bench) measure(ctx context.Context, name string, srv *proc, url, auth string) (result, error) {
	t, err := getTarget(url, auth)
	if err != nil {
		return result{}, err
	}
	r, err := b.measureTargets(ctx, name, srv, []target{t})
	if err != nil {
		return result{}, err
	}
	wrk, err := runWrk(ctx, b.cfg, url, auth)
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	if err != nil {
		b.logger.Printf("%s: wrk: %v", name, err)
	}
	r.wrk = wrk
	return r, nil
}

// measureTargets is measure without wrk, for any list of targets, loaded
// round-robin.
func (b *bench) measureTargets(ctx context.Context, name string, srv *proc, targets []target) (result, error) {
	b.logger.Printf("%s: warming up for %s", name, warmup)
	if w := b.gen.runTargets(ctx, targets, warmup); w.errors > 0 {
		b.logger.Printf("%s: %d errors during warm-up, first: %v", name, w.errors, w.firstErr)
	}
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	before, err := b.db.counters(ctx)
	if err != nil {
		return result{}, err
	}
	cpu := cpuMeter{pids: [3]int{srv.cmd.Process.Pid, b.dbPID, os.Getpid()}}
	cpuBefore := cpu.sample()
	b.logger.Printf("%s: measuring for %s with %d connections", name, b.cfg.duration, b.cfg.concurrency)
	r := b.gen.runTargets(ctx, targets, b.cfg.duration)
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	r.cpu = cpu.since(cpuBefore)
	after, err := b.db.counters(ctx)
	if err != nil {
		return result{}, err
	}
	r.name, r.db = name, after.sub(before)
	return r, nil
}

// report prints the table, the ratio, where each request's time goes and
// the machine.
func report(out io.Writer, cfg config, version string, rs []result) error {
	fmt.Fprintf(out, "\nGET /api/saas/tenants/{id}: %d connections, %s per measurement after %s warm-up\n\n",
		cfg.concurrency, cfg.duration, warmup)
	if err := printResults(out, rs); err != nil {
		return err
	}

	full, ceiling := rs[0], rs[1]
	if ceiling.rps() > 0 {
		ratio := full.rps() / ceiling.rps()
		verdict := "met"
		if ratio < superadminRatio {
			verdict = "NOT met"
		}
		fmt.Fprintf(out, "\nratio full/ceiling = %.2f (target >= %.2f: %s)\n\n", ratio, superadminRatio, verdict)
	} else {
		fmt.Fprintf(out, "\nratio full/ceiling = n/a: the ceiling answered nothing (target >= %.2f)\n\n", superadminRatio)
	}

	if err := printPerRequest(out, rs); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nmachine: %d CPUs, %s/%s, %s, MariaDB %s; load generator, server and MariaDB share the CPUs\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), version)
	return nil
}

// printResults prints one line per result, with wrk's req/s where any was
// measured, and the first error of each that had any.
func printResults(out io.Writer, rs []result) error {
	withWrk := slices.ContainsFunc(rs, func(r result) bool { return r.wrk > 0 })
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(w, "name\trequests\terrors\treq/s\tp50\tp99\t")
	if withWrk {
		fmt.Fprint(w, "wrk req/s\t")
	}
	fmt.Fprintln(w)
	for _, r := range rs {
		fmt.Fprintf(w, "%s\t%d\t%d\t%.0f\t%s\t%s\t", r.name, r.requests, r.errors, r.rps(),
			ms(r.percentile(0.50)), ms(r.percentile(0.99)))
		if withWrk {
			fmt.Fprintf(w, "%.0f\t", r.wrk)
		}
		fmt.Fprintln(w)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, r := range rs {
		if r.errors > 0 {
			fmt.Fprintf(out, "%s: first error: %v\n", r.name, r.firstErr)
		}
	}
	return nil
}

// printPerRequest prints where a request's time goes. A prepared statement
// costs two round trips (prepare, execute; close needs no answer) and
// Questions counts only the execute, hence the sum. The counters are
// global: anything else using MariaDB meanwhile is counted too.
func printPerRequest(out io.Writer, rs []result) error {
	fmt.Fprintln(out, "per request:")
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "  name\tserver CPU\tmariadbd CPU\tload gen CPU\tdb round trips\tMariaDB counters")
	for _, r := range rs {
		n := r.requests + r.errors
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\t%s\n", r.name, cpuPer(r.cpu.server, n), cpuPer(r.cpu.mariadb, n), cpuPer(r.cpu.load, n),
			perRequest(r.db.questions()+r.db["Com_stmt_prepare"], n), r.db.breakdown(n))
	}
	return w.Flush()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// cpuPer renders CPU time d spent on n requests.
func cpuPer(d time.Duration, n int64) string {
	if d < 0 || n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond)/float64(n))
}

func perRequest(v, n int64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(v)/float64(n))
}
