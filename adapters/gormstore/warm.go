package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.WarmPool = (*WarmPool)(nil)

// WarmPool keeps the warm pool's entries.
type WarmPool struct{ db *DB }

// NewWarmPool returns the warm pool on db.
func NewWarmPool(db *DB) *WarmPool { return &WarmPool{db: db} }

type warmRow struct {
	ID            int64 `gorm:"primaryKey"`
	Server        string
	DatabaseName  *string
	State         string
	SchemaVersion int64
	TenantID      *int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (warmRow) TableName() string { return "warm_databases" }

func (r warmRow) toCore() core.WarmDatabase {
	w := core.WarmDatabase{ID: r.ID, Server: r.Server, State: core.WarmState(r.State), SchemaVersion: r.SchemaVersion,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.DatabaseName != nil {
		w.Database = *r.DatabaseName
	}
	if r.TenantID != nil {
		w.TenantID = *r.TenantID
	}
	return w
}

// AddWarm inserts an entry in state creating and names its database after
// its ID, in one transaction.
func (p *WarmPool) AddWarm(ctx context.Context, server string, name func(id int64) string) (core.WarmDatabase, error) {
	now := time.Now().UTC()
	row := warmRow{Server: server, State: string(core.WarmCreating), CreatedAt: now, UpdatedAt: now}
	err := p.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		n := name(row.ID)
		row.DatabaseName = &n
		return tx.Model(&warmRow{}).Where("id = ?", row.ID).Update("database_name", n).Error
	})
	if err != nil {
		return core.WarmDatabase{}, translate(err, "warm database")
	}
	return row.toCore(), nil
}

// SetWarm moves an entry from one state to another with a conditional
// update: of processes racing for one entry, one wins.
func (p *WarmPool) SetWarm(ctx context.Context, id int64, from, to core.WarmState, version int64) error {
	g := p.db.gorm.WithContext(ctx)
	res := g.Exec("UPDATE warm_databases SET state = ?, schema_version = ?, updated_at = ? WHERE id = ? AND state = ?",
		string(to), version, time.Now().UTC(), id, string(from))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var n int64
	if err := g.Model(&warmRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return core.Errorf(core.NotFound, "warm database %d not found", id)
	}
	return core.Errorf(core.Conflict, "warm database %d is no longer %s", id, from)
}

// claimCandidates is how many ready entries one claim reads on MySQL: the
// claimer locks the first of them no one else holds, so that concurrent
// claims spread over them instead of queueing for the oldest.
const claimCandidates = 16

// CreateClaiming inserts t and claims a ready entry of t.Server for it in
// one transaction. On MySQL the candidates are read without a lock and one
// is then locked by its primary key with SKIP LOCKED, so that a claimer
// passes over the entries others are taking (locking through the claim
// index instead deadlocked at 50 claims at once). SQLite serialises
// writers: there the claim's first statement takes the oldest ready entry
// with the write lock, which also keeps the transaction from reading a
// snapshot another writer has moved past.
func (p *WarmPool) CreateClaiming(ctx context.Context, t *core.Tenant, version int64) (core.WarmDatabase, error) {
	server := core.ServerName(t.Server)
	now := time.Now().UTC()
	var w warmRow
	err := p.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		found, err := p.lockReady(tx, server, version, now)
		if err != nil || !found.ok {
			return err
		}
		w = found.row
		t.Server, t.Database = server, *w.DatabaseName
		if err := insertTenant(tx, t); err != nil {
			return err
		}
		w.State, w.TenantID, w.UpdatedAt = string(core.WarmClaimed), &t.ID, now
		return tx.Exec("UPDATE warm_databases SET state = ?, tenant_id = ?, updated_at = ? WHERE id = ?", w.State, t.ID, now, w.ID).Error
	})
	switch {
	case err != nil:
		t.ID, t.Database = 0, ""
		if core.KindOf(err) == core.Internal {
			err = translate(err, "warm database claim")
		}
		return core.WarmDatabase{}, err
	case w.ID == 0:
		t.ID, t.Database = 0, ""
		return core.WarmDatabase{}, core.Errorf(core.NotFound, "no warm database ready on server %s", server)
	}
	return w.toCore(), nil
}

// lockedEntry is the ready entry a claim holds, if any.
type lockedEntry struct {
	row warmRow
	ok  bool
}

// lockReady takes a ready entry of server at version for the claim in tx.
func (p *WarmPool) lockReady(tx *gorm.DB, server string, version int64, now time.Time) (lockedEntry, error) {
	var rows []warmRow
	if p.db.driver != MySQL {
		err := tx.Raw("UPDATE warm_databases SET state = ?, updated_at = ? WHERE id = "+
			"(SELECT id FROM warm_databases WHERE server = ? AND state = ? AND schema_version = ? ORDER BY id LIMIT 1) RETURNING *",
			string(core.WarmClaimed), now, server, string(core.WarmReady), version).Scan(&rows).Error
		if err != nil || len(rows) == 0 {
			return lockedEntry{}, err
		}
		return lockedEntry{row: rows[0], ok: true}, nil
	}
	var ids []int64
	if err := tx.Model(&warmRow{}).Where("server = ? AND state = ? AND schema_version = ?", server, string(core.WarmReady), version).
		Order("id").Limit(claimCandidates).Pluck("id", &ids).Error; err != nil {
		return lockedEntry{}, err
	}
	for _, id := range ids {
		if err := tx.Raw("SELECT * FROM warm_databases WHERE id = ? AND state = ? FOR UPDATE SKIP LOCKED", id, string(core.WarmReady)).
			Scan(&rows).Error; err != nil {
			return lockedEntry{}, err
		}
		if len(rows) == 1 {
			return lockedEntry{row: rows[0], ok: true}, nil
		}
		// Another claimer holds it, or took it: the next.
	}
	return lockedEntry{}, nil
}

// WarmDatabases lists the entries of server ("" for all), oldest first.
func (p *WarmPool) WarmDatabases(ctx context.Context, server string) ([]core.WarmDatabase, error) {
	q := p.db.gorm.WithContext(ctx).Order("id")
	if server != "" {
		q = q.Where("server = ?", server)
	}
	var rows []warmRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]core.WarmDatabase, len(rows))
	for i, r := range rows {
		out[i] = r.toCore()
	}
	return out, nil
}

// DeleteWarm removes an entry.
func (p *WarmPool) DeleteWarm(ctx context.Context, id int64) error {
	return p.db.gorm.WithContext(ctx).Where("id = ?", id).Delete(&warmRow{}).Error
}
