package gormstore

import (
	"context"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.ProvisioningLog = (*StepLog)(nil)

// StepLog records provisioning steps.
type StepLog struct{ db *DB }

// NewStepLog returns a step log on db.
func NewStepLog(db *DB) *StepLog { return &StepLog{db: db} }

type stepRow struct {
	ID       int64 `gorm:"primaryKey"`
	TenantID int64
	Step     string
	Outcome  string
	Error    *string
	At       time.Time
}

func (stepRow) TableName() string { return "provisioning_steps" }

// RecordStep appends one step.
func (l *StepLog) RecordStep(ctx context.Context, s core.ProvisioningStep) error {
	row := stepRowOf(s)
	return l.db.gorm.WithContext(ctx).Create(&row).Error
}

// RecordSteps appends steps with one insert.
func (l *StepLog) RecordSteps(ctx context.Context, steps []core.ProvisioningStep) error {
	if len(steps) == 0 {
		return nil
	}
	rows := make([]stepRow, len(steps))
	for i, s := range steps {
		rows[i] = stepRowOf(s)
	}
	return l.db.gorm.WithContext(ctx).Create(&rows).Error
}

func stepRowOf(s core.ProvisioningStep) stepRow {
	row := stepRow{TenantID: s.TenantID, Step: s.Step, Outcome: s.Outcome, At: s.At.UTC()}
	if s.Error != "" {
		msg := s.Error
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		row.Error = &msg
	}
	return row
}

// Steps returns a tenant's steps in the order they happened.
func (l *StepLog) Steps(ctx context.Context, tenantID int64) ([]core.ProvisioningStep, error) {
	var rows []stepRow
	if err := l.db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]core.ProvisioningStep, len(rows))
	for i, r := range rows {
		out[i] = core.ProvisioningStep{TenantID: r.TenantID, Step: r.Step, Outcome: r.Outcome, At: r.At.UTC()}
		if r.Error != nil {
			out[i].Error = *r.Error
		}
	}
	return out, nil
}
