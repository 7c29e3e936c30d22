package portstest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/ports"
)

// TenantData is one provisioned tenant and the tenant-side ports that reach
// its database, wired as the backend wires them.
type TenantData struct {
	// Tenant has its own database, migrated: Database is set.
	Tenant    core.Tenant
	Records   ports.RecordStore
	Users     ports.UserStore
	Counter   ports.UsageCounter
	Recounter ports.UsageRecounter
	Exporter  ports.Exporter
	// Schema is the customers module's table (customers.Schema): the suite
	// writes its account, email and city fields. UserSchema is the kernel's
	// users table as the users module serves it (users.Schema): name, email,
	// role and the hidden password_hash. The backend counts both tables'
	// rows as their Counts resources.
	Schema     *core.Schema
	UserSchema *core.Schema
}

// TestTenantData runs the tenant-side contract against tenants built by
// newData, which must return a fresh, empty tenant for every call.
func TestTenantData(t *testing.T, newData func(t *testing.T) TenantData) {
	t.Run("records", func(t *testing.T) { t.Parallel(); testRecords(t, newData(t)) })
	t.Run("all or none", func(t *testing.T) { t.Parallel(); testAllOrNone(t, newData(t)) })
	t.Run("quota", func(t *testing.T) { t.Parallel(); testQuota(t, newData(t)) })
	t.Run("parallel quota", func(t *testing.T) { t.Parallel(); testParallelQuota(t, newData(t)) })
	t.Run("recount", func(t *testing.T) { t.Parallel(); testRecount(t, newData(t)) })
	t.Run("users", func(t *testing.T) { t.Parallel(); testUsers(t, newData(t)) })
	t.Run("sessions", func(t *testing.T) { t.Parallel(); testSessions(t, newData(t)) })
	t.Run("export", func(t *testing.T) { t.Parallel(); testExport(t, newData(t)) })
	t.Run("credential change", func(t *testing.T) { t.Parallel(); testCredentialChange(t, newData(t)) })
	t.Run("keep one admin", func(t *testing.T) { t.Parallel(); testKeep(t, newData(t)) })
	t.Run("keep one admin, racing", func(t *testing.T) { t.Parallel(); testKeepRace(t, newData(t)) })
}

func customer(account, email, city string) core.Record {
	return core.Record{"account": account, "email": email, "city": city}
}

func idOf(t *testing.T, r core.Record) int64 {
	t.Helper()
	id, ok := r["id"].(int64)
	if !ok || id <= 0 {
		t.Fatalf("record without an id: %v", r)
	}
	return id
}

func ids(t *testing.T, recs []core.Record) []int64 {
	t.Helper()
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = idOf(t, r)
	}
	return out
}

// wantCount checks the usage counter of r against want.
func wantCount(t *testing.T, d TenantData, r core.Resource, want int64) {
	t.Helper()
	counts, err := d.Counter.Count(context.Background(), d.Tenant)
	if err != nil || counts[r] != want {
		t.Fatalf("Count[%s] = %d (%v), %v; want %d", r, counts[r], counts, err, want)
	}
}

// wantTotal checks how many rows List finds in s.
func wantTotal(t *testing.T, d TenantData, s *core.Schema, want int64) {
	t.Helper()
	_, total, err := d.Records.List(context.Background(), d.Tenant, s, core.ListQuery{Page: 1, Limit: 100})
	if err != nil || total != want {
		t.Fatalf("List(%s) total = %d, %v; want %d", s.Table, total, err, want)
	}
}

