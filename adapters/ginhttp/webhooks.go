package ginhttp

import (
	"net/http"

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
		out[i] = deliveryJSON{
			ID: d.ID, EventID: d.Event.ID, Event: d.Event.Type, TenantID: d.Event.TenantID,
			Status: string(d.Status), Attempts: d.Attempts, ResponseCode: d.ResponseCode, LastError: d.LastError,
			NextAttempt: timestamp(d.NextAttempt), DeliveredAt: zeroless(d.DeliveredAt, timestamp(d.DeliveredAt)), CreatedAt: timestamp(d.CreatedAt),
		}
	}
	ok(c, http.StatusOK, deliveryList{Deliveries: out}, "Deliveries retrieved successfully")
}
