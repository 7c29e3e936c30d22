package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/saasd/saasd/adapters/mysql"
	"github.com/saasd/saasd/core/kernel"
)

const (
	// provisionTarget is how much slower than the raw floor making a tenant
	// through saasd may be, at p50 and at p99.
	provisionTarget = 1.20
	// provisionWarmup tenants are made on each side first and not counted:
	// the first ones pay for cold caches and a new keep-alive connection.
	provisionWarmup = 3
)

// provisionCounters are the status counters read around each tenant: which
// statements each side sends, and what they cost MariaDB in fsyncs.
var provisionCounters = []string{"Questions", "Com_select", "Com_insert", "Com_update", "Com_delete", "Com_begin", "Com_commit",
	"Com_rollback", "Com_create_db", "Com_create_table", "Com_create_index", "Com_create_user", "Com_grant", "Com_change_db",
	"Com_stmt_prepare", "Com_stmt_execute", "Connections", "Innodb_data_fsyncs", "Innodb_os_log_fsyncs"}

// provisioning measures making a tenant, one at a time so that latency is
// not queueing: POST /api/saas/tenants through saasd, which runs the
// provisioning saga, against the raw floor, the same statements sent
// straight through the driver by this process. A third side, floor + goose,
// is the raw floor with the migrations applied as saasd applies them (a new
// connection into the schema, goose with a version table per module): it
// says how much of the difference is migrating and how much the rest of the
// saga. The sides take turns tenant by tenant, so that whatever drifts
// during the run (tables on the server, the buffer pool) drifts for all.
func (b *bench) provisioning(ctx context.Context, bin, root, version string, out io.Writer) error {
	migs, err := tenantMigrations(root)
	if err != nil {
		return err
	}
	fl, err := openFloor(ctx, b.db, b.floorPrefix, migs)
	if err != nil {
		return err
	}
	defer fl.db.Close()
	// The billing and webhook workers poll the control schema; off, the
	// counters read around each tenant are provisioning's alone.
	s, err := b.startSaasd(ctx, bin, b.db.schemaDSN(b.control), b.prefix, "bench-provision",
		"SAAS_BILLING_INTERVAL=0", "SAAS_WEBHOOKS_INTERVAL=0")
	if err != nil {
		return fmt.Errorf("provisioning: %w", err)
	}
	defer b.stopSaasd(s)
	// A bcrypt hash and a schema with all migrations: far slower than a
	// load generator's request is allowed to be.
	client := &http.Client{Transport: b.gen.client.Transport, Timeout: 2 * time.Minute}
	plan, err := createPlan(ctx, client, s, "Bench provisioning", unlimited)
	if err != nil {
		return err
	}

	n := b.cfg.provision
	b.logger.Printf("provisioning: %d tenants on each of 3 sides, taking turns, after %d of each to warm up", n, provisionWarmup)
	full := &provSide{name: "full stack (POST /api/saas/tenants)"}
	floor := &provSide{name: "raw floor (driver, no saga)"}
	withGoose := &provSide{name: "floor + goose (diagnostic)"}
	// Reading the counters is a statement too: read twice in a row, the
	// difference is what one reading adds, taken off every tenant's.
	c0, err := b.db.countersOf(ctx, provisionCounters)
	if err != nil {
		return err
	}
	c1, err := b.db.countersOf(ctx, provisionCounters)
	if err != nil {
		return err
	}
	self := c1.sub(c0)
	for i := range provisionWarmup + n {
		measured := i >= provisionWarmup
		var t created
		// Each side makes one tenant, its counters read around it.
		err := b.turn(ctx, self, measured, full, func() (time.Duration, map[string]time.Duration, error) {
			var err error
			t, err = createTenant(ctx, client, s, plan, i)
			return t.end.Sub(t.start), nil, err
		})
		if err != nil {
			return fmt.Errorf("tenant %d through saasd: %w", i, err)
		}
		if err := b.turn(ctx, self, measured, floor, func() (time.Duration, map[string]time.Duration, error) {
			return fl.provision(ctx, false)
		}); err != nil {
			return fmt.Errorf("tenant %d on the raw floor: %w", i, err)
		}
		if err := b.turn(ctx, self, measured, withGoose, func() (time.Duration, map[string]time.Duration, error) {
			return fl.provision(ctx, true)
		}); err != nil {
			return fmt.Errorf("tenant %d on the floor with goose: %w", i, err)
		}
		if measured {
			full.requests = append(full.requests, t)
		}
		if done := i - provisionWarmup + 1; done > 0 && done%20 == 0 && done < n {
			b.logger.Printf("provisioning: %d/%d of each", done, n)
		}
	}
	ids := make([]int64, len(full.requests))
	for i, r := range full.requests {
		ids[i] = r.id
	}
	steps, err := b.db.provisioningSteps(ctx, b.control, ids)
	if err != nil {
		return err
	}
	full.split = stepSplit(full.requests, steps)

	fmt.Fprintf(out, "\nProvisioning latency on MariaDB: %d tenants one at a time on each side, the sides taking turns, after %d of each to warm up\n",
		n, provisionWarmup)
	fmt.Fprintf(out, "full stack:    POST /api/saas/tenants to saasd: the provisioning saga (tenant row, database, login, goose migrations of the\n"+
		"               kernel and %d modules, bcrypt and the first admin, activation, a provisioning_steps row per step)\n", len(migs.schemas)-1)
	fmt.Fprintf(out, "raw floor:     this process, database/sql + go-sql-driver/mysql (interpolateParams=true), one connection: bcrypt,\n"+
		"               CREATE DATABASE, CREATE USER, GRANT, USE, the %d statements of the same %d migration files' Up sections, the admin's INSERT\n",
		len(migs.stmts), len(migs.files))
	fmt.Fprintln(out, "floor + goose: the raw floor, but migrated as saasd migrates: a new connection into the schema, saasd's mysql.Migrate\n"+
		"               (goose, one goose_tenant version table); not part of the target, it splits the difference")
	fmt.Fprintln(out)
	return reportProvisioning(out, full, floor, withGoose, version)
}