func testRecords(t *testing.T, d TenantData) {
	ctx := context.Background()
	s := d.Schema
	wantCount(t, d, s.Counts, 0)
	in := []core.Record{
		customer("Acme", "ops@acme.example", "Paris"),
		customer("Globex", "info@globex.example", "Berlin"),
		customer("100% Cotton", "sales@cotton.example", "Paris"),
		customer("100 Cotton", "", "Lyon"),
		customer("Initech", "ops@acme.example", "Paris"),
	}
	created, err := d.Records.Create(ctx, d.Tenant, s, in, quota.Quota{})
	if err != nil || len(created) != len(in) {
		t.Fatalf("Create = %d records, %v", len(created), err)
	}
	id := ids(t, created)
	for i, r := range created {
		if r["account"] != in[i]["account"] || r["email"] != in[i]["email"] || r["city"] != in[i]["city"] {
			t.Fatalf("created[%d] = %v, want %v", i, r, in[i])
		}
		if i > 0 && id[i] <= id[i-1] {
			t.Fatalf("ids not ascending in the order given: %v", id)
		}
		if at, ok := r["created_at"].(time.Time); !ok || at.IsZero() {
			t.Fatalf("created_at = %#v", r["created_at"])
		}
	}
	wantCount(t, d, s.Counts, 5)

	got, err := d.Records.Get(ctx, d.Tenant, s, id[0])
	if err != nil || got["account"] != "Acme" || got["city"] != "Paris" || got["phone"] != "" || idOf(t, got) != id[0] {
		t.Fatalf("Get = %v, %v", got, err)
	}
	_, err = d.Records.Get(ctx, d.Tenant, s, id[4]+1000)
	wantKind(t, err, core.NotFound)

	list := func(q core.ListQuery) ([]int64, int64) {
		t.Helper()
		if q.Page == 0 {
			q.Page, q.Limit = 1, 100
		}
		recs, total, err := d.Records.List(ctx, d.Tenant, s, q)
		if err != nil {
			t.Fatalf("List(%+v): %v", q, err)
		}
		return ids(t, recs), total
	}
	tests := []struct {
		name  string
		q     core.ListQuery
		want  []int64
		total int64
	}{
		{name: "first page, newest first", q: core.ListQuery{Page: 1, Limit: 2}, want: []int64{id[4], id[3]}, total: 5},
		{name: "last page", q: core.ListQuery{Page: 3, Limit: 2}, want: []int64{id[0]}, total: 5},
		{name: "past the end", q: core.ListQuery{Page: 4, Limit: 2}, want: []int64{}, total: 5},
		{name: "search", q: core.ListQuery{Search: "Cotton"}, want: []int64{id[3], id[2]}, total: 2},
		{name: "search matches email", q: core.ListQuery{Search: "globex.example"}, want: []int64{id[1]}, total: 1},
		{name: "search escapes %", q: core.ListQuery{Search: "100%"}, want: []int64{id[2]}, total: 1},
		{name: "search escapes _", q: core.ListQuery{Search: "_"}, want: []int64{}, total: 0},
		{name: "filter", q: core.ListQuery{Filters: map[string]any{"email": "ops@acme.example"}}, want: []int64{id[4], id[0]}, total: 2},
		{name: "filter and search", q: core.ListQuery{Search: "Init", Filters: map[string]any{"email": "ops@acme.example"}}, want: []int64{id[4]}, total: 1},
		{name: "filter and page", q: core.ListQuery{Page: 2, Limit: 1, Filters: map[string]any{"email": "ops@acme.example"}}, want: []int64{id[0]}, total: 2},
		{name: "ordered by a field, then id", q: core.ListQuery{OrderBy: "city"}, want: []int64{id[1], id[3], id[0], id[2], id[4]}, total: 5},
		{name: "ordered by id", q: core.ListQuery{OrderBy: "id", Page: 1, Limit: 2}, want: []int64{id[0], id[1]}, total: 5},
		{name: "newest of each value", q: core.ListQuery{OnePer: "email"}, want: []int64{id[4], id[3], id[2], id[1]}, total: 4},
		{name: "newest of each value among matches", q: core.ListQuery{OnePer: "city", Filters: map[string]any{"city": "Paris"}}, want: []int64{id[4]}, total: 1},
	}
	for _, tt := range tests {
		got, total := list(tt.q)
		if !slices.Equal(got, tt.want) || total != tt.total {
			t.Errorf("%s: List = %v of %d, want %v of %d", tt.name, got, total, tt.want, tt.total)
		}
	}

	upd, err := d.Records.Update(ctx, d.Tenant, s, id[0], core.Record{"city": "Rome"})
	if err != nil || upd["city"] != "Rome" || upd["account"] != "Acme" || idOf(t, upd) != id[0] {
		t.Fatalf("Update = %v, %v", upd, err)
	}
	if c, u := upd["created_at"].(time.Time), upd["updated_at"].(time.Time); u.Before(c) {
		t.Fatalf("updated_at %v before created_at %v", u, c)
	}
	if got, _ := d.Records.Get(ctx, d.Tenant, s, id[0]); got["city"] != "Rome" || got["email"] != "ops@acme.example" {
		t.Fatalf("update not stored: %v", got)
	}
	_, err = d.Records.Update(ctx, d.Tenant, s, id[4]+1000, core.Record{"city": "Rome"})
	wantKind(t, err, core.NotFound)

	if err := d.Records.Delete(ctx, d.Tenant, s, id[1]); err != nil {
		t.Fatal(err)
	}
	_, err = d.Records.Get(ctx, d.Tenant, s, id[1])
	wantKind(t, err, core.NotFound)
	wantKind(t, d.Records.Delete(ctx, d.Tenant, s, id[1]), core.NotFound)
	wantTotal(t, d, s, 4)
	wantCount(t, d, s.Counts, 4)
}

