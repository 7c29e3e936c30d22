package core

// DefaultServer is the name of the control database's own server: where
// every tenant database lived before database servers were configured, and
// where they still live when none are.
const DefaultServer = "default"

// Server states.
const (
	ServerActive   = "active"   // takes new tenants while it has room
	ServerDraining = "draining" // serves its tenants, takes no new ones
)

// Server is a database server that tenant databases are placed on.
type Server struct {
	Name     string
	Capacity int64  // how many tenants it may hold; 0: no limit
	State    string // ServerActive or ServerDraining
	Tenants  int64  // read-only: tenants placed on it, counted
}

// Free is how many more tenants the server takes: none while draining or
// full, -1 without a limit.
func (s Server) Free() int64 {
	switch {
	case s.State != ServerActive:
		return 0
	case s.Capacity == 0:
		return -1
	}
	return max(s.Capacity-s.Tenants, 0)
}

// ServerName is the server a tenant's recorded server name means: "" (a
// tenant from before servers were recorded) is DefaultServer.
func ServerName(name string) string {
	if name == "" {
		return DefaultServer
	}
	return name
}
