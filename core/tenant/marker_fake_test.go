package tenant_test

import (
	"context"
	"strconv"
	"strings"

	"github.com/saasd/saasd/core"
)

// Marker says every tenant-named database is the tenant's of this
// installation (the fixture names none): the fake makes no others.
func (f *fakeProvisioner) Marker(_ context.Context, database string) (core.DatabaseMarker, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(database, databaseName(0)[:len(databaseName(0))-1]), 10, 64)
	if err != nil {
		return core.DatabaseMarker{}, nil
	}
	return core.DatabaseMarker{TenantID: id}, nil
}

// Version is the fake's schema version.
func (f *fakeProvisioner) Version() int64 { return 1 }
