package ginhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/big"
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

// bindOptional is bind for a body that may be left out: no body, or an
// empty one, leaves dst as it is.
func (s *Server) bindOptional(c *gin.Context, dst any) bool {
	if c.Request.ContentLength == 0 {
		return true
	}
	if err := decodeJSON(c.Request.Body, dst); err != nil && !errors.Is(err, errEmptyBody) {
		s.fail(c, err)
		return false
	}
	return true
}

// errEmptyBody answers a request whose body is missing or empty.
var errEmptyBody = core.Errorf(core.BadRequest, "request body is empty; send a JSON object")

// decodeJSON reads one JSON value into dst, numbers as json.Number.
// Returns core.TooLarge past MaxBodyBytes, core.BadRequest for what is not
// JSON (or not an object where one is needed) and core.Invalid naming the
// field of a wrongly typed value or of a field dst does not have. A number
// may be written in any JSON notation: 1e2 is the integer 100.
func decodeJSON(body io.Reader, dst any) error {
	if body == nil {
		return errEmptyBody
	}
	var v any
	dec := json.NewDecoder(body)
	dec.UseNumber()
	err := dec.Decode(&v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON object")
	}
	if err == nil {
		// Decode again from the canonical form, strictly: a typo in a field
		// name is the client's mistake to hear about, not a silent default.
		var canon []byte
		if canon, err = json.Marshal(canonicalNumbers(v)); err != nil {
			return err
		}
		strict := json.NewDecoder(bytes.NewReader(canon))
		strict.UseNumber()
		strict.DisallowUnknownFields()
		err = strict.Decode(dst)
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
		return errEmptyBody
	case errors.As(err, &ute) && ute.Field != "":
		return core.InvalidFields(map[string]string{ute.Field: "must be " + jsonType(ute.Type.String())})
	case errors.As(err, &ute):
		return core.Errorf(core.BadRequest, "request body must be a JSON object")
	}
	if field, ok := unknownField(err); ok {
		return core.InvalidFields(map[string]string{field: "is not a field of this request"})
	}
	return core.Errorf(core.BadRequest, "malformed JSON: %s", err.Error())
}

// unknownField reads the field name out of encoding/json's error for a
// field the target does not have; it has no error type of its own.
func unknownField(err error) (string, bool) {
	quoted, ok := strings.CutPrefix(err.Error(), "json: unknown field ")
	if !ok {
		return "", false
	}
	name, uerr := strconv.Unquote(quoted)
	if uerr != nil {
		return quoted, true
	}
	return name, true
}

// canonicalNumbers rewrites every number of v in plain decimal notation,
// integers without a fraction: 1e2 and 100.0 become 100, 1.5e1 becomes 15
// and 1e-2 becomes 0.01, exactly. Numbers whose exponent is beyond any
// value the API takes are left as written (and then refused by type).
func canonicalNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = canonicalNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = canonicalNumbers(e)
		}
	case json.Number:
		return canonicalNumber(x)
	}
	return v
}

func canonicalNumber(n json.Number) json.Number {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		return n
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || exp > maxExponent || exp < -maxExponent {
			return n
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return n
	}
	if r.IsInt() {
		return json.Number(r.Num().String())
	}
	// A decimal literal's denominator is 2^a·5^b: max(a, b) digits are exact.
	return json.Number(r.FloatString(max(factors(r.Denom(), 2), factors(r.Denom(), 5))))
}

// factors counts how many times p divides n.
func factors(n *big.Int, p int64) int {
	d, q, m := new(big.Int).Set(n), big.NewInt(p), new(big.Int)
	k := 0
	for {
		d.QuoRem(d, q, m)
		if m.Sign() != 0 {
			return k
		}
		k++
	}
}

// maxExponent bounds the exponents canonicalNumber expands, so that a body
// such as 1e999999999 costs nothing.
const maxExponent = 400

func failFields(c *gin.Context, fields map[string]string) {
	c.AbortWithStatusJSON(http.StatusUnprocessableEntity, newErrorBody(http.StatusUnprocessableEntity, "validation failed", fields))
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
