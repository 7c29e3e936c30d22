package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

type auditRow struct {
	ID         int64 `gorm:"primaryKey"`
	At         time.Time
	TokenID    int64
	Actor      string
	Action     string
	TargetType string
	TargetID   string
	RequestID  string
	Changes    string
}

func (auditRow) TableName() string { return "audit_log" }

func (r auditRow) toCore() (core.AuditEntry, error) {
	e := core.AuditEntry{
		ID: r.ID, At: r.At.UTC(), TokenID: r.TokenID, Actor: r.Actor, Action: r.Action,
		TargetType: r.TargetType, TargetID: r.TargetID, RequestID: r.RequestID,
	}
	return e, json.Unmarshal([]byte(r.Changes), &e.Changes)
}

// audit writes the audit entry ctx carries (core.WithAudit), if any, in tx:
// the change and its record commit or roll back together. target names
// the target when the entry leaves it to the store (a create).
func audit(ctx context.Context, tx *gorm.DB, target any) error {
	e, ok := core.AuditFrom(ctx)
	if !ok {
		return nil
	}
	if e.TargetID == "" && target != nil {
		e.TargetID = fmt.Sprint(target)
	}
	changes := e.Changes
	if changes == nil {
		changes = map[string]any{}
	}
	data, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	row := auditRow{
		At: time.Now().UTC(), TokenID: e.TokenID, Actor: e.Actor, Action: e.Action,
		TargetType: e.TargetType, TargetID: e.TargetID, RequestID: e.RequestID, Changes: string(data),
	}
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

var _ ports.AuditLog = (*AuditStore)(nil)

// AuditStore reads the audit trail.
type AuditStore struct{ db *DB }

// NewAuditStore returns the audit trail of db.
func NewAuditStore(db *DB) *AuditStore { return &AuditStore{db: db} }

// Entries returns a page of audit entries matching f, newest first, and
// how many match in all.
func (s *AuditStore) Entries(ctx context.Context, f core.AuditFilter) ([]core.AuditEntry, int64, error) {
	q := s.db.gorm.WithContext(ctx).Model(&auditRow{})
	for col, v := range map[string]string{"action": f.Action, "target_type": f.TargetType, "target_id": f.TargetID, "actor": f.Token} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	if f.Since != nil {
		q = q.Where("at >= ?", f.Since.UTC())
	}
	if f.Until != nil {
		q = q.Where("at < ?", f.Until.UTC())
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []auditRow
	if err := q.Session(&gorm.Session{}).Order("id DESC").Limit(f.PerPage).Offset((f.Page - 1) * f.PerPage).Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]core.AuditEntry, len(rows))
	for i, r := range rows {
		e, err := r.toCore()
		if err != nil {
			return nil, 0, fmt.Errorf("audit entry %d: %w", r.ID, err)
		}
		out[i] = e
	}
	return out, total, nil
}
