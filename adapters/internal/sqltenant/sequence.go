package sqltenant

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/saasd/saasd/core"
)

// sequenceYears returns the year each record's number belongs to.
func sequenceYears(n *core.Numbering, recs []core.Record, now time.Time) []int {
	years := make([]int, len(recs))
	for i, rec := range recs {
		years[i] = now.Year()
		if d, ok := rec[n.YearOf].(time.Time); ok {
			years[i] = d.Year()
		}
	}
	return years
}

// ensureSequences makes the counter rows of names before the transaction
// that advances them, so that the transaction only locks and updates rows
// that exist: two MySQL transactions inserting one missing row would take
// gap locks and deadlock instead. A row another request made first is no
// error.
func (st *Store) ensureSequences(ctx context.Context, h Handle, names []string) error {
	for _, name := range names {
		var one int
		err := h.DB.QueryRowContext(ctx, "SELECT 1 FROM "+h.table("sequences")+" WHERE `name` = ?", name).Scan(&one)
		if err == nil {
			continue
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sequence %s: %w", name, err)
		}
		_, err = h.DB.ExecContext(ctx, "INSERT INTO "+h.table("sequences")+" (`name`, `counter`) VALUES (?, 0)", name)
		if err != nil && !st.dialect.IsDuplicate(err) {
			return fmt.Errorf("sequence %s: %w", name, err)
		}
	}
	return nil
}

// nextInSequence locks the counter row of name for the transaction,
// advances it and returns the new value. The row is released when tx ends,
// so a rolled-back insert gives its number back.
func (st *Store) nextInSequence(ctx context.Context, tx *sql.Tx, h Handle, name string) (int64, error) {
	q := "SELECT `counter` FROM " + h.table("sequences") + " WHERE `name` = ?"
	if lock := st.dialect.LockSuffix(); lock != "" {
		q += " " + lock
	}
	var n int64
	if err := tx.QueryRowContext(ctx, q, name).Scan(&n); err != nil {
		return 0, fmt.Errorf("lock sequence %s: %w", name, err)
	}
	n++
	if _, err := tx.ExecContext(ctx, "UPDATE "+h.table("sequences")+" SET `counter` = ? WHERE `name` = ?", n, name); err != nil {
		return 0, fmt.Errorf("advance sequence %s: %w", name, err)
	}
	return n, nil
}
