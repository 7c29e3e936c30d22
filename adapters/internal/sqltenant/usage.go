package sqltenant

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/ports"
)

var _ ports.UsageCounter = (*Store)(nil)

// lockCounter locks a resource's counter row for the transaction and
// returns its value. SQLite has no row locks; its tenant handles have one
// connection, so transactions on a tenant file are serial anyway.
func (st *Store) lockCounter(ctx context.Context, tx *sql.Tx, h Handle, r core.Resource) (int64, error) {
	q := "SELECT `used` FROM " + h.table("usage_counters") + " WHERE `resource` = ?"
	if lock := st.dialect.LockSuffix(); lock != "" {
		q += " " + lock
	}
	var used int64
	if err := tx.QueryRowContext(ctx, q, string(r)).Scan(&used); err != nil {
		return 0, fmt.Errorf("lock usage counter %s: %w", r, err)
	}
	return used, nil
}

func addToCounter(ctx context.Context, tx *sql.Tx, h Handle, r core.Resource, n int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE "+h.table("usage_counters")+" SET `used` = `used` + ? WHERE `resource` = ?", n, string(r))
	return err
}

// Count returns the tenant's usage counters: one small read, kept equal to
// the tables' row counts by every create and delete (see Recount).
func (st *Store) Count(ctx context.Context, t core.Tenant) (map[core.Resource]int64, error) {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return nil, err
	}
	defer h.Release()
	rows, err := h.DB.QueryContext(ctx, "SELECT `resource`, `used` FROM "+h.table("usage_counters"))
	if err != nil {
		return nil, fmt.Errorf("read usage of %s: %w", t.Database, err)
	}
	defer rows.Close()
	out := map[core.Resource]int64{}
	for rows.Next() {
		var r string
		var used int64
		if err := rows.Scan(&r, &used); err != nil {
			return nil, err
		}
		out[core.Resource(r)] = used
	}
	return out, rows.Err()
}

var _ ports.UsageRecounter = (*Store)(nil)

// Recount sets each counter to the row count of its table, for after rows
// were added or removed by hand, and returns the counters it changed.
func (st *Store) Recount(ctx context.Context, t core.Tenant) ([]quota.Change, error) {
	var changes []quota.Change
	for _, r := range slices.Sorted(maps.Keys(st.tables)) {
		table := st.tables[r]
		err := st.inTx(ctx, t, func(tx *sql.Tx, h Handle) error {
			was, err := st.lockCounter(ctx, tx, h, r)
			if err != nil {
				return err
			}
			var rows int64
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+h.table(table)).Scan(&rows); err != nil {
				return err
			}
			if rows == was {
				return nil
			}
			if err := addToCounter(ctx, tx, h, r, rows-was); err != nil {
				return err
			}
			changes = append(changes, quota.Change{Resource: r, Was: was, Now: rows})
			return nil
		})
		if err != nil {
			return changes, fmt.Errorf("recount %s: %w", r, err)
		}
	}
	return changes, nil
}
