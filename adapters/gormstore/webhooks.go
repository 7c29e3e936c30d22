package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.WebhookStore = (*WebhookStore)(nil)

// WebhookStore keeps webhooks and their delivery log, fed from the outbox.
// Signing secrets are sealed at rest: they must be usable to sign, so they
// are encrypted with the key ring rather than hashed.
type WebhookStore struct {
	db     *DB
	sealer ports.Sealer
}

// NewWebhookStore returns a webhook store on db sealing secrets with sealer.
func NewWebhookStore(db *DB, sealer ports.Sealer) *WebhookStore {
	return &WebhookStore{db: db, sealer: sealer}
}

// legacySecret says whether a stored secret predates sealing (00019): in
// clear, as webhook.Service makes them.
func legacySecret(stored string) bool { return strings.HasPrefix(stored, "whsec_") }

// open returns the secret of a stored row in clear.
func (s *WebhookStore) open(stored string) (string, error) {
	if legacySecret(stored) {
		return stored, nil
	}
	secret, err := s.sealer.Open(stored)
	if err != nil {
		return "", fmt.Errorf("open webhook secret: %w", err)
	}
	return secret, nil
}

// SealSecrets seals the secrets stored in clear before they were sealed,
// and returns how many; run at start, after the migrations.
func (s *WebhookStore) SealSecrets(ctx context.Context) (int, error) {
	var rows []webhookRow
	// "_" matches any character here; legacySecret checks the prefix.
	if err := s.db.gorm.WithContext(ctx).Where("secret LIKE ?", "whsec_%").Find(&rows).Error; err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rows {
		if !legacySecret(r.Secret) {
			continue
		}
		sealed, err := s.sealer.Seal(r.Secret)
		if err != nil {
			return n, err
		}
		res := s.db.gorm.WithContext(ctx).Model(&webhookRow{}).Where("id = ? AND secret = ?", r.ID, r.Secret).Update("secret", sealed)
		if res.Error != nil {
			return n, res.Error
		}
		n += int(res.RowsAffected)
	}
	return n, nil
}

type webhookRow struct {
	ID        int64  `gorm:"primaryKey"`
	TenantID  *int64 // nil: the operator's
	URL       string
	Events    string
	Secret    string
	CreatedAt time.Time
}

func (webhookRow) TableName() string { return "webhooks" }

// toWebhook is the row without its secret (see open).
func (r webhookRow) toWebhook() core.Webhook {
	w := core.Webhook{ID: r.ID, URL: r.URL, CreatedAt: r.CreatedAt.UTC()}
	if r.TenantID != nil {
		w.TenantID = *r.TenantID
	}
	_ = json.Unmarshal([]byte(r.Events), &w.Events)
	return w
}

type deliveryRow struct {
	ID           int64 `gorm:"primaryKey"`
	WebhookID    int64
	EventID      int64
	Status       string
	Attempts     int
	ResponseCode int
	LastError    *string
	NextAttempt  time.Time
	DeliveredAt  *time.Time
	CreatedAt    time.Time
}

func (deliveryRow) TableName() string { return "webhook_deliveries" }

// CreateWebhook inserts w.
func (s *WebhookStore) CreateWebhook(ctx context.Context, w *core.Webhook) error {
	events, err := json.Marshal(w.Events)
	if err != nil {
		return err
	}
	sealed, err := s.sealer.Seal(w.Secret)
	if err != nil {
		return fmt.Errorf("seal webhook secret: %w", err)
	}
	row := webhookRow{URL: w.URL, Events: string(events), Secret: sealed, CreatedAt: w.CreatedAt.UTC()}
	if w.TenantID != 0 {
		row.TenantID = &w.TenantID
	}
	err = s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return audit(ctx, tx, row.ID)
	})
	if err != nil {
		return err
	}
	w.ID = row.ID
	return nil
}

// Webhooks returns every webhook of the operator.
func (s *WebhookStore) Webhooks(ctx context.Context) ([]core.Webhook, error) {
	return s.webhooks(ctx, s.db.gorm.WithContext(ctx).Where("tenant_id IS NULL"))
}

// TenantWebhooks returns the webhooks tenant tenantID registered.
func (s *WebhookStore) TenantWebhooks(ctx context.Context, tenantID int64) ([]core.Webhook, error) {
	return s.webhooks(ctx, s.db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID))
}

