package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.TokenStore = (*TokenStore)(nil)

// TokenStore keeps API tokens by the hash of their secret.
type TokenStore struct{ db *DB }

// NewTokenStore returns a token store on db.
func NewTokenStore(db *DB) *TokenStore { return &TokenStore{db: db} }

type tokenRow struct {
	ID         int64 `gorm:"primaryKey"`
	Name       string
	TokenHash  []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (tokenRow) TableName() string { return "api_tokens" }

func (r tokenRow) toCore() core.APIToken {
	return core.APIToken{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt.UTC(), LastUsedAt: utc(r.LastUsedAt), RevokedAt: utc(r.RevokedAt)}
}

// CreateToken inserts t unless a live token has the same name.
func (s *TokenStore) CreateToken(ctx context.Context, t *core.APIToken, hash []byte) error {
	return s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&tokenRow{}).Where("name = ? AND revoked_at IS NULL", t.Name).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return core.Errorf(core.Conflict, "a token named %q exists; revoke it first", t.Name)
		}
		row := tokenRow{Name: t.Name, TokenHash: hash, CreatedAt: t.CreatedAt.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return translate(err, "token")
		}
		t.ID = row.ID
		return audit(ctx, tx, row.ID)
	})
}

// TokenByHash returns the live token with that hash.
func (s *TokenStore) TokenByHash(ctx context.Context, hash []byte) (core.APIToken, error) {
	// Plain database/sql: this runs on every superadmin request.
	var row tokenRow
	var used sql.NullTime
	err := s.db.sql.QueryRowContext(ctx, "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL", hash).
		Scan(&row.ID, &row.Name, &row.CreatedAt, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return core.APIToken{}, core.Errorf(core.NotFound, "token not found")
	} else if err != nil {
		return core.APIToken{}, err
	}
	if used.Valid {
		row.LastUsedAt = &used.Time
	}
	return row.toCore(), nil
}

// Tokens returns every token.
func (s *TokenStore) Tokens(ctx context.Context) ([]core.APIToken, error) {
	var rows []tokenRow
	if err := s.db.gorm.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]core.APIToken, len(rows))
	for i, r := range rows {
		out[i] = r.toCore()
	}
	return out, nil
}

// RevokeToken revokes the live token named name.
func (s *TokenStore) RevokeToken(ctx context.Context, name string, at time.Time) error {
	return s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row tokenRow
		if err := s.db.forUpdate(tx).Where("name = ? AND revoked_at IS NULL", name).Take(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return core.Errorf(core.NotFound, "no live token named %q", name)
			}
			return err
		}
		if err := tx.Model(&tokenRow{}).Where("id = ?", row.ID).Update("revoked_at", at.UTC()).Error; err != nil {
			return err
		}
		return audit(ctx, tx, row.ID)
	})
}

// TouchToken sets last_used_at.
func (s *TokenStore) TouchToken(ctx context.Context, id int64, at time.Time) error {
	return s.db.gorm.WithContext(ctx).Model(&tokenRow{}).Where("id = ?", id).Update("last_used_at", at.UTC()).Error
}
