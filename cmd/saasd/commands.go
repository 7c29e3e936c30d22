package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/tenant"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
)

func newServeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Apply pending migrations and serve the API",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				ln, err := net.Listen("tcp", a.cfg.HTTP.Addr)
				if err != nil {
					return fmt.Errorf("listen on %s: %w", a.cfg.HTTP.Addr, err)
				}
				// The first pass of the janitor reconciles before requests
				// arrive: what a crashed process left half-done is finished.
				a.background(cmd.Context())
				if err := a.serveMetrics(cmd.Context()); err != nil {
					ln.Close()
					return err
				}
				a.logger.Info("serving", zap.String("addr", ln.Addr().String()), zap.String("database_driver", a.cfg.Database.Driver))
				err = a.server.Serve(cmd.Context(), ln)
				a.logger.Info("stopped")
				return err
			})
		},
	}
}

func newMigrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending control-database migrations and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// openApp migrates; nothing else to do.
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				fmt.Fprintln(cmd.OutOrStdout(), "control database is up to date")
				return nil
			})
		},
	}
}

func newTokenCmd() *cobra.Command {
	token := &cobra.Command{Use: "token", Short: "Manage superadmin API tokens"}

	create := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create a token; it is printed once, alone on the last line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, _ := cmd.Flags().GetString("name")
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				secret, t, err := a.auth.Create(cliContext(cmd), name)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "Created API token %q. Store it now: it cannot be shown again.\n", t.Name)
				fmt.Fprintln(out, secret)
				return nil
			})
		},
	}
	create.Flags().String("name", "", "a name for the token (required)")
	_ = create.MarkFlagRequired("name")

	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				tokens, err := a.auth.List(cmd.Context())
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "NAME\tSTATUS\tCREATED\tLAST USED")
				for _, t := range tokens {
					status, used := "active", "never"
					if t.RevokedAt != nil {
						status = "revoked " + t.RevokedAt.Format(time.RFC3339)
					}
					if t.LastUsedAt != nil {
						used = t.LastUsedAt.Format(time.RFC3339)
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Name, status, t.CreatedAt.Format(time.RFC3339), used)
				}
				return w.Flush()
			})
		},
	}

	revoke := &cobra.Command{
		Use:   "revoke --name NAME",
		Short: "Revoke a token; requests with it get 401 at once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, _ := cmd.Flags().GetString("name")
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				if err := a.auth.Revoke(cliContext(cmd), name); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Revoked API token %q.\n", name)
				return nil
			})
		},
	}
	revoke.Flags().String("name", "", "the token's name (required)")
	_ = revoke.MarkFlagRequired("name")

	token.AddCommand(create, list, revoke)
	return token
}

func newUsageCmd() *cobra.Command {
	usage := &cobra.Command{Use: "usage", Short: "Inspect and repair tenants' usage counters"}
	recount := &cobra.Command{
		Use:   "recount [--tenant ID]",
		Short: "Recount usage from the rows of every tenant's tables (or one tenant's) and report what changed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, _ := cmd.Flags().GetInt64("tenant")
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				changed, err := a.tenants.Recount(cmd.Context(), id)
				out := cmd.OutOrStdout()
				ids := make([]int64, 0, len(changed))
				for tid := range changed {
					ids = append(ids, tid)
				}
				slices.Sort(ids)
				for _, tid := range ids {
					for _, c := range changed[tid] {
						fmt.Fprintf(out, "tenant %d: %s %d -> %d\n", tid, c.Resource, c.Was, c.Now)
					}
				}
				if err != nil {
					return err
				}
				if len(changed) == 0 {
					fmt.Fprintln(out, "all usage counters match their tables")
				}
				return nil
			})
		},
	}
	recount.Flags().Int64("tenant", 0, "recount only this tenant")
	usage.AddCommand(recount)
	return usage
}

