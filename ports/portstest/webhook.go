package portstest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// WebhookStores are a backend's webhook store, the outbox it is fed from and
// the stores it shares its database with.
type WebhookStores struct {
	Stores
	Webhooks    ports.WebhookStore
	TenantHooks ports.TenantWebhookStore // the same store's tenant side
	Outbox      ports.Outbox
}

// TestWebhookStore runs the webhook contract against stores built by open,
// which must return empty stores on a fresh database for every call.
func TestWebhookStore(t *testing.T, open func(t *testing.T) WebhookStores) {
	t.Run("webhooks", func(t *testing.T) { t.Parallel(); testWebhooks(t, open(t)) })
	t.Run("fanout", func(t *testing.T) { t.Parallel(); testFanout(t, open(t)) })
	t.Run("due and record", func(t *testing.T) { t.Parallel(); testDueRecord(t, open(t)) })
	t.Run("tenant events", func(t *testing.T) { t.Parallel(); testTenantEvents(t, open(t)) })
	t.Run("redeliver", func(t *testing.T) { t.Parallel(); testRedeliver(t, open(t)) })
	t.Run("tenant webhooks", func(t *testing.T) { t.Parallel(); testTenantWebhooks(t, open(t)) })
	t.Run("lease", func(t *testing.T) { t.Parallel(); testLease(t, open(t).Webhooks.Lease) })
}

func mustWebhook(t *testing.T, s ports.WebhookStore, url string, events ...string) core.Webhook {
	t.Helper()
	w := core.Webhook{URL: url, Events: events, Secret: "whsec_" + url, CreatedAt: time.Now().UTC()}
	if err := s.CreateWebhook(context.Background(), &w); err != nil || w.ID == 0 {
		t.Fatalf("CreateWebhook: id %d, %v", w.ID, err)
	}
	return w
}

func testWebhooks(t *testing.T, s WebhookStores) {
	ctx := context.Background()
	if list, err := s.Webhooks.Webhooks(ctx); err != nil || len(list) != 0 {
		t.Fatalf("Webhooks = %v, %v", list, err)
	}
	a := mustWebhook(t, s.Webhooks, "https://a.example/hook", core.EventTenantCreated, core.EventInvoicePaid)
	b := mustWebhook(t, s.Webhooks, "https://b.example/hook", "*")
	list, err := s.Webhooks.Webhooks(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("Webhooks = %v, %v", list, err)
	}
	slices.SortFunc(list, func(x, y core.Webhook) int { return int(x.ID - y.ID) })
	if got := list[0]; got.ID != a.ID || got.URL != a.URL || got.Secret != a.Secret || !slices.Equal(got.Events, a.Events) || got.CreatedAt.IsZero() {
		t.Fatalf("Webhooks[0] = %+v, want %+v", got, a)
	}
	if list[1].ID != b.ID || !slices.Equal(list[1].Events, []string{"*"}) {
		t.Fatalf("Webhooks[1] = %+v, want %+v", list[1], b)
	}
	if _, err := s.Webhooks.Deliveries(ctx, a.ID, 10); err != nil {
		t.Fatalf("Deliveries of a new webhook: %v", err)
	}
	_, err = s.Webhooks.Deliveries(ctx, b.ID+1000, 10)
	wantKind(t, err, core.NotFound)

	if err := s.Webhooks.DeleteWebhook(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.Webhooks.DeleteWebhook(ctx, a.ID), core.NotFound)
	_, err = s.Webhooks.Deliveries(ctx, a.ID, 10)
	wantKind(t, err, core.NotFound)
	if list, err := s.Webhooks.Webhooks(ctx); err != nil || len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("Webhooks after delete = %v, %v", list, err)
	}
}

// byWebhook counts deliveries per webhook.
func byWebhook(ds []core.Delivery) map[int64]int {
	out := map[int64]int{}
	for _, d := range ds {
		out[d.WebhookID]++
	}
	return out
}