func (s *WebhookStore) webhooks(_ context.Context, q *gorm.DB) ([]core.Webhook, error) {
	var rows []webhookRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]core.Webhook, len(rows))
	for i, r := range rows {
		out[i] = r.toWebhook()
		var err error
		if out[i].Secret, err = s.open(r.Secret); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteWebhook removes a webhook of the operator and its pending deliveries.
func (s *WebhookStore) DeleteWebhook(ctx context.Context, id int64) error {
	return s.deleteWebhook(ctx, id, "tenant_id IS NULL")
}

// DeleteTenantWebhook removes a webhook of tenant tenantID and its pending
// deliveries.
func (s *WebhookStore) DeleteTenantWebhook(ctx context.Context, tenantID, id int64) error {
	return s.deleteWebhook(ctx, id, "tenant_id = ?", tenantID)
}

func (s *WebhookStore) deleteWebhook(ctx context.Context, id int64, owner string, args ...any) error {
	return s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where(owner, args...).Delete(&webhookRow{}, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return core.Errorf(core.NotFound, "webhook not found")
		}
		if err := tx.Where("webhook_id = ? AND status = ?", id, core.DeliveryPending).Delete(&deliveryRow{}).Error; err != nil {
			return err
		}
		return audit(ctx, tx, id)
	})
}

// Deliveries returns a webhook's latest deliveries with their events.
func (s *WebhookStore) Deliveries(ctx context.Context, webhookID int64, limit int) ([]core.Delivery, error) {
	var w webhookRow
	if err := s.db.gorm.WithContext(ctx).Where("tenant_id IS NULL").Take(&w, webhookID).Error; err != nil {
		return nil, translate(err, "webhook")
	}
	var rows []deliveryRow
	if err := s.db.gorm.WithContext(ctx).Where("webhook_id = ?", webhookID).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	return s.withEvents(ctx, rows, map[int64]webhookRow{w.ID: w})
}

// withEvents joins deliveries with their outbox events and webhooks.
func (s *WebhookStore) withEvents(ctx context.Context, rows []deliveryRow, hooks map[int64]webhookRow) ([]core.Delivery, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.EventID
	}
	var events []outboxRow
	if len(ids) > 0 {
		if err := s.db.gorm.WithContext(ctx).Where("id IN ?", ids).Find(&events).Error; err != nil {
			return nil, err
		}
	}
	byID := map[int64]outboxRow{}
	for _, e := range events {
		byID[e.ID] = e
	}
	out := make([]core.Delivery, len(rows))
	secrets := map[int64]string{}
	for i, r := range rows {
		secret, opened := secrets[r.WebhookID]
		if h, ok := hooks[r.WebhookID]; ok && !opened {
			var err error
			if secret, err = s.open(h.Secret); err != nil {
				return nil, err
			}
			secrets[r.WebhookID] = secret
		}
		e := byID[r.EventID]
		d := core.Delivery{
			ID: r.ID, WebhookID: r.WebhookID, Status: r.Status, Attempts: r.Attempts, ResponseCode: r.ResponseCode,
			NextAttempt: r.NextAttempt.UTC(), DeliveredAt: timeOf(r.DeliveredAt), CreatedAt: r.CreatedAt.UTC(),
			Event: core.Event{ID: e.ID, Type: e.Type, TenantID: e.TenantID, Scope: e.Scope, At: e.At.UTC()},
			URL:   hooks[r.WebhookID].URL, Secret: secret,
		}
		if r.LastError != nil {
			d.LastError = *r.LastError
		}
		_ = json.Unmarshal([]byte(e.Data), &d.Event.Data)
		out[i] = d
	}
	return out, nil
}

