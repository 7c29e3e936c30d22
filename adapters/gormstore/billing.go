package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/ports"
)

var _ ports.BillingStore = (*BillingStore)(nil)

// BillingStore keeps subscriptions, SaaS invoices and the billing lease.
type BillingStore struct{ db *DB }

// NewBillingStore returns a billing store on db.
func NewBillingStore(db *DB) *BillingStore { return &BillingStore{db: db} }

type subscriptionRow struct {
	TenantID  int64 `gorm:"primaryKey;autoIncrement:false"`
	State     string
	Doc       string
	Invoiced  int
	Version   int64
	UpdatedAt time.Time
}

func (subscriptionRow) TableName() string { return "subscriptions" }

type subscriptionEventRow struct {
	ID        int64 `gorm:"primaryKey"`
	TenantID  int64
	At        time.Time
	FromState string
	ToState   string
	Cause     string
	PlanID    int64
	Bill      int
}

func (subscriptionEventRow) TableName() string { return "subscription_events" }

type invoiceRow struct {
	ID          int64 `gorm:"primaryKey"`
	TenantID    int64
	Number      string
	Bill        int
	PeriodStart time.Time
	PeriodEnd   time.Time
	Currency    string
	Total       int64
	State       string
	LineItems   string
	IssuedAt    *time.Time
	PaidAt      *time.Time
	PaymentRef  string
	VoidedAt    *time.Time
}

func (invoiceRow) TableName() string { return "saas_invoices" }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func invoiceRowOf(inv *billing.Invoice) (invoiceRow, error) {
	lines, err := json.Marshal(inv.Lines)
	if err != nil {
		return invoiceRow{}, err
	}
	return invoiceRow{
		TenantID: inv.TenantID, Number: inv.Number, Bill: inv.Bill, PeriodStart: inv.PeriodStart.UTC(), PeriodEnd: inv.PeriodEnd.UTC(),
		Currency: inv.Currency, Total: int64(inv.Total), State: string(inv.State), LineItems: string(lines),
		IssuedAt: timePtr(inv.IssuedAt), PaidAt: timePtr(inv.PaidAt), PaymentRef: inv.PaymentRef, VoidedAt: timePtr(inv.VoidedAt),
	}, nil
}

func (r invoiceRow) toBilling() (*billing.Invoice, error) {
	inv := &billing.Invoice{
		Number: r.Number, TenantID: r.TenantID, Bill: r.Bill, PeriodStart: r.PeriodStart.UTC(), PeriodEnd: r.PeriodEnd.UTC(),
		Total: core.Money(r.Total), Currency: r.Currency, State: billing.InvoiceState(r.State),
		IssuedAt: timeOf(r.IssuedAt), PaidAt: timeOf(r.PaidAt), PaymentRef: r.PaymentRef, VoidedAt: timeOf(r.VoidedAt),
	}
	return inv, json.Unmarshal([]byte(r.LineItems), &inv.Lines)
}

// InTx runs fn in one transaction.
func (s *BillingStore) InTx(ctx context.Context, fn func(ports.BillingTx) error) error {
	return s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := fn(&billingTx{db: s.db, tx: tx}); err != nil {
			return err
		}
		return audit(ctx, tx, nil)
	})
}

// BillableTenants returns ready tenants' IDs in order.
func (s *BillingStore) BillableTenants(ctx context.Context, after int64, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.gorm.WithContext(ctx).Model(&tenantRow{}).
		Where("id > ? AND status IN ?", after, []string{string(core.StatusActive), string(core.StatusTrial), string(core.StatusInactive)}).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// Invoices returns a tenant's invoices, newest first.
func (s *BillingStore) Invoices(ctx context.Context, tenantID int64) ([]*billing.Invoice, error) {
	var rows []invoiceRow
	if err := s.db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("bill DESC").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*billing.Invoice, len(rows))
	for i, r := range rows {
		inv, err := r.toBilling()
		if err != nil {
			return nil, err
		}
		out[i] = inv
	}
	return out, nil
}

// Lease takes the named lease (see DB.lease).
func (s *BillingStore) Lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	return s.db.lease(ctx, name, holder, ttl)
}

