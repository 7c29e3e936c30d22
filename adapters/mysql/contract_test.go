package mysql_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/saasd/saasd/core"
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
	var lastID atomic.Int64
	portstest.TestTenantData(t, func(t *testing.T) portstest.TenantData {
		ctx := context.Background()
		tn := core.Tenant{ID: lastID.Add(1)}
		name, err := p.Provision(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		tn.Database = name
		t.Cleanup(func() {
			if err := p.Drop(context.Background(), tn); err != nil {
				t.Error(err)
			}
		})
		data := p.Data(counted)
		return portstest.TenantData{
			Tenant: tn, Records: p.Records(), Users: data, Counter: data, Recounter: data, Exporter: data,
			Schema: customers.Schema, UserSchema: users.Schema,
		}
	})
}
