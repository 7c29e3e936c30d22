package ginhttp

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/saasd/saasd/core"
)

// statusOf is the one place where error kinds become HTTP status codes.
func statusOf(kind core.Kind) int {
	switch kind {
	case core.BadRequest:
		return http.StatusBadRequest
	case core.TooLarge:
		return http.StatusRequestEntityTooLarge
	case core.Invalid:
		return http.StatusUnprocessableEntity
	case core.NotFound:
		return http.StatusNotFound
	case core.Conflict:
		return http.StatusConflict
	case core.Unauthorized:
		return http.StatusUnauthorized
	case core.Forbidden, core.QuotaExceeded:
		return http.StatusForbidden
	case core.RateLimited:
		return http.StatusTooManyRequests
	case core.Unavailable:
		return http.StatusServiceUnavailable
	case core.Timeout:
		return http.StatusRequestTimeout
	}
	return http.StatusInternalServerError
}

// errorBody is the error envelope. It satisfies both shapes the seeds
// show: {success, error, code} (superadmin API) and {success, message,
// errors} (tenant API); message and error carry the same text.
type errorBody struct {
	Success bool              `json:"success"`
	Message string            `json:"message"`
	Error   string            `json:"error"`
	Code    int               `json:"code"`
	Errors  map[string]string `json:"errors,omitempty"`
}

func newErrorBody(status int, msg string, fields map[string]string) errorBody {
	return errorBody{Message: msg, Error: msg, Code: status, Errors: fields}
}

// fail answers err in the envelope. Internal errors are logged with the
// request id and answered with a generic message.
func (s *Server) fail(c *gin.Context, err error) {
	kind := core.KindOf(err)
	if kind == core.Internal && errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil {
		// The client went away: nobody reads this answer and nothing is wrong.
		s.logger.Debug("client went away", zap.String("request_id", requestID(c)), zap.String("route", c.FullPath()))
		c.AbortWithStatus(http.StatusServiceUnavailable)
		return
	}
	if kind == core.Internal && unavailable(err) {
		s.logger.Warn("database unavailable", zap.String("request_id", requestID(c)), zap.String("route", c.FullPath()), zap.Error(err))
		err = core.Errorf(core.Unavailable, "service temporarily unavailable: the database does not answer; retry shortly")
		kind = core.Unavailable
	} else if kind == core.Internal && s.busy != nil && s.busy(err) {
		s.logger.Warn("database busy", zap.String("request_id", requestID(c)), zap.String("route", c.FullPath()), zap.Error(err))
		err = core.Errorf(core.Unavailable, "service temporarily unavailable: the database has too many connections; retry shortly")
		kind = core.Unavailable
	}
	status := statusOf(kind)
	if status >= 500 && status != http.StatusServiceUnavailable {
		s.logger.Error("request failed", zap.String("request_id", requestID(c)), zap.String("route", c.FullPath()), zap.Error(err))
	}
	c.Header("Cache-Control", "no-store")
	if status == http.StatusRequestTimeout {
		c.Header("Connection", "close") // the rest of the body may still be on its way
	}
	c.AbortWithStatusJSON(status, newErrorBody(status, core.MessageOf(err), core.FieldsOf(err)))
}

// failStatus answers a protocol error (bad JSON, too large, wrong method)
// that has no domain kind.
func failStatus(c *gin.Context, status int, msg string) {
	c.AbortWithStatusJSON(status, newErrorBody(status, msg, nil))
}

// okBody is the success envelope: a struct rather than a map, which
// encoding/json would sort and walk by reflection on every answer; its
// fields are in the order the map's sorted keys had.
type okBody struct {
	Data    any    `json:"data"`
	Message string `json:"message"`
	Success bool   `json:"success"`
}

// ok answers the success envelope.
func ok(c *gin.Context, status int, data any, message string) {
	c.JSON(status, okBody{Data: data, Message: message, Success: true})
}

// unavailable reports whether err means the database could not be reached
// or did not answer in time, rather than a bug: the caller gets 503 and may
// retry, and the pool reconnects by itself once the server is back.
func unavailable(err error) bool {
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF),
		errors.As(err, &netErr):
		return true
	}
	// go-sql-driver/mysql reports a connection lost mid-query as this text.
	return strings.Contains(err.Error(), "invalid connection")
}