// Fanout turns undispatched outbox events into deliveries.
func (s *WebhookStore) Fanout(ctx context.Context, limit int, now time.Time) (int, error) {
	n := 0
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var events []outboxRow
		if err := s.db.forUpdate(tx).Where("dispatched_at IS NULL").Order("id").Limit(limit).Find(&events).Error; err != nil {
			return err
		}
		if len(events) == 0 {
			return nil
		}
		var hooks []webhookRow
		if err := tx.Find(&hooks).Error; err != nil {
			return err
		}
		ids := make([]int64, len(events))
		for i, e := range events {
			ids[i] = e.ID
			for _, h := range hooks {
				w := h.toWebhook()
				if !w.Receives(core.Event{Type: e.Type, TenantID: e.TenantID, Scope: e.Scope}) {
					continue
				}
				d := deliveryRow{WebhookID: h.ID, EventID: e.ID, Status: core.DeliveryPending, NextAttempt: now.UTC(), CreatedAt: now.UTC()}
				if err := tx.Create(&d).Error; err != nil {
					return err
				}
				n++
			}
		}
		return tx.Model(&outboxRow{}).Where("id IN ?", ids).Update("dispatched_at", now.UTC()).Error
	})
	return n, err
}

// Due returns pending deliveries whose next attempt has come.
func (s *WebhookStore) Due(ctx context.Context, now time.Time, limit int) ([]core.Delivery, error) {
	var rows []deliveryRow
	if err := s.db.gorm.WithContext(ctx).Where("status = ? AND next_attempt <= ?", core.DeliveryPending, now.UTC()).
		Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	var hooks []webhookRow
	if err := s.db.gorm.WithContext(ctx).Find(&hooks).Error; err != nil {
		return nil, err
	}
	byID := map[int64]webhookRow{}
	for _, h := range hooks {
		byID[h.ID] = h
	}
	return s.withEvents(ctx, rows, byID)
}

// Record stores an attempt's outcome.
func (s *WebhookStore) Record(ctx context.Context, d core.Delivery) error {
	var lastErr *string
	if d.LastError != "" {
		msg := d.LastError
		if len(msg) > 1000 {
			msg = msg[:1000]
		}
		lastErr = &msg
	}
	return s.db.gorm.WithContext(ctx).Model(&deliveryRow{}).Where("id = ?", d.ID).Updates(map[string]any{
		"status": d.Status, "attempts": d.Attempts, "response_code": d.ResponseCode, "last_error": lastErr,
		"next_attempt": d.NextAttempt.UTC(), "delivered_at": timePtr(d.DeliveredAt),
	}).Error
}

// Redeliver makes a failed delivery pending again.
func (s *WebhookStore) Redeliver(ctx context.Context, webhookID, deliveryID int64, now time.Time) (core.Delivery, error) {
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row deliveryRow
		if err := s.db.forUpdate(tx).Where("id = ? AND webhook_id = ?", deliveryID, webhookID).Take(&row).Error; err != nil {
			return translate(err, "delivery")
		}
		if row.Status != core.DeliveryFailed {
			return core.Errorf(core.Conflict, "delivery %d is %s: only a failed delivery is sent again", deliveryID, row.Status)
		}
		if err := tx.Model(&deliveryRow{}).Where("id = ?", deliveryID).Updates(map[string]any{
			"status": core.DeliveryPending, "attempts": 0, "next_attempt": now.UTC(),
		}).Error; err != nil {
			return err
		}
		return audit(ctx, tx, webhookID)
	})
	if err != nil {
		return core.Delivery{}, err
	}
	var row deliveryRow
	var w webhookRow
	db := s.db.gorm.WithContext(ctx)
	if err := db.Take(&row, deliveryID).Error; err != nil {
		return core.Delivery{}, translate(err, "delivery")
	}
	if err := db.Take(&w, webhookID).Error; err != nil {
		return core.Delivery{}, translate(err, "webhook")
	}
	ds, err := s.withEvents(ctx, []deliveryRow{row}, map[int64]webhookRow{w.ID: w})
	if err != nil {
		return core.Delivery{}, err
	}
	return ds[0], nil
}

// Events returns the latest outbox events about a tenant.
func (s *WebhookStore) Events(ctx context.Context, tenantID int64, limit int) ([]core.Event, error) {
	var rows []outboxRow
	if err := s.db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]core.Event, len(rows))
	for i, r := range rows {
		out[i] = core.Event{ID: r.ID, Type: r.Type, TenantID: r.TenantID, At: r.At.UTC()}
		_ = json.Unmarshal([]byte(r.Data), &out[i].Data)
	}
	return out, nil
}

// Lease takes the named lease.
func (s *WebhookStore) Lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	return s.db.lease(ctx, name, holder, ttl)
}
