// Package httpapi is the service's HTTP surface: its routes and the probe the image's
// HEALTHCHECK runs.
package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// 3 s: the image's HEALTHCHECK gives the probe 5 s; the endpoint answers in microseconds.
const probeTimeout = 3 * time.Second

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

// Probe fails unless url answers 200.
func Probe(url string) error {
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
