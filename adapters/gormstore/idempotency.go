package gormstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.IdempotencyStore = (*IdempotencyStore)(nil)

// IdempotencyConfig configures an IdempotencyStore.
type IdempotencyConfig struct {
	// TTL is how long a key and its answer are kept.
	TTL time.Duration
	// ClaimTimeout is how long a claim whose request never completed (the
	// process died) blocks retries: the request timeout, after which the
	// request cannot be running any more. 0 means TTL.
	ClaimTimeout time.Duration
	// Sealer encrypts stored answers: they can hold a session token or a
	// generated password, which must not sit in the control database in
	// clear. Required.
	Sealer ports.Sealer
}

// IdempotencyStore keeps the answers to requests sent with an
// Idempotency-Key, sealed.
type IdempotencyStore struct {
	db  *DB
	cfg IdempotencyConfig
}

// NewIdempotencyStore returns a store that forgets keys after cfg.TTL.
func NewIdempotencyStore(db *DB, cfg IdempotencyConfig) (*IdempotencyStore, error) {
	if cfg.Sealer == nil || cfg.TTL <= 0 {
		return nil, errors.New("idempotency store: a sealer and a positive TTL are required")
	}
	if cfg.ClaimTimeout <= 0 || cfg.ClaimTimeout > cfg.TTL {
		cfg.ClaimTimeout = cfg.TTL
	}
	return &IdempotencyStore{db: db, cfg: cfg}, nil
}

// Begin claims key for a request whose content hashes to hash.
func (s *IdempotencyStore) Begin(ctx context.Context, scope, key string, hash []byte) (*core.StoredResponse, error) {
	now := time.Now().UTC()
	// A key past its time is free again, and so is a claim older than the
	// request timeout: its request died before completing.
	if _, err := s.db.sql.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND (created_at < ? OR (status = 0 AND created_at < ?))",
		scope, key, now.Add(-s.cfg.TTL), now.Add(-s.cfg.ClaimTimeout)); err != nil {
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
	if len(body) > 0 {
		plain, err := s.cfg.Sealer.Open(string(body))
		if err != nil {
			return nil, fmt.Errorf("open stored answer: %w", err)
		}
		body = []byte(plain)
	}
	return &core.StoredResponse{Status: status, Body: body}, nil
}

// Complete stores the answer to replay, sealed.
func (s *IdempotencyStore) Complete(ctx context.Context, scope, key string, r core.StoredResponse) error {
	var body []byte
	if len(r.Body) > 0 {
		sealed, err := s.cfg.Sealer.Seal(string(r.Body))
		if err != nil {
			return fmt.Errorf("seal answer: %w", err)
		}
		body = []byte(sealed)
	}
	_, err := s.db.sql.ExecContext(ctx, "UPDATE idempotency_keys SET status = ?, body = ? WHERE scope = ? AND idem_key = ?", r.Status, body, scope, key)
	return err
}

// Release frees the key, for a request that failed in a way worth retrying.
func (s *IdempotencyStore) Release(ctx context.Context, scope, key string) error {
	_, err := s.db.sql.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND status = 0", scope, key)
	return err
}

// Sweep removes the keys whose time has passed and the claims that their
// requests abandoned, and returns how many; the janitor runs it, so that
// the table holds a day of keys, not every key ever sent.
func (s *IdempotencyStore) Sweep(ctx context.Context) (int64, error) {
	now := time.Now().UTC()
	res, err := s.db.sql.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE created_at < ? OR (status = 0 AND created_at < ?)",
		now.Add(-s.cfg.TTL), now.Add(-s.cfg.ClaimTimeout))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
