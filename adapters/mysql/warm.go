package mysql

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	mysqldrv "github.com/go-sql-driver/mysql"
	"go.uber.org/zap"

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

// CreateWarm creates the schema of a warm pool entry on p's server, marked
// as this installation's and no tenant's, and migrates it.
func (p *Provisioner) CreateWarm(ctx context.Context, database string) error {
	if err := p.warm().Create(ctx, database); err != nil {
		return err
	}
	p.logger.Info("warm database created", zap.String("database", database))
	return nil
}

// MigrateWarm applies pending migrations to an unclaimed warm schema.
func (p *Provisioner) MigrateWarm(ctx context.Context, database string) error {
	return p.warm().Migrate(ctx, database)
}

// Bind marks the warm schema t.Database as t's.
func (p *Provisioner) Bind(ctx context.Context, t core.Tenant) error {
	if !p.owns(t.Database) {
		return fmt.Errorf("tenant %d has no database of prefix %q", t.ID, p.prefix)
	}
	return p.warm().Bind(ctx, t)
}

// DropWarm drops a warm schema that is this installation's and no tenant's
// or tenantID's; one already gone is no error.
func (p *Provisioner) DropWarm(ctx context.Context, database string, tenantID int64) error {
	if !p.owns(database) {
		return fmt.Errorf("refusing to drop %q: not a tenant database of prefix %q", database, p.prefix)
	}
	if err := p.warm().Drop(ctx, database, tenantID); err != nil {
		return err
	}
	p.logger.Info("warm database dropped", zap.String("database", database), zap.Int64("tenant_id", tenantID))
	return nil
}

func (p *Provisioner) warm() sqltenant.Warm {
	return sqltenant.Warm{Backend: warmSchemas{p}, Dialect: dialect{}, Installation: p.installation}
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
	return w.p.migrate(ctx, name, 0)
}
