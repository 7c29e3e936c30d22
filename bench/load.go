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
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// loadGen sends GET requests from a fixed number of goroutines, each with
// its own keep-alive connection.
type loadGen struct {
	client      *http.Client
	concurrency int
}

func newLoadGen(concurrency int) *loadGen {
	return &loadGen{
		concurrency: concurrency,
		client: &http.Client{
			// Bounds a request to a server that stopped answering.
			Timeout: 10 * time.Second,
			Transport: &http.Transport{
				Proxy: nil, // loopback only; a proxy from the environment would be measured too
				// Without this the default of 2 idle connections per host
				// would make most requests dial anew.
				MaxIdleConns:        concurrency,
				MaxIdleConnsPerHost: concurrency,
				DisableCompression:  true,
			},
		},
	}
}

// result is one measurement.
type result struct {
	name      string
	requests  int64           // answered 200
	errors    int64           // any other status, or no answer
	firstErr  error           // the first of those
	elapsed   time.Duration   // from the first request sent to the last answer
	latencies []time.Duration // of the 200s, sorted
	db        counters        // MariaDB's counters over the measurement
	cpu       cpuUse          // CPU time of each process over the measurement
	wrk       float64         // wrk's requests/second, 0 when not run
}

func (r result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// percentile returns the latency under which a fraction p of the 200s fell.
func (r result) percentile(p float64) time.Duration { return percentile(r.latencies, p) }

// percentile returns the latency under which a fraction p of sorted fell.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(p*float64(len(sorted)-1))]
}

// target is one request the load generator sends. Its URL and header are
// shared by every worker and only ever read: net/http copies a request
// before it changes one.
type target struct {
	method string
	url    *url.URL
	header http.Header
	body   []byte // sent with every request when not nil
	status int    // the answer that counts as success
}

// getTarget is GET url, with auth as the Authorization header when not empty.
func getTarget(rawURL, auth string) (target, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return target{}, err
	}
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	return target{method: http.MethodGet, url: u, header: h, status: http.StatusOK}, nil
}

// run loads url for d. auth, when not empty, is sent as the Authorization
// header. Requests in flight at the deadline are waited for and counted.
func (g *loadGen) run(ctx context.Context, url, auth string, d time.Duration) result {
	t, err := getTarget(url, auth)
	if err != nil {
		return result{errors: 1, firstErr: err}
	}
	return g.runTargets(ctx, []target{t}, d)
}

// runTargets loads targets for d, round-robin: each worker starts at its
// own place in the list and sends the next target each time, so that all
// of them are loaded evenly however long the list is.
func (g *loadGen) runTargets(ctx context.Context, targets []target, d time.Duration) result {
	type worker struct {
		ok, failed int64
		firstErr   error
		lat        []time.Duration
	}
	if len(targets) == 0 {
		return result{errors: 1, firstErr: errors.New("nothing to load")}
	}
	workers := make([]worker, g.concurrency)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		next := i * len(targets) / len(workers)
		wg.Go(func() {
			// One request per worker, pointed at each target in turn:
			// building a new one each time would spend CPU the servers need.
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, targets[0].url.String(), nil)
			if err != nil {
				w.failed, w.firstErr = 1, err
				return
			}
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t := &targets[next]
				next = (next + 1) % len(targets)
				req.Method, req.URL, req.Host, req.Header = t.method, t.url, t.url.Host, t.header
				req.Body, req.ContentLength = nil, 0
				if t.body != nil {
					req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(t.body)), int64(len(t.body))
				}
				t0 := time.Now()
				err := g.do(req, t.status)
				took := time.Since(t0)
				switch {
				case err == nil:
					w.ok++
					w.lat = append(w.lat, took)
				case ctx.Err() != nil: // interrupted: not the server's fault
				default:
					w.failed++
					if w.firstErr == nil {
						w.firstErr = err
					}
				}
			}
		})
	}
	wg.Wait()
	r := result{elapsed: time.Since(start)}
	for _, w := range workers {
		r.requests += w.ok
		r.errors += w.failed
		if r.firstErr == nil {
			r.firstErr = w.firstErr
		}
		r.latencies = append(r.latencies, w.lat...)
	}
	slices.Sort(r.latencies)
	return r
}

