package gormstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"go.uber.org/zap"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"github.com/saasd/saasd/core"
)

//go:embed migrations
var migrations embed.FS

// Drivers the control database can run on.
const (
	MySQL  = "mysql"
	SQLite = "sqlite"
)

// Config says where the control database is.
type Config struct {
	Driver       string // MySQL or SQLite
	DSN          string // go-sql-driver DSN, or a file path for SQLite
	MaxOpenConns int
	MaxIdleConns int
}

// DB is an open control database.
type DB struct {
	gorm   *gorm.DB
	sql    *sql.DB
	driver string
	name   string // MySQL schema name
	logger *zap.Logger
}

// Open connects to the control database. For MySQL it creates the schema
// named in the DSN when it does not exist yet, so a fresh server needs no
// manual step; for SQLite it creates the file's directory.
func Open(ctx context.Context, cfg Config, logger *zap.Logger) (*DB, error) {
	var dialector gorm.Dialector
	db := &DB{driver: cfg.Driver, logger: logger}
	switch cfg.Driver {
	case MySQL:
		mc, err := mysqldrv.ParseDSN(cfg.DSN)
		if err != nil {
			return nil, fmt.Errorf("parse mysql dsn: %w", err)
		}
		// Arguments are interpolated client-side (safe with utf8mb4): one
		// round trip per query instead of prepare, execute and close.
		mc.ParseTime, mc.Loc, mc.InterpolateParams = true, time.UTC, true
		if mc.Timeout == 0 {
			mc.Timeout = 5 * time.Second // connecting to a server that is down fails fast
		}
		// The driver's own messages (bad idle connections) go to our log.
		_ = mysqldrv.SetLogger(zap.NewStdLog(logger.Named("mysql")))
		if err := ensureSchema(ctx, mc); err != nil {
			return nil, err
		}
		db.name = mc.DBName
		dialector = gormmysql.New(gormmysql.Config{DSN: mc.FormatDSN()})
	case SQLite:
		if dir := filepath.Dir(cfg.DSN); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
		}
		dialector = sqlite.Open(SQLiteDSN(cfg.DSN))
	default:
		return nil, fmt.Errorf("unknown database driver %q (valid: %s, %s)", cfg.Driver, MySQL, SQLite)
	}
	g, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 gormlogger.Discard,
		TranslateError:         true,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("open %s control database: %w", cfg.Driver, err)
	}
	db.gorm = g
	if db.sql, err = g.DB(); err != nil {
		return nil, err
	}
	if cfg.Driver == SQLite {
		// One writer at a time is all SQLite allows; a single connection
		// queues writers in Go instead of failing them with SQLITE_BUSY.
		db.sql.SetMaxOpenConns(1)
	} else {
		db.sql.SetMaxOpenConns(cfg.MaxOpenConns)
		db.sql.SetMaxIdleConns(cfg.MaxIdleConns)
		db.sql.SetConnMaxLifetime(5 * time.Minute)
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// SQLiteDSN adds the pragmas every SQLite file of saasd is opened with:
// WAL so readers do not block the writer, a busy timeout instead of
// immediate SQLITE_BUSY, and enforced foreign keys.
func SQLiteDSN(path string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
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

// Migrate applies pending control-database migrations and returns how many ran.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	dialect := database.DialectMySQL
	if db.driver == SQLite {
		dialect = database.DialectSQLite3
	}
	fsys, err := fs.Sub(migrations, "migrations/"+db.driver)
	if err != nil {
		return 0, err
	}
	p, err := goose.NewProvider(dialect, db.sql, fsys)
	if err != nil {
		return 0, fmt.Errorf("load migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate control database: %w", err)
	}
	for _, r := range results {
		db.logger.Info("migration applied", zap.String("source", r.Source.Path), zap.Duration("took", r.Duration))
	}
	return len(results), nil
}

// Ping checks that the database answers. Returns core.Unavailable when not.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return &core.Error{Kind: core.Unavailable, Message: "control database unavailable: " + err.Error()}
	}
	return nil
}

// SQL returns the connection pool, for adapters that share the server.
func (db *DB) SQL() *sql.DB { return db.sql }

// Driver returns MySQL or SQLite.
func (db *DB) Driver() string { return db.driver }

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// translate turns driver errors into domain kinds.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return core.Errorf(core.NotFound, "%s not found", what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return core.Errorf(core.Conflict, "%s already exists", what)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return core.Errorf(core.Conflict, "%s is still referenced", what)
	}
	return err
}

// duplicate reports whether err from a plain database/sql call is a
// unique-key violation, in either dialect.
func (db *DB) duplicate(err error) bool {
	if t, ok := db.gorm.Dialector.(gorm.ErrorTranslator); ok {
		err = t.Translate(err)
	}
	return errors.Is(err, gorm.ErrDuplicatedKey)
}
