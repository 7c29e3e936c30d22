// Package audit reads the audit trail: the record of every change made by a
// superadmin (API token or CLI). Recording needs no service: core services
// put the entry of a change in its context (core.WithAudit) and the store
// that makes the change writes it in the same transaction.
package audit

import (
	"context"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// Service lists audit entries.
type Service struct{ log ports.AuditLog }

// New returns the service reading log.
func New(log ports.AuditLog) *Service { return &Service{log: log} }

// List returns a page of the entries matching f, newest first, and how
// many match in all. Returns core.Invalid for a bad filter.
func (s *Service) List(ctx context.Context, f core.AuditFilter) ([]core.AuditEntry, int64, error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	return s.log.Entries(ctx, f)
}
