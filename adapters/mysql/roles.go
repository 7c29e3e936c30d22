package mysql

import (
	"container/list"
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// Tenant roles: one pooled login of the tenants (it holds no privilege of
// its own), a role per tenant granted that tenant's schema alone, and every
// statement run for a tenant run in that tenant's role. A statement made
// for tenant A then runs with A's privileges only, and MariaDB refuses it
// on B's schema even if it names it, as with a login per tenant; but the
// connections are shared by every tenant under one cap, so a fleet spread
// wider than the cap costs no new connection (a TCP and authentication
// handshake and a server thread) per request.
//
// A connection lent for another tenant than the one it last served does
// not pay a round trip of its own for the change: its next statement is
// sent as "SET ROLE `r`; statement" in one query, and MariaDB stops at the
// first failing statement of a query, so the statement never runs in a
// role it was not made for. Transactions and prepared statements set the
// role first, on a round trip of their own.
//
// SET ROLE cannot be reached by tenant SQL: statements are built by saasd
// (never by the client) from validated identifiers, and their values are
// interpolated by the driver, escaped for the session's SQL mode; the role
// is set by this code on each lent connection before its first statement,
// whatever the previous holder did. Several statements in one query are
// allowed on these connections for that prefix alone.

// roleOf is the role of tenant login user.
func roleOf(user string) string { return user + "_r" }

// poolLogin is the login of an installation's shared tenant connections,
// and its password: derived from the control login's, which every replica
// has, so that none needs to store it.
func poolLogin(prefix, installation, controlPassword string) (user, password string) {
	sum := sha256.Sum256([]byte("saasd tenant pool login\x00" + installation + "\x00" + controlPassword))
	return prefix + "pool", hex.EncodeToString(sum[:20])
}

// rolePool holds at most max connections of the pool login, idle ones
// keeping the role they last had so that a tenant's next statement finds
// one already in its role when there is one. Idle connections close after
// idleTimeout.
type rolePool struct {
	connector driver.Connector
	max       int

	mu      sync.Mutex
	idle    *list.List // of *roleConn, most recently used first
	open    int
	changed chan struct{} // closed when a connection is put back or closed
	closed  bool
	janitor *time.Timer
}

// idleTimeout is how long an idle shared tenant connection stays open.
const idleTimeout = time.Minute

type roleConn struct {
	driver.Conn
	role string // the session's current role; "" when unknown
	want string // the role its next statement must run in
	used time.Time
}

func newRolePool(dsn string, maxConns int) (*rolePool, error) {
	mc, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	mc.MultiStatements = true // for the SET ROLE prefix alone
	c, err := mysqldrv.NewConnector(mc)
	if err != nil {
		return nil, err
	}
	rp := &rolePool{connector: c, max: max(maxConns, 1), idle: list.New(), changed: make(chan struct{})}
	rp.janitor = time.AfterFunc(idleTimeout, rp.prune)
	return rp, nil
}

// get returns a connection in role, waiting for one when max are in use.
func (rp *rolePool) get(ctx context.Context, role string) (*roleConn, error) {
	for {
		rp.mu.Lock()
		if rp.closed {
			rp.mu.Unlock()
			return nil, errors.New("tenant connections are closed")
		}
		if el := rp.takeIdle(role); el != nil {
			rp.mu.Unlock()
			c := el
			if err := rp.ready(ctx, c, role); err != nil {
				rp.discard(c)
				if errors.Is(err, driver.ErrBadConn) {
					continue
				}
				return nil, err
			}
			return c, nil
		}
		if rp.open < rp.max {
			rp.open++
			rp.mu.Unlock()
			dc, err := rp.connector.Connect(ctx)
			if err != nil {
				rp.discard(nil)
				return nil, err
			}
			c := &roleConn{Conn: dc}
			if err := rp.ready(ctx, c, role); err != nil {
				rp.discard(c)
				return nil, err
			}
			return c, nil
		}
		wait := rp.changed
		rp.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// takeIdle removes and returns an idle connection, one already in role if
// there is one, else the least recently used.
func (rp *rolePool) takeIdle(role string) *roleConn {
	for el := rp.idle.Front(); el != nil; el = el.Next() {
		if c := el.Value.(*roleConn); c.role == role {
			rp.idle.Remove(el)
			return c
		}
	}
	if el := rp.idle.Back(); el != nil {
		rp.idle.Remove(el)
		return el.Value.(*roleConn)
	}
	return nil
}

// ready checks that c is alive and lends it for role: its next statement
// sets the role first if the session is in another.
func (rp *rolePool) ready(ctx context.Context, c *roleConn, role string) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		if err := r.ResetSession(ctx); err != nil {
			return err
		}
	}
	c.want = role
	return nil
}

// setRole sets the session's role now, on a round trip of its own.
func (c *roleConn) setRole(ctx context.Context) error {
	if c.role == c.want {
		return nil
	}
	c.role = ""
	if _, err := c.Conn.(driver.ExecerContext).ExecContext(ctx, "SET ROLE `"+c.want+"`", nil); err != nil {
		return fmt.Errorf("set role %s: %w", c.want, err)
	}
	c.role = c.want
	return nil
}

// roleQuery returns query preceded by the SET ROLE it needs, if any.
func (c *roleConn) roleQuery(query string) string {
	if c.role == c.want {
		return query
	}
	c.role = "" // until the query is answered
	// The role is built from the validated prefix and a tenant ID: [a-z0-9_] only.
	return "SET ROLE `" + c.want + "`; " + query
}

// answered records the answer to a query made by roleQuery: without an
// error, the session is in the role wanted.
func (c *roleConn) answered(err error) {
	if err == nil {
		c.role = c.want
	}
}

// put gives c back, idle in its role; a broken one is closed.
func (rp *rolePool) put(c *roleConn) {
	if v, ok := c.Conn.(driver.Validator); ok && !v.IsValid() {
		rp.discard(c)
		return
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.closed {
		c.Conn.Close()
		rp.open--
		return
	}
	c.used = time.Now()
	rp.idle.PushFront(c)
	rp.signal()
}

// discard closes c (nil: a connection that could not be made) and frees its place.
func (rp *rolePool) discard(c *roleConn) {
	if c != nil {
		c.Conn.Close()
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	rp.open--
	rp.signal()
}

func (rp *rolePool) signal() {
	close(rp.changed)
	rp.changed = make(chan struct{})
}

// prune closes connections idle for longer than idleTimeout.
func (rp *rolePool) prune() {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.closed {
		return
	}
	for el := rp.idle.Back(); el != nil && time.Since(el.Value.(*roleConn).used) > idleTimeout; el = rp.idle.Back() {
		rp.idle.Remove(el)
		el.Value.(*roleConn).Conn.Close()
		rp.open--
	}
	rp.signal()
	rp.janitor.Reset(idleTimeout / 4)
}

// conns is how many connections are open, idle or in use.
func (rp *rolePool) conns() int {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.open
}

func (rp *rolePool) close() {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	rp.closed = true
	rp.janitor.Stop()
	for el := rp.idle.Front(); el != nil; el = el.Next() {
		el.Value.(*roleConn).Conn.Close()
		rp.open--
	}
	rp.idle.Init()
	rp.signal()
}

// db returns a database handle whose every connection acts as role. It
// keeps no idle connection of its own: each one goes back to the shared
// pool as soon as its statement (or transaction) ends.
func (rp *rolePool) db(role string) *sql.DB {
	db := sql.OpenDB(roleConnector{rp: rp, role: role})
	db.SetMaxIdleConns(0)
	return db
}

type roleConnector struct {
	rp   *rolePool
	role string
}

func (rc roleConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := rc.rp.get(ctx, rc.role)
	if err != nil {
		return nil, err
	}
	return &lent{roleConn: c, rp: rc.rp}, nil
}

func (rc roleConnector) Driver() driver.Driver { return rc.rp.connector.Driver() }

// lent is a shared connection lent to one tenant's handle: closing it gives
// it back. It passes on what the driver's connection can do.
type lent struct {
	*roleConn
	rp   *rolePool
	once sync.Once
}

func (l *lent) Close() error {
	l.once.Do(func() { l.rp.put(l.roleConn) })
	return nil
}

func (l *lent) Begin() (driver.Tx, error) {
	return l.BeginTx(context.Background(), driver.TxOptions{})
}

func (l *lent) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := l.setRole(ctx); err != nil {
		return nil, err
	}
	return l.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (l *lent) Prepare(query string) (driver.Stmt, error) {
	return l.PrepareContext(context.Background(), query)
}

func (l *lent) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := l.setRole(ctx); err != nil {
		return nil, err
	}
	return l.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (l *lent) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	r, err := l.Conn.(driver.ExecerContext).ExecContext(ctx, l.roleQuery(query), args)
	l.answered(err)
	return r, err
}

func (l *lent) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	r, err := l.Conn.(driver.QueryerContext).QueryContext(ctx, l.roleQuery(query), args)
	l.answered(err)
	return r, err
}

func (l *lent) Ping(ctx context.Context) error { return l.Conn.(driver.Pinger).Ping(ctx) }

func (l *lent) IsValid() bool {
	v, ok := l.Conn.(driver.Validator)
	return !ok || v.IsValid()
}

func (l *lent) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := l.Conn.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
