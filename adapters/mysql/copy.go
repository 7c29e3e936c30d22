package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/saasd/saasd/adapters/internal/sqltenant"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.DatabaseCopier = (*Tenants)(nil)

// copyBatch bounds one INSERT of copied rows: well within the default
// max_allowed_packet (16 MiB on MariaDB 10.11) and few round trips.
const (
	copyBatchRows  = 1000
	copyBatchBytes = 1 << 20
)

// tables lists the tables of database that a move copies: every base
// table but the ownership marker (written by Create on the target) and
// goose's version table (written by Migrate there).
func tables(ctx context.Context, q querier, database string) ([]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name", database)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if name != sqltenant.MarkerTable && !strings.HasPrefix(name, "goose_") {
			out = append(out, name)
		}
	}
	return out, rows.Err()
}

// querier is a pool or one of its connections.
type querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

// ident quotes a name read from the catalogue as an identifier.
func ident(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// endpoints checks that from and to are tenant schemas of this prefix and
// returns their servers.
func (ts *Tenants) endpoints(from, to core.Tenant) (*server, *server, error) {
	if !ts.owns(from.Database) || !ts.owns(to.Database) {
		return nil, nil, fmt.Errorf("copy %q to %q: not tenant databases of prefix %q", from.Database, to.Database, ts.prefix)
	}
	src, err := ts.server(from.Server)
	if err != nil {
		return nil, nil, err
	}
	dst, err := ts.server(to.Server)
	if err != nil {
		return nil, nil, err
	}
	if src == dst {
		return nil, nil, fmt.Errorf("copy %s: source and target are both on server %s", from.Database, src.name)
	}
	return src, dst, nil
}

// CopyRows copies every table's rows from one consistent snapshot of the
// source (START TRANSACTION WITH CONSISTENT SNAPSHOT: InnoDB reads every
// table as of one moment) into the emptied tables of the target, in
// batched multi-row INSERTs with foreign key checks off, one transaction
// per table.
func (ts *Tenants) CopyRows(ctx context.Context, from, to core.Tenant) (core.CopyStats, error) {
	var stats core.CopyStats
	src, dst, err := ts.endpoints(from, to)
	if err != nil {
		return stats, err
	}
	sconn, err := src.pool.Conn(ctx)
	if err != nil {
		return stats, err
	}
	defer sconn.Close()
	dconn, err := dst.pool.Conn(ctx)
	if err != nil {
		return stats, err
	}
	defer dconn.Close()
	for _, stmt := range []string{"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"} {
		if _, err := sconn.ExecContext(ctx, stmt); err != nil {
			return stats, fmt.Errorf("snapshot %s: %w", from.Database, err)
		}
	}
	defer sconn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK") //nolint:errcheck // a read-only snapshot ends with the connection anyway
	// The foreign key checks come back with the connection's next user:
	// the pool resets nothing, so they are turned on again below.
	if _, err := dconn.ExecContext(ctx, "SET SESSION foreign_key_checks = 0"); err != nil {
		return stats, err
	}
	defer dconn.ExecContext(context.WithoutCancel(ctx), "SET SESSION foreign_key_checks = 1") //nolint:errcheck // a failed reset closes nothing we rely on
	names, err := tables(ctx, sconn, from.Database)
	if err != nil {
		return stats, err
	}
	for _, table := range names {
		cols, err := columns(ctx, sconn, from.Database, table)
		if err != nil {
			return stats, err
		}
		rows, bytes, err := copyTable(ctx, sconn, dconn, cols, ident(from.Database)+"."+ident(table), ident(to.Database)+"."+ident(table))
		if err != nil {
			return stats, fmt.Errorf("copy table %s: %w", table, err)
		}
		stats.Tables++
		stats.Rows += rows
		stats.Bytes += bytes
	}
	return stats, nil
}

// copyTable empties target and fills it with the given columns of
// source's rows.
func copyTable(ctx context.Context, sconn, dconn *sql.Conn, cols []string, source, target string) (int64, int64, error) {
	tx, err := dconn.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	// Rows the target's migrations seeded are replaced by the source's.
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+target); err != nil {
		return 0, 0, err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = ident(c)
	}
	rows, err := sconn.QueryContext(ctx, "SELECT "+strings.Join(quoted, ", ")+" FROM "+source)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	head := "INSERT INTO " + target + " (" + strings.Join(quoted, ", ") + ") VALUES "
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	var n, size, batchBytes int64
	var args []any
	batch := 0
	flush := func() error {
		if batch == 0 {
			return nil
		}
		stmt := head + strings.TrimSuffix(strings.Repeat(tuple+", ", batch), ", ")
		if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
			return err
		}
		args, batch, batchBytes = args[:0], 0, 0
		return nil
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, 0, err
		}
		for _, v := range vals {
			b := valueSize(v)
			size += b
			batchBytes += b
		}
		args = append(args, vals...)
		batch++
		n++
		if batch >= copyBatchRows || batchBytes >= copyBatchBytes {
			if err := flush(); err != nil {
				return 0, 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	if err := flush(); err != nil {
		return 0, 0, err
	}
	return n, size, tx.Commit()
}

// valueSize is about how many bytes a column value takes.
func valueSize(v any) int64 {
	switch x := v.(type) {
	case []byte:
		return int64(len(x))
	case string:
		return int64(len(x))
	case nil:
		return 0
	case time.Time:
		return 8
	}
	return 8
}

// Checksums returns each copied table's row count and a checksum of its
// rows: the sum of a CRC32 per row over every column (with whether it is
// NULL), so that two copies agree whatever order their rows are stored in.
func (ts *Tenants) Checksums(ctx context.Context, t core.Tenant) (map[string]core.TableSum, error) {
	if !ts.owns(t.Database) {
		return nil, fmt.Errorf("checksum %q: not a tenant database of prefix %q", t.Database, ts.prefix)
	}
	srv, err := ts.server(t.Server)
	if err != nil {
		return nil, err
	}
	names, err := tables(ctx, srv.pool, t.Database)
	if err != nil {
		return nil, err
	}
	out := make(map[string]core.TableSum, len(names))
	for _, table := range names {
		cols, err := columns(ctx, srv.pool, t.Database, table)
		if err != nil {
			return nil, err
		}
		parts := make([]string, 0, 2*len(cols))
		for _, c := range cols {
			parts = append(parts, "ISNULL("+ident(c)+")", ident(c))
		}
		var rows int64
		var sum sql.NullString
		q := "SELECT COUNT(*), CAST(COALESCE(SUM(CRC32(CONCAT_WS('|', " + strings.Join(parts, ", ") + "))), 0) AS CHAR) FROM " + ident(t.Database) + "." + ident(table)
		if err := srv.pool.QueryRowContext(ctx, q).Scan(&rows, &sum); err != nil {
			return nil, fmt.Errorf("checksum %s.%s: %w", t.Database, table, err)
		}
		out[table] = core.TableSum{Rows: rows, Sum: sum.String}
	}
	return out, nil
}

// columns lists a table's stored columns in their order (generated ones
// are computed by the target itself).
func columns(ctx context.Context, q querier, database, table string) ([]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND extra NOT LIKE '%GENERATED%' ORDER BY ordinal_position", database, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("table %s.%s has no columns", database, table)
	}
	return out, rows.Err()
}
