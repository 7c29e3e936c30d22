package ginhttp

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (s *Server) getStats(c *gin.Context) {
	o, err := s.stats.Overview(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	days := make([]gin.H, len(o.Signups))
	for i, d := range o.Signups {
		days[i] = gin.H{"date": d.Date, "count": d.Count}
	}
	tenants := gin.H{}
	var total int64
	for st, n := range o.Tenants {
		tenants[string(st)] = n
		total += n
	}
	ok(c, http.StatusOK, gin.H{
		"tenants":         tenants,
		"tenants_total":   total,
		"signups_per_day": days,
		"mrr":             o.MRR,
		"invoices":        gin.H{"open": o.OpenInvoices, "open_amount": o.OpenAmount, "overdue": o.OverdueInvoices, "overdue_amount": o.OverdueAmount},
		"failed":          gin.H{"provisioning": o.FailedProvisioning, "migrations": o.FailedMigrations},
		"generated_at":    timestamp(o.At),
	}, "Stats retrieved successfully")
}