func newTenantsCmd() *cobra.Command {
	tenants := &cobra.Command{Use: "tenants", Short: "Operate on tenants and their databases"}
	reconcile := &cobra.Command{
		Use:   "reconcile [--fix] [--stale DURATION]",
		Short: "Undo provisioning and finish deletions left by a crash; report (and with --fix drop) orphan databases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fix, _ := cmd.Flags().GetBool("fix")
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				stale := a.cfg.Tenants.ProvisionTimeout
				if cmd.Flags().Changed("stale") {
					stale, _ = cmd.Flags().GetDuration("stale")
				}
				rec, err := a.tenants.Reconcile(cmd.Context(), fix, stale)
				out := cmd.OutOrStdout()
				for _, id := range rec.Compensated {
					fmt.Fprintf(out, "tenant %d: abandoned provisioning undone\n", id)
				}
				for _, id := range rec.Purged {
					fmt.Fprintf(out, "tenant %d: retention passed, database dropped\n", id)
				}
				for _, id := range rec.Deleted {
					fmt.Fprintf(out, "tenant %d: deletion finished\n", id)
				}
				for _, db := range rec.Orphans {
					what := "orphan database (run with --fix to drop it)"
					if slices.Contains(rec.Dropped, db) {
						what = "orphan database dropped"
					}
					fmt.Fprintf(out, "%s: %s\n", db, what)
				}
				for _, db := range rec.Foreign {
					fmt.Fprintf(out, "%s: not this installation's (no marker of it): left alone\n", db)
				}
				for _, u := range rec.OrphanUsers {
					what := "orphan database login (run with --fix to drop it)"
					if slices.Contains(rec.Dropped, u) {
						what = "orphan database login dropped"
					}
					fmt.Fprintf(out, "%s: %s\n", u, what)
				}
				for _, id := range rec.Moves {
					fmt.Fprintf(out, "tenant %d: abandoned move repaired (undone before its switch, or its old copy dropped)\n", id)
				}
				for _, id := range rec.Missing {
					fmt.Fprintf(out, "tenant %d: its database is missing\n", id)
				}
				for _, w := range rec.WarmBroken {
					what := "broken warm pool entry (run with --fix to remove it)"
					if db, _, _ := strings.Cut(w, ": "); slices.Contains(rec.WarmRemoved, db) {
						what = "broken warm pool entry removed"
					}
					fmt.Fprintf(out, "%s: %s\n", w, what)
				}
				for _, db := range rec.WarmRemoved {
					if !slices.ContainsFunc(rec.WarmBroken, func(w string) bool { return strings.HasPrefix(w, db+": ") }) {
						fmt.Fprintf(out, "%s: abandoned warm pool entry removed\n", db)
					}
				}
				for _, w := range rec.WarmUnreachable {
					fmt.Fprintf(out, "%s: warm pool entry on a database server that is not configured; add the server back (draining) to have it dropped\n", w)
				}
				for _, p := range rec.InProgress {
					fmt.Fprintf(out, "tenant %d: %s, in progress for %s (taken for abandoned after %s; run again then)\n",
						p.ID, p.Status, p.Age.Round(time.Second), stale)
				}
				if err != nil {
					return err
				}
				switch {
				case rec.Clean() && len(rec.InProgress) == 0:
					fmt.Fprintln(out, "control database and tenant databases agree")
				case rec.Clean():
					fmt.Fprintf(out, "%d tenant(s) in progress; nothing else to repair\n", len(rec.InProgress))
				}
				return nil
			})
		},
	}
	reconcile.Flags().Bool("fix", false, "drop orphan databases")
	reconcile.Flags().Duration("stale", 0, "how old an unfinished provisioning or deletion must be (default tenants.provision_timeout)")
	restore := &cobra.Command{
		Use:   "restore ID",
		Short: "Bring back a tenant deleted within tenants.delete_retention",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("tenant id %q is not a number", args[0])
			}
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				t, err := a.tenants.Restore(cliContext(cmd), id)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "tenant %d restored as %s (%s)\n", t.ID, a.tenants.Domain(t), t.Status)
				return nil
			})
		},
	}
	export := &cobra.Command{
		Use:   "export ID [--out FILE] [--include-secrets]",
		Short: "Write a tenant's data as JSON lines ({\"table\":…,\"row\":{…}}) to FILE or stdout",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("tenant id %q is not a number", args[0])
			}
			path, _ := cmd.Flags().GetString("out")
			secrets, _ := cmd.Flags().GetBool("include-secrets")
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				if path == "" {
					return a.tenants.Export(cmd.Context(), id, cmd.OutOrStdout(), secrets)
				}
				f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
				if err != nil {
					return err
				}
				if err := a.tenants.Export(cmd.Context(), id, f, secrets); err != nil {
					f.Close()
					os.Remove(path)
					return err
				}
				return f.Close()
			})
		},
	}
	export.Flags().String("out", "", "file to write (must not exist); stdout when empty")
	export.Flags().Bool("include-secrets", false, "include password hashes and sessions (a full backup; keep the file safe)")
	tenants.AddCommand(reconcile, restore, export, newTenantsMigrateCmd(), newTenantsListCmd(), newTenantsMoveCmd())
	return tenants
}

