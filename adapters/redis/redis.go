package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// Config configures the connection.
type Config struct {
	URL string // redis://[user:password@]host:port/db or rediss:// for TLS
	// Prefix starts every key and channel, so that installations (and
	// tests) can share one Redis.
	Prefix string
	// FailOpen lets requests through when Redis cannot answer (logged);
	// otherwise they are refused with 503.
	FailOpen bool
}

// Client is one connection pool to Redis.
type Client struct {
	cfg     Config
	rdb     *goredis.Client
	limiter *redis_rate.Limiter
	logger  *zap.Logger
	warned  atomic.Int64 // unix nanos of the last fail-open warning
}

var (
	_ ports.RateLimiter = (*Client)(nil)
	_ ports.Invalidator = (*Client)(nil)
)

// New parses cfg.URL and returns a client; it does not wait for Redis,
// so that a replica starts (and says so in /readyz) while Redis is down.
func New(cfg Config, logger *zap.Logger) (*Client, error) {
	opt, err := goredis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	// Limits sit on the path of every request: a Redis that does not answer
	// must cost little before the fail policy decides.
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = time.Second, 500*time.Millisecond, 500*time.Millisecond
	opt.MaxRetries, opt.DialerRetries, opt.DialerRetryTimeout = 1, 1, 50*time.Millisecond
	rdb := goredis.NewClient(opt)
	return &Client{cfg: cfg, rdb: rdb, limiter: redis_rate.NewLimiter(rdb), logger: logger}, nil
}

// Close closes the pool.
func (c *Client) Close() error { return c.rdb.Close() }

// Ping reports whether Redis answers.
func (c *Client) Ping(ctx context.Context) error {
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// FailOpen says whether limits let requests through while Redis is down.
func (c *Client) FailOpen() bool { return c.cfg.FailOpen }

// Allow spends one request of key's budget in Redis, where every replica
// spends it. When Redis cannot answer, the fail policy decides: open lets
// the request through (with a warning at most every 10 seconds), closed
// refuses it as core.Unavailable.
func (c *Client) Allow(ctx context.Context, key string, limit int, window time.Duration) (core.RateDecision, error) {
	if limit < 1 || window <= 0 {
		return core.RateDecision{}, core.Errorf(core.Invalid, "rate limit %d per %s is not positive", limit, window)
	}
	now := time.Now()
	res, err := c.limiter.Allow(ctx, c.cfg.Prefix+key, redis_rate.Limit{Rate: limit, Burst: limit, Period: window})
	if err != nil {
		if ctx.Err() != nil {
			return core.RateDecision{}, ctx.Err()
		}
		if !c.cfg.FailOpen {
			return core.RateDecision{}, core.Errorf(core.Unavailable, "rate limiter unavailable; retry later")
		}
		if last := c.warned.Load(); now.UnixNano()-last > int64(10*time.Second) && c.warned.CompareAndSwap(last, now.UnixNano()) {
			c.logger.Warn("rate limiter unavailable, letting requests through (ratelimit.redis_fail=open)", zap.Error(err))
		}
		return core.RateDecision{Allowed: true, Limit: limit, Remaining: limit - 1, Reset: now.Add(window)}, nil
	}
	d := core.RateDecision{Allowed: res.Allowed > 0, Limit: limit, Remaining: res.Remaining, Reset: now.Add(res.ResetAfter)}
	if !d.Allowed && res.RetryAfter > 0 {
		d.RetryAfter = res.RetryAfter
	}
	return d, nil
}

// channel is where invalidations are published.
func (c *Client) channel() string { return c.cfg.Prefix + "invalidate" }

// Invalidate tells every replica subscribed (this one included) that the
// cached facts of topic changed.
func (c *Client) Invalidate(ctx context.Context, topic string) error {
	if err := c.rdb.Publish(ctx, c.channel(), topic).Err(); err != nil {
		return fmt.Errorf("redis publish: %w", err)
	}
	return nil
}

// Subscribe calls fn with each topic published by any replica until ctx
// ends, and with "" (everything) whenever the subscription is (re)made,
// since what was published while it was down is lost. live is set while
// the subscription stands.
func (c *Client) Subscribe(ctx context.Context, fn func(topic string), live *atomic.Bool) {
	ps := c.rdb.Subscribe(ctx, c.channel())
	stop := context.AfterFunc(ctx, func() { ps.Close() }) // unblocks the receive below
	defer stop()
	defer ps.Close()
	for ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(ctx, 5*time.Second)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
				// Quiet channel: ping to learn whether the connection still stands.
				if perr := ps.Ping(ctx); perr == nil {
					continue
				}
			}
			if live.Swap(false) {
				c.logger.Warn("cache invalidation channel lost; caches expire quickly until it is back", zap.Error(err))
				fn("")
			}
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" {
				// Live first, then drop: whatever is loaded after the drop
				// is fresh, and later changes arrive as messages.
				live.Store(true)
				fn("")
			}
		case *goredis.Message:
			fn(m.Payload)
		}
	}
}

// Prefix is what starts this client's keys and channel.
func (c *Client) Prefix() string { return c.cfg.Prefix }
