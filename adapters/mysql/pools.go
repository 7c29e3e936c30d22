package mysql

import (
	"container/list"
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
// connections (an evicted pool keeps only the connections in use, until
// their statements end), and idle connections close by themselves.
type tenantPools struct {
	server  func(user, password, database string) string // DSN of a tenant login
	opener  sqltenant.Opener
	sealer  ports.Sealer
	perPool int
	max     int // pools held at once
	// roles, when set, lends every pool's connections from one shared pool
	// of the tenants' pooled login, each set to the tenant's role.
	roles *rolePool

	mu    sync.Mutex
	lru   *list.List // of *tenantPool, most recent first
	byKey map[string]*list.Element
}

type tenantPool struct {
	key string // database and login: a new login (after a move or restore) opens a new pool
	db  *sql.DB
}

func newTenantPools(dsn func(user, password, database string) string, sealer ports.Sealer, maxConns, perPool int) *tenantPools {
	perPool = max(perPool, 1)
	return &tenantPools{server: dsn, sealer: sealer, perPool: perPool, max: max(maxConns/perPool, 1), lru: list.New(), byKey: map[string]*list.Element{}}
}

// pool returns the pool of t's login, opening it (and evicting the least
// recently used one) when needed.
func (tp *tenantPools) pool(t core.Tenant) (*sql.DB, error) {
	key := t.Database + "/" + t.DBUser
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if el, ok := tp.byKey[key]; ok {
		tp.lru.MoveToFront(el)
		return el.Value.(*tenantPool).db, nil
	}
	var db *sql.DB
	if tp.roles != nil {
		db = tp.roles.db(roleOf(t.DBUser))
	} else {
		password, err := tp.sealer.Open(t.DBSecret)
		if err != nil {
			return nil, fmt.Errorf("open the database password of tenant %d: %w", t.ID, err)
		}
		if db, err = tp.opener.Open("mysql", tp.server(t.DBUser, password, t.Database), t.ID); err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(tp.perPool)
		db.SetMaxIdleConns(tp.perPool)
		db.SetConnMaxIdleTime(time.Minute)
		db.SetConnMaxLifetime(5 * time.Minute)
	}
	for tp.lru.Len() >= tp.max {
		oldest := tp.lru.Back()
		tp.lru.Remove(oldest)
		p := oldest.Value.(*tenantPool)
		delete(tp.byKey, p.key)
		retire(p.db)
	}
	tp.byKey[key] = tp.lru.PushFront(&tenantPool{key: key, db: db})
	return db, nil
}

// forget closes the pool of t's login (it was dropped).
func (tp *tenantPools) forget(t core.Tenant) {
	key := t.Database + "/" + t.DBUser
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if el, ok := tp.byKey[key]; ok {
		tp.lru.Remove(el)
		delete(tp.byKey, key)
		retire(el.Value.(*tenantPool).db)
	}
}

// retire frees an evicted pool: its idle connections close now, the ones in
// use as their statements end; the pool itself closes a minute later, since
// a request may hold it without having started a statement yet (closing it
// at once failed such requests with "database is closed").
func retire(db *sql.DB) {
	db.SetMaxIdleConns(0)
	time.AfterFunc(time.Minute, func() { db.Close() })
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
