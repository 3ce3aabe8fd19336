// Package main is a small net/http web service: the example that fargate-pipeline deploys a Go app.
package main

import (
	"encoding/json"
	"net/http"
)

// BuildInfo is what the build says about itself: the image's VERSION and GIT_COMMIT.
type BuildInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
}

// NewHandler routes the service's endpoints: a greeting at / and the health endpoint /healthz,
// which reports the build so a smoke test can tell which commit answers.
func NewHandler(info BuildInfo) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]string{"status": "ok", "version": info.Version, "commit": info.Commit})
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]string{"message": "hello from go-demo"})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, body any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}
