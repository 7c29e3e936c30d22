package mysql

import (
	"container/list"
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/saasd/saasd/adapters/internal/sqltenant"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// tenantPools keeps a connection pool per tenant login, so that tenant-side
// statements run with that tenant's rights alone: one made for tenant A
// cannot read tenant B's schema even if it names it. Pools live in an LRU
// whose size times the per-pool bound stays within one cap on open
// connections: a pool is evicted only when no handle holds it (so none of
// its connections is in use, and closing it frees them all at once), and a
// tenant whose pool would go past the cap waits until one is released.
// Idle connections close by themselves.
type tenantPools struct {
	server  func(user, password, database string) string // DSN of a tenant login
	opener  sqltenant.Opener
	sealer  ports.Sealer
	perPool int
	max     int // pools held at once
	// roles, when set, lends every pool's connections from one shared pool
	// of the tenants' pooled login, each set to the tenant's role.
	roles *rolePool

	mu      sync.Mutex
	lru     *list.List // of *tenantPool, most recent first
	byKey   map[string]*list.Element
	waiting int           // callers waiting for a pool to be released
	freed   chan struct{} // closed when a pool is released while some wait
}

type tenantPool struct {
	key   string // database and login: a new login (after a move or restore) opens a new pool
	db    *sql.DB
	users int  // handles out
	gone  bool // forgotten while held: closed when its last handle is released
}

func newTenantPools(dsn func(user, password, database string) string, sealer ports.Sealer, maxConns, perPool int) *tenantPools {
	perPool = max(perPool, 1)
	return &tenantPools{server: dsn, sealer: sealer, perPool: perPool, max: max(maxConns/perPool, 1), lru: list.New(),
		byKey: map[string]*list.Element{}, freed: make(chan struct{})}
}

// pool returns the pool of t's login, opening it (and evicting the least
// recently used pool no handle holds) when needed, and what to call when
// the caller is done with it.
func (tp *tenantPools) pool(ctx context.Context, t core.Tenant) (*sql.DB, func(), error) {
	key := t.Database + "/" + t.DBUser
	tp.mu.Lock()
	for {
		if el, ok := tp.byKey[key]; ok {
			tp.lru.MoveToFront(el)
			p := el.Value.(*tenantPool)
			p.users++
			tp.mu.Unlock()
			return p.db, tp.releaser(p), nil
		}
		if tp.lru.Len() < tp.max || tp.evictIdle() {
			break
		}
		// Every pool is in use: wait for a release rather than go past the cap.
		tp.waiting++
		freed := tp.freed
		tp.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			tp.mu.Lock()
			tp.waiting--
			tp.mu.Unlock()
			return nil, nil, fmt.Errorf("tenant %d waits for a database connection: %w", t.ID, ctx.Err())
		}
		tp.mu.Lock()
		tp.waiting--
	}
	defer tp.mu.Unlock()
	var db *sql.DB
	if tp.roles != nil {
		db = tp.roles.db(roleOf(t.DBUser))
	} else {
		password, err := tp.sealer.Open(t.DBSecret)
		if err != nil {
			return nil, nil, fmt.Errorf("open the database password of tenant %d: %w", t.ID, err)
		}
		if db, err = tp.opener.Open("mysql", tp.server(t.DBUser, password, t.Database), t.ID); err != nil {
			return nil, nil, err
		}
		db.SetMaxOpenConns(tp.perPool)
		db.SetMaxIdleConns(tp.perPool)
		db.SetConnMaxIdleTime(time.Minute)
		db.SetConnMaxLifetime(5 * time.Minute)
	}
	p := &tenantPool{key: key, db: db, users: 1}
	tp.byKey[key] = tp.lru.PushFront(p)
	return db, tp.releaser(p), nil
}

// evictIdle closes the least recently used pool that no handle holds, and
// reports whether there was one. The caller holds tp.mu.
func (tp *tenantPools) evictIdle() bool {
	for el := tp.lru.Back(); el != nil; el = el.Prev() {
		if p := el.Value.(*tenantPool); p.users == 0 {
			tp.lru.Remove(el)
			delete(tp.byKey, p.key)
			p.db.Close()
			return true
		}
	}
	return false
}

// releaser returns the release of one handle of p.
func (tp *tenantPools) releaser(p *tenantPool) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			tp.mu.Lock()
			defer tp.mu.Unlock()
			p.users--
			if p.users > 0 {
				return
			}
			if p.gone {
				p.db.Close()
			}
			tp.wake()
		})
	}
}

// wake tells the callers waiting for a pool, if any, that one was freed.
// The caller holds tp.mu.
func (tp *tenantPools) wake() {
	if tp.waiting > 0 {
		close(tp.freed)
		tp.freed = make(chan struct{})
	}
}

// forget closes the pool of t's login (it was dropped), or has its last
// handle close it.
func (tp *tenantPools) forget(t core.Tenant) {
	key := t.Database + "/" + t.DBUser
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if el, ok := tp.byKey[key]; ok {
		tp.lru.Remove(el)
		delete(tp.byKey, key)
		p := el.Value.(*tenantPool)
		p.gone = true
		if p.users == 0 {
			p.db.Close()
		}
		tp.wake()
	}
}

// open counts the connections of every pool held, for tests and metrics.
func (tp *tenantPools) open() int {
	if tp.roles != nil {
		return tp.roles.conns()
	}
	tp.mu.Lock()
	defer tp.mu.Unlock()
	n := 0
	for el := tp.lru.Front(); el != nil; el = el.Next() {
		n += el.Value.(*tenantPool).db.Stats().OpenConnections
	}
	return n
}

// close closes every pool.
func (tp *tenantPools) close() error {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	for el := tp.lru.Front(); el != nil; el = el.Next() {
		el.Value.(*tenantPool).db.Close()
	}
	tp.lru.Init()
	tp.byKey = map[string]*list.Element{}
	if tp.roles != nil {
		tp.roles.close()
	}
	return nil
}
