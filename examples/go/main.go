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
)

const (
	// 20 s: in-flight requests finish after SIGTERM within ECS's 30 s stop timeout.
	shutdownTimeout = 20 * time.Second
	// 75 s: longer than the ALB's 60 s idle timeout, so the ALB closes idle connections first (no 502s).
	idleTimeout = 75 * time.Second
	// 10 s: a client that sends its headers slower than this is not a browser or a load balancer.
	readHeaderTimeout = 10 * time.Second
	// 3 s: the image's HEALTHCHECK gives the probe 5 s; the endpoint answers in microseconds.
	probeTimeout = 3 * time.Second
)

// main serves on $PORT (default 8080) until SIGTERM or SIGINT; `server healthcheck` probes a running
// server instead (the image's HEALTHCHECK: the scratch image has no curl).
func main() {
	port := envOr("PORT", "8080")
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		if err := probe("http://127.0.0.1:" + port + "/healthz"); err != nil {
			fmt.Fprintln(os.Stderr, "healthcheck:", err)
			os.Exit(1)
		}
		return
	}
	info := BuildInfo{Version: envOr("APP_VERSION", "0.0.0-dev"), Commit: envOr("GIT_COMMIT", "unknown")}
	if err := serve(":"+port, NewHandler(info)); err != nil {
		slog.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

// serve listens on addr and shuts down gracefully on SIGTERM/SIGINT.
func serve(addr string, handler http.Handler) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	slog.Info("listening", "addr", ln.Addr().String())
	errs := make(chan error, 1)
	go func() { errs <- srv.Serve(ln) }()
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errs; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// probe fails unless url answers 200.
func probe(url string) error {
	client := &http.Client{Timeout: probeTimeout}
	res, err := client.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", url, res.StatusCode)
	}
	return nil
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