// turn runs one side's makeOne, which makes one tenant, and adds its latency,
// counters and split to side when measured.
func (b *bench) turn(ctx context.Context, self counters, measured bool, side *provSide,
	makeOne func() (time.Duration, map[string]time.Duration, error)) error {
	before, err := b.db.countersOf(ctx, provisionCounters)
	if err != nil {
		return err
	}
	took, split, err := makeOne()
	if err != nil {
		return err
	}
	after, err := b.db.countersOf(ctx, provisionCounters)
	if err != nil {
		return err
	}
	if measured {
		side.add(took, after.sub(before).sub(self), split)
	}
	return nil
}

// provSide is one side's tenants.
type provSide struct {
	name     string
	lat      []time.Duration
	sum      time.Duration
	db       counters                 // summed over the measured tenants
	split    map[string]time.Duration // summed time per phase, keyed as splitRows are
	requests []created                // full stack only
}

func (p *provSide) add(d time.Duration, c counters, split map[string]time.Duration) {
	p.lat = append(p.lat, d)
	p.sum += d
	if p.db == nil {
		p.db = counters{}
	}
	for k, v := range c {
		p.db[k] += v
	}
	if split != nil {
		if p.split == nil {
			p.split = map[string]time.Duration{}
		}
		for k, v := range split {
			p.split[k] += v
		}
	}
}

func (p *provSide) percentile(q float64) time.Duration {
	l := slices.Clone(p.lat)
	slices.Sort(l)
	return percentile(l, q)
}

func (p *provSide) mean() time.Duration {
	if len(p.lat) == 0 {
		return 0
	}
	return p.sum / time.Duration(len(p.lat))
}