func user(name, email string) core.Record {
	return core.Record{"name": name, "email": email, "role": core.RoleStaff, "password_hash": "hash-of-" + name}
}

func testAllOrNone(t *testing.T, d TenantData) {
	ctx := context.Background()
	us := d.UserSchema
	// The third record repeats the first one's email: none is stored.
	_, err := d.Records.Create(ctx, d.Tenant, us, []core.Record{
		user("Ann", "ann@example.com"), user("Bob", "bob@example.com"), user("Ann Again", "ann@example.com"),
	}, quota.Quota{Resource: us.Counts, Limit: 10})
	wantKind(t, err, core.Conflict)
	wantTotal(t, d, us, 0)
	wantCount(t, d, us.Counts, 0)

	created, err := d.Records.Create(ctx, d.Tenant, us, []core.Record{user("Ann", "ann@example.com"), user("Bob", "bob@example.com")}, quota.Quota{})
	if err != nil || len(created) != 2 {
		t.Fatalf("Create = %v, %v", created, err)
	}
	for _, r := range created {
		if _, leaked := r["password_hash"]; leaked {
			t.Fatalf("a hidden column was read back: %v", r)
		}
	}
	// A user made through the users module can log in.
	if u, hash, err := d.Users.UserByEmail(ctx, d.Tenant, "bob@example.com"); err != nil || u.ID != idOf(t, created[1]) || hash != "hash-of-Bob" {
		t.Fatalf("UserByEmail = %+v, %q, %v", u, hash, err)
	}
	_, err = d.Records.Create(ctx, d.Tenant, us, []core.Record{user("Cy", "cy@example.com"), user("Bob 2", "bob@example.com")}, quota.Quota{})
	wantKind(t, err, core.Conflict)
	wantTotal(t, d, us, 2)
	wantCount(t, d, us.Counts, 2)

	_, err = d.Records.Update(ctx, d.Tenant, us, idOf(t, created[0]), core.Record{"email": "bob@example.com"})
	wantKind(t, err, core.Conflict)
	if got, _ := d.Records.Get(ctx, d.Tenant, us, idOf(t, created[0])); got["email"] != "ann@example.com" {
		t.Fatalf("a refused update was saved: %v", got)
	}
}

func testQuota(t *testing.T, d TenantData) {
	ctx := context.Background()
	s := d.Schema
	var calls [][2]int64
	q := quota.Quota{Resource: s.Counts, Limit: 3, Counted: func(before, after int64) { calls = append(calls, [2]int64{before, after}) }}
	create := func(q quota.Quota, n int) ([]core.Record, error) {
		recs := make([]core.Record, n)
		for i := range recs {
			recs[i] = customer(fmt.Sprintf("C%d", i), "", "")
		}
		return d.Records.Create(ctx, d.Tenant, s, recs, q)
	}
	if _, err := create(q, 2); err != nil {
		t.Fatal(err)
	}
	// Two more would pass the limit: nothing is written.
	_, err := create(q, 2)
	wantKind(t, err, core.QuotaExceeded)
	wantCount(t, d, s.Counts, 2)
	wantTotal(t, d, s, 2)
	if _, err := create(q, 1); err != nil {
		t.Fatal(err)
	}
	_, err = create(q, 1)
	wantKind(t, err, core.QuotaExceeded)
	if want := [][2]int64{{0, 2}, {2, 3}}; !slices.Equal(calls, want) {
		t.Fatalf("Counted calls = %v, want %v", calls, want)
	}

	// Unlimited creates are still counted.
	unlimited := quota.Quota{Resource: s.Counts, Limit: core.Unlimited}
	created, err := create(unlimited, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantCount(t, d, s.Counts, 5)
	_, err = create(q, 1)
	wantKind(t, err, core.QuotaExceeded)
	_, err = create(quota.Quota{Resource: s.Counts, Limit: 0}, 1)
	wantKind(t, err, core.QuotaExceeded)

	// Deletes free room again.
	for _, r := range created {
		if err := d.Records.Delete(ctx, d.Tenant, s, idOf(t, r)); err != nil {
			t.Fatal(err)
		}
	}
	wantCount(t, d, s.Counts, 3)
	_, err = create(q, 1)
	wantKind(t, err, core.QuotaExceeded)
	q.Limit = 4
	if _, err := create(q, 1); err != nil {
		t.Fatal(err)
	}
	wantCount(t, d, s.Counts, 4)
	wantTotal(t, d, s, 4)
}

func testParallelQuota(t *testing.T, d TenantData) {
	ctx := context.Background()
	s := d.Schema
	const limit = 5
	q := quota.Quota{Resource: s.Counts, Limit: limit}
	errs := make([]error, 20)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = d.Records.Create(ctx, d.Tenant, s, []core.Record{customer(fmt.Sprintf("Racer %d", i), "", "")}, q)
		}()
	}
	wg.Wait()
	wantWinners(t, errs, int(limit), core.QuotaExceeded)
	wantCount(t, d, s.Counts, limit)
	wantTotal(t, d, s, limit)
}

