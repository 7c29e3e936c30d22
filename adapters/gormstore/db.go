package gormstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"go.uber.org/zap"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	gormlogger "gorm.io/gorm/logger"

	"github.com/saasd/saasd/core"
)

//go:embed migrations
var migrations embed.FS

// Dialects the control database's migrations are written for.
const (
	MySQL  = "mysql"
	SQLite = "sqlite"
)

// Config says how to reach the control database. The dialector comes from
// the adapter of its technology (mysql.Control, sqlite.Control), so this
// package holds no driver of its own.
type Config struct {
	Dialect      string // MySQL or SQLite: which migrations apply
	Dialector    gorm.Dialector
	MaxOpenConns int
	MaxIdleConns int
}

// DB is an open control database.
type DB struct {
	gorm   *gorm.DB
	sql    *sql.DB
	driver string
	logger *zap.Logger
}

// Open connects to the control database.
func Open(ctx context.Context, cfg Config, logger *zap.Logger) (*DB, error) {
	if cfg.Dialect != MySQL && cfg.Dialect != SQLite {
		return nil, fmt.Errorf("unknown database driver %q (valid: %s, %s)", cfg.Dialect, MySQL, SQLite)
	}
	db := &DB{driver: cfg.Dialect, logger: logger}
	g, err := gorm.Open(cfg.Dialector, &gorm.Config{
		Logger:                 gormlogger.Discard,
		TranslateError:         true,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("open %s control database: %w", cfg.Dialect, err)
	}
	db.gorm = g
	if db.sql, err = g.DB(); err != nil {
		return nil, err
	}
	if cfg.Dialect == SQLite {
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

type installationRow struct {
	K            string `gorm:"primaryKey"`
	ID           string
	TenantPrefix string
	CreatedAt    time.Time
}

func (installationRow) TableName() string { return "installation" }

// Installation returns this installation, making it on first use: a random
// ID, and the tenant prefix new tenant databases are named with. A control
// database that has tenants already (an upgrade) keeps the prefix they were
// named with, legacy, so nothing is renamed; a new one gets a prefix with a
// short tag of its ID, so that two installations on one server never
// collide. Several replicas starting at once agree on the one row.
func (db *DB) Installation(ctx context.Context, legacy string) (core.Installation, error) {
	var row installationRow
	err := db.gorm.WithContext(ctx).Take(&row, "k = ?", "this").Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return core.Installation{}, err
		}
		id := hex.EncodeToString(b)
		var tenants int64
		if err := db.gorm.WithContext(ctx).Table("tenants").Count(&tenants).Error; err != nil {
			return core.Installation{}, err
		}
		prefix := "t" + id[:6] + "_"
		if tenants > 0 {
			prefix = legacy
		}
		row = installationRow{K: "this", ID: id, TenantPrefix: prefix, CreatedAt: time.Now().UTC()}
		if err := db.gorm.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return core.Installation{}, fmt.Errorf("record installation: %w", err)
		}
		err = db.gorm.WithContext(ctx).Take(&row, "k = ?", "this").Error
	}
	if err != nil {
		return core.Installation{}, fmt.Errorf("read installation: %w", err)
	}
	return core.Installation{ID: row.ID, TenantPrefix: row.TenantPrefix}, nil
}
