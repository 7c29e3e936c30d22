package sqltenant

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/ports"
)

// Handle is how to reach one tenant's tables.
type Handle struct {
	DB        *sql.DB
	Qualifier string // put before table names: "`tenant_42`." on a shared MySQL pool, "" otherwise
	// Database is the tenant database's name, for catalogue queries.
	Database string
	// Done, when set, is called by Release: the adapter may close DB once
	// no caller holds it (SQLite's evicted files).
	Done func()
}

// Release says that the caller is done with the handle; every Handle from
// Handles.Handle is released once, when its work is over.
func (h Handle) Release() {
	if h.Done != nil {
		h.Done()
	}
}

// Dialect is what differs between the SQL databases tenant data lives in.
type Dialect interface {
	// Name is the goose dialect and the migrations folder: "mysql" or "sqlite".
	Name() string
	// LockSuffix ends a SELECT that must lock the rows it reads until the
	// transaction ends ("FOR UPDATE"); "" where transactions on a tenant
	// are serial anyway.
	LockSuffix() string
	// IsDuplicate reports whether err violates a unique or primary key.
	IsDuplicate(err error) bool
	// TablesQuery returns the query (and its arguments) that lists the
	// table names of a tenant database.
	TablesQuery(database string) (string, []any)
	// IsNoTable reports whether err says a table does not exist.
	IsNoTable(err error) bool
}

// Handles finds the handle of a tenant's database.
type Handles interface {
	// Handle returns t's handle; the caller calls its Release when done.
	Handle(ctx context.Context, t core.Tenant) (Handle, error)
}

var (
	_ ports.RecordStore   = (*Store)(nil)
	_ ports.UserStore     = (*Store)(nil)
	_ ports.SessionReader = (*Store)(nil)
)

// Store implements the tenant-side ports on top of Handles.
type Store struct {
	handles Handles
	dialect Dialect
	tables  map[core.Resource]string
	now     func() time.Time
	shapes  *sync.Map // *core.Schema → *shape, shared by the copies WithTables makes
}

// New returns a store of records. The ports that need to know which table
// counts which resource (users, usage recount) need WithTables too.
func New(h Handles, d Dialect) *Store {
	return &Store{handles: h, dialect: d, now: func() time.Time { return time.Now().UTC() }, shapes: &sync.Map{}}
}

// WithTables returns a copy of st that knows which table's rows each
// counted resource is (kernel.Tables), once every module is registered.
func (st *Store) WithTables(tables map[core.Resource]string) *Store {
	c := *st
	c.tables = tables
	return &c
}

func quote(name string) string { return "`" + name + "`" }

func (h Handle) table(name string) string { return h.Qualifier + quote(name) }

// shape is what reading a schema's rows needs, derived from the schema
// alone: its stored columns in a fixed order, with the field each one is
// (nil for id and the timestamps), and their select list.
type shape struct {
	cols   []string
	fields []*core.Field
	list   string
}

// shape returns the shape of s, built at its first read: schemas are fixed
// once modules are registered, and few, so it is built once per schema
// rather than on every request.
func (st *Store) shape(s *core.Schema) *shape {
	if sh, ok := st.shapes.Load(s); ok {
		return sh.(*shape)
	}
	sh := &shape{cols: []string{"id"}, fields: []*core.Field{nil}}
	for i := range s.Fields {
		sh.cols, sh.fields = append(sh.cols, s.Fields[i].Name), append(sh.fields, &s.Fields[i])
	}
	sh.cols, sh.fields = append(sh.cols, "created_at", "updated_at"), append(sh.fields, nil, nil)
	quoted := make([]string, len(sh.cols))
	for i, c := range sh.cols {
		quoted[i] = quote(c)
	}
	sh.list = strings.Join(quoted, ", ")
	actual, _ := st.shapes.LoadOrStore(s, sh)
	return actual.(*shape)
}

