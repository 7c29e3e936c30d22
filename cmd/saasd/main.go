// Command saasd runs the SaaS control plane: the superadmin API, tenant
// provisioning and the control-database migrations.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "saasd:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "saasd",
		Short:         "Control plane for a SaaS where every tenant has its own database",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("config", "", "YAML config file (keys can also be set as SAAS_* environment variables)")
	root.AddCommand(newServeCmd(), newMigrateCmd(), newTokenCmd(), newUsageCmd(), newTenantsCmd(), newBillingCmd(), newHealthcheckCmd(), newAuditCmd())
	return root
}

func configPath(cmd *cobra.Command) string {
	path, _ := cmd.Flags().GetString("config")
	return path
}