func testRecount(t *testing.T, d TenantData) {
	ctx := context.Background()
	s := d.Schema
	recount := func(want ...quota.Change) {
		t.Helper()
		changes, err := d.Recounter.Recount(ctx, d.Tenant)
		if err != nil || !slices.Equal(changes, want) {
			t.Fatalf("Recount = %v, %v; want %v", changes, err, want)
		}
	}
	recount()
	if _, err := d.Records.Create(ctx, d.Tenant, s, []core.Record{customer("A", "", ""), customer("B", "", "")}, quota.Quota{}); err != nil {
		t.Fatal(err)
	}
	u := core.User{Name: "Ann", Email: "ann@example.com", Role: core.RoleStaff}
	if err := d.Users.CreateUser(ctx, d.Tenant, &u, "hash"); err != nil {
		t.Fatal(err)
	}
	recount()

	// The same table with no resource writes rows past the counter, as a
	// change by hand would.
	uncounted := *s
	uncounted.Counts = ""
	byHand, err := d.Records.Create(ctx, d.Tenant, &uncounted, []core.Record{customer("By hand", "", "")}, quota.Quota{})
	if err != nil {
		t.Fatal(err)
	}
	wantCount(t, d, s.Counts, 2)
	recount(quota.Change{Resource: s.Counts, Was: 2, Now: 3})
	wantCount(t, d, s.Counts, 3)
	recount()

	if err := d.Records.Delete(ctx, d.Tenant, &uncounted, idOf(t, byHand[0])); err != nil {
		t.Fatal(err)
	}
	recount(quota.Change{Resource: s.Counts, Was: 3, Now: 2})
	wantCount(t, d, s.Counts, 2)
	wantCount(t, d, d.UserSchema.Counts, 1)
}

func testUsers(t *testing.T, d TenantData) {
	ctx := context.Background()
	u := core.User{Name: "Ann", Email: "Ann@Example.com", Role: core.RoleAdmin}
	if err := d.Users.CreateUser(ctx, d.Tenant, &u, "hash-1"); err != nil || u.ID <= 0 {
		t.Fatalf("CreateUser: id %d, %v", u.ID, err)
	}
	wantCount(t, d, d.UserSchema.Counts, 1)
	dup := core.User{Name: "Other", Email: "Ann@Example.com", Role: core.RoleStaff}
	wantKind(t, d.Users.CreateUser(ctx, d.Tenant, &dup, "hash-2"), core.Conflict)
	// Emails are looked up without regard to case, so they are unique that way too.
	dup.Email = "ann@example.com"
	wantKind(t, d.Users.CreateUser(ctx, d.Tenant, &dup, "hash-2"), core.Conflict)
	wantCount(t, d, d.UserSchema.Counts, 1)

	got, hash, err := d.Users.UserByEmail(ctx, d.Tenant, "ANN@example.COM")
	if err != nil || got != u || hash != "hash-1" {
		t.Fatalf("UserByEmail = %+v, %q, %v; want %+v", got, hash, err, u)
	}
	_, _, err = d.Users.UserByEmail(ctx, d.Tenant, "nobody@example.com")
	wantKind(t, err, core.NotFound)

	other := core.User{Name: "Bob", Email: "bob@example.com", Role: core.RoleStaff}
	if err := d.Users.CreateUser(ctx, d.Tenant, &other, "hash-3"); err != nil || other.ID == u.ID {
		t.Fatalf("CreateUser: id %d, %v", other.ID, err)
	}
	wantCount(t, d, d.UserSchema.Counts, 2)
	wantTotal(t, d, d.UserSchema, 2)
}

