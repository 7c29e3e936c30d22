package mysql_test

import (
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/saasd/saasd/adapters/cache"
	"github.com/saasd/saasd/modules/customers"
	"github.com/saasd/saasd/modules/users"
	"github.com/saasd/saasd/ports"
	"github.com/saasd/saasd/ports/portstest"
)

// contractProvisioner is a provisioner of every module's schema on a
// server of its own, for the provisioner contract suites.
func contractProvisioner(t *testing.T) ports.Provisioner {
	db, dsn, prefix := mustServer(t)
	return newProvisioner(t, db, dsn, prefix, schemas())
}

func TestProvisionerContract(t *testing.T) {
	portstest.TestProvisioner(t, contractProvisioner)
}

func TestTenantDataContract(t *testing.T) {
	db, dsn, prefix := mustServer(t)
	p := newProvisioner(t, db, dsn, prefix, schemas())
	portstest.TestTenantData(t, portstest.Provisioned(p, p.Records(), p.Data(counted), customers.Schema, users.Schema))
}

func TestWarmDatabasesContract(t *testing.T) {
	portstest.TestWarmDatabases(t, contractProvisioner)
}

// The cached stores keep the contract with a TTL far longer than any case:
// only their invalidations keep them right.
func TestTenantDataContractCached(t *testing.T) {
	db, dsn, prefix := mustServer(t)
	p := newProvisioner(t, db, dsn, prefix, schemas())
	c := cache.New(cache.Config{TTL: 10 * time.Minute}, nil, func() bool { return true }, zap.NewNop())
	portstest.TestTenantData(t, portstest.Decorated(portstest.Provisioned(p, p.Records(), p.Data(counted), customers.Schema, users.Schema), c.Records, c.Users))
}
