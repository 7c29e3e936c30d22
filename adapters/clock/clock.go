// Package clock implements ports.Clock: the system clock for production and
// a settable one for tests.
package clock

import (
	"sync"
	"time"

	"github.com/saasd/saasd/ports"
)

var (
	_ ports.Clock = System{}
	_ ports.Clock = (*Fake)(nil)
	_ ports.Clock = Func(nil)
)

// System is the wall clock in UTC.
type System struct{}

// Now returns the current time in UTC.
func (System) Now() time.Time { return time.Now().UTC() }

// Func adapts a function to a ports.Clock.
type Func func() time.Time

// Now calls f.
func (f Func) Now() time.Time { return f() }

// Fake is a clock that stands still until set or advanced; safe for
// concurrent use.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFake returns a fake clock showing at.
func NewFake(at time.Time) *Fake { return &Fake{now: at.UTC()} }

// Now returns the time the clock shows.
func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to at.
func (c *Fake) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = at.UTC()
}

// Advance moves the clock on by d.
func (c *Fake) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
