package sqltenant

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/saasd/saasd/core"
)

// UserByEmail returns a user and their password hash.
func (st *Store) UserByEmail(ctx context.Context, t core.Tenant, email string) (core.User, string, error) {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return core.User{}, "", err
	}
	defer h.Release()
	var u core.User
	var hash string
	err = h.DB.QueryRowContext(ctx, "SELECT `id`, `name`, `email`, `role`, `password_hash` FROM "+h.table("users")+
		" WHERE LOWER(`email`) = LOWER(?)", email).Scan(&u.ID, &u.Name, &u.Email, &u.Role, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return core.User{}, "", core.Errorf(core.NotFound, "user not found")
	}
	return u, hash, err
}

// CreateSession stores a session token's hash.
func (st *Store) CreateSession(ctx context.Context, t core.Tenant, userID int64, hash []byte, expires time.Time) error {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return err
	}
	defer h.Release()
	_, err = h.DB.ExecContext(ctx, "INSERT INTO "+h.table("sessions")+" (`token_hash`, `user_id`, `created_at`, `expires_at`) VALUES (?, ?, ?, ?)",
		hash, userID, st.now(), expires.UTC())
	return err
}

// UserBySession returns the user of a live session.
func (st *Store) UserBySession(ctx context.Context, t core.Tenant, hash []byte, now time.Time) (core.User, error) {
	u, expires, err := st.Session(ctx, t, hash)
	if err != nil {
		return core.User{}, err
	}
	if !now.Before(expires) {
		return core.User{}, core.Errorf(core.NotFound, "session expired")
	}
	return u, nil
}

// Session returns the user of a session and when it ends, ended or not.
func (st *Store) Session(ctx context.Context, t core.Tenant, hash []byte) (core.User, time.Time, error) {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return core.User{}, time.Time{}, err
	}
	defer h.Release()
	var u core.User
	var expires any
	err = h.DB.QueryRowContext(ctx, "SELECT u.`id`, u.`name`, u.`email`, u.`role`, s.`expires_at` FROM "+h.table("sessions")+" s JOIN "+
		h.table("users")+" u ON u.`id` = s.`user_id` WHERE s.`token_hash` = ?", hash).Scan(&u.ID, &u.Name, &u.Email, &u.Role, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return core.User{}, time.Time{}, core.Errorf(core.NotFound, "session not found")
	} else if err != nil {
		return core.User{}, time.Time{}, err
	}
	if b, ok := expires.([]byte); ok {
		expires = string(b)
	}
	exp, err := toTime(expires)
	if err != nil {
		return core.User{}, time.Time{}, err
	}
	return u, exp, nil
}

// DeleteSession ends a session.
func (st *Store) DeleteSession(ctx context.Context, t core.Tenant, hash []byte) error {
	h, err := st.handles.Handle(ctx, t)
	if err != nil {
		return err
	}
	defer h.Release()
	_, err = h.DB.ExecContext(ctx, "DELETE FROM "+h.table("sessions")+" WHERE `token_hash` = ?", hash)
	return err
}

// CreateUser inserts a user and counts them like a create through the
// module that serves the users table (WithTables), if one counts it.
func (st *Store) CreateUser(ctx context.Context, t core.Tenant, u *core.User, passwordHash string) error {
	var counted core.Resource
	for r, table := range st.tables {
		if table == "users" {
			counted = r
		}
	}
	return st.inTx(ctx, t, func(tx *sql.Tx, h Handle) error {
		if counted != "" {
			if _, err := st.lockCounter(ctx, tx, h, counted); err != nil {
				return err
			}
		}
		now := st.now()
		res, err := tx.ExecContext(ctx, "INSERT INTO "+h.table("users")+" (`name`, `email`, `password_hash`, `role`, `created_at`, `updated_at`) VALUES (?, ?, ?, ?, ?, ?)",
			u.Name, u.Email, passwordHash, u.Role, now, now)
		if err != nil {
			return err
		}
		if u.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if counted == "" {
			return nil
		}
		return addToCounter(ctx, tx, h, counted, 1)
	})
}
