package main

import (
	"fmt"
	"net"
	"slices"
	"text/tabwriter"
	"time"

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
				secret, t, err := a.auth.Create(cmd.Context(), name)
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
				if err := a.auth.Revoke(cmd.Context(), name); err != nil {
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
