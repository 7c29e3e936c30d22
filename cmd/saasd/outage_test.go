package main

import (
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/config"
)

// proxy forwards TCP to the database server and can be cut and restored,
// to play a database outage without touching the shared server.
type proxy struct {
	t      *testing.T
	addr   string // listening address, stable across restarts
	target string

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, addr: "127.0.0.1:0", target: target}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) start() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

// stop refuses new connections and cuts the open ones.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestDatabaseOutage: with MariaDB unreachable, /readyz fails and API calls
// answer 503 in the envelope within the request timeout; when it is back,
// saasd serves again without a restart.
func TestDatabaseOutage(t *testing.T) {
	server := mysqlServer(t)
	var px *proxy
	b := backends(t)[1]
	e := newEnv(t, b, func(c *config.Config) {
		px = startProxy(t, server.Addr)
		c.Database.DSN = replaceAddr(t, c.Database.DSN, px.addr)
		c.HTTP.RequestTimeout = 3 * time.Second
	})
	planID := e.createPlan(starter)
	e.createTenant(planID, "acme").want(t, http.StatusCreated)

	px.stop()
	for _, path := range []string{"/api/saas/plans", "/api/saas/tenants/1"} {
		start := time.Now()
		e.do("GET", path, nil).want(t, http.StatusServiceUnavailable)
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("%s took %v while the database was down", path, took)
		}
	}
	e.doAs("", "GET", "/readyz", nil).want(t, http.StatusServiceUnavailable)
	e.doAs("", "GET", "/healthz", nil).want(t, http.StatusOK)

	px.start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := e.do("GET", "/api/saas/plans", nil)
		if r.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not recovered: %d %s", r.status, r.raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.doAs("", "GET", "/readyz", nil).want(t, http.StatusOK)
	e.createTenant(planID, "globex").want(t, http.StatusCreated)
}
