package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// mariadb is the bench's own connection to the server: for its version, its
// counters and dropping schemas, never for the load.
type mariadb struct {
	db  *sql.DB
	cfg *mysqldrv.Config // the server's DSN, without a database
}

// openServer connects to the server named by dsn and checks that it answers.
func openServer(ctx context.Context, dsn string) (*mariadb, error) {
	cfg, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse dsn: %w", err)
	}
	cfg.DBName = ""
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("mariadb at %s: %w", cfg.Addr, err)
	}
	return &mariadb{db: db, cfg: cfg}, nil
}

func (m *mariadb) Close() error { return m.db.Close() }

// schemaDSN returns the DSN both servers use for the control schema: the
// same string for both, so that driver options cannot tilt the comparison.
func (m *mariadb) schemaDSN(schema string) string {
	c := m.cfg.Clone()
	c.DBName = schema
	// saasd turns on client-side interpolation (one round trip per query)
	// whatever the DSN says; the ceiling gets it here too.
	c.ParseTime, c.InterpolateParams = true, true
	return c.FormatDSN()
}

func (m *mariadb) version(ctx context.Context) (string, error) {
	var v string
	if err := m.db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return "", fmt.Errorf("server version: %w", err)
	}
	return v, nil
}

// dropSchemas drops the control schema and every schema that starts with
// one of the prefixes, and says how many it dropped. All names are random
// and made by this run.
func (m *mariadb) dropSchemas(ctx context.Context, control string, prefixes ...string) (int, error) {
	q, args := "SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?", []any{control}
	for _, p := range prefixes {
		q, args = q+" OR schema_name LIKE ?", append(args, likePrefix(p))
	}
	rows, err := m.db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("list bench schemas: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return 0, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var errs []error
	dropped := 0
	for _, n := range names {
		if _, err := m.db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+n+"`"); err != nil {
			errs = append(errs, fmt.Errorf("drop %s: %w", n, err))
		} else {
			dropped++
		}
	}
	return dropped, errors.Join(errs...)
}

// dropUsers drops every login whose name starts with one of the prefixes
// (saasd makes one per tenant, named like its schema) and says how many it
// dropped.
func (m *mariadb) dropUsers(ctx context.Context, prefixes ...string) (int, error) {
	if len(prefixes) == 0 {
		return 0, nil
	}
	q, args := "SELECT User, Host FROM mysql.user WHERE User LIKE ?", []any{likePrefix(prefixes[0])}
	for _, p := range prefixes[1:] {
		q, args = q+" OR User LIKE ?", append(args, likePrefix(p))
	}
	rows, err := m.db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("list bench logins: %w", err)
	}
	var users [][2]string
	for rows.Next() {
		var u [2]string
		if err := rows.Scan(&u[0], &u[1]); err != nil {
			rows.Close()
			return 0, err
		}
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var errs []error
	dropped := 0
	for _, u := range users {
		// Placeholders are not allowed here; both parts come from the
		// server and are quoted as string literals.
		q := "DROP USER IF EXISTS " + quoteString(u[0]) + "@" + quoteString(u[1])
		if u[1] == "" { // a tenant role (tenants.db_roles)
			q = "DROP ROLE IF EXISTS " + quoteString(u[0])
		}
		if _, err := m.db.ExecContext(ctx, q); err != nil {
			errs = append(errs, fmt.Errorf("drop user %s@%s: %w", u[0], u[1], err))
		} else {
			dropped++
		}
	}
	return dropped, errors.Join(errs...)
}

// likePrefix is a LIKE pattern for the names that start with prefix; our
// prefixes hold no % and no backslash, only _ to escape.
func likePrefix(prefix string) string { return strings.ReplaceAll(prefix, "_", `\_`) + "%" }

// quoteString quotes s as an SQL string literal.
func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(s) + "'"
}

// variable returns the value of one of the server's global variables.
// name is one of ours, never client text: it goes into the statement.
func (m *mariadb) variable(ctx context.Context, name string) (string, error) {
	if strings.Trim(name, "abcdefghijklmnopqrstuvwxyz_") != "" {
		return "", fmt.Errorf("not a variable name: %q", name)
	}
	var v string
	if err := m.db.QueryRowContext(ctx, "SELECT @@GLOBAL."+name).Scan(&v); err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	return v, nil
}

