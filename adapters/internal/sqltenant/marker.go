package sqltenant

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/saasd/saasd/core"
)

// MarkerTable is the table in every tenant database that says who owns it.
// It is written when the database is created, before anything else, and
// never by a migration: ownership must not depend on a schema version.
const MarkerTable = "saasd_owner"

// WriteMarker records m in the database reached through h.
func WriteMarker(ctx context.Context, h Handle, m core.DatabaseMarker) error {
	if _, err := h.DB.ExecContext(ctx, "CREATE TABLE "+h.table(MarkerTable)+
		" (`installation` VARCHAR(64) NOT NULL, `tenant_id` BIGINT NOT NULL)"); err != nil {
		return fmt.Errorf("mark %s: %w", h.Database, err)
	}
	if _, err := h.DB.ExecContext(ctx, "INSERT INTO "+h.table(MarkerTable)+" (`installation`, `tenant_id`) VALUES (?, ?)",
		m.Installation, m.TenantID); err != nil {
		return fmt.Errorf("mark %s: %w", h.Database, err)
	}
	return nil
}

// ReadMarker returns the marker of the database reached through h; the zero
// marker when it has none (d says which error means a missing table).
func ReadMarker(ctx context.Context, h Handle, d Dialect) (core.DatabaseMarker, error) {
	var m core.DatabaseMarker
	err := h.DB.QueryRowContext(ctx, "SELECT `installation`, `tenant_id` FROM "+h.table(MarkerTable)).Scan(&m.Installation, &m.TenantID)
	switch {
	case errors.Is(err, sql.ErrNoRows), err != nil && d.IsNoTable(err):
		return core.DatabaseMarker{}, nil
	case err != nil:
		return core.DatabaseMarker{}, fmt.Errorf("read the marker of %s: %w", h.Database, err)
	}
	return m, nil
}

// Owns reports whether a database with marker m may be dropped or migrated
// as tenant t's by installation: marked by it for t, or unmarked and named
// for t (a database made before markers existed, which the control database
// records as t's).
func Owns(m core.DatabaseMarker, installation string, t core.Tenant, nameOfT string) error {
	switch {
	case m == (core.DatabaseMarker{}) && t.ID > 0 && t.Database == nameOfT:
		return nil
	case m.Installation == installation && m.TenantID == t.ID && t.ID > 0:
		return nil
	case m == (core.DatabaseMarker{}):
		return fmt.Errorf("database %s has no owner marker and is not tenant %d's: not touched", t.Database, t.ID)
	case m.Installation != installation:
		return fmt.Errorf("database %s belongs to another installation (%s): not touched", t.Database, m.Installation)
	}
	return fmt.Errorf("database %s is tenant %d's, not tenant %d's: not touched", t.Database, m.TenantID, t.ID)
}

// BindMarker moves the marker of a warm database (this installation's, no
// tenant's: tenant 0) to tenant id, with one conditional write so that two
// tenants can never both bind it. A database already bound to id is no
// error; any other marker is refused.
func BindMarker(ctx context.Context, h Handle, d Dialect, installation string, id int64) error {
	res, err := h.DB.ExecContext(ctx, "UPDATE "+h.table(MarkerTable)+" SET `tenant_id` = ? WHERE `installation` = ? AND `tenant_id` = 0",
		id, installation)
	if err != nil {
		return fmt.Errorf("bind %s: %w", h.Database, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return nil
	}
	m, err := ReadMarker(ctx, h, d)
	switch {
	case err != nil:
		return err
	case m.Installation == installation && m.TenantID == id:
		return nil
	case m.Installation != installation:
		return fmt.Errorf("database %s is not this installation's warm database: not bound", h.Database)
	}
	return fmt.Errorf("database %s is tenant %d's already: not bound to tenant %d", h.Database, m.TenantID, id)
}

// OwnsWarm reports whether a database with marker m may be dropped as an
// unclaimed warm database, or one claimed by tenantID, of installation.
// Its refusal is a core.Conflict: the database is someone else's.
func OwnsWarm(m core.DatabaseMarker, installation, database string, tenantID int64) error {
	switch {
	case m.Installation != installation:
		return core.Errorf(core.Conflict, "database %s is not marked as this installation's: not touched", database)
	case m.TenantID != 0 && m.TenantID != tenantID:
		return core.Errorf(core.Conflict, "database %s is tenant %d's: not touched", database, m.TenantID)
	}
	return nil
}