// newTenantsMigrateCmd is `saasd tenants migrate`: the fleet migration.
func newTenantsMigrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate [--tenant ID] [--concurrency N] [--dry-run]",
		Short: "Apply pending tenant migrations to every tenant database (resumable; failures are named and skipped)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, _ := cmd.Flags().GetInt64("tenant")
			n, _ := cmd.Flags().GetInt("concurrency")
			dry, _ := cmd.Flags().GetBool("dry-run")
			if n < 1 || n > 64 {
				return fmt.Errorf("--concurrency %d: want 1 to 64", n)
			}
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				out := cmd.OutOrStdout()
				progress := newProgress(cmd.ErrOrStderr(), a.logger)
				run, err := a.tenants.MigrateFleet(cmd.Context(), tenant.MigrateOptions{TenantID: id, Concurrency: n, DryRun: dry, Progress: progress.update})
				progress.done()
				if err != nil {
					return err
				}
				if dry {
					for _, id := range run.Pending {
						fmt.Fprintf(out, "tenant %d: behind schema version %d\n", id, run.Target)
					}
					fmt.Fprintf(out, "%d tenants behind, %d at schema version %d\n", len(run.Pending), run.Current, run.Target)
					if run.WarmPending > 0 {
						fmt.Fprintf(out, "%d warm pool databases behind\n", run.WarmPending)
					}
					return nil
				}
				if run.WarmMigrated+run.WarmDiscarded > 0 {
					fmt.Fprintf(out, "warm pool: %d migrated, %d discarded (failed to migrate; the pool makes new ones)\n", run.WarmMigrated, run.WarmDiscarded)
				}
				failed := slices.Sorted(maps.Keys(run.Failed))
				for _, id := range failed {
					fmt.Fprintf(out, "tenant %d: FAILED: %v\n", id, run.Failed[id])
				}
				fmt.Fprintf(out, "schema version %d: %d migrated, %d already current, %d failed\n", run.Target, len(run.Migrated), run.Current, len(failed))
				if len(failed) > 0 {
					names := make([]string, len(failed))
					for i, id := range failed {
						names[i] = strconv.FormatInt(id, 10)
					}
					return fmt.Errorf("tenant migrations failed for tenants %s (run again to retry them)", strings.Join(names, ", "))
				}
				return nil
			})
		},
	}
	cmd.Flags().Int64("tenant", 0, "migrate this tenant only")
	cmd.Flags().Int("concurrency", 4, "tenant databases migrated at once")
	cmd.Flags().Bool("dry-run", false, "list the tenants that are behind, migrate nothing")
	return cmd
}

// newTenantsMoveCmd is `saasd tenants move ID --to SERVER`.
func newTenantsMoveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "move ID --to SERVER",
		Short: "Copy a tenant's database to another database server, verify it and switch the tenant there (read-only meanwhile)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("tenant id %q is not a number", args[0])
			}
			to, _ := cmd.Flags().GetString("to")
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				m, err := a.tenants.Move(cliContext(cmd), id, to)
				if err != nil {
					return err
				}
				secs := max(m.Took.Seconds(), 0.001)
				fmt.Fprintf(cmd.OutOrStdout(), "tenant %d moved from %s to %s: %d tables, %d rows, %.1f MB in %s (%.0f rows/s, %.1f MB/s); read-only for %s\n",
					id, m.From, m.To, m.Tables, m.Rows, float64(m.Bytes)/1e6, m.Took.Round(time.Millisecond),
					float64(m.Rows)/secs, float64(m.Bytes)/1e6/secs, m.ReadOnly.Round(time.Millisecond))
				if m.Tenant.MovedFrom != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "the old copy on %s could not be dropped yet; tenants reconcile drops it\n", m.From)
				}
				return nil
			})
		},
	}
	cmd.Flags().String("to", "", "the database server to move to (required)")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

// newTenantsListCmd is `saasd tenants list`.
func newTenantsListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [--status S] [--schema-version N] [--failed]",
		Short: "List tenants with their database and schema version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			status, _ := cmd.Flags().GetString("status")
			failed, _ := cmd.Flags().GetBool("failed")
			f := core.TenantFilter{Status: core.Status(status), PerPage: core.MaxPerPage, MigrationFailed: failed}
			if cmd.Flags().Changed("schema-version") {
				v, _ := cmd.Flags().GetInt64("schema-version")
				f.SchemaVersion = &v
			}
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tSUBDOMAIN\tSTATUS\tSERVER\tDATABASE\tSCHEMA\tMIGRATION ERROR")
				for f.Page = 1; ; f.Page++ {
					list, _, err := a.tenants.List(cmd.Context(), f)
					if err != nil {
						return err
					}
					for _, t := range list {
						fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", t.ID, t.Subdomain, t.Status, core.ServerName(t.Server), t.Database, t.SchemaVersion, t.MigrationError)
					}
					if len(list) < f.PerPage {
						break
					}
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().String("status", "", "only tenants with this status")
	cmd.Flags().Int64("schema-version", 0, "only tenants at this schema version")
	cmd.Flags().Bool("failed", false, "only tenants whose last migration failed")
	return cmd
}

