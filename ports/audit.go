// The port of core/audit: reading the audit trail. Writing needs no port:
// the store that makes a change records the audit entry its context
// carries (core.WithAudit) in the change's own transaction.
package ports

import (
	"context"

	"github.com/saasd/saasd/core"
)

// AuditLog reads recorded superadmin changes.
type AuditLog interface {
	// Entries returns one page of entries matching f, newest first, and
	// the total matching f.
	Entries(ctx context.Context, f core.AuditFilter) ([]core.AuditEntry, int64, error)
}
