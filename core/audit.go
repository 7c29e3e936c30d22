package core

import (
	"context"
	"strings"
	"time"
)

// AuditEntry is one recorded change made by a superadmin (an API token or
// the CLI): when, by whom, what, to which target, in which request, and the
// fields it changed (never secrets).
type AuditEntry struct {
	ID         int64
	At         time.Time
	TokenID    int64  // 0 for the CLI and for public signups
	Actor      string // the token's name, "cli", or "" for a public signup
	Action     string // "tenant.create", "plan.update", "token.revoke", …
	TargetType string // "tenant", "plan", "subscription", "invoice", "webhook", "token"
	TargetID   string
	RequestID  string
	Changes    map[string]any
}

// AuditFilter selects a page of audit entries, newest first. Empty fields
// select everything; Token is a token's name.
type AuditFilter struct {
	Action     string
	TargetType string
	TargetID   string
	Token      string
	Since      *time.Time // at or after
	Until      *time.Time // before
	Page       int
	PerPage    int
}

// Validate checks the paging and the time range. Returns core.Invalid.
func (f AuditFilter) Validate() error {
	errs := map[string]string{}
	if f.Page < 1 || f.Page > MaxPage {
		errs["page"] = "must be between 1 and 1000000"
	}
	if f.PerPage < 1 || f.PerPage > MaxPerPage {
		errs["per_page"] = "must be between 1 and 100"
	}
	if f.Since != nil && f.Until != nil && !f.Since.Before(*f.Until) {
		errs["until"] = "must be after since"
	}
	for field, v := range map[string]string{"action": f.Action, "target_type": f.TargetType, "target_id": f.TargetID, "token": f.Token} {
		if len(v) > 191 {
			errs[field] = "is too long"
		}
	}
	if len(errs) > 0 {
		return InvalidFields(errs)
	}
	return nil
}

// CLIActor is the actor of changes made with saasd's own commands.
const CLIActor = "cli"

type auditKey struct{}
type requestIDKey struct{}

// WithAudit returns ctx carrying the audit entry of one change: the store
// call given this ctx records it in the transaction that makes the change,
// so that an entry exists exactly when its change was committed. Services
// pass it to the one call that makes the change, never to the reads before
// it. targetID may be empty when the store assigns it (a create). Fields of
// changes named like secrets are dropped.
func WithAudit(ctx context.Context, action, targetType, targetID string, changes map[string]any) context.Context {
	clean := make(map[string]any, len(changes))
	for k, v := range changes {
		if !secretField(k) {
			clean[k] = v
		}
	}
	return context.WithValue(ctx, auditKey{}, AuditEntry{Action: action, TargetType: targetType, TargetID: targetID, Changes: clean})
}

// AuditFrom returns the audit entry ctx carries, with its actor and request
// id taken from ctx (WithActor, WithRequestID).
func AuditFrom(ctx context.Context) (AuditEntry, bool) {
	e, ok := ctx.Value(auditKey{}).(AuditEntry)
	if !ok {
		return AuditEntry{}, false
	}
	if t, ok := ActorFrom(ctx); ok {
		e.TokenID, e.Actor = t.ID, t.Name
	}
	e.RequestID = RequestIDFrom(ctx)
	return e, true
}

// secretField says whether a field name is one whose value is never
// recorded: passwords, secrets, tokens, keys and hashes.
func secretField(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"password", "secret", "token", "hash", "key"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// WithRequestID returns ctx carrying the id of the HTTP request (the
// X-Request-ID echoed to the client).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
