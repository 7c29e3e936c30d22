package ginhttp

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/saasd/saasd/core"
)

type auditJSON struct {
	ID         int64          `json:"id"`
	At         string         `json:"at"`
	TokenID    int64          `json:"token_id"`
	Actor      string         `json:"actor"`
	Action     string         `json:"action"`
	TargetType string         `json:"target_type"`
	TargetID   string         `json:"target_id"`
	RequestID  string         `json:"request_id"`
	Changes    map[string]any `json:"changes"`
}

type auditList struct {
	Entries []auditJSON `json:"entries"`
	Total   int64       `json:"total"`
	Page    int         `json:"page"`
	PerPage int         `json:"per_page"`
}

// listAudit is GET /api/saas/audit: the audit trail, newest first, with
// filters action, target_type, target_id, token (its name), since and
// until (RFC 3339 or a date), and page / per_page.
func (s *Server) listAudit(c *gin.Context) {
	errs := map[string]string{}
	f := core.AuditFilter{
		Action: c.Query("action"), TargetType: c.Query("target_type"), TargetID: c.Query("target_id"), Token: c.Query("token"),
		Page: intQuery(c, "page", 1, errs), PerPage: intQuery(c, "per_page", core.DefaultPerPage, errs),
	}
	when := func(name string) *time.Time {
		v := c.Query(name)
		if v == "" {
			return nil
		}
		t, err := parseTime(v)
		if err != nil {
			errs[name] = err.Error()
			return nil
		}
		return &t
	}
	f.Since, f.Until = when("since"), when("until")
	if len(errs) > 0 {
		failFields(c, errs)
		return
	}
	list, total, err := s.audit.List(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]auditJSON, len(list))
	for i, e := range list {
		out[i] = auditJSON{
			ID: e.ID, At: e.At.UTC().Format(time.RFC3339Nano), TokenID: e.TokenID, Actor: e.Actor, Action: e.Action,
			TargetType: e.TargetType, TargetID: e.TargetID, RequestID: e.RequestID, Changes: e.Changes,
		}
	}
	ok(c, http.StatusOK, auditList{Entries: out, Total: total, Page: f.Page, PerPage: f.PerPage}, "Audit trail retrieved successfully")
}