// lease takes the named lease when it is free or already holder's, with a
// conditional write that only one of several racing processes can win.
func (db *DB) lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := time.Now().UTC()
	g := db.gorm.WithContext(ctx)
	res := g.Exec("UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND (holder = ? OR expires_at < ?)",
		holder, now.Add(ttl), name, holder, now)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	err := g.Exec("INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)", name, holder, now.Add(ttl)).Error
	if err == nil {
		return true, nil
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return false, nil // someone else holds it
	}
	return false, err
}

// billingTx is one billing transaction.
type billingTx struct {
	db *DB
	tx *gorm.DB
}

func (b *billingTx) Tenant(id int64) (core.Tenant, error) {
	var row tenantRow
	if err := withPlan(b.db.forUpdate(b.tx)).Where("tenants.id = ?", id).Take(&row).Error; err != nil {
		return core.Tenant{}, translate(err, "tenant")
	}
	return row.toCore(), nil
}

func (b *billingTx) Plan(id int64) (core.Plan, error) {
	var row planRow
	if err := b.tx.Take(&row, id).Error; err != nil {
		return core.Plan{}, translate(err, "plan")
	}
	return row.toCore()
}

func (b *billingTx) SaveTenant(t core.Tenant) error { return saveTenant(b.tx, &t) }

func (b *billingTx) Lifecycle(tenantID int64) (*billing.Lifecycle, int, error) {
	var row subscriptionRow
	err := b.db.forUpdate(b.tx).Take(&row, "tenant_id = ?", tenantID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, 0, nil
	} else if err != nil {
		return nil, 0, err
	}
	var l billing.Lifecycle
	if err := json.Unmarshal([]byte(row.Doc), &l); err != nil {
		return nil, 0, err
	}
	return &l, row.Invoiced, nil
}

func (b *billingTx) SaveLifecycle(tenantID int64, l *billing.Lifecycle, invoiced int, events []billing.Event) error {
	doc, err := json.Marshal(l)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	res := b.tx.Model(&subscriptionRow{}).Where("tenant_id = ?", tenantID).
		Updates(map[string]any{"state": string(l.State), "doc": string(doc), "invoiced": invoiced, "version": gorm.Expr("version + 1"), "updated_at": now})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		row := subscriptionRow{TenantID: tenantID, State: string(l.State), Doc: string(doc), Invoiced: invoiced, Version: 1, UpdatedAt: now}
		if err := b.tx.Create(&row).Error; err != nil {
			return translate(err, "subscription")
		}
	}
	for _, e := range events {
		row := subscriptionEventRow{TenantID: tenantID, At: e.At.UTC(), FromState: string(e.From), ToState: string(e.To), Cause: string(e.Cause), PlanID: e.PlanID, Bill: e.Bill}
		if err := b.tx.Create(&row).Error; err != nil {
			return err
		}
	}
	return nil
}

func (b *billingTx) CreateInvoice(inv *billing.Invoice) error {
	row, err := invoiceRowOf(inv)
	if err != nil {
		return err
	}
	// A savepoint, so that a duplicate does not end the whole transaction.
	return translate(b.tx.Transaction(func(tx *gorm.DB) error { return tx.Create(&row).Error }), "invoice")
}

func (b *billingTx) Invoice(tenantID int64, number string) (*billing.Invoice, error) {
	var row invoiceRow
	if err := b.db.forUpdate(b.tx).Take(&row, "tenant_id = ? AND number = ?", tenantID, number).Error; err != nil {
		return nil, translate(err, "invoice")
	}
	return row.toBilling()
}

func (b *billingTx) SaveInvoice(inv *billing.Invoice) error {
	row, err := invoiceRowOf(inv)
	if err != nil {
		return err
	}
	return b.tx.Model(&invoiceRow{}).Where("tenant_id = ? AND number = ?", inv.TenantID, inv.Number).
		Updates(map[string]any{"state": row.State, "paid_at": row.PaidAt, "payment_ref": row.PaymentRef, "voided_at": row.VoidedAt, "issued_at": row.IssuedAt}).Error
}
