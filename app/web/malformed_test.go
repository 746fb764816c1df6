package web_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawRequest sends text as is on a new connection and reads one response.
func rawRequest(t *testing.T, v *testVenue, text string) *http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(v.URL, "http://"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	r.Body.Close()
	return r
}

// Requests refused before any route runs — a method no route knows, no Host
// header in HTTP/1.1, two of them — answer 400 invalid_request with every security
// header, like any other response; a well-formed request still works.
func TestMalformedRequestsCarrySecurityHeaders(t *testing.T) {
	v := newVenue(t, venueOptions{})
	for _, c := range []struct {
		name, text string
		status     int
	}{
		{"unknown method", "FOO / HTTP/1.1\r\nHost: venue.test\r\n\r\n", 400},
		{"unknown method on the API", "BREW /api/catalog HTTP/1.1\r\nHost: venue.test\r\n\r\n", 400},
		{"no Host", "GET /api/catalog HTTP/1.1\r\n\r\n", 400},
		{"no Host, HTTP/1.0 (a health check's)", "GET /healthz HTTP/1.0\r\n\r\n", 200},
		{"two Hosts", "GET /api/catalog HTTP/1.1\r\nHost: venue.test\r\nHost: evil.example\r\n\r\n", 400},
		{"two Hosts, other case", "GET / HTTP/1.1\r\nHost: venue.test\r\nhOsT: evil.example\r\n\r\n", 400},
		{"well formed", "GET /api/catalog HTTP/1.1\r\nHost: venue.test\r\nConnection: close\r\n\r\n", 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rawRequest(t, v, c.text)
			if r.StatusCode != c.status {
				t.Errorf("status %d, want %d", r.StatusCode, c.status)
			}
			for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "X-Request-Id"} {
				if r.Header.Get(h) == "" {
					t.Errorf("no %s header", h)
				}
			}
			if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("CSP %q", r.Header.Get("Content-Security-Policy"))
			}
		})
	}
}
