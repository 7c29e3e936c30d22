package mysql_test

import (
	"testing"

	"github.com/saasd/saasd/modules/customers"
	"github.com/saasd/saasd/modules/users"
	"github.com/saasd/saasd/ports"
	"github.com/saasd/saasd/ports/portstest"
)

func TestProvisionerContract(t *testing.T) {
	portstest.TestProvisioner(t, func(t *testing.T) ports.Provisioner {
		db, dsn, prefix := mustServer(t)
		return newProvisioner(t, db, dsn, prefix, schemas())
	})
}

func TestTenantDataContract(t *testing.T) {
	db, dsn, prefix := mustServer(t)
	p := newProvisioner(t, db, dsn, prefix, schemas())
	portstest.TestTenantData(t, portstest.Provisioned(p, p.Records(), p.Data(counted), customers.Schema, users.Schema))
}

func TestWarmDatabasesContract(t *testing.T) {
	portstest.TestWarmDatabases(t, func(t *testing.T) ports.Provisioner {
		db, dsn, prefix := mustServer(t)
		return newProvisioner(t, db, dsn, prefix, schemas())
	})
}
