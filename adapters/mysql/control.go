package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"go.uber.org/zap"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
)

// Control returns the GORM dialector of the control database named in dsn
// (for adapters/gormstore). It creates that schema when it does not exist
// yet, so a fresh server needs no manual step. A non-nil open opens its
// pool (tracing wraps the driver there).
func Control(ctx context.Context, dsn string, open func(driverName, dsn string, tenantID int64) (*sql.DB, error), logger *zap.Logger) (gorm.Dialector, error) {
	mc, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse mysql dsn: %w", err)
	}
	// Arguments are interpolated client-side (safe with utf8mb4): one round
	// trip per query instead of prepare, execute and close.
	mc.ParseTime, mc.Loc, mc.InterpolateParams = true, time.UTC, true
	if mc.Timeout == 0 {
		mc.Timeout = 5 * time.Second // connecting to a server that is down fails fast
	}
	// The driver's own messages (bad idle connections) go to our log.
	_ = mysqldrv.SetLogger(zap.NewStdLog(logger.Named("mysql")))
	if err := ensureSchema(ctx, mc); err != nil {
		return nil, err
	}
	if open == nil {
		return gormmysql.New(gormmysql.Config{DSN: mc.FormatDSN()}), nil
	}
	conn, err := open("mysql", mc.FormatDSN(), 0)
	if err != nil {
		return nil, err
	}
	return gormmysql.New(gormmysql.Config{Conn: conn}), nil
}

var schemaNameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

func ensureSchema(ctx context.Context, mc *mysqldrv.Config) error {
	if mc.DBName == "" {
		return errors.New("mysql dsn names no database")
	}
	if !schemaNameRE.MatchString(mc.DBName) {
		return fmt.Errorf("mysql database name %q: use only letters, digits and _", mc.DBName)
	}
	server := mc.Clone()
	server.DBName = ""
	conn, err := sql.Open("mysql", server.FormatDSN())
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+mc.DBName+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return fmt.Errorf("create control database %s: %w", mc.DBName, err)
	}
	return nil
}