// created is one tenant made through saasd, with when the request was sent
// and when its answer came.
type created struct {
	id         int64
	start, end time.Time
}

// createTenant makes tenant i through the superadmin API.
func createTenant(ctx context.Context, client *http.Client, s *saasd, plan int64, i int) (created, error) {
	sub := fmt.Sprintf("prov%05d", i)
	body := map[string]any{
		"company_name": "Bench " + sub, "email": "admin@" + sub + ".example.com", "first_name": "Bench", "last_name": "Admin",
		"plan_id": plan, "subdomain": sub, "password": benchPassword,
	}
	var resp struct {
		TenantID int64 `json:"tenant_id"`
	}
	start := time.Now()
	err := post(ctx, client, s.base+"/api/saas/tenants", s.token, body, &resp)
	end := time.Now()
	if err != nil {
		return created{}, err
	}
	if resp.TenantID == 0 {
		return created{}, errors.New("POST /api/saas/tenants answered no tenant_id")
	}
	return created{id: resp.TenantID, start: start, end: end}, nil
}

// migrationStmt is one statement of a tenant migration's Up section.
type migrationStmt struct {
	sql string
	ddl bool // CREATE TABLE and the like; false for INSERT
}

// migrations are the MySQL migrations saasd applies to every new tenant.
type migrations struct {
	files   []string              // the .sql files, kernel first
	stmts   []migrationStmt       // their Up sections' statements, in order
	schemas []kernel.TenantSchema // the modules' files as saasd hands them to goose
}

// tenantMigrations reads the Up sections of the MySQL migrations saasd
// applies to every new tenant: the kernel's, then every module's. saasd runs
// the modules in the order they are registered, these in name order: no
// module's tables refer to another's, so the order changes nothing.
func tenantMigrations(root string) (migrations, error) {
	var m migrations
	kernelDir := filepath.Join(root, "adapters", "internal", "sqltenant", "migrations")
	moduleDirs, err := filepath.Glob(filepath.Join(root, "modules", "*", "migrations"))
	if err != nil {
		return m, err
	}
	dirs := append([]string{kernelDir}, moduleDirs...)
	for i, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "mysql", "*.sql"))
		if err != nil {
			return m, err
		}
		if len(files) == 0 {
			continue
		}
		// Each module's folder is its Name(); the kernel's own tables are
		// added by mysql.Migrate, as saasd's provisioner adds them.
		if i > 0 {
			m.schemas = append(m.schemas, kernel.TenantSchema{Module: filepath.Base(filepath.Dir(dir)), Migrations: os.DirFS(dir)})
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return m, err
			}
			up, err := upStatements(string(data))
			if err != nil {
				return m, fmt.Errorf("%s: %w", f, err)
			}
			for _, q := range up {
				m.stmts = append(m.stmts, migrationStmt{sql: q, ddl: !strings.HasPrefix(strings.ToUpper(q), "INSERT")})
			}
			m.files = append(m.files, f)
		}
	}
	if len(m.schemas) < 1 {
		return m, fmt.Errorf("no tenant migrations of the kernel and modules under %s", root)
	}
	return m, nil
}

// upStatements splits a goose SQL file's Up section into statements, each
// ending with ';' at the end of a line; comment lines are left out. That is
// all these files need: any other goose annotation is refused rather than
// misread.
func upStatements(src string) ([]string, error) {
	var (
		stmts []string
		cur   strings.Builder
		up    bool
	)
lines:
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if a, ok := strings.CutPrefix(t, "-- +goose "); ok {
			switch strings.TrimSpace(a) {
			case "Up":
				up = true
				continue
			case "Down":
				break lines
			case "NO TRANSACTION": // how goose runs it; the floor runs no transaction anyway
				continue
			default:
				return nil, fmt.Errorf("goose annotation %q: the floor splits plain statements only", t)
			}
		}
		if !up || t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			stmts = append(stmts, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		return nil, errors.New("statement without ';' at the end of the Up section")
	}
	if len(stmts) == 0 {
		return nil, errors.New("no statements in a -- +goose Up section")
	}
	return stmts, nil
}

