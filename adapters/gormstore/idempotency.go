package gormstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.IdempotencyStore = (*IdempotencyStore)(nil)

// IdempotencyStore keeps the answers to requests sent with an Idempotency-Key.
type IdempotencyStore struct {
	db  *DB
	ttl time.Duration
}

// NewIdempotencyStore returns a store that forgets keys after ttl.
func NewIdempotencyStore(db *DB, ttl time.Duration) *IdempotencyStore {
	return &IdempotencyStore{db: db, ttl: ttl}
}

// Begin claims key for a request whose content hashes to hash.
func (s *IdempotencyStore) Begin(ctx context.Context, scope, key string, hash []byte) (*core.StoredResponse, error) {
	now := time.Now().UTC()
	// A key past its time is free again.
	if _, err := s.db.sql.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND created_at < ?", scope, key, now.Add(-s.ttl)); err != nil {
		return nil, err
	}
	_, err := s.db.sql.ExecContext(ctx, "INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, created_at) VALUES (?, ?, ?, 0, ?)", scope, key, hash, now)
	if err == nil {
		return nil, nil
	}
	if !s.db.duplicate(err) {
		return nil, err
	}
	var stored []byte
	var status int
	var body []byte
	err = s.db.sql.QueryRowContext(ctx, "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = ? AND idem_key = ?", scope, key).Scan(&stored, &status, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.Conflict, "a request with this Idempotency-Key is in progress; retry shortly")
	} else if err != nil {
		return nil, err
	}
	switch {
	case !bytes.Equal(stored, hash):
		return nil, core.InvalidFields(map[string]string{"Idempotency-Key": "was used for a different request; use a new key"})
	case status == 0:
		return nil, core.Errorf(core.Conflict, "a request with this Idempotency-Key is in progress; retry shortly")
	}
	return &core.StoredResponse{Status: status, Body: body}, nil
}

// Complete stores the answer to replay.
func (s *IdempotencyStore) Complete(ctx context.Context, scope, key string, r core.StoredResponse) error {
	_, err := s.db.sql.ExecContext(ctx, "UPDATE idempotency_keys SET status = ?, body = ? WHERE scope = ? AND idem_key = ?", r.Status, r.Body, scope, key)
	return err
}

// Release frees the key, for a request that failed in a way worth retrying.
func (s *IdempotencyStore) Release(ctx context.Context, scope, key string) error {
	_, err := s.db.sql.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND status = 0", scope, key)
	return err
}
