package ginhttp

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// serverJSON is one database server tenants are placed on.
type serverJSON struct {
	Name    string `json:"name"`
	State   string `json:"state"`   // active or draining
	Tenants int64  `json:"tenants"` // tenants placed on it, whatever their status
	// Capacity is how many tenants it may hold, null without a limit;
	// Free how many more it takes (0 while draining), null without a limit.
	Capacity *int64 `json:"capacity"`
	Free     *int64 `json:"free"`
}

type serverList struct {
	Servers []serverJSON `json:"servers"`
}

func (s *Server) listServers(c *gin.Context) {
	list, err := s.tenants.Servers(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]serverJSON, len(list))
	for i, srv := range list {
		out[i] = serverJSON{Name: srv.Name, State: srv.State, Tenants: srv.Tenants}
		if srv.Capacity > 0 {
			capacity, free := srv.Capacity, srv.Free()
			out[i].Capacity, out[i].Free = &capacity, &free
		} else if free := srv.Free(); free == 0 {
			out[i].Free = &free
		}
	}
	ok(c, http.StatusOK, serverList{Servers: out}, "Servers retrieved successfully")
}