// floor makes tenants with the provisioning saga's statements and nothing
// else, on one connection of its own.
type floor struct {
	db     *sql.DB
	server *mariadb // for the DSN of a new connection into a tenant schema
	prefix string
	migs   migrations
	next   int // number of the next tenant
}

// openFloor connects to m's server, naming no database.
func openFloor(ctx context.Context, m *mariadb, prefix string, migs migrations) (*floor, error) {
	db, err := sql.Open("mysql", m.schemaDSN(""))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("raw floor: %w", err)
	}
	return &floor{db: db, server: m, prefix: prefix, migs: migs}, nil
}

// Phases of the floor, keyed as the saga's steps they stand for.
const (
	phaseBcrypt   = "" // before the saga's first step: bcrypt is the request's first work
	phaseDatabase = "create_database"
	phaseLogin    = "create_user"
	phaseTables   = "migrate"
	phaseAdmin    = "seed_admin"
	// phaseRows is the migrations' INSERTs, a part of the saga's migrate.
	phaseRows = "migrate rows"
	// phaseConnect and phaseGoose are floor + goose's migrate: a new
	// connection into the schema, then goose.
	phaseConnect = "migrate connect"
	phaseGoose   = "migrate goose"
)

// provision makes the next tenant: the bcrypt hash, its schema, its login
// with rights on that schema, the migrations' statements in it, and its
// first admin. withGoose migrates as saasd's provisioner does instead: on a
// new connection into the schema, with mysql.Migrate. It returns how long
// that took and how long each phase did.
func (f *floor) provision(ctx context.Context, withGoose bool) (time.Duration, map[string]time.Duration, error) {
	name := f.prefix + strconv.Itoa(f.next)
	f.next++
	conn, err := f.db.Conn(ctx)
	if err != nil {
		return 0, nil, err
	}
	defer conn.Close()
	split := map[string]time.Duration{}
	exec := func(phase, q string, args ...any) error {
		t0 := time.Now()
		_, err := conn.ExecContext(ctx, q, args...)
		split[phase] += time.Since(t0)
		return err
	}
	start := time.Now()
	hash, err := bcrypt.GenerateFromPassword([]byte(benchPassword), bcrypt.DefaultCost)
	split[phaseBcrypt] = time.Since(start)
	if err != nil {
		return 0, nil, err
	}
	// Names and the password are [a-z0-9_] only: no quoting needed, as in
	// saasd's provisioner.
	if err := exec(phaseDatabase, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return 0, nil, err
	}
	if err := exec(phaseLogin, "CREATE USER '"+name+"'@'%' IDENTIFIED BY '"+randomHex(24)+"'"); err != nil {
		return 0, nil, err
	}
	if err := exec(phaseLogin, "GRANT ALL PRIVILEGES ON `"+name+"`.* TO '"+name+"'@'%'"); err != nil {
		return 0, nil, err
	}
	if withGoose {
		if err := f.goose(ctx, name, split); err != nil {
			return 0, nil, err
		}
	} else {
		if err := exec(phaseTables, "USE `"+name+"`"); err != nil {
			return 0, nil, err
		}
		for _, s := range f.migs.stmts {
			phase := phaseTables
			if !s.ddl {
				phase = phaseRows
			}
			if err := exec(phase, s.sql); err != nil {
				return 0, nil, fmt.Errorf("%.40s…: %w", s.sql, err)
			}
		}
	}
	now := time.Now().UTC()
	if err := exec(phaseAdmin, "INSERT INTO `"+name+"`.`users` (`name`, `email`, `password_hash`, `role`, `created_at`, `updated_at`) VALUES (?, ?, ?, ?, ?, ?)",
		"Bench Admin", "admin@"+name+".example.com", string(hash), "admin", now, now); err != nil {
		return 0, nil, err
	}
	return time.Since(start), split, nil
}

