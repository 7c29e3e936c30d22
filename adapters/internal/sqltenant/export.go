package sqltenant

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.Exporter = (*Store)(nil)

// Export writes every row of the tenant's tables as JSON lines. The
// migration bookkeeping is left out, and so, unless secrets is set, are
// sessions (live login tokens, hashed) and the secret columns (secretColumn).
func (st *Store) Export(ctx context.Context, t core.Tenant, w io.Writer, secrets bool) error {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return err
	}
	defer h.Release()
	q, args := st.dialect.TablesQuery(t.Database)
	rows, err := h.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		if (secrets || name != "sessions") && name != MarkerTable && !strings.HasPrefix(name, "goose_") {
			tables = append(tables, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	out := bufio.NewWriter(w)
	enc := json.NewEncoder(out)
	for _, table := range tables {
		if err := exportTable(ctx, h, table, enc, secrets); err != nil {
			return fmt.Errorf("export %s: %w", table, err)
		}
	}
	return out.Flush()
}

// secretColumn says whether a column holds a credential: a password or
// token hash, a key hash, a secret. Named by convention, so that a module's
// own credential columns (api keys, webhook secrets) are covered too.
func secretColumn(name string) bool {
	name = strings.ToLower(name)
	return strings.HasSuffix(name, "_hash") || name == "secret" || strings.HasSuffix(name, "_secret") ||
		name == "password" || name == "token"
}

func exportTable(ctx context.Context, h Handle, table string, enc *json.Encoder, secrets bool) error {
	rows, err := h.DB.QueryContext(ctx, "SELECT * FROM "+h.table(table))
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			if !secrets && secretColumn(c) {
				continue
			}
			switch v := vals[i].(type) {
			case []byte:
				row[c] = string(v)
			case time.Time:
				row[c] = v.UTC().Format(time.RFC3339Nano)
			default:
				row[c] = v
			}
		}
		if err := enc.Encode(map[string]any{"table": table, "row": row}); err != nil {
			return err
		}
	}
	return rows.Err()
}