func testFanout(t *testing.T, s WebhookStores) {
	ctx := context.Background()
	now := time.Now().UTC()
	created := mustWebhook(t, s.Webhooks, "https://created.example", core.EventTenantCreated)
	all := mustWebhook(t, s.Webhooks, "https://all.example", "*")
	paid := mustWebhook(t, s.Webhooks, "https://paid.example", core.EventInvoicePaid)

	if n, err := s.Webhooks.Fanout(ctx, 10, now); err != nil || n != 0 {
		t.Fatalf("Fanout of an empty outbox = %d, %v", n, err)
	}
	err := s.Outbox.Append(ctx,
		core.NewEvent(core.EventTenantCreated, 1, now, map[string]any{"subdomain": "acme"}),
		core.NewEvent(core.EventTenantSuspended, 1, now, map[string]any{"reason": "past_due"}),
		core.NewEvent(core.EventTenantCreated, 2, now, nil))
	if err != nil {
		t.Fatal(err)
	}
	// Two events at most: the first two.
	if n, err := s.Webhooks.Fanout(ctx, 2, now); err != nil || n != 3 {
		t.Fatalf("Fanout(2) = %d, %v; want 3 deliveries", n, err)
	}
	if n, err := s.Webhooks.Fanout(ctx, 10, now); err != nil || n != 2 {
		t.Fatalf("Fanout = %d, %v; want the third event's 2 deliveries", n, err)
	}
	if n, err := s.Webhooks.Fanout(ctx, 10, now); err != nil || n != 0 {
		t.Fatalf("Fanout again = %d, %v; events are fanned out once", n, err)
	}

	due, err := s.Webhooks.Due(ctx, now, 100)
	if err != nil || len(due) != 5 {
		t.Fatalf("Due = %d deliveries, %v; want 5", len(due), err)
	}
	if got := byWebhook(due); got[created.ID] != 2 || got[all.ID] != 3 || got[paid.ID] != 0 {
		t.Fatalf("deliveries per webhook = %v", got)
	}
	for _, d := range due {
		if d.Status != core.DeliveryPending || d.Attempts != 0 || d.ID == 0 || d.Event.ID == 0 || d.Event.TenantID == 0 {
			t.Fatalf("delivery = %+v", d)
		}
		if d.WebhookID == created.ID && (d.URL != created.URL || d.Secret != created.Secret) {
			t.Fatalf("delivery to %d carries %q, %q", d.WebhookID, d.URL, d.Secret)
		}
		if d.Event.Type == core.EventTenantSuspended && (d.Event.Data["reason"] != "past_due" || d.WebhookID != all.ID) {
			t.Fatalf("suspension delivery = %+v", d)
		}
	}

	ds, err := s.Webhooks.Deliveries(ctx, all.ID, 10)
	if err != nil || len(ds) != 3 || ds[0].ID < ds[1].ID || ds[1].ID < ds[2].ID {
		t.Fatalf("Deliveries = %+v, %v; want 3, newest first", ds, err)
	}
	if ds[2].Event.Type != core.EventTenantCreated || ds[2].Event.Data["subdomain"] != "acme" || ds[0].Event.TenantID != 2 {
		t.Fatalf("Deliveries' events = %+v", ds)
	}
	if ds, err := s.Webhooks.Deliveries(ctx, all.ID, 2); err != nil || len(ds) != 2 {
		t.Fatalf("Deliveries(limit 2) = %d, %v", len(ds), err)
	}
	if ds, err := s.Webhooks.Deliveries(ctx, paid.ID, 10); err != nil || len(ds) != 0 {
		t.Fatalf("Deliveries of an unsubscribed webhook = %v, %v", ds, err)
	}

	// Deleting a webhook drops its pending deliveries.
	if err := s.Webhooks.DeleteWebhook(ctx, all.ID); err != nil {
		t.Fatal(err)
	}
	due, err = s.Webhooks.Due(ctx, now, 100)
	if got := byWebhook(due); err != nil || len(due) != 2 || got[created.ID] != 2 {
		t.Fatalf("Due after delete = %v, %v", got, err)
	}
}

