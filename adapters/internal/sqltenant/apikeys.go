package sqltenant

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.APIKeyStore = (*Store)(nil)

// CreateAPIKey stores a key's hash.
func (st *Store) CreateAPIKey(ctx context.Context, t core.Tenant, k *core.APIKey, hash []byte) error {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return err
	}
	defer h.Release()
	res, err := h.DB.ExecContext(ctx, "INSERT INTO "+h.table("api_keys")+" (`name`, `key_hash`, `hint`, `user_id`, `role`, `created_at`) VALUES (?, ?, ?, ?, ?, ?)",
		k.Name, hash, k.Hint, k.UserID, k.Role, k.CreatedAt.UTC())
	if err != nil {
		return st.translate(err)
	}
	k.ID, err = res.LastInsertId()
	return err
}

const apiKeyColumns = "k.`id`, k.`name`, k.`hint`, k.`user_id`, k.`role`, k.`created_at`, k.`last_used_at`, k.`revoked_at`"

func scanAPIKey(k *core.APIKey, extra ...any) []any {
	return append([]any{&k.ID, &k.Name, &k.Hint, &k.UserID, &k.Role, new(any), new(any), new(any)}, extra...)
}

// apiKeyTimes reads the three times scanAPIKey left as driver values.
func apiKeyTimes(k *core.APIKey, dest []any) error {
	created, err := nullTime(*dest[5].(*any))
	if err != nil || created == nil {
		return errors.Join(err, errors.New("api key without created_at"))
	}
	k.CreatedAt = *created
	if k.LastUsedAt, err = nullTime(*dest[6].(*any)); err != nil {
		return err
	}
	k.RevokedAt, err = nullTime(*dest[7].(*any))
	return err
}

func nullTime(v any) (*time.Time, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	t, err := toTime(v)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// APIKeys returns every key of the tenant.
func (st *Store) APIKeys(ctx context.Context, t core.Tenant) ([]core.APIKey, error) {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return nil, err
	}
	defer h.Release()
	rows, err := h.DB.QueryContext(ctx, "SELECT "+apiKeyColumns+" FROM "+h.table("api_keys")+" k ORDER BY k.`id` DESC")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.APIKey
	for rows.Next() {
		var k core.APIKey
		dest := scanAPIKey(&k)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if err := apiKeyTimes(&k, dest); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey marks a key revoked.
func (st *Store) RevokeAPIKey(ctx context.Context, t core.Tenant, id int64, at time.Time) error {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return err
	}
	defer h.Release()
	var one int
	err = h.DB.QueryRowContext(ctx, "SELECT 1 FROM "+h.table("api_keys")+" WHERE `id` = ?", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return core.Errorf(core.NotFound, "api key not found")
	} else if err != nil {
		return err
	}
	_, err = h.DB.ExecContext(ctx, "UPDATE "+h.table("api_keys")+" SET `revoked_at` = ? WHERE `id` = ? AND `revoked_at` IS NULL", at.UTC(), id)
	return err
}

// UserByAPIKey returns a live key and its user. The last use is written at
// most once a minute per key, not on every request.
func (st *Store) UserByAPIKey(ctx context.Context, t core.Tenant, hash []byte, now time.Time) (core.User, core.APIKey, error) {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return core.User{}, core.APIKey{}, err
	}
	defer h.Release()
	var k core.APIKey
	var u core.User
	dest := scanAPIKey(&k, &u.ID, &u.Name, &u.Email, &u.Role)
	err = h.DB.QueryRowContext(ctx, "SELECT "+apiKeyColumns+", u.`id`, u.`name`, u.`email`, u.`role` FROM "+h.table("api_keys")+" k JOIN "+
		h.table("users")+" u ON u.`id` = k.`user_id` WHERE k.`key_hash` = ? AND k.`revoked_at` IS NULL", hash).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return core.User{}, core.APIKey{}, core.Errorf(core.NotFound, "api key not found")
	} else if err != nil {
		return core.User{}, core.APIKey{}, err
	}
	if err := apiKeyTimes(&k, dest); err != nil {
		return core.User{}, core.APIKey{}, err
	}
	// A tenant being moved is read-only: its copy is compared with this
	// database, so the last use waits for the next request after the move.
	if !t.Moving() && (k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= time.Minute) {
		if _, err := h.DB.ExecContext(ctx, "UPDATE "+h.table("api_keys")+" SET `last_used_at` = ? WHERE `id` = ?", now.UTC(), k.ID); err != nil {
			return core.User{}, core.APIKey{}, err
		}
		at := now.UTC()
		k.LastUsedAt = &at
	}
	return u, k, nil
}