// scan reads one row of sh's columns (sh.list) into a record of typed values.
func scan(sh *shape, row interface{ Scan(...any) error }) (core.Record, error) {
	raw := make([]any, len(sh.cols))
	dest := make([]any, len(sh.cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	rec := make(core.Record, len(sh.cols)+1) // +1: items, when the schema has them
	for i, c := range sh.cols {
		v, err := typed(sh.fields[i], c, raw[i])
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c, err)
		}
		rec[c] = v
	}
	return rec, nil
}

// typed converts a driver value to the record's type for column c, field
// f (nil for the columns that are not fields).
func typed(f *core.Field, c string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch {
	case c == "id":
		return toInt(v)
	case c == "created_at" || c == "updated_at":
		return toTime(v)
	case f == nil:
		return v, nil
	}
	switch f.Type {
	case core.IntField, core.RefField:
		return toInt(v)
	case core.MoneyField:
		n, err := toInt(v)
		return core.Money(n), err
	case core.BoolField:
		n, err := toInt(v)
		return n != 0, err
	case core.DateField:
		t, err := toTime(v)
		if err != nil {
			return nil, err
		}
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	if str, ok := v.(string); ok {
		return str, nil
	}
	return fmt.Sprint(v), nil
}

func toInt(v any) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case int:
		return int64(n), nil
	case uint64:
		return int64(n), nil
	case string:
		return strconv.ParseInt(n, 10, 64)
	}
	return 0, fmt.Errorf("unexpected %T", v)
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05", time.DateOnly}

func toTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), nil
	case string:
		for _, layout := range timeLayouts {
			if parsed, err := time.Parse(layout, t); err == nil {
				return parsed.UTC(), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("unexpected time %v", v)
}

// arg converts a record value to a query argument.
func arg(v any) any {
	switch val := v.(type) {
	case core.Money:
		return int64(val)
	case time.Time:
		if val.Hour() == 0 && val.Minute() == 0 && val.Second() == 0 && val.Nanosecond() == 0 {
			return val.Format(time.DateOnly)
		}
		return val.UTC()
	}
	return v
}

// translate turns driver errors into domain kinds.
func (st *Store) translate(err error) error {
	if err != nil && st.dialect.IsDuplicate(err) {
		return core.Errorf(core.Conflict, "a record with that value already exists")
	}
	return err
}

// List returns a page of records.
func (st *Store) List(ctx context.Context, t core.Tenant, s *core.Schema, q core.ListQuery) ([]core.Record, int64, error) {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return nil, 0, err
	}
	defer h.Release()
	var where []string
	var args []any
	if q.Search != "" {
		var ors []string
		// '!' escapes: a backslash means different things in MySQL and SQLite strings.
		like := "%" + strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(q.Search) + "%"
		for _, f := range s.Fields {
			if f.Search {
				ors = append(ors, quote(f.Name)+" LIKE ? ESCAPE '!'")
				args = append(args, like)
			}
		}
		if len(ors) > 0 {
			where = append(where, "("+strings.Join(ors, " OR ")+")")
		}
	}
	for _, f := range s.Fields { // in schema order, so the SQL text is stable
		if v, ok := q.Filters[f.Name]; ok {
			where = append(where, quote(f.Name)+" = ?")
			args = append(args, arg(v))
		}
	}
	if s.DateFilter != "" && q.DateFrom != nil {
		where = append(where, quote(s.DateFilter)+" >= ?")
		args = append(args, q.DateFrom.Format(time.DateOnly))
	}
	if s.DateFilter != "" && q.DateTo != nil {
		where = append(where, quote(s.DateFilter)+" <= ?")
		args = append(args, q.DateTo.Format(time.DateOnly))
	}
	for _, name := range q.Set {
		if _, ok := s.Field(name); !ok {
			return nil, 0, fmt.Errorf("list %s: %q is not a field", s.Table, name)
		}
		where = append(where, quote(name)+" IS NOT NULL")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	if q.OnePer != "" {
		if _, ok := s.Field(q.OnePer); !ok {
			return nil, 0, fmt.Errorf("list %s: %q is not a field", s.Table, q.OnePer)
		}
		// The newest row of each value among the rows that match.
		one := "`id` IN (SELECT MAX(`id`) FROM " + h.table(s.Table) + cond + " GROUP BY " + quote(q.OnePer) + ")"
		args = append(args, args...)
		if cond == "" {
			cond = " WHERE " + one
		} else {
			cond += " AND " + one
		}
	}
	order := " ORDER BY `id` DESC"
	if q.OrderBy != "" {
		if _, ok := s.Field(q.OrderBy); !ok && q.OrderBy != "id" {
			return nil, 0, fmt.Errorf("list %s: %q is not a field", s.Table, q.OrderBy)
		}
		order = " ORDER BY " + quote(q.OrderBy) + ", `id`"
	}
	var total int64
	if err := h.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+h.table(s.Table)+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	sh := st.shape(s)
	rows, err := h.DB.QueryContext(ctx, "SELECT "+sh.list+" FROM "+h.table(s.Table)+cond+
		order+" LIMIT ? OFFSET ?", append(args, q.Limit, (q.Page-1)*q.Limit)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []core.Record
	for rows.Next() {
		rec, err := scan(sh, rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if err := st.loadItems(ctx, h.DB, h, s, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// loadItems attaches the line items of each record, in one query.
func (st *Store) loadItems(ctx context.Context, db querier, h Handle, s *core.Schema, recs []core.Record) error {
	if s.Items == nil || len(recs) == 0 {
		return nil
	}
	byID := map[int64]core.Record{}
	marks := make([]string, len(recs))
	args := make([]any, len(recs))
	for i, r := range recs {
		id := r["id"].(int64)
		byID[id] = r
		r["items"] = []core.Item{}
		marks[i], args[i] = "?", id
	}
	rows, err := db.QueryContext(ctx, "SELECT "+quote(s.Items.FK)+", `description`, `qty`, `amount` FROM "+
		h.table(s.Items.Table)+" WHERE "+quote(s.Items.FK)+" IN ("+strings.Join(marks, ",")+") ORDER BY `id`", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var parent, qty, amount int64
		var it core.Item
		if err := rows.Scan(&parent, &it.Description, &qty, &amount); err != nil {
			return err
		}
		it.Qty, it.Amount = qty, core.Money(amount)
		byID[parent]["items"] = append(byID[parent]["items"].([]core.Item), it)
	}
	return rows.Err()
}

// Get returns one record.
func (st *Store) Get(ctx context.Context, t core.Tenant, s *core.Schema, id int64) (core.Record, error) {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return nil, err
	}
	defer h.Release()
	return st.get(ctx, h.DB, h, s, id)
}

func (st *Store) get(ctx context.Context, db querier, h Handle, s *core.Schema, id int64) (core.Record, error) {
	sh := st.shape(s)
	rec, err := scan(sh, db.QueryRowContext(ctx, "SELECT "+sh.list+" FROM "+h.table(s.Table)+" WHERE `id` = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.NotFound, "record not found")
	} else if err != nil {
		return nil, err
	}
	if err := st.loadItems(ctx, db, h, s, []core.Record{rec}); err != nil {
		return nil, err
	}
	return rec, nil
}

// inTx runs fn in a transaction on the tenant's database.
func (st *Store) inTx(ctx context.Context, t core.Tenant, fn func(tx *sql.Tx, h Handle) error) error {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return err
	}
	defer h.Release()
	tx, err := h.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx, h); err != nil {
		_ = tx.Rollback()
		return st.translate(err)
	}
	return st.translate(tx.Commit())
}

// Create inserts recs, all or none, within q.
func (st *Store) Create(ctx context.Context, t core.Tenant, s *core.Schema, recs []core.Record, q quota.Quota) ([]core.Record, error) {
	var out []core.Record
	var before int64 = -1
	now := st.now()
	var years []int
	if s.Number != nil {
		years = sequenceYears(s.Number, recs, now)
		h, err := st.handles.Handle(ctx, t)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, y := range years {
			names = append(names, s.Number.Sequence(y))
		}
		err = st.ensureSequences(ctx, h, names)
		h.Release()
		if err != nil {
			return nil, err
		}
	}
	err := st.inTx(ctx, t, func(tx *sql.Tx, h Handle) error {
		if s.Counts != "" {
			// Serialise creates of this resource on its counter row; the
			// limit check and the inserts then happen as one step.
			used, err := st.lockCounter(ctx, tx, h, s.Counts)
			if err != nil {
				return err
			}
			before = used
			if !q.Allows(used, int64(len(recs))) {
				return q.Exceeded()
			}
			if err := addToCounter(ctx, tx, h, s.Counts, int64(len(recs))); err != nil {
				return err
			}
		} else if q.Limited() {
			return fmt.Errorf("table %s counts no resource but is charged to %s", s.Table, q.Resource)
		}
		for i, rec := range recs {
			if err := checkRefs(ctx, tx, h, s, rec); err != nil {
				return err
			}
			if s.Number != nil {
				seq, err := st.nextInSequence(ctx, tx, h, s.Number.Sequence(years[i]))
				if err != nil {
					return err
				}
				rec[s.Number.Field] = s.Number.Format(years[i], seq)
			}
			cols, marks, args := []string{}, []string{}, []any{}
			for _, f := range s.Fields {
				if v, ok := rec[f.Name]; ok {
					cols, marks, args = append(cols, quote(f.Name)), append(marks, "?"), append(args, arg(v))
				}
			}
			for _, c := range s.Hidden {
				if v, ok := rec[c]; ok {
					cols, marks, args = append(cols, quote(c)), append(marks, "?"), append(args, arg(v))
				}
			}
			cols, marks, args = append(cols, "`created_at`", "`updated_at`"), append(marks, "?", "?"), append(args, now, now)
			res, err := tx.ExecContext(ctx, "INSERT INTO "+h.table(s.Table)+" ("+strings.Join(cols, ", ")+") VALUES ("+strings.Join(marks, ", ")+")", args...)
			if err != nil {
				return err
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			if err := insertItems(ctx, tx, h, s, id, rec); err != nil {
				return err
			}
			created, err := st.get(ctx, tx, h, s, id)
			if err != nil {
				return err
			}
			out = append(out, created)
		}
		return nil
	})
	if err == nil && before >= 0 && q.Counted != nil {
		q.Counted(before, before+int64(len(recs)))
	}
	return out, err
}

// checkRefs refuses references to rows that do not exist.
func checkRefs(ctx context.Context, tx *sql.Tx, h Handle, s *core.Schema, rec core.Record) error {
	errs := map[string]string{}
	for _, f := range s.Fields {
		id, ok := rec[f.Name].(int64)
		if f.Type != core.RefField || !ok {
			continue
		}
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM "+h.table(f.Ref)+" WHERE `id` = ?", id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			errs[f.Name] = "no such record in " + f.Ref
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return core.InvalidFields(errs)
	}
	return nil
}

func insertItems(ctx context.Context, tx *sql.Tx, h Handle, s *core.Schema, id int64, rec core.Record) error {
	items, ok := rec["items"].([]core.Item)
	if s.Items == nil || !ok {
		return nil
	}
	stmt := "INSERT INTO " + h.table(s.Items.Table) + " (" + quote(s.Items.FK) + ", `description`, `qty`, `amount`) VALUES (?, ?, ?, ?)"
	for _, it := range items {
		if _, err := tx.ExecContext(ctx, stmt, id, it.Description, it.Qty, int64(it.Amount)); err != nil {
			return err
		}
	}
	return nil
}

// Update changes the given fields of one record.
func (st *Store) Update(ctx context.Context, t core.Tenant, s *core.Schema, id int64, rec core.Record) (core.Record, error) {
	var out core.Record
	err := st.inTx(ctx, t, func(tx *sql.Tx, h Handle) error {
		old, err := st.get(ctx, tx, h, s, id)
		if err != nil {
			return err
		}
		if v, changes := rec[fieldOf(s.Keep)]; changes && s.Keep != nil && fmt.Sprint(v) != s.Keep.Value {
			if err := st.keepOne(ctx, tx, h, s, id, old); err != nil {
				return err
			}
		}
		if err := checkRefs(ctx, tx, h, s, rec); err != nil {
			return err
		}
		sets, args := []string{"`updated_at` = ?"}, []any{st.now()}
		for _, f := range s.Fields {
			if v, ok := rec[f.Name]; ok {
				sets, args = append(sets, quote(f.Name)+" = ?"), append(args, arg(v))
			}
		}
		for _, c := range s.Hidden {
			if v, ok := rec[c]; ok {
				sets, args = append(sets, quote(c)+" = ?"), append(args, arg(v))
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE "+h.table(s.Table)+" SET "+strings.Join(sets, ", ")+" WHERE `id` = ?", append(args, id)...); err != nil {
			return err
		}
		if _, ok := rec["items"]; ok && s.Items != nil {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+h.table(s.Items.Table)+" WHERE "+quote(s.Items.FK)+" = ?", id); err != nil {
				return err
			}
			if err := insertItems(ctx, tx, h, s, id, rec); err != nil {
				return err
			}
		}
		if _, ok := rec[s.Credential]; ok && s.Credential != "" {
			if err := endSessions(ctx, tx, h, id); err != nil {
				return err
			}
		}
		out, err = st.get(ctx, tx, h, s, id)
		return err
	})
	return out, err
}

// Delete removes one record and its items.
func (st *Store) Delete(ctx context.Context, t core.Tenant, s *core.Schema, id int64) error {
	return st.inTx(ctx, t, func(tx *sql.Tx, h Handle) error {
		if s.Keep != nil {
			old, err := st.get(ctx, tx, h, s, id)
			if err != nil {
				return err
			}
			if err := st.keepOne(ctx, tx, h, s, id, old); err != nil {
				return err
			}
		}
		if s.Items != nil {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+h.table(s.Items.Table)+" WHERE "+quote(s.Items.FK)+" = ?", id); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM "+h.table(s.Table)+" WHERE `id` = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.NotFound, "record not found")
		}
		if s.Counts != "" {
			return addToCounter(ctx, tx, h, s.Counts, -1)
		}
		return nil
	})
}

func fieldOf(k *core.Keep) string {
	if k == nil {
		return ""
	}
	return k.Field
}

// keepOne refuses to take s.Keep's value away from row id (old) when no
// other row has it. The rows that have it are locked first (MySQL; SQLite
// tenant transactions are serial), so that two admins demoting each other
// at once cannot both succeed: the second waits, then sees the first's
// change.
func (st *Store) keepOne(ctx context.Context, tx *sql.Tx, h Handle, s *core.Schema, id int64, old core.Record) error {
	k := s.Keep
	if fmt.Sprint(old[k.Field]) != k.Value {
		return nil
	}
	q := "SELECT `id` FROM " + h.table(s.Table) + " WHERE " + quote(k.Field) + " = ?"
	if lock := st.dialect.LockSuffix(); lock != "" {
		q += " " + lock
	}
	rows, err := tx.QueryContext(ctx, q, k.Value)
	if err != nil {
		return err
	}
	defer rows.Close()
	others := 0
	for rows.Next() {
		var other int64
		if err := rows.Scan(&other); err != nil {
			return err
		}
		if other != id {
			others++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if others == 0 {
		return core.Errorf(core.Conflict, "%s", k.Message)
	}
	return nil
}

// endSessions ends user id's login sessions but the one of the request
// making the change, if it is that user's.
func endSessions(ctx context.Context, tx *sql.Tx, h Handle, id int64) error {
	keep := []byte{}
	if u, ok := core.UserFrom(ctx); ok && u.ID == id && len(core.SessionFrom(ctx)) > 0 {
		keep = core.SessionFrom(ctx)
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM "+h.table("sessions")+" WHERE `user_id` = ? AND `token_hash` <> ?", id, keep)
	return err
}
