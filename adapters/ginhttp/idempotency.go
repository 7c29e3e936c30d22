package ginhttp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/saasd/saasd/core"
)

const headerIdempotencyKey = "Idempotency-Key"

// idempotent makes a POST safe to retry: with an Idempotency-Key header, the
// first answer is stored and a retry with the same key and the same body
// gets it again (Idempotent-Replayed: true) without doing anything; the same
// key with another body is 422.
func (s *Server) idempotent(c *gin.Context) {
	key := c.GetHeader(headerIdempotencyKey)
	if key == "" || s.idem == nil {
		c.Next()
		return
	}
	if len(key) > 255 {
		s.fail(c, core.InvalidFields(map[string]string{headerIdempotencyKey: "must be at most 255 characters"}))
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		s.fail(c, core.Errorf(core.TooLarge, "request body is larger than 1 MiB"))
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	// Keys belong to the API token that sent them, or on public routes to
	// the client's address.
	scope := "ip:" + c.ClientIP()
	if t, ok := core.ActorFrom(c.Request.Context()); ok {
		scope = "saas:" + strconv.FormatInt(t.ID, 10)
	}
	stored, err := s.idem.Begin(c.Request.Context(), scope, key, requestHash(c, body))
	if err != nil {
		s.fail(c, err)
		return
	}
	if stored != nil {
		c.Header("Idempotent-Replayed", "true")
		c.Data(stored.Status, "application/json; charset=utf-8", stored.Body)
		c.Abort()
		return
	}
	w := &captureWriter{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	// Store with a context of its own: the client may be gone already.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 5*time.Second)
	defer cancel()
	if status := w.Status(); status >= 500 || status == 429 {
		err = s.idem.Release(ctx, scope, key) // worth retrying: do not pin the failure
	} else {
		err = s.idem.Complete(ctx, scope, key, core.StoredResponse{Status: status, Body: w.buf.Bytes()})
	}
	if err != nil {
		s.logger.Error("store idempotent answer", zap.String("request_id", requestID(c)), zap.Error(err))
	}
}

// requestHash identifies a request's content: method, route and the body,
// canonicalised when it is JSON so that spacing and key order do not matter.
func requestHash(c *gin.Context, body []byte) []byte {
	var v any
	if json.Unmarshal(body, &v) == nil {
		if canon, err := json.Marshal(v); err == nil {
			body = canon
		}
	}
	h := sha256.New()
	h.Write([]byte(c.Request.Method + " " + c.Request.URL.Path + "\n"))
	h.Write(body)
	return h.Sum(nil)
}

// captureWriter keeps a copy of the answer for the idempotency store.
type captureWriter struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (w *captureWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *captureWriter) WriteString(s string) (int, error) {
	w.buf.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}
