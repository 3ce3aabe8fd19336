package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	NewHandler(BuildInfo{Version: "1.2.3", Commit: "abc123"}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestHealthzReportsStatusVersionAndCommit(t *testing.T) {
	rec := get(t, "/healthz")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"status": "ok", "version": "1.2.3", "commit": "abc123"}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %q, want %q", k, body[k], v)
		}
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
}

func TestIndexGreets(t *testing.T) {
	if rec := get(t, "/"); rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
}

func TestUnknownPathIs404(t *testing.T) {
	if rec := get(t, "/nope"); rec.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", rec.Code)
	}
}

func TestHealthzRefusesPost(t *testing.T) {
	rec := httptest.NewRecorder()
	NewHandler(BuildInfo{}).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/healthz", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("status %d, want 405", rec.Code)
	}
}

func TestProbeAcceptsOnly200(t *testing.T) {
	srv := httptest.NewServer(NewHandler(BuildInfo{}))
	defer srv.Close()
	if err := Probe(srv.URL + "/healthz"); err != nil {
		t.Fatalf("probe of a healthy server: %v", err)
	}
	if err := Probe(srv.URL + "/nope"); err == nil {
		t.Fatal("probe of a 404 passed")
	}
}
