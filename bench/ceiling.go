package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	_ "github.com/go-sql-driver/mysql" // the "mysql" database/sql driver
)

// ceilingCmd is the hidden first argument that makes this binary serve the
// ceiling instead of running the bench. It is a separate process, like
// saasd, so that both servers are measured under the same conditions.
const ceilingCmd = "serve-ceiling"

// ceiling starts the ceiling server on the control schema saasd made and
// measures GET /tenants/{id} for the tenant saasd created.
func (b *bench) ceiling(ctx context.Context, dsn string, id int64) (result, error) {
	addr, err := freeAddr()
	if err != nil {
		return result{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	srv, err := startProc(ctx, "ceiling", os.Environ(), self, ceilingCmd, "-addr", addr, "-dsn", dsn)
	if err != nil {
		return result{}, err
	}
	defer func() {
		b.gen.client.CloseIdleConnections()
		if err := srv.stop(); err != nil {
			b.logger.Printf("ceiling: %v", err)
		}
	}()
	url := "http://" + addr + "/tenants/" + strconv.FormatInt(id, 10)
	if err := srv.waitReady(ctx, b.gen.client, url, 30*time.Second); err != nil {
		return result{}, err
	}
	return b.measure(ctx, "ceiling", srv, url, "")
}

// runCeiling serves the ceiling until SIGINT or SIGTERM: a bare Gin engine
// with no middleware and one route that does one primary-key select through
// database/sql, with the same pool size as saasd.
func runCeiling(args []string) error {
	fs := flag.NewFlagSet(ceilingCmd, flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	dsn := fs.String("dsn", "", "control schema DSN")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := sql.Open("mysql", *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(poolSize)
	db.SetMaxIdleConns(poolSize)
	db.SetConnMaxLifetime(5 * time.Minute) // as saasd's pool

	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.GET("/tenants/:id", func(c *gin.Context) {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil {
			c.AbortWithStatus(http.StatusNotFound)
			return
		}
		var t struct {
			ID          int64  `json:"id"`
			CompanyName string `json:"company_name"`
			Subdomain   string `json:"subdomain"`
			Status      string `json:"status"`
		}
		err = db.QueryRowContext(c.Request.Context(), "SELECT id, company_name, subdomain, status FROM tenants WHERE id = ?", id).
			Scan(&t.ID, &t.CompanyName, &t.Subdomain, &t.Status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			c.AbortWithStatus(http.StatusNotFound)
		case err != nil:
			c.AbortWithStatus(http.StatusInternalServerError)
		default:
			c.JSON(http.StatusOK, t)
		}
	})

	srv := &http.Server{Addr: *addr, Handler: e, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", *addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
