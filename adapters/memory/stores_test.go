package memory_test

import (
	"testing"

	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/ports/portstest"
)

func TestStores(t *testing.T) {
	portstest.TestStores(t, func(t *testing.T) portstest.Stores {
		s := memory.NewStores()
		return portstest.Stores{Tenants: s, Plans: s, Tokens: s}
	})
}

func TestSessionStore(t *testing.T) {
	portstest.TestSessionStore(t, func(t *testing.T) portstest.SessionStores {
		s := memory.NewStores()
		return portstest.SessionStores{Tokens: s, Sessions: s}
	})
}
