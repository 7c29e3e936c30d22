package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.SessionStore = (*SessionStore)(nil)

// SessionStore keeps console sessions by the hash of their id.
type SessionStore struct{ db *DB }

// NewSessionStore returns a session store on db.
func NewSessionStore(db *DB) *SessionStore { return &SessionStore{db: db} }

type sessionRow struct {
	ID        int64 `gorm:"primaryKey"`
	IDHash    []byte
	TokenID   int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (sessionRow) TableName() string { return "console_sessions" }

// CreateSession inserts a session.
func (s *SessionStore) CreateSession(ctx context.Context, hash []byte, tokenID int64, created, expires time.Time) error {
	row := sessionRow{IDHash: hash, TokenID: tokenID, CreatedAt: created.UTC(), ExpiresAt: expires.UTC()}
	return translate(s.db.gorm.WithContext(ctx).Create(&row).Error, "session")
}

// SessionToken returns the live token of a live session.
func (s *SessionStore) SessionToken(ctx context.Context, hash []byte, now time.Time) (core.APIToken, error) {
	// Plain database/sql, as TokenByHash: this runs on every console request.
	var row tokenRow
	var used sql.NullTime
	err := s.db.sql.QueryRowContext(ctx, `SELECT t.id, t.name, t.created_at, t.last_used_at
		FROM console_sessions s JOIN api_tokens t ON t.id = s.token_id
		WHERE s.id_hash = ? AND s.expires_at > ? AND t.revoked_at IS NULL`, hash, now.UTC()).
		Scan(&row.ID, &row.Name, &row.CreatedAt, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return core.APIToken{}, core.Errorf(core.NotFound, "session not found")
	} else if err != nil {
		return core.APIToken{}, err
	}
	if used.Valid {
		row.LastUsedAt = &used.Time
	}
	return row.toCore(), nil
}

// DeleteSession removes one session.
func (s *SessionStore) DeleteSession(ctx context.Context, hash []byte) error {
	return s.db.gorm.WithContext(ctx).Where("id_hash = ?", hash).Delete(&sessionRow{}).Error
}

// DeleteExpiredSessions removes the sessions that ended before now.
func (s *SessionStore) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	return s.db.gorm.WithContext(ctx).Where("expires_at <= ?", now.UTC()).Delete(&sessionRow{}).Error
}
