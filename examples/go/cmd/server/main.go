// Command server is a small net/http web service: the example that fargate-pipeline deploys a Go
// app laid out as cmd/ + internal/, with its one dependency vendored.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"example.com/go-demo/internal/httpapi"
)

const (
	// 20 s: in-flight requests finish after SIGTERM within ECS's 30 s stop timeout.
	shutdownTimeout = 20 * time.Second
	// 75 s: longer than the ALB's 60 s idle timeout, so the ALB closes idle connections first (no 502s).
	idleTimeout = 75 * time.Second
	// 10 s: a client that sends its headers slower than this is not a browser or a load balancer.
	readHeaderTimeout = 10 * time.Second
)

// main serves on $PORT (default 8080) until SIGTERM or SIGINT; `server healthcheck` probes a running
// server instead (the image's HEALTHCHECK: the scratch image has no curl).
func main() {
	port := envOr("PORT", "8080")
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		if err := httpapi.Probe("http://127.0.0.1:" + port + "/healthz"); err != nil {
			fmt.Fprintln(os.Stderr, "healthcheck:", err)
			os.Exit(1)
		}
		return
	}
	info := httpapi.BuildInfo{Version: envOr("APP_VERSION", "0.0.0-dev"), Commit: envOr("GIT_COMMIT", "unknown")}
	if err := serve(":"+port, httpapi.NewHandler(info)); err != nil {
		slog.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

// serve listens on addr and shuts down gracefully on SIGTERM/SIGINT: one goroutine serves, the
// other waits for the signal and drains; the group returns the first error of either.
func serve(addr string, handler http.Handler) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	slog.Info("listening", "addr", ln.Addr().String())
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		slog.Info("shutting down")
		shutdown, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		return srv.Shutdown(shutdown)
	})
	return g.Wait()
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