func sessionHash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func testSessions(t *testing.T, d TenantData) {
	ctx := context.Background()
	u := core.User{Name: "Ann", Email: "ann@example.com", Role: core.RoleStaff}
	if err := d.Users.CreateUser(ctx, d.Tenant, &u, "hash"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	expires := now.Add(time.Hour)
	live, other := sessionHash("live"), sessionHash("other")
	if err := d.Users.CreateSession(ctx, d.Tenant, u.ID, live, expires); err != nil {
		t.Fatal(err)
	}
	if err := d.Users.CreateSession(ctx, d.Tenant, u.ID, other, expires); err != nil {
		t.Fatal(err)
	}
	if got, err := d.Users.UserBySession(ctx, d.Tenant, live, now); err != nil || got != u {
		t.Fatalf("UserBySession = %+v, %v; want %+v", got, err, u)
	}
	if got, err := d.Users.UserBySession(ctx, d.Tenant, live, expires.Add(-time.Second)); err != nil || got.ID != u.ID {
		t.Fatalf("UserBySession just before expiry = %+v, %v", got, err)
	}
	for _, at := range []time.Time{expires.Add(time.Millisecond), expires.Add(time.Hour)} {
		_, err := d.Users.UserBySession(ctx, d.Tenant, live, at)
		wantKind(t, err, core.NotFound)
	}
	_, err := d.Users.UserBySession(ctx, d.Tenant, sessionHash("unknown"), now)
	wantKind(t, err, core.NotFound)
	if r, ok := d.Users.(ports.SessionReader); ok {
		// What a cache of sessions reads: the user and the session's end.
		got, ends, err := r.Session(ctx, d.Tenant, live)
		if err != nil || got != u || ends.Sub(expires).Abs() > time.Second {
			t.Fatalf("Session = %+v, %v, %v; want %+v, %v", got, ends, err, u, expires)
		}
		_, _, err = r.Session(ctx, d.Tenant, sessionHash("unknown"))
		wantKind(t, err, core.NotFound)
	}

	if err := d.Users.DeleteSession(ctx, d.Tenant, live); err != nil {
		t.Fatal(err)
	}
	_, err = d.Users.UserBySession(ctx, d.Tenant, live, now)
	wantKind(t, err, core.NotFound)
	if err := d.Users.DeleteSession(ctx, d.Tenant, live); err != nil {
		t.Fatalf("deleting an unknown session: %v", err)
	}
	// Ending one session leaves the user's others alone.
	if got, err := d.Users.UserBySession(ctx, d.Tenant, other, now); err != nil || got.ID != u.ID {
		t.Fatalf("other session = %+v, %v", got, err)
	}
}

func testExport(t *testing.T, d TenantData) {
	ctx := context.Background()
	if _, err := d.Records.Create(ctx, d.Tenant, d.Schema, []core.Record{customer("Acme", "ops@acme.example", "Paris"), customer("Globex", "", "Berlin")}, quota.Quota{}); err != nil {
		t.Fatal(err)
	}
	u := core.User{Name: "Ann", Email: "ann@example.com", Role: core.RoleStaff}
	if err := d.Users.CreateUser(ctx, d.Tenant, &u, "hash"); err != nil {
		t.Fatal(err)
	}
	if err := d.Users.CreateSession(ctx, d.Tenant, u.ID, sessionHash("s"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	rows := exported(t, d, false)
	var accounts []string
	for _, r := range rows[d.Schema.Table] {
		accounts = append(accounts, fmt.Sprint(r["account"]))
	}
	slices.Sort(accounts)
	if !slices.Equal(accounts, []string{"Acme", "Globex"}) {
		t.Fatalf("exported %s = %v (all: %v)", d.Schema.Table, accounts, rows)
	}
	if users := rows[d.UserSchema.Table]; len(users) != 1 || users[0]["email"] != "ann@example.com" {
		t.Fatalf("exported %s = %v", d.UserSchema.Table, users)
	} else if _, has := users[0]["password_hash"]; has {
		t.Fatalf("password hash exported without secrets: %v", users[0])
	}
	if len(rows["sessions"]) != 0 {
		t.Fatalf("sessions exported: %v", rows["sessions"])
	}
	// With secrets, hashes and sessions come along (a full backup).
	rows = exported(t, d, true)
	if users := rows[d.UserSchema.Table]; len(users) != 1 || users[0]["password_hash"] != "hash" {
		t.Fatalf("exported %s with secrets = %v", d.UserSchema.Table, users)
	}
	if len(rows["sessions"]) != 1 {
		t.Fatalf("sessions with secrets: %v", rows["sessions"])
	}
}

// exported runs Export and reads its lines back, by table.
func exported(t *testing.T, d TenantData, secrets bool) map[string][]map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := d.Exporter.Export(context.Background(), d.Tenant, &buf, secrets); err != nil {
		t.Fatal(err)
	}
	rows := map[string][]map[string]any{}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Table string         `json:"table"`
			Row   map[string]any `json:"row"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Table == "" || line.Row == nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		rows[line.Table] = append(rows[line.Table], line.Row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// DataStores are the tenant-side ports that one adapter value implements.
type DataStores interface {
	ports.UserStore
	ports.UsageCounter
	ports.UsageRecounter
	ports.Exporter
}

// Provisioned returns the newData of TestTenantData for an adapter: each
// case gets a fresh tenant (IDs 1, 2, …) created and migrated by p, served
// by records and data, and dropped afterwards. schema and users are the
// customers and users modules' schemas (portstest imports no module).
func Provisioned(p ports.Provisioner, records ports.RecordStore, data DataStores, schema, users *core.Schema) func(t *testing.T) TenantData {
	var lastID atomic.Int64
	return func(t *testing.T) TenantData {
		ctx := context.Background()
		tn := core.Tenant{ID: lastID.Add(1)}
		name, err := p.Create(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		tn.Database = name
		t.Cleanup(func() {
			if err := p.Drop(context.Background(), tn); err != nil {
				t.Error(err)
			}
		})
		if err := p.Migrate(ctx, tn); err != nil {
			t.Fatal(err)
		}
		return TenantData{
			Tenant: tn, Records: records, Users: data, Counter: data, Recounter: data, Exporter: data,
			Schema: schema, UserSchema: users,
		}
	}
}

// Decorated returns newData with each tenant's Records and Users wrapped by
// records and users: decorators (a cache) must keep the contract too.
func Decorated(newData func(t *testing.T) TenantData, records func(ports.RecordStore) ports.RecordStore, users func(ports.UserStore) ports.UserStore) func(t *testing.T) TenantData {
	return func(t *testing.T) TenantData {
		d := newData(t)
		d.Records, d.Users = records(d.Records), users(d.Users)
		return d
	}
}

// A record update that sets the schema's Credential (a new password) ends
// that user's sessions, all but the request's own.
func testCredentialChange(t *testing.T, d TenantData) {
	us := d.UserSchema
	if us.Credential == "" {
		t.Skip("the user schema has no credential column")
	}
	ctx := context.Background()
	created, err := d.Records.Create(ctx, d.Tenant, us, []core.Record{user("Ann", "ann@example.com"), user("Bob", "bob@example.com")}, quota.Quota{})
	if err != nil {
		t.Fatal(err)
	}
	ann, bob := idOf(t, created[0]), idOf(t, created[1])
	now, expires := time.Now().UTC(), time.Now().UTC().Add(time.Hour)
	for _, s := range []struct {
		user int64
		name string
	}{{ann, "ann-here"}, {ann, "ann-laptop"}, {ann, "ann-phone"}, {bob, "bob"}} {
		if err := d.Users.CreateSession(ctx, d.Tenant, s.user, sessionHash(s.name), expires); err != nil {
			t.Fatal(err)
		}
	}
	// Ann changes her own password from the "ann-here" session.
	self := core.WithSession(core.WithUser(ctx, core.User{ID: ann, Role: core.RoleStaff}), sessionHash("ann-here"))
	if _, err := d.Records.Update(self, d.Tenant, us, ann, core.Record{us.Credential: "new-hash"}); err != nil {
		t.Fatal(err)
	}
	live := func(name string) bool {
		_, err := d.Users.UserBySession(ctx, d.Tenant, sessionHash(name), now)
		return err == nil
	}
	if !live("ann-here") || live("ann-laptop") || live("ann-phone") || !live("bob") {
		t.Fatalf("after Ann's change: here %v, laptop %v, phone %v, bob %v; want true false false true",
			live("ann-here"), live("ann-laptop"), live("ann-phone"), live("bob"))
	}
	// An admin (Ann) setting Bob's password ends all of Bob's sessions.
	if _, err := d.Records.Update(self, d.Tenant, us, bob, core.Record{us.Credential: "reset"}); err != nil {
		t.Fatal(err)
	}
	if live("bob") || !live("ann-here") {
		t.Fatalf("after Bob's reset: bob %v, ann %v", live("bob"), live("ann-here"))
	}
	// Other fields leave sessions alone.
	if err := d.Users.CreateSession(ctx, d.Tenant, bob, sessionHash("bob-2"), expires); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Records.Update(ctx, d.Tenant, us, bob, core.Record{"name": "Robert"}); err != nil || !live("bob-2") {
		t.Fatalf("renaming Bob: %v, session live %v", err, live("bob-2"))
	}
}

func admin(name, email string) core.Record {
	r := user(name, email)
	r["role"] = core.RoleAdmin
	return r
}

// The schema's Keep rule: the last admin can be neither demoted nor deleted.
func testKeep(t *testing.T, d TenantData) {
	us := d.UserSchema
	if us.Keep == nil {
		t.Skip("the user schema keeps nothing")
	}
	ctx := context.Background()
	created, err := d.Records.Create(ctx, d.Tenant, us, []core.Record{admin("Ann", "ann@example.com"), user("Bob", "bob@example.com")}, quota.Quota{})
	if err != nil {
		t.Fatal(err)
	}
	ann, bob := idOf(t, created[0]), idOf(t, created[1])
	_, err = d.Records.Update(ctx, d.Tenant, us, ann, core.Record{"role": core.RoleStaff})
	wantKind(t, err, core.Conflict)
	wantKind(t, d.Records.Delete(ctx, d.Tenant, us, ann), core.Conflict)
	// Renaming the last admin, or changing others, is fine.
	if _, err := d.Records.Update(ctx, d.Tenant, us, ann, core.Record{"name": "Anne", "role": core.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if err := d.Records.Delete(ctx, d.Tenant, us, bob); err != nil {
		t.Fatal(err)
	}
	// With a second admin, the first may step down.
	more, err := d.Records.Create(ctx, d.Tenant, us, []core.Record{admin("Cy", "cy@example.com")}, quota.Quota{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Records.Update(ctx, d.Tenant, us, ann, core.Record{"role": core.RoleStaff}); err != nil {
		t.Fatal(err)
	}
	wantKind(t, d.Records.Delete(ctx, d.Tenant, us, idOf(t, more[0])), core.Conflict)
	if got, err := d.Records.Get(ctx, d.Tenant, us, idOf(t, more[0])); err != nil || got["role"] != core.RoleAdmin {
		t.Fatalf("last admin = %v, %v", got, err)
	}
}

// Two admins demoting each other at once: one wins, one admin is left.
func testKeepRace(t *testing.T, d TenantData) {
	us := d.UserSchema
	if us.Keep == nil {
		t.Skip("the user schema keeps nothing")
	}
	ctx := context.Background()
	created, err := d.Records.Create(ctx, d.Tenant, us, []core.Record{admin("Ann", "ann@example.com"), admin("Bob", "bob@example.com")}, quota.Quota{})
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, id := range ids(t, created) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = d.Records.Update(ctx, d.Tenant, us, id, core.Record{"role": core.RoleStaff})
		}()
	}
	wg.Wait()
	wantWinners(t, errs, 1, core.Conflict)
	admins, _, err := d.Records.List(ctx, d.Tenant, us, core.ListQuery{Page: 1, Limit: 10, Filters: map[string]any{"role": core.RoleAdmin}})
	if err != nil || len(admins) != 1 {
		t.Fatalf("admins left = %v, %v", admins, err)
	}
}