// goose migrates schema name as saasd's provisioner does: a connection of
// its own into the schema, then mysql.Migrate over every module.
func (f *floor) goose(ctx context.Context, name string, split map[string]time.Duration) error {
	t0 := time.Now()
	db, err := sql.Open("mysql", f.server.schemaDSN(name))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	t1 := time.Now()
	split[phaseConnect] += t1.Sub(t0)
	err = mysql.Migrate(ctx, db, f.migs.schemas)
	split[phaseGoose] += time.Since(t1)
	return err
}

// stepTimes is when a tenant's row was created and when each of its
// provisioning steps was recorded as done, in order.
type stepTimes struct {
	created time.Time
	steps   []string
	at      []time.Time
}

// provisioningSteps reads the tenant rows' creation times and the
// provisioning_steps rows of tenants ids from the control schema.
func (m *mariadb) provisioningSteps(ctx context.Context, control string, ids []int64) (map[int64]*stepTimes, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.FormatInt(id, 10)
	}
	in := "(" + strings.Join(list, ",") + ")"
	out := map[int64]*stepTimes{}
	rows, err := m.db.QueryContext(ctx, "SELECT id, created_at FROM `"+control+"`.tenants WHERE id IN "+in)
	if err != nil {
		return nil, fmt.Errorf("read tenants: %w", err)
	}
	for rows.Next() {
		var id int64
		var at string
		if err := rows.Scan(&id, &at); err != nil {
			rows.Close()
			return nil, err
		}
		t, err := parseDatetime(at)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out[id] = &stepTimes{created: t}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = m.db.QueryContext(ctx, "SELECT tenant_id, step, at FROM `"+control+"`.provisioning_steps WHERE outcome = 'done' AND tenant_id IN "+in+" ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("read provisioning steps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var step, at string
		if err := rows.Scan(&id, &step, &at); err != nil {
			return nil, err
		}
		t, err := parseDatetime(at)
		if err != nil {
			return nil, err
		}
		if st := out[id]; st != nil {
			st.steps, st.at = append(st.steps, step), append(st.at, t)
		}
	}
	return out, rows.Err()
}

// parseDatetime reads a DATETIME(6) as the bench's connection (without
// parseTime) gets it; saasd stores UTC.
func parseDatetime(s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02 15:04:05.999999", s, time.UTC)
}

// Keys of the full stack's split beside the saga's step names.
const (
	splitBefore = ""        // request sent → tenant row: HTTP, plan lookup, bcrypt
	splitAfter  = "answer"  // last step recorded → answer received
	splitTotal  = "total"   // not a phase: the sum of the requests' latencies
	splitOther  = "unknown" // step timestamps missing or out of order
)

// stepSplit sums, over the requests, the time from the request to the
// tenant row's creation, from there to the end of each saga step, and from
// the last step to the answer. The control schema's clock is saasd's, the
// requests' this process's: the same machine's.
func stepSplit(reqs []created, steps map[int64]*stepTimes) map[string]time.Duration {
	split := map[string]time.Duration{}
	for _, r := range reqs {
		st := steps[r.id]
		if st == nil || len(st.at) == 0 {
			split[splitOther] += r.end.Sub(r.start)
			continue
		}
		split[splitBefore] += st.created.Sub(r.start)
		prev := st.created
		for i, name := range st.steps {
			split[name] += st.at[i].Sub(prev)
			prev = st.at[i]
		}
		split[splitAfter] += r.end.Sub(prev)
	}
	return split
}

// splitRow is one line of the time split: a saga step, what it does and
// the floor's phases that do the same work, on the raw floor and on floor +
// goose.
type splitRow struct {
	key, label, floorLabel string
	floorKeys, gooseKeys   []string
}

