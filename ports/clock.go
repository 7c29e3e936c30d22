package ports

import "time"

// Clock tells the time to every core service; tests inject a fixed or
// advancing one (adapters/clock).
type Clock interface {
	Now() time.Time
}