// counterNames are the status counters read around each measurement.
// Questions counts every statement a client sent; the Com_ ones say which.
var counterNames = []string{"Questions", "Com_select", "Com_update", "Com_insert", "Com_begin", "Com_commit", "Com_rollback",
	"Com_stmt_prepare", "Com_stmt_execute", "Com_stmt_close",
	// Tables MariaDB had to open because its caches did not hold them: what
	// spreading requests over many schemas can cost.
	"Table_open_cache_misses", "Opened_table_definitions"}

// counters are MariaDB's global status counters, or the difference of two
// readings.
type counters map[string]int64

func (m *mariadb) counters(ctx context.Context) (counters, error) {
	return m.countersOf(ctx, counterNames)
}

// countersOf reads the status counters names, which are ours: they go into
// the statement.
func (m *mariadb) countersOf(ctx context.Context, names []string) (counters, error) {
	rows, err := m.db.QueryContext(ctx, "SHOW GLOBAL STATUS WHERE Variable_name IN ('"+strings.Join(names, "','")+"')")
	if err != nil {
		return nil, fmt.Errorf("read status counters: %w", err)
	}
	defer rows.Close()
	c := counters{}
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			return nil, err
		}
		c[name] = v
	}
	return c, rows.Err()
}

// sub returns c - before. The bench's own SHOW STATUS is left in: one
// statement in thousands of requests.
func (c counters) sub(before counters) counters {
	d := counters{}
	for k, v := range c {
		d[k] = v - before[k]
	}
	return d
}

func (c counters) questions() int64 { return c["Questions"] }

// breakdown renders each non-zero counter divided by n requests.
func (c counters) breakdown(n int64) string {
	if n == 0 || c == nil {
		return "-"
	}
	var parts []string
	for _, k := range counterNames {
		if v := c[k]; v > 0 && float64(v)/float64(n) >= 0.005 { // not shown as 0.00
			parts = append(parts, fmt.Sprintf("%s %.2f", k, float64(v)/float64(n)))
		}
	}
	return strings.Join(parts, ", ")
}

// randomHex returns 2n random lowercase hex digits, for schema names.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}

// threadsConnected is MariaDB's count of open client connections, from every
// client of the server: this bench's own one or two included.
func (m *mariadb) threadsConnected(ctx context.Context) (int64, error) {
	var name string
	var n int64
	if err := m.db.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE 'Threads_connected'").Scan(&name, &n); err != nil {
		return 0, fmt.Errorf("read Threads_connected: %w", err)
	}
	return n, nil
}

// conns is the most connections seen while watching: -1 where none was read.
type conns struct {
	threads int64 // Threads_connected: every client of the server
	run     int64 // those on this run's schemas: saasd's pool and migrations
}

// runConns counts the connections whose current schema is the control
// schema or a tenant schema of this run, or whose login is one of this
// run's tenant logins (the pooled login of tenant roles has no schema):
// saasd's, not other clients'.
func (m *mariadb) runConns(ctx context.Context, control, prefix string) (int64, error) {
	var n int64
	err := m.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.processlist WHERE db = ? OR db LIKE ? OR user LIKE ?",
		control, likePrefix(prefix), likePrefix(prefix)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count connections: %w", err)
	}
	return n, nil
}

// watchConns polls Threads_connected and this run's connections every
// 200ms until the returned stop is called, which answers the highest of
// each seen meanwhile.
func (m *mariadb) watchConns(ctx context.Context, control, prefix string) (stop func() conns) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan conns, 1)
	go func() {
		highest := conns{threads: -1, run: -1}
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			if n, err := m.threadsConnected(ctx); err == nil {
				highest.threads = max(highest.threads, n)
			}
			if n, err := m.runConns(ctx, control, prefix); err == nil {
				highest.run = max(highest.run, n)
			}
			select {
			case <-ctx.Done():
				done <- highest
				return
			case <-tick.C:
			}
		}
	}()
	return func() conns {
		cancel()
		return <-done
	}
}

// countRows counts the rows of table in schema, both names made by this run.
func (m *mariadb) countRows(ctx context.Context, schema, table string) (int64, error) {
	var n int64
	if err := m.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+schema+"`.`"+table+"`").Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s.%s: %w", schema, table, err)
	}
	return n, nil
}