// splitRows are the saga's steps as saasd records them, in order; a step
// saasd records that is not here is shown after them.
var splitRows = []splitRow{
	{splitBefore, "request → tenant row (HTTP, plan, bcrypt)", "bcrypt", []string{phaseBcrypt}, []string{phaseBcrypt}},
	{"create_database", "create_database (tenant INSERT, CREATE DATABASE)", "CREATE DATABASE", []string{phaseDatabase}, []string{phaseDatabase}},
	{"record_database", "record_database (tenant row UPDATE)", "", nil, nil},
	{"create_user", "create_user (CREATE USER, GRANT)", "CREATE USER, GRANT", []string{phaseLogin}, []string{phaseLogin}},
	{"record_user", "record_user (tenant row UPDATE)", "", nil, nil},
	{"migrate", "migrate (new connection, goose)", "USE, CREATE TABLE…, INSERT", []string{phaseTables, phaseRows}, []string{phaseConnect, phaseGoose}},
	{"seed_admin", "seed_admin (staff counter, admin INSERT)", "admin INSERT", []string{phaseAdmin}, []string{phaseAdmin}},
	{"activate", "activate (tenant row UPDATE, event)", "", nil, nil},
	{splitAfter, "last step → answer (HTTP)", "", nil, nil},
}

// reportProvisioning prints the latencies, the ratios, where the time goes
// and which statements each side sends.
func reportProvisioning(out io.Writer, full, floor, withGoose *provSide, version string) error {
	sides := []*provSide{full, floor, withGoose}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "name\ttenants\tp50\tp99\tmean\t")
	for _, p := range sides {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t\n", p.name, len(p.lat), ms(p.percentile(0.50)), ms(p.percentile(0.99)), ms(p.mean()))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	for _, q := range []struct {
		name string
		p    float64
	}{{"p50", 0.50}, {"p99", 0.99}} {
		fl := floor.percentile(q.p)
		if fl <= 0 {
			fmt.Fprintf(out, "ratio full/floor (%s) = n/a (target <= %.2f)\n", q.name, provisionTarget)
			continue
		}
		ratio := float64(full.percentile(q.p)) / float64(fl)
		verdict := "met"
		if ratio > provisionTarget {
			verdict = "NOT met"
		}
		fmt.Fprintf(out, "ratio full/floor (%s) = %.2f (target <= %.2f: %s)\n", q.name, ratio, provisionTarget, verdict)
	}
	if fl, g := floor.percentile(0.50), withGoose.percentile(0.50); fl > 0 && g > 0 {
		fmt.Fprintf(out, "of which (p50): (floor + goose)/floor = %.2f, migrating as saasd does; full/(floor + goose) = %.2f, the rest of the saga and HTTP\n",
			float64(g)/float64(fl), float64(full.percentile(0.50))/float64(g))
	}

	n := time.Duration(len(full.lat))
	if n == 0 {
		return nil
	}
	fmt.Fprintln(out, "\nwhere the time goes, mean per tenant; a saga step runs from the end of the step before, so it includes")
	fmt.Fprintln(out, "the provisioning_steps INSERT of the one before (tenant row and steps' times from the control schema):")
	w = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "  full stack step\tfull\tthe floor's same work\traw floor\tshare\tfloor+goose\tfull-floor\t")
	seen := map[string]bool{}
	var sum [3]time.Duration
	row := func(label string, f time.Duration, floorLabel string, fl, g time.Duration, has bool) {
		sum[0] += f
		flCol, gCol, share := "-", "-", ""
		if has {
			sum[1], sum[2] = sum[1]+fl, sum[2]+g
			flCol, gCol = ms(fl/n), ms(g/n)
			if floor.sum > 0 {
				share = fmt.Sprintf("%.0f%%", 100*float64(fl)/float64(floor.sum))
			}
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", label, ms(f/n), floorLabel, flCol, share, gCol, ms((f-fl)/n))
	}
	sumOf := func(split map[string]time.Duration, keys []string) time.Duration {
		var d time.Duration
		for _, k := range keys {
			d += split[k]
		}
		return d
	}
	for _, r := range splitRows {
		seen[r.key] = true
		row(r.label, full.split[r.key], r.floorLabel, sumOf(floor.split, r.floorKeys), sumOf(withGoose.split, r.gooseKeys), r.floorKeys != nil)
	}
	var rest []string
	for k := range full.split {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		row(k, full.split[k], "", 0, 0, false)
	}
	fmt.Fprintf(w, "  total\t%s\t\t%s\t\t%s\t%s\t\n", ms(sum[0]/n), ms(sum[1]/n), ms(sum[2]/n), ms((sum[0]-sum[1])/n))
	if err := w.Flush(); err != nil {
		return err
	}
	if floor.sum > 0 {
		fmt.Fprintf(out, "raw floor: bcrypt %.0f%%, DDL (CREATE DATABASE, CREATE USER, GRANT, USE, CREATE TABLE) %.0f%%, INSERTs %.0f%% of its time\n",
			100*float64(floor.split[phaseBcrypt])/float64(floor.sum),
			100*float64(sumOf(floor.split, []string{phaseDatabase, phaseLogin, phaseTables}))/float64(floor.sum),
			100*float64(sumOf(floor.split, []string{phaseRows, phaseAdmin}))/float64(floor.sum))
	}
	if g := time.Duration(len(withGoose.lat)); g > 0 {
		same := sumOf(floor.split, []string{phaseTables, phaseRows}) / n
		gooseUp := withGoose.split[phaseGoose] / g
		fmt.Fprintf(out, "floor + goose's migrate: new connection into the schema %s, mysql.Migrate %s (the raw floor's same statements: %s)\n",
			ms(withGoose.split[phaseConnect]/g), ms(gooseUp), ms(same))
		// goose's own statements, priced at what a CREATE TABLE costs on the
		// raw floor: the rest is its transactions, version rows and SELECTs.
		if tables := floor.db["Com_create_table"]; tables > 0 {
			each := floor.split[phaseTables] / time.Duration(tables)
			extra := perTenant(withGoose, "Com_create_table") - perTenant(floor, "Com_create_table")
			est := time.Duration(extra * float64(each))
			fmt.Fprintf(out, "goose's bookkeeping: %.0f more CREATE TABLE (its goose_tenant table), at the raw floor's %s per CREATE TABLE ≈ %s;\n"+
				"the other %s: %.0f BEGIN/COMMIT pairs, %.0f INSERTs of version rows, %.0f SELECTs (version table lookups in information_schema, version lists)\n",
				extra, ms(each), ms(est), ms(gooseUp-same-est), perTenant(withGoose, "Com_commit"),
				perTenant(withGoose, "Com_insert")-perTenant(floor, "Com_insert"), perTenant(withGoose, "Com_select"))
		}
	}

	fmt.Fprintln(out, "\nMariaDB counters per tenant (global: anything else using the server meanwhile is counted too):")
	w = tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "  counter\tfull stack\traw floor\tfloor+goose\tfull-floor\t")
	for _, k := range provisionCounters {
		if full.db[k] == 0 && floor.db[k] == 0 && withGoose.db[k] == 0 {
			continue
		}
		f, fl, g := perTenant(full, k), perTenant(floor, k), perTenant(withGoose, k)
		fmt.Fprintf(w, "  %s\t%.2f\t%.2f\t%.2f\t%.2f\t\n", k, f, fl, g, f-fl)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nmachine: %d CPUs, %s/%s, %s, MariaDB %s; saasd, this process and MariaDB share the CPUs\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), version)
	return nil
}

// perTenant is counter k of side p divided by its tenants.
func perTenant(p *provSide, k string) float64 {
	if len(p.lat) == 0 {
		return 0
	}
	return float64(p.db[k]) / float64(len(p.lat))
}
