package mysql

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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

// CreateWarm creates the schema of a warm pool entry, marked as this
// installation's and no tenant's, and migrates it. On error the schema is
// dropped again; an existing one is never adopted (core.Conflict).
func (p *Provisioner) CreateWarm(ctx context.Context, database string) error {
	if !p.isWarm(database) || len(database) > maxSchemaName {
		return fmt.Errorf("%q is not a warm database name of prefix %q", database, p.prefix)
	}
	if _, err := p.pool.ExecContext(ctx, "CREATE DATABASE `"+database+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		var me *mysqldrv.MySQLError
		if errors.As(err, &me) && me.Number == 1007 {
			return core.Errorf(core.Conflict, "database %s already exists", database)
		}
		return fmt.Errorf("create database %s: %w", database, err)
	}
	start := time.Now()
	err := sqltenant.WriteMarker(ctx, p.handleOf(database), core.DatabaseMarker{Installation: p.installation})
	if err == nil {
		err = p.migrate(ctx, database)
	}
	if err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, derr := p.pool.ExecContext(cctx, "DROP DATABASE IF EXISTS `"+database+"`"); derr != nil {
			p.logger.Error("drop half-made warm database", zap.String("database", database), zap.Error(derr))
		}
		return err
	}
	p.logger.Info("warm database created", zap.String("database", database), zap.Duration("took", time.Since(start)))
	return nil
}

// MigrateWarm applies pending migrations to an unclaimed warm schema.
func (p *Provisioner) MigrateWarm(ctx context.Context, database string) error {
	if err := p.ownsWarm(ctx, database, 0); err != nil {
		return err
	}
	return p.migrate(ctx, database)
}

// Bind marks the warm schema t.Database as t's.
func (p *Provisioner) Bind(ctx context.Context, t core.Tenant) error {
	if !p.owns(t.Database) || t.ID <= 0 {
		return fmt.Errorf("tenant %d has no database of prefix %q", t.ID, p.prefix)
	}
	return sqltenant.BindMarker(ctx, p.handleOf(t.Database), dialect{}, p.installation, t.ID)
}

// DropWarm drops a warm schema that is this installation's and no tenant's
// or tenantID's; one already gone is no error.
func (p *Provisioner) DropWarm(ctx context.Context, database string, tenantID int64) error {
	if !p.owns(database) {
		return fmt.Errorf("refusing to drop %q: not a tenant database of prefix %q", database, p.prefix)
	}
	if ok, err := p.exists(ctx, database); err != nil || !ok {
		return err
	}
	err := p.ownsWarm(ctx, database, tenantID)
	var me *mysqldrv.MySQLError
	if errors.As(err, &me) && me.Number == 1049 { // unknown database: gone already
		return nil
	} else if err != nil {
		return fmt.Errorf("refusing to drop: %w", err)
	}
	if _, err := p.pool.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+database+"`"); err != nil {
		return fmt.Errorf("drop database %s: %w", database, err)
	}
	p.logger.Info("warm database dropped", zap.String("database", database), zap.Int64("tenant_id", tenantID))
	return nil
}

// ownsWarm reads the marker of database and checks it is a warm schema of
// this installation, no tenant's or tenantID's.
func (p *Provisioner) ownsWarm(ctx context.Context, database string, tenantID int64) error {
	m, err := p.Marker(ctx, database)
	if err != nil {
		return err
	}
	return sqltenant.OwnsWarm(m, p.installation, database, tenantID)
}

// isWarm reports whether name is a warm database name of this prefix.
func (p *Provisioner) isWarm(name string) bool {
	return p.owns(name) && strings.HasPrefix(strings.TrimPrefix(name, p.prefix), warmTag)
}
