package gormstore

import (
	"context"
	"math/rand/v2"
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

// claimCandidates is how many ready entries one claim round reads; the
// claimer tries them in random order, so that concurrent claims spread over
// them instead of all racing for the oldest.
const claimCandidates = 16

// ClaimWarm reads a few ready entries and takes one with an update
// conditional on its being ready still, which only one claimer can win
// (the row lock serialises them on MySQL, the write lock on SQLite); a
// claimer that loses every candidate reads again, until none is ready.
func (p *WarmPool) ClaimWarm(ctx context.Context, server string, version, tenantID int64) (core.WarmDatabase, error) {
	g := p.db.gorm.WithContext(ctx)
	for range 100 {
		var ids []int64
		if err := g.Model(&warmRow{}).Where("server = ? AND state = ? AND schema_version = ?", server, string(core.WarmReady), version).
			Order("id").Limit(claimCandidates).Pluck("id", &ids).Error; err != nil {
			return core.WarmDatabase{}, err
		}
		if len(ids) == 0 {
			break
		}
		for _, i := range rand.Perm(len(ids)) {
			res := g.Exec("UPDATE warm_databases SET state = ?, tenant_id = ?, updated_at = ? WHERE id = ? AND state = ?",
				string(core.WarmClaimed), tenantID, time.Now().UTC(), ids[i], string(core.WarmReady))
			if res.Error != nil {
				return core.WarmDatabase{}, translate(res.Error, "warm database claim")
			}
			if res.RowsAffected == 1 {
				var row warmRow
				if err := g.Where("id = ?", ids[i]).Take(&row).Error; err != nil {
					return core.WarmDatabase{}, translate(err, "warm database")
				}
				return row.toCore(), nil
			}
		}
	}
	return core.WarmDatabase{}, core.Errorf(core.NotFound, "no warm database ready on server %s", server)
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
