package main

import (
	"io"
	"net"
	"net/http"
	"strings"
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
	// refusal, when set, is the MySQL error packet sent to every new
	// connection in place of the server's greeting.
	refusal []byte
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
			p.mu.Lock()
			refusal := p.refusal
			p.mu.Unlock()
			if refusal != nil {
				c.Write(refusal)
				c.Close()
				continue
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

// refuse cuts the open connections and answers each new one with MySQL
// error code and message, as a server does at max_connections; nil code 0
// forwards again.
func (p *proxy) refuse(code uint16, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	if code == 0 {
		p.refusal = nil
		return
	}
	// One packet, sequence 0: 0xff, the code, the message (no SQL state
	// before the handshake).
	payload := append([]byte{0xff, byte(code), byte(code >> 8)}, msg...)
	p.refusal = append([]byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), 0}, payload...)
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

// TestUnavailable: a MariaDB refusing connections because it has too many
// (error 1040) is answered 503 in the envelope, as one that does not answer
// is, not 500: on the superadmin API and the tenant API alike, and saasd
// serves again once the server takes connections.
func TestUnavailable(t *testing.T) {
	server := mysqlServer(t)
	var px *proxy
	e := newEnv(t, backends(t)[1], func(c *config.Config) {
		px = startProxy(t, server.Addr)
		c.Database.DSN = replaceAddr(t, c.Database.DSN, px.addr)
	})
	planID := e.createPlan(starter)
	sub, token := e.signup("Busy", "busy", planID)
	e.asTenant(sub, token, "POST", "/api/v2/customers", map[string]any{"account": "Before"}).want(t, http.StatusCreated)

	px.refuse(1040, "Too many connections")
	for name, r := range map[string]func() response{
		"superadmin": func() response { return e.do("GET", "/api/saas/tenants/1", nil) },
		"tenant":     func() response { return e.asTenant(sub, token, "GET", "/api/v2/customers", nil) },
	} {
		got := r().want(t, http.StatusServiceUnavailable)
		if msg, _ := got.body["error"].(string); !strings.Contains(msg, "too many connections") {
			t.Fatalf("%s: 503 says %q, want the too-many-connections message", name, msg)
		}
	}

	px.refuse(0, "")
	e.asTenant(sub, token, "GET", "/api/v2/customers", nil).want(t, http.StatusOK)
	e.do("GET", "/api/saas/tenants/1", nil).want(t, http.StatusOK)
}
