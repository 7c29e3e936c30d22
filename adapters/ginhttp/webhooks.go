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

func (s *Server) createWebhook(c *gin.Context) {
	var req struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
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
	ok(c, http.StatusOK, gin.H{"webhooks": out}, "Webhooks retrieved successfully")
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
	out := make([]gin.H, len(list))
	for i, d := range list {
		out[i] = deliveryOf(d)
	}
	ok(c, http.StatusOK, gin.H{"deliveries": out}, "Deliveries retrieved successfully")
}

func deliveryOf(d core.Delivery) gin.H {
	return gin.H{
		"id": d.ID, "event_id": d.Event.ID, "event": d.Event.Type, "tenant_id": d.Event.TenantID,
		"status": d.Status, "attempts": d.Attempts, "response_code": d.ResponseCode, "last_error": d.LastError,
		"next_attempt_at": timestamp(d.NextAttempt), "delivered_at": zeroless(d.DeliveredAt, timestamp(d.DeliveredAt)),
		"created_at": timestamp(d.CreatedAt),
	}
}

func (s *Server) redeliver(c *gin.Context) {
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
	out := make([]gin.H, len(list))
	for i, e := range list {
		out[i] = gin.H{"id": e.ID, "type": e.Type, "tenant_id": e.TenantID, "data": e.Data, "at": timestamp(e.At)}
	}
	ok(c, http.StatusOK, gin.H{"events": out}, "Events retrieved successfully")
}
