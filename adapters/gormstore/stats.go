package gormstore

import (
	"context"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/ports"
)

var _ ports.StatsReader = (*StatsReader)(nil)

// StatsReader reads the overview's aggregates with one query each.
type StatsReader struct{ db *DB }

// NewStatsReader returns a stats reader on db.
func NewStatsReader(db *DB) *StatsReader { return &StatsReader{db: db} }

// TenantsByStatus counts tenants per status.
func (s *StatsReader) TenantsByStatus(ctx context.Context) (map[core.Status]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	if err := s.db.gorm.WithContext(ctx).Model(&tenantRow{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[core.Status]int64{}
	for _, r := range rows {
		out[core.Status(r.Status)] = r.N
	}
	return out, nil
}

// SignupTimes returns the creation times of tenants created since since.
func (s *StatsReader) SignupTimes(ctx context.Context, since time.Time) ([]time.Time, error) {
	var out []time.Time
	err := s.db.gorm.WithContext(ctx).Model(&tenantRow{}).Where("created_at >= ?", since.UTC()).Order("created_at").Pluck("created_at", &out).Error
	return out, err
}

// ActiveTenantsByPlan counts active tenants per plan.
func (s *StatsReader) ActiveTenantsByPlan(ctx context.Context) (map[int64]int64, error) {
	var rows []struct {
		PlanID int64
		N      int64
	}
	if err := s.db.gorm.WithContext(ctx).Model(&tenantRow{}).Select("plan_id, COUNT(*) AS n").
		Where("status = ?", string(core.StatusActive)).Group("plan_id").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int64]int64{}
	for _, r := range rows {
		out[r.PlanID] = r.N
	}
	return out, nil
}

// OpenInvoices returns the totals and issue times of open invoices.
func (s *StatsReader) OpenInvoices(ctx context.Context) ([]ports.OpenInvoice, error) {
	var rows []invoiceRow
	if err := s.db.gorm.WithContext(ctx).Select("total, issued_at").Where("state = ?", string(billing.InvoiceOpen)).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]ports.OpenInvoice, len(rows))
	for i, r := range rows {
		out[i].Total = core.Money(r.Total)
		if r.IssuedAt != nil {
			out[i].IssuedAt = r.IssuedAt.UTC()
		}
	}
	return out, nil
}

// FailedMigrations counts tenants whose last migration failed.
func (s *StatsReader) FailedMigrations(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.gorm.WithContext(ctx).Model(&tenantRow{}).
		Where("migration_error <> '' AND status NOT IN ?", []string{string(core.StatusDeleting), string(core.StatusDeleted)}).Count(&n).Error
	return n, err
}
