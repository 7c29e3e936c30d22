package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	mysqldrv "github.com/go-sql-driver/mysql"

	"github.com/saasd/saasd/adapters/internal/sqltenant"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.WarmDatabases = (*Provisioner)(nil)

// warmTag follows the prefix in the names of warm pool schemas: a tenant
// schema is the prefix and digits only, so the two never meet.
const warmTag = "pool"

// maxSchemaName is MySQL's limit on a schema name. A warm schema is the
// prefix (at most 40 characters, PrefixRE), "pool" and an ID of at most 19
// digits: 63.
const maxSchemaName = 64

// WarmName returns the schema name of warm pool entry id.
func (p *Provisioner) WarmName(id int64) string {
	return p.prefix + warmTag + strconv.FormatInt(id, 10)
}

// withWarm gives p its warm databases, on p's server.
func (p *Provisioner) withWarm() *Provisioner {
	p.Warm = sqltenant.Warm{Backend: warmSchemas{p}, Dialect: dialect{}, Installation: p.installation, Logger: p.logger}
	return p
}

// warmSchemas is what sqltenant.Warm needs of the schemas on p's server.
type warmSchemas struct{ p *Provisioner }

func (w warmSchemas) IsWarm(name string) bool {
	return w.p.owns(name) && strings.HasPrefix(strings.TrimPrefix(name, w.p.prefix), warmTag) && len(name) <= maxSchemaName
}

func (w warmSchemas) CreateEmpty(ctx context.Context, name string) error {
	if _, err := w.p.srv.pool.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		var me *mysqldrv.MySQLError
		if errors.As(err, &me) && me.Number == 1007 {
			return core.Errorf(core.Conflict, "database %s already exists", name)
		}
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func (w warmSchemas) Remove(ctx context.Context, name string) error {
	if _, err := w.p.srv.pool.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

func (w warmSchemas) Exists(ctx context.Context, name string) (bool, error) {
	return w.p.exists(ctx, name)
}

func (w warmSchemas) Marker(ctx context.Context, name string) (core.DatabaseMarker, error) {
	return w.p.Marker(ctx, name)
}

func (w warmSchemas) WithHandle(_ context.Context, name string, fn func(sqltenant.Handle) error) error {
	return fn(w.p.srv.handleOf(name))
}

func (w warmSchemas) MigrateDatabase(ctx context.Context, name string) error {
	// sqltenant.Warm has checked the marker (or just written it).
	return w.p.withMigrationLock(ctx, name, func(db *sql.DB) error { return w.p.migrator.Migrate(ctx, db) })
}