// progress shows how far a fleet migration is: a bar redrawn in place on a
// terminal, a log line every few seconds otherwise.
type progress struct {
	w        io.Writer
	terminal bool
	logger   *zap.Logger
	last     time.Time
	drawn    bool
}

func newProgress(w io.Writer, logger *zap.Logger) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, terminal: ok && isatty.IsTerminal(f.Fd()), logger: logger}
}

func (p *progress) update(done, total, failed int) {
	if p.terminal {
		const width = 30
		filled := width * done / max(total, 1)
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d tenants, %d failed", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, failed)
		p.drawn = true
		return
	}
	if time.Since(p.last) >= 5*time.Second || done == total {
		p.last = time.Now()
		p.logger.Info("tenant migration progress", zap.Int("done", done), zap.Int("total", total), zap.Int("failed", failed))
	}
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

func newBillingCmd() *cobra.Command {
	billingCmd := &cobra.Command{Use: "billing", Short: "Run subscription billing"}
	billingCmd.AddCommand(&cobra.Command{
		Use:   "run-once",
		Short: "Renew, invoice, mark past due and suspend what is due now, then exit (for cron)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				run, err := a.worker.RunOnce(cmd.Context())
				if err != nil {
					return err
				}
				if !run.Leased {
					fmt.Fprintln(cmd.OutOrStdout(), "another worker holds the billing lease; nothing done")
					return nil
				}
				fmt.Fprintf(cmd.OutOrStdout(), "tenants %d, changed %d, invoices issued %d\n", run.Tenants, run.Changed, run.Invoices)
				// Send what the run produced, for cron users without a server.
				if _, err := a.webhooks.Dispatch(cmd.Context()); err != nil {
					return fmt.Errorf("webhooks: %w", err)
				}
				return nil
			})
		},
	})
	return billingCmd
}

// cliContext is the command's context with the CLI as the actor, for the
// changes the audit trail records.
func cliContext(cmd *cobra.Command) context.Context {
	return core.WithActor(cmd.Context(), core.APIToken{Name: core.CLIActor})
}

// newAuditCmd is `saasd audit`: the audit trail, newest first.
func newAuditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit [--action A] [--target-type T] [--target-id ID] [--token NAME] [--since TIME] [--until TIME] [--limit N] [--page N]",
		Short: "Print the audit trail of superadmin changes, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			f := core.AuditFilter{}
			f.Action, _ = fl.GetString("action")
			f.TargetType, _ = fl.GetString("target-type")
			f.TargetID, _ = fl.GetString("target-id")
			f.Token, _ = fl.GetString("token")
			f.PerPage, _ = fl.GetInt("limit")
			f.Page, _ = fl.GetInt("page")
			for name, dst := range map[string]**time.Time{"since": &f.Since, "until": &f.Until} {
				v, _ := fl.GetString(name)
				if v == "" {
					continue
				}
				t, err := parseCLITime(v)
				if err != nil {
					return fmt.Errorf("--%s %q: want an RFC 3339 time, a date, or a duration ago such as 24h", name, v)
				}
				*dst = &t
			}
			return withApp(cmd.Context(), configPath(cmd), func(a *app) error {
				list, total, err := a.audit.List(cmd.Context(), f)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "AT\tACTOR\tACTION\tTARGET\tREQUEST\tCHANGES")
				for _, e := range list {
					actor := e.Actor
					if actor == "" {
						actor = "-"
					}
					changes, _ := json.Marshal(e.Changes)
					fmt.Fprintf(w, "%s\t%s\t%s\t%s %s\t%s\t%s\n", e.At.UTC().Format(time.RFC3339), actor, e.Action, e.TargetType, e.TargetID, e.RequestID, changes)
				}
				if err := w.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d of %d entries\n", len(list), total)
				return nil
			})
		},
	}
	fl := cmd.Flags()
	fl.String("action", "", "only this action, e.g. tenant.create")
	fl.String("target-type", "", "only this kind of target: tenant, plan, subscription, invoice, webhook, token")
	fl.String("target-id", "", "only this target")
	fl.String("token", "", "only changes made with this token (its name; cli for the CLI's own)")
	fl.String("since", "", "from this time on (RFC 3339, a date, or a duration ago such as 24h)")
	fl.String("until", "", "before this time")
	fl.Int("limit", 50, "entries per page (at most 100)")
	fl.Int("page", 1, "page")
	return cmd
}

// parseCLITime reads an RFC 3339 time, a date, or a duration before now.
func parseCLITime(v string) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return time.Now().UTC().Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.DateOnly, v)
}
