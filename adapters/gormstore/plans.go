package gormstore

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.PlanStore = (*PlanStore)(nil)

// PlanStore keeps plans.
type PlanStore struct{ db *DB }

// NewPlanStore returns a plan store on db.
func NewPlanStore(db *DB) *PlanStore { return &PlanStore{db: db} }

type planRow struct {
	ID           int64 `gorm:"primaryKey"`
	Name         string
	PriceMonthly int64
	PriceYearly  int64
	BillingCycle string
	IsPopular    bool
	TrialEnabled bool
	TrialDays    int
	Limits       string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (planRow) TableName() string { return "plans" }

func (r planRow) toCore() (core.Plan, error) {
	limits := core.Limits{}
	if err := json.Unmarshal([]byte(r.Limits), &limits); err != nil {
		return core.Plan{}, err
	}
	return core.Plan{
		ID: r.ID, Name: r.Name, PriceMonthly: core.Money(r.PriceMonthly), PriceYearly: core.Money(r.PriceYearly),
		BillingCycle: core.BillingCycle(r.BillingCycle), IsPopular: r.IsPopular, TrialEnabled: r.TrialEnabled,
		TrialDays: r.TrialDays, Limits: limits, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}, nil
}

func planRowOf(p core.Plan) (planRow, error) {
	limits, err := json.Marshal(p.Limits)
	if err != nil {
		return planRow{}, err
	}
	return planRow{
		ID: p.ID, Name: p.Name, PriceMonthly: int64(p.PriceMonthly), PriceYearly: int64(p.PriceYearly),
		BillingCycle: string(p.BillingCycle), IsPopular: p.IsPopular, TrialEnabled: p.TrialEnabled,
		TrialDays: p.TrialDays, Limits: string(limits), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}, nil
}

// CreatePlan inserts p.
func (s *PlanStore) CreatePlan(ctx context.Context, p *core.Plan) error {
	now := time.Now().UTC()
	p.CreatedAt, p.UpdatedAt = now, now
	row, err := planRowOf(*p)
	if err != nil {
		return err
	}
	err = s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return translate(err, "plan named "+p.Name)
		}
		return audit(ctx, tx, row.ID)
	})
	if err != nil {
		return err
	}
	p.ID = row.ID
	return nil
}

// Plan returns one plan.
func (s *PlanStore) Plan(ctx context.Context, id int64) (core.Plan, error) {
	var row planRow
	if err := s.db.gorm.WithContext(ctx).Take(&row, id).Error; err != nil {
		return core.Plan{}, translate(err, "plan")
	}
	return row.toCore()
}

// Plans returns every plan.
func (s *PlanStore) Plans(ctx context.Context) ([]core.Plan, error) {
	var rows []planRow
	if err := s.db.gorm.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	plans := make([]core.Plan, 0, len(rows))
	for _, r := range rows {
		p, err := r.toCore()
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// UpdatePlan applies fn to the plan inside a transaction that locks its row.
func (s *PlanStore) UpdatePlan(ctx context.Context, id int64, fn func(*core.Plan) error) (core.Plan, error) {
	var out core.Plan
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row planRow
		if err := s.db.forUpdate(tx).Take(&row, id).Error; err != nil {
			return translate(err, "plan")
		}
		p, err := row.toCore()
		if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		p.ID, p.UpdatedAt = id, time.Now().UTC()
		if row, err = planRowOf(p); err != nil {
			return err
		}
		if err := tx.Save(&row).Error; err != nil {
			return translate(err, "plan named "+p.Name)
		}
		out = p
		return audit(ctx, tx, id)
	})
	return out, err
}

// DeletePlan removes a plan that no tenant is on.
func (s *PlanStore) DeletePlan(ctx context.Context, id int64) error {
	return s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row planRow
		if err := s.db.forUpdate(tx).Take(&row, id).Error; err != nil {
			return translate(err, "plan")
		}
		var n int64
		if err := tx.Model(&tenantRow{}).Where("plan_id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return core.Errorf(core.Conflict, "plan %d is used by %d tenant(s); move them to another plan first", id, n)
		}
		if err := tx.Delete(&planRow{}, id).Error; err != nil {
			if core.KindOf(translate(err, "plan")) == core.Conflict {
				return core.Errorf(core.Conflict, "plan %d is used by tenants; move them to another plan first", id)
			}
			return err
		}
		return audit(ctx, tx, id)
	})
}

// forUpdate locks the selected rows on MySQL; SQLite transactions already
// serialise writers, and it has no FOR UPDATE.
func (db *DB) forUpdate(tx *gorm.DB) *gorm.DB {
	if db.driver == MySQL {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}
