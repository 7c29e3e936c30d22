// Command bench measures GET /api/saas/tenants/{id} through the whole saasd
// stack on MariaDB, next to a bare Gin handler that does one primary-key
// select on the same server: the ceiling the full stack is judged against.
// It prints numbers and asserts nothing.
//
//	go run ./bench [-duration 10s] [-concurrency 32] [-dsn DSN] [-keep]
//
// Both servers run as subprocesses, one after the other, so neither shares
// the CPUs with the other; the load generator runs in this process. Every
// schema the run creates is dropped at the end unless -keep is given.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
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
	// targetRatio is what the full stack should reach of the ceiling.
	targetRatio = 0.5
)

// config is what the flags say.
type config struct {
	duration    time.Duration
	concurrency int
	dsn         string // server DSN; the database name in it is ignored
	keep        bool
}

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
	flag.Parse()
	if flag.NArg() > 0 || cfg.duration <= 0 || cfg.concurrency < 1 {
		flag.Usage()
		os.Exit(2)
	}
	return cfg
}

// run builds saasd, measures both servers and prints the report to out.
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
	defer func() {
		if cfg.keep {
			logger.Printf("kept schemas %s and %s*", control, prefix)
			return
		}
		// The run's context may be what ended the run; cleaning up gets its own.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		n, derr := db.dropSchemas(cctx, control, prefix)
		if derr != nil {
			logger.Printf("cleaning up: %v", derr)
			err = errors.Join(err, derr)
		}
		logger.Printf("dropped %d schemas (%s and %s*)", n, control, prefix)
	}()

	b := &bench{cfg: cfg, logger: logger, gen: newLoadGen(cfg.concurrency), db: db, dbPID: db.pid(ctx)}
	full, id, err := b.fullStack(ctx, bin, db.schemaDSN(control), prefix)
	if err != nil {
		return fmt.Errorf("full stack: %w", err)
	}
	ceiling, err := b.ceiling(ctx, db.schemaDSN(control), id)
	if err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	return report(out, cfg, version, []result{full, ceiling})
}

// bench is what both measurements share.
type bench struct {
	cfg    config
	logger *log.Logger
	gen    *loadGen
	db     *mariadb
	dbPID  int // MariaDB's process, 0 when it is not on this machine
}

// measure warms the server srv up, then loads url for cfg.duration and
// reads MariaDB's counters and the CPU times around the measured part only.
func (b *bench) measure(ctx context.Context, name string, srv *proc, url, auth string) (result, error) {
	b.logger.Printf("%s: warming up for %s", name, warmup)
	if w := b.gen.run(ctx, url, auth, warmup); w.errors > 0 {
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
	r := b.gen.run(ctx, url, auth, b.cfg.duration)
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	r.cpu = cpu.since(cpuBefore)
	after, err := b.db.counters(ctx)
	if err != nil {
		return result{}, err
	}
	r.name, r.db = name, after.sub(before)
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

// report prints the table, the ratio, where each request's time goes and
// the machine.
func report(out io.Writer, cfg config, version string, rs []result) error {
	fmt.Fprintf(out, "\nGET /api/saas/tenants/{id}: %d connections, %s per measurement after %s warm-up\n\n",
		cfg.concurrency, cfg.duration, warmup)
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

	full, ceiling := rs[0], rs[1]
	if ceiling.rps() > 0 {
		ratio := full.rps() / ceiling.rps()
		verdict := "met"
		if ratio < targetRatio {
			verdict = "NOT met"
		}
		fmt.Fprintf(out, "\nratio full/ceiling = %.2f (target >= %.2f: %s)\n\n", ratio, targetRatio, verdict)
	} else {
		fmt.Fprintf(out, "\nratio full/ceiling = n/a: the ceiling answered nothing (target >= %.2f)\n\n", targetRatio)
	}

	// Where a request's time goes. A prepared statement costs two round
	// trips (prepare, execute; close needs no answer) and Questions counts
	// only the execute, hence the sum. The counters are global: anything
	// else using MariaDB meanwhile is counted too.
	fmt.Fprintln(out, "per request:")
	w = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "  name\tserver CPU\tmariadbd CPU\tload gen CPU\tdb round trips\tMariaDB counters")
	for _, r := range rs {
		n := r.requests + r.errors
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\t%s\n", r.name, cpuPer(r.cpu.server, n), cpuPer(r.cpu.mariadb, n), cpuPer(r.cpu.load, n),
			perRequest(r.db.questions()+r.db["Com_stmt_prepare"], n), r.db.breakdown(n))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nmachine: %d CPUs, %s/%s, %s, MariaDB %s; load generator, server and MariaDB share the CPUs\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), version)
	return nil
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
