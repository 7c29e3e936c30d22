package sqltenant

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.RecordTotals = (*Store)(nil)

// errTooLarge is a total beyond int64 minor units.
var errTooLarge = core.InvalidFields(map[string]string{"period": "the totals of this period exceed the largest amount that can be represented"})

// Sum adds up a money column in the database. MySQL sums BIGINT as
// DECIMAL, which cannot overflow and is range-checked here; SQLite's SUM
// fails on integer overflow rather than wrap, which is turned into the same
// error.
func (st *Store) Sum(ctx context.Context, t core.Tenant, s *core.Schema, field string, q core.ListQuery) (core.Money, error) {
	if f, ok := s.Field(field); !ok || f.Type != core.MoneyField {
		return 0, fmt.Errorf("sum of %s.%s: not a money field", s.Table, field)
	}
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return 0, err
	}
	defer h.Release()
	var where []string
	var args []any
	for _, f := range s.Fields { // in schema order, so the SQL text is stable
		v, ok := q.Filters[f.Name]
		if !ok {
			continue
		}
		if list, isList := v.([]any); isList {
			marks := make([]string, len(list))
			for i, item := range list {
				marks[i] = "?"
				args = append(args, arg(item))
			}
			where = append(where, quote(f.Name)+" IN ("+strings.Join(marks, ", ")+")")
			continue
		}
		where = append(where, quote(f.Name)+" = ?")
		args = append(args, arg(v))
	}
	if s.DateFilter != "" && q.DateFrom != nil {
		where = append(where, quote(s.DateFilter)+" >= ?")
		args = append(args, q.DateFrom.Format(time.DateOnly))
	}
	if s.DateFilter != "" && q.DateTo != nil {
		where = append(where, quote(s.DateFilter)+" <= ?")
		args = append(args, q.DateTo.Format(time.DateOnly))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total sql.NullString
	err = h.DB.QueryRowContext(ctx, "SELECT SUM("+quote(field)+") FROM "+h.table(s.Table)+cond, args...).Scan(&total)
	if err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "integer overflow") {
			return 0, errTooLarge
		}
		return 0, err
	}
	if !total.Valid {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(total.String, ".0"), 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, errTooLarge
	} else if err != nil {
		return 0, fmt.Errorf("sum of %s.%s: %w", s.Table, field, err)
	}
	return core.Money(n), nil
}
