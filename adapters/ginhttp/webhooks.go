package ginhttp

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/saasd/saasd/core"
)

type webhookJSON struct {
	ID        int64    `json:"id"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	Secret    string   `json:"secret,omitempty"` // only in the answer to its creation
	CreatedAt string   `json:"created_at"`
}

func webhookOf(w core.Webhook, withSecret bool) webhookJSON {
	out := webhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, CreatedAt: timestamp(w.CreatedAt)}
	if withSecret {
		out.Secret = w.Secret
	}
	return out
}

type webhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

type webhookList struct {
	Webhooks []webhookJSON `json:"webhooks"`
}

type deliveryJSON struct {
	ID           int64   `json:"id"`
	EventID      int64   `json:"event_id"`
	Event        string  `json:"event"`
	TenantID     int64   `json:"tenant_id"`
	Status       string  `json:"status"`
	Attempts     int     `json:"attempts"`
	ResponseCode int     `json:"response_code"`
	LastError    string  `json:"last_error"`
	NextAttempt  string  `json:"next_attempt_at"`
	DeliveredAt  *string `json:"delivered_at"`
	CreatedAt    string  `json:"created_at"`
}

type deliveryList struct {
	Deliveries []deliveryJSON `json:"deliveries"`
}

func (s *Server) createWebhook(c *gin.Context) {
	var req webhookRequest
	if !s.bind(c, &req) {
		return
	}
	w, err := s.webhooks.Register(c.Request.Context(), req.URL, req.Events)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusCreated, webhookOf(w, true), "Webhook created: store its secret now, it is not shown again")
}

func (s *Server) listWebhooks(c *gin.Context) {
	list, err := s.webhooks.List(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]webhookJSON, len(list))
	for i, w := range list {
		out[i] = webhookOf(w, false)
	}
	ok(c, http.StatusOK, webhookList{Webhooks: out}, "Webhooks retrieved successfully")
}

func (s *Server) deleteWebhook(c *gin.Context) {
	id, found := idParam(c, "webhook")
	if !found {
		return
	}
	if err := s.webhooks.Delete(c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, nil, "Webhook deleted successfully")
}

func (s *Server) listDeliveries(c *gin.Context) {
	id, found := idParam(c, "webhook")
	if !found {
		return
	}
	list, err := s.webhooks.Deliveries(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]deliveryJSON, len(list))
	for i, d := range list {
		out[i] = deliveryOf(d)
	}
	ok(c, http.StatusOK, deliveryList{Deliveries: out}, "Deliveries retrieved successfully")
}

func deliveryOf(d core.Delivery) deliveryJSON {
	return deliveryJSON{
		ID: d.ID, EventID: d.Event.ID, Event: d.Event.Type, TenantID: d.Event.TenantID,
		Status: d.Status, Attempts: d.Attempts, ResponseCode: d.ResponseCode, LastError: d.LastError,
		NextAttempt: timestamp(d.NextAttempt), DeliveredAt: zeroless(d.DeliveredAt, timestamp(d.DeliveredAt)), CreatedAt: timestamp(d.CreatedAt),
	}
}

func (s *Server) redeliver(c *gin.Context) {
	if !s.bindOptional(c, &struct{}{}) { // it takes no fields
		return
	}
	id, found := idParam(c, "webhook")
	if !found {
		return
	}
	deliveryID, err := strconv.ParseInt(c.Param("delivery"), 10, 64)
	if err != nil || deliveryID <= 0 {
		failStatus(c, http.StatusNotFound, "delivery not found")
		return
	}
	d, err := s.webhooks.Redeliver(c.Request.Context(), id, deliveryID)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, deliveryOf(d), "Delivery queued again")
}

func (s *Server) tenantEvents(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	if _, err := s.tenants.Get(c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.webhooks.Events(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]eventJSON, len(list))
	for i, e := range list {
		out[i] = eventJSON{ID: e.ID, Type: e.Type, TenantID: e.TenantID, Data: e.Data, At: timestamp(e.At)}
	}
	ok(c, http.StatusOK, eventList{Events: out}, "Events retrieved successfully")
}

type eventJSON struct {
	ID       int64  `json:"id"`
	Type     string `json:"type"`
	TenantID int64  `json:"tenant_id"`
	Data     any    `json:"data"`
	At       string `json:"at"`
}

type eventList struct {
	Events []eventJSON `json:"events"`
}