// do sends req and reads the whole body, so the connection is reused. Any
// status but want is an error that quotes the start of the answer.
func (g *loadGen) do(req *http.Request, want int) error {
	resp, err := g.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("%s %s: status %d: %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(b))
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

var (
	wrkRPS    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses: \d+`)
)

// runWrk measures url with wrk as a second opinion, when wrk is installed.
// It returns 0 and no error when it is not.
func runWrk(ctx context.Context, cfg config, url, auth string) (float64, error) {
	path, err := exec.LookPath("wrk")
	if errors.Is(err, exec.ErrNotFound) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	threads := min(runtime.NumCPU(), cfg.concurrency)
	args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(cfg.concurrency),
		"-d", strconv.Itoa(max(1, int(cfg.duration.Seconds()))) + "s"}
	if auth != "" {
		args = append(args, "-H", "Authorization: "+auth)
	}
	out, err := exec.CommandContext(ctx, path, append(args, url)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%w: %s", err, out)
	}
	if m := wrkNon2xx.Find(out); m != nil {
		return 0, fmt.Errorf("%s", m)
	}
	m := wrkRPS.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no Requests/sec in its output: %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// wrkSpreadLua cycles wrk through the prepared requests of every tenant,
// each thread starting at its own place in the list, and prints one line
// for the bench from done(). Latencies are in microseconds.
const wrkSpreadLua = `
local n = 0
function setup(thread)
  thread:set("offset", n)
  n = n + 1
end

local reqs = {}
local i = 0
function init(args)
  for k, t in ipairs(targets) do
    reqs[k] = wrk.format("GET", t[1], { ["X-Tenant"] = t[2], ["Authorization"] = t[3] })
  end
  i = math.floor((offset or 0) * #reqs / threads)
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("bench-result %.0f %.0f %.0f %.0f %.0f %.0f\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`

var wrkResult = regexp.MustCompile(`bench-result (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)`)

// runWrkSpread loads GET targets round-robin with wrk, through a Lua script
// written to a temporary file, when wrk is installed; nil and no error when
// it is not. base must be on 127.0.0.1: wrk is pointed at nothing else.
func runWrkSpread(ctx context.Context, cfg config, base string, targets []target) (*row, error) {
	path, err := exec.LookPath("wrk")
	if errors.Is(err, exec.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Hostname() != "127.0.0.1" {
		return nil, fmt.Errorf("refusing to point wrk at %s: 127.0.0.1 only", u.Host)
	}
	threads := min(runtime.NumCPU(), cfg.concurrency)
	var script strings.Builder
	fmt.Fprintf(&script, "threads = %d\ntargets = {\n", threads)
	for _, t := range targets {
		if t.url.Host != u.Host {
			return nil, fmt.Errorf("target %s is not on %s", t.url, u.Host)
		}
		fields := []string{t.url.RequestURI(), t.header.Get("X-Tenant"), t.header.Get("Authorization")}
		for i, f := range fields {
			if strings.IndexFunc(f, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
				return nil, fmt.Errorf("target %s: not printable ASCII: %q", t.url, f)
			}
			fields[i] = strconv.Quote(f) // a Lua string too, for printable ASCII
		}
		fmt.Fprintf(&script, "  {%s},\n", strings.Join(fields, ", "))
	}
	script.WriteString("}\n" + wrkSpreadLua)
	f, err := os.CreateTemp("", "saasd-bench-*.lua")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(script.String()); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(cfg.concurrency),
		"-d", strconv.Itoa(max(1, int(cfg.duration.Seconds()))) + "s", "-s", f.Name(), base}
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, out)
	}
	m := wrkResult.FindSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("no result line in its output: %s", out)
	}
	var v [6]int64
	for i := range v {
		v[i], _ = strconv.ParseInt(string(m[i+1]), 10, 64) // \d+ parses
	}
	requests, micros, status, socket := v[0], v[1], v[2], v[3]
	r := &row{
		requests: requests - status, errors: status + socket,
		p50: time.Duration(v[4]) * time.Microsecond, p99: time.Duration(v[5]) * time.Microsecond,
	}
	if micros > 0 {
		r.rps = float64(r.requests) / (float64(micros) / 1e6)
	}
	if r.errors > 0 {
		r.firstErr = fmt.Errorf("%d non-2xx answers, %d socket errors", status, socket)
	}
	return r, nil
}
