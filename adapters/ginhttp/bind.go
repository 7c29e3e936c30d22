package ginhttp

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/saasd/saasd/core"
)

// bind decodes the JSON body into dst and answers the request itself when
// it cannot.
func (s *Server) bind(c *gin.Context, dst any) bool {
	if err := decodeJSON(c.Request.Body, dst); err != nil {
		s.fail(c, err)
		return false
	}
	return true
}

// decodeJSON reads one JSON value into dst, numbers as json.Number.
// Returns core.TooLarge past MaxBodyBytes, core.BadRequest for what is not
// JSON (or not an object where one is needed) and core.Invalid naming the
// field of a wrongly typed value.
func decodeJSON(body io.Reader, dst any) error {
	if body == nil {
		return core.Errorf(core.BadRequest, "request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(body)
	dec.UseNumber()
	err := dec.Decode(dst)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON object")
	}
	var (
		mbe    *http.MaxBytesError
		ute    *json.UnmarshalTypeError
		netErr net.Error
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &netErr) && netErr.Timeout():
		// http.read_timeout passed with the body still arriving.
		return core.Errorf(core.Timeout, "request body not received in time; send it at once")
	case errors.As(err, &mbe):
		return core.Errorf(core.TooLarge, "request body is larger than 1 MiB")
	case errors.Is(err, io.EOF):
		return core.Errorf(core.BadRequest, "request body is empty; send a JSON object")
	case errors.As(err, &ute) && ute.Field != "":
		return core.InvalidFields(map[string]string{ute.Field: "must be " + jsonType(ute.Type.String())})
	case errors.As(err, &ute):
		return core.Errorf(core.BadRequest, "request body must be a JSON object")
	}
	return core.Errorf(core.BadRequest, "malformed JSON: %s", err.Error())
}

func failFields(c *gin.Context, fields map[string]string) {
	c.AbortWithStatusJSON(http.StatusUnprocessableEntity, errorBody{
		Error: "validation failed", Code: http.StatusUnprocessableEntity, Errors: fields,
	})
}

func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "*int"):
		return "an integer"
	case strings.Contains(goType, "bool"):
		return "true or false"
	case strings.Contains(goType, "string"), strings.Contains(goType, "Time"):
		return "a string"
	case strings.Contains(goType, "Number"):
		return "a number"
	case strings.HasPrefix(goType, "map"):
		return "an object"
	}
	return "of another type"
}

// idParam reads a positive integer path parameter; anything else names no
// resource, so it is answered 404 with what.
func idParam(c *gin.Context, what string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		failStatus(c, http.StatusNotFound, what+" not found")
		return 0, false
	}
	return id, true
}

// intQuery reads an optional positive integer query parameter.
func intQuery(c *gin.Context, name string, def int, errs map[string]string) int {
	v := c.Query(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		errs[name] = "must be an integer"
	}
	return n
}

// timestamp formats t in UTC as RFC 3339, the one time format of the API.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func timestampPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := timestamp(*t)
	return &s
}

// parseTime reads an RFC 3339 time or a bare date (midnight UTC).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, core.Errorf(core.Invalid, "must be an RFC 3339 time such as 2024-02-15T10:30:00Z, or a date")
}