func testDueRecord(t *testing.T, s WebhookStores) {
	ctx := context.Background()
	now := time.Now().UTC()
	w := mustWebhook(t, s.Webhooks, "https://a.example", "*")
	var events []core.Event
	for range 3 {
		events = append(events, core.NewEvent(core.EventInvoicePaid, 1, now, map[string]any{"number": "INV-1"}))
	}
	if err := s.Outbox.Append(ctx, events...); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Webhooks.Fanout(ctx, 10, now); err != nil || n != 3 {
		t.Fatalf("Fanout = %d, %v", n, err)
	}
	if due, err := s.Webhooks.Due(ctx, now.Add(-time.Second), 10); err != nil || len(due) != 0 {
		t.Fatalf("Due before the first attempt = %v, %v", due, err)
	}
	due, err := s.Webhooks.Due(ctx, now, 2)
	if err != nil || len(due) != 2 {
		t.Fatalf("Due(limit 2) = %d, %v", len(due), err)
	}
	due, err = s.Webhooks.Due(ctx, now, 10)
	if err != nil || len(due) != 3 {
		t.Fatalf("Due = %d, %v", len(due), err)
	}

	delivered, retry, failed := due[0], due[1], due[2]
	delivered.Status, delivered.Attempts, delivered.ResponseCode, delivered.DeliveredAt = core.DeliveryDelivered, 1, 200, now
	retry.Attempts, retry.ResponseCode, retry.LastError, retry.NextAttempt = 1, 503, "receiver answered 503", now.Add(time.Minute)
	failed.Status, failed.Attempts, failed.LastError = core.DeliveryFailed, core.MaxDeliveryAttempts, "dial tcp: refused"
	for _, d := range []core.Delivery{delivered, retry, failed} {
		if err := s.Webhooks.Record(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if due, err := s.Webhooks.Due(ctx, now.Add(30*time.Second), 10); err != nil || len(due) != 0 {
		t.Fatalf("Due before the retry = %+v, %v", due, err)
	}
	due, err = s.Webhooks.Due(ctx, now.Add(time.Minute), 10)
	if err != nil || len(due) != 1 || due[0].ID != retry.ID || due[0].Attempts != 1 || due[0].LastError != retry.LastError || due[0].ResponseCode != 503 {
		t.Fatalf("Due at the retry = %+v, %v", due, err)
	}

	ds, err := s.Webhooks.Deliveries(ctx, w.ID, 10)
	if err != nil || len(ds) != 3 {
		t.Fatalf("Deliveries = %v, %v", ds, err)
	}
	byID := map[int64]core.Delivery{}
	for _, d := range ds {
		byID[d.ID] = d
	}
	if d := byID[delivered.ID]; d.Status != core.DeliveryDelivered || d.ResponseCode != 200 || d.DeliveredAt.IsZero() || d.LastError != "" {
		t.Fatalf("delivered = %+v", d)
	}
	if d := byID[failed.ID]; d.Status != core.DeliveryFailed || d.Attempts != core.MaxDeliveryAttempts || d.LastError != failed.LastError || !d.DeliveredAt.IsZero() {
		t.Fatalf("failed = %+v", d)
	}
}

// Events a tenant's save emits reach the webhooks; a refused save emits none.
func testTenantEvents(t *testing.T, s WebhookStores) {
	ctx := context.Background()
	now := time.Now().UTC()
	w := mustWebhook(t, s.Webhooks, "https://a.example", core.EventTenantSuspended)
	tn := mustTenant(t, s.Stores, "acme", core.StatusActive)
	refused := errors.New("refused")
	_, err := s.Tenants.UpdateTenant(ctx, tn.ID, func(t *core.Tenant) error {
		t.Emit(core.EventTenantSuspended, now, map[string]any{"reason": "refused"})
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatal(err)
	}
	_, err = s.Tenants.UpdateTenant(ctx, tn.ID, func(t *core.Tenant) error {
		t.Status = core.StatusInactive
		t.Emit(core.EventTenantSuspended, now, map[string]any{"reason": "operator"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Webhooks.Fanout(ctx, 10, now); err != nil || n != 1 {
		t.Fatalf("Fanout = %d, %v; want the saved tenant's one event", n, err)
	}
	ds, err := s.Webhooks.Deliveries(ctx, w.ID, 10)
	if err != nil || len(ds) != 1 || ds[0].Event.TenantID != tn.ID || ds[0].Event.Data["reason"] != "operator" {
		t.Fatalf("Deliveries = %+v, %v", ds, err)
	}
}

// A failed delivery can be sent again; one that has not failed cannot.
func testRedeliver(t *testing.T, s WebhookStores) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	w := mustWebhook(t, s.Webhooks, "https://a.example", "*")
	other := mustWebhook(t, s.Webhooks, "https://b.example", core.EventQuotaThreshold)
	err := s.Outbox.Append(ctx,
		core.NewEvent(core.EventInvoicePaid, 7, now, map[string]any{"number": "INV-1"}),
		core.NewEvent(core.EventTenantCreated, 7, now.Add(time.Second), nil),
		core.NewEvent(core.EventTenantCreated, 8, now, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Webhooks.Fanout(ctx, 10, now); err != nil {
		t.Fatal(err)
	}
	due, err := s.Webhooks.Due(ctx, now, 10)
	if err != nil || len(due) != 3 {
		t.Fatalf("Due = %v, %v", due, err)
	}
	failed, pending := due[0], due[1]
	failed.Status, failed.Attempts, failed.LastError, failed.NextAttempt = core.DeliveryFailed, core.MaxDeliveryAttempts, "refused", now.Add(time.Hour)
	if err := s.Webhooks.Record(ctx, failed); err != nil {
		t.Fatal(err)
	}
	later := now.Add(2 * time.Hour)
	_, err = s.Webhooks.Redeliver(ctx, w.ID, pending.ID, later)
	wantKind(t, err, core.Conflict)
	_, err = s.Webhooks.Redeliver(ctx, other.ID, failed.ID, later)
	wantKind(t, err, core.NotFound)
	_, err = s.Webhooks.Redeliver(ctx, w.ID, failed.ID+1000, later)
	wantKind(t, err, core.NotFound)

	d, err := s.Webhooks.Redeliver(ctx, w.ID, failed.ID, later)
	if err != nil || d.ID != failed.ID || d.Status != core.DeliveryPending || d.Attempts != 0 || !d.NextAttempt.Equal(later) ||
		d.Event.Type != core.EventInvoicePaid || d.URL != w.URL {
		t.Fatalf("Redeliver = %+v, %v", d, err)
	}
	due, err = s.Webhooks.Due(ctx, later, 10)
	if err != nil || !slices.ContainsFunc(due, func(x core.Delivery) bool { return x.ID == failed.ID }) {
		t.Fatalf("the redelivery is not due: %+v, %v", due, err)
	}
	_, err = s.Webhooks.Redeliver(ctx, w.ID, failed.ID, later)
	wantKind(t, err, core.Conflict)

	events, err := s.Webhooks.Events(ctx, 7, 10)
	if err != nil || len(events) != 2 || events[0].Type != core.EventTenantCreated || events[1].Data["number"] != "INV-1" || events[0].TenantID != 7 {
		t.Fatalf("Events = %+v, %v", events, err)
	}
	if events, err := s.Webhooks.Events(ctx, 7, 1); err != nil || len(events) != 1 {
		t.Fatalf("Events(limit 1) = %+v, %v", events, err)
	}
}

// A tenant's webhooks receive that tenant's own events only; the
// operator's receive none of them, and each side lists and deletes its own.
func testTenantWebhooks(t *testing.T, s WebhookStores) {
	ctx := context.Background()
	now := time.Now().UTC()
	op := mustWebhook(t, s.Webhooks, "https://op.example", "*")
	mine := core.Webhook{TenantID: 1, URL: "https://one.example", Events: []string{"customer.created"}, Secret: "whsec_1", CreatedAt: now}
	all := core.Webhook{TenantID: 2, URL: "https://two.example", Events: []string{"*"}, Secret: "whsec_2", CreatedAt: now}
	for _, w := range []*core.Webhook{&mine, &all} {
		if err := s.TenantHooks.CreateWebhook(ctx, w); err != nil || w.ID == 0 {
			t.Fatalf("CreateWebhook: %v", err)
		}
	}
	if list, err := s.Webhooks.Webhooks(ctx); err != nil || len(list) != 1 || list[0].ID != op.ID {
		t.Fatalf("operator's Webhooks = %+v, %v", list, err)
	}
	if list, err := s.TenantHooks.TenantWebhooks(ctx, 1); err != nil || len(list) != 1 || list[0].ID != mine.ID || list[0].TenantID != 1 || list[0].Secret != "whsec_1" {
		t.Fatalf("TenantWebhooks(1) = %+v, %v", list, err)
	}
	tenantEvent := func(typ string, tenant int64) core.Event {
		e := core.NewEvent(typ, tenant, now, map[string]any{"id": 1})
		e.Scope = core.ScopeTenant
		return e
	}
	err := s.Outbox.Append(ctx, tenantEvent("customer.created", 1), tenantEvent("invoice.created", 1), tenantEvent("customer.created", 2),
		core.NewEvent(core.EventInvoiceCreated, 1, now, nil))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Webhooks.Fanout(ctx, 10, now); err != nil || n != 3 {
		t.Fatalf("Fanout = %d, %v; want 3 deliveries", n, err)
	}
	due, err := s.Webhooks.Due(ctx, now, 100)
	if err != nil || len(due) != 3 {
		t.Fatalf("Due = %+v, %v", due, err)
	}
	for _, d := range due {
		switch {
		case d.WebhookID == op.ID && d.Event.Scope == "" && d.Event.Type == core.EventInvoiceCreated:
		case d.WebhookID == mine.ID && d.Event.Scope == core.ScopeTenant && d.Event.TenantID == 1 && d.Event.Type == "customer.created" && d.Secret == "whsec_1":
		case d.WebhookID == all.ID && d.Event.Scope == core.ScopeTenant && d.Event.TenantID == 2:
		default:
			t.Fatalf("delivery %+v", d)
		}
	}
	wantKind(t, s.Webhooks.DeleteWebhook(ctx, mine.ID), core.NotFound)
	wantKind(t, s.TenantHooks.DeleteTenantWebhook(ctx, 2, mine.ID), core.NotFound)
	wantKind(t, s.TenantHooks.DeleteTenantWebhook(ctx, 1, op.ID), core.NotFound)
	_, err = s.Webhooks.Deliveries(ctx, mine.ID, 10)
	wantKind(t, err, core.NotFound)
	if err := s.TenantHooks.DeleteTenantWebhook(ctx, 1, mine.ID); err != nil {
		t.Fatal(err)
	}
	if list, err := s.TenantHooks.TenantWebhooks(ctx, 1); err != nil || len(list) != 0 {
		t.Fatalf("after delete: %+v, %v", list, err)
	}
}
