package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
)

// holdWriteLock takes SQLite's write lock on the venue's file from another
// connection, as a second process or a long checkpoint would, until release.
func holdWriteLock(t *testing.T, v *testVenue) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+v.DBPath+"?_pragma=busy_timeout(60000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("take the write lock: %v", err)
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		db.Close()
	}
}

// A database that cannot take a write answers 503 with Retry-After on every
// path that writes — the console's sign-out and forms included, which once
// answered 500 — as JSON on the API and as a page elsewhere; nothing changes,
// and once the lock is gone the same requests succeed.
func TestBusyDatabaseIs503Everywhere(t *testing.T) {
	v := newVenue(t, venueOptions{ExtraTOML: consoleLimits("")})
	addOwner(t, v, ownerEmail, ownerPassword)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	before := consoleState(t, v)

	release := holdWriteLock(t, v)
	r := o.do(t, "POST", "/api/admin/logout", nil, nil)
	wantAPIError(t, "logout while the database is locked", r, http.StatusServiceUnavailable, "unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	r = v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T09:00:00Z"), nil)
	wantAPIError(t, "booking while the database is locked", r, http.StatusServiceUnavailable, "unavailable")
	page := o.do(t, "POST", "/admin/blackouts", "start_date=2026-12-20&end_date=2026-12-20&room=&reason=x&csrf="+o.csrf,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if page.Status != http.StatusServiceUnavailable || !strings.Contains(page.Header.Get("Content-Type"), "text/html") {
		t.Errorf("console form while locked: %d %s, want a 503 page", page.Status, page.Header.Get("Content-Type"))
	}
	release()

	if after := consoleState(t, v); after != before {
		t.Errorf("refused requests changed the database:\n%s\nwant\n%s", after, before)
	}
	if r := o.do(t, "POST", "/api/admin/logout", nil, nil); r.Status != http.StatusOK {
		t.Errorf("logout once the lock is gone: %d %s", r.Status, r.Body)
	}
}
