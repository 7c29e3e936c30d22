package core

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that the edge can answer it without knowing
// where it came from. The HTTP adapter maps each kind to one status code.
type Kind string

// Error kinds. Anything that is not a *Error is Internal.
const (
	Internal      Kind = "internal"
	BadRequest    Kind = "bad_request" // a body that is not the JSON asked for
	TooLarge      Kind = "too_large"
	Invalid       Kind = "invalid"
	NotFound      Kind = "not_found"
	Conflict      Kind = "conflict"
	Unauthorized  Kind = "unauthorized"
	Forbidden     Kind = "forbidden"
	QuotaExceeded Kind = "quota_exceeded"
	RateLimited   Kind = "rate_limited"
	Unavailable   Kind = "unavailable"
	Timeout       Kind = "timeout" // the client did not send its request in time
)

// Error is a domain error: a kind, a message safe to show to the caller and,
// for Invalid, the reason per field.
type Error struct {
	Kind    Kind
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// InvalidFields builds an Invalid error listing why each field was refused.
func InvalidFields(fields map[string]string) *Error {
	return &Error{Kind: Invalid, Message: "validation failed", Fields: fields}
}

// KindOf returns the kind of err, Internal for errors foreign to the domain
// and "" for nil.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// MessageOf returns the caller-safe message of err: the message of a domain
// error, a generic text for anything else.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		return e.Message
	}
	return "internal error"
}

// FieldsOf returns the per-field reasons of an Invalid error, or nil.
func FieldsOf(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
