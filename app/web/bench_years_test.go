package web_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// yearsOfBookings is the size of the "years of data" database: a busy venue's
// decade (20 rooms, about 270 bookings a day, December 2015 to November 2026).
const yearsOfBookings = 1_000_000

// generateYears writes yearsOfBookings bookings into the venue database at
// path with raw SQL, as a decade of use would have: twenty rooms, a booking
// every 105 minutes per room, a tenth cancelled, every booking with a sent
// confirmation in the outbox.
func generateYears(b *testing.B, path string) {
	b.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(60000)&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// The decade that ends at the test venue's "now" (27 November 2026).
	start := testNow.Add(-time.Duration(yearsOfBookings/20) * 6300 * time.Second).Unix()
	const rooms = 20
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	_, err = tx.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?2 - 1)
		INSERT INTO bookings (id, reference, tier_id, package_id, room_id, start_at, end_at, guests, price_cents, currency,
			customer_name, customer_email, customer_phone, notes, status, created_at, updated_at)
		SELECT printf('%026d', i), printf('VB-%06d', i), 'classic', 'classic-60', 'room' || (1 + i % 20),
			?1 + (i / 20) * 6300, ?1 + (i / 20) * 6300 + 3600, 1 + i % 4, 4500, 'GBP',
			CASE i % 1000 WHEN 7 THEN 'Jürgen Müller' ELSE printf('Guest %d', i) END, printf('guest%d@example.com', i),
			'+44 20 7946 0958', '', CASE i % 10 WHEN 3 THEN 'cancelled' ELSE 'confirmed' END, ?1, ?1
		FROM n`, start, yearsOfBookings)
	if err != nil {
		b.Fatalf("generate bookings: %v", err)
	}
	body := strings.Repeat("Your booking is confirmed. ", 8)
	_, err = tx.Exec(`INSERT INTO outbox (kind, booking_id, recipient, subject, body_text, body_html, message_id, status,
			attempts, next_attempt_at, created_at, updated_at, sent_at, relay)
		SELECT 'confirmation', id, customer_email, 'Booking confirmed', ?1, ?1, 'vb.' || id || '@venue.test', 'sent', 1,
			created_at, created_at, created_at, created_at, 'primary' FROM bookings`, body)
	if err != nil {
		b.Fatalf("generate outbox: %v", err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
}

// peakRSS returns the process's peak resident set since resetPeakRSS, in bytes.
func peakRSS() int64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// BenchmarkYearsOfData measures the console at a decade of bookings
// (issue 12's targets): a day view and a year's search under 50 ms, a year's
// stats under 500 ms, a year's export with RSS under 100 MB, start-up under 1 s.
func BenchmarkYearsOfData(b *testing.B) {
	dir := b.TempDir()
	dbPath := filepath.Join(dir, "venuebook.db")
	opts := venueOptions{Rooms: 20, DatabasePath: dbPath, ExtraTOML: consoleLimits(""), AdvanceDays: 3660}
	newVenue(b, opts).close(b) // the schema and the catalog
	began := time.Now()
	generateYears(b, dbPath)
	st, _ := os.Stat(dbPath)
	b.Logf("generated %d bookings and their emails in %s: %d MB", yearsOfBookings, time.Since(began).Round(time.Second), st.Size()>>20)

	// The first nightly upkeep over the decade: it purges the bodies of all
	// but the last 30 days of mail (later nights purge one day's).
	first := newVenue(b, opts)
	t0 := time.Now()
	u, err := first.Svc.Maintain(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	maintain := time.Since(t0)
	first.close(b)

	// SQLite's quick_check alone (part of every start-up).
	raw, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	began = time.Now()
	var verdict string
	if err := raw.QueryRow("PRAGMA quick_check").Scan(&verdict); err != nil || verdict != "ok" {
		b.Fatalf("quick_check: %q %v", verdict, err)
	}
	quickCheck := time.Since(began)
	raw.Close()

	began = time.Now()
	v := newVenue(b, opts)
	startup := time.Since(began)
	addOwner(b, v, ownerEmail, ownerPassword)
	o := consoleLogin(b, v, ownerEmail, ownerPassword)
	get := func(path string) (time.Duration, int) {
		t0 := time.Now()
		r := o.do(b, "GET", path, nil, nil)
		if r.Status != http.StatusOK {
			b.Fatalf("%s: %d %.300s", path, r.Status, r.Body)
		}
		return time.Since(t0), len(r.Body)
	}
	best := func(path string) time.Duration {
		var min time.Duration
		for i := 0; i < 5; i++ {
			d, _ := get(path)
			if i == 0 || d < min {
				min = d
			}
		}
		return min
	}
	day := best("/api/admin/bookings?from=2025-06-12&to=2025-06-12")
	search := best("/api/admin/bookings?from=2025-01-01&to=2025-12-31&q=M%C3%BCller")
	stats := best("/api/admin/stats?from=2025-01-01&to=2025-12-31")
	dayPage := best("/admin?date=2025-06-12")

	runtime.GC()
	resetPeakRSS()
	baseRSS := peakRSS()
	t0 = time.Now()
	resp, err := o.c.Do(mustRequest(b, o, "/api/admin/export.csv?from=2025-01-01&to=2025-12-31"))
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	export := time.Since(t0)
	rss := peakRSS()

	b.ReportMetric(float64(startup.Milliseconds()), "startup-ms")
	b.ReportMetric(float64(day.Microseconds())/1000, "day-ms")
	b.ReportMetric(float64(dayPage.Microseconds())/1000, "daypage-ms")
	b.ReportMetric(float64(search.Microseconds())/1000, "search-ms")
	b.ReportMetric(float64(stats.Microseconds())/1000, "stats-ms")
	b.ReportMetric(float64(export.Milliseconds()), "export-ms")
	b.ReportMetric(float64(n>>20), "export-MB")
	b.ReportMetric(float64(rss>>20), "export-peak-rss-MB")
	b.ReportMetric(float64((rss-baseRSS)>>20), "export-rss-growth-MB")
	b.ReportMetric(float64(quickCheck.Milliseconds()), "quickcheck-ms")
	b.ReportMetric(float64(maintain.Milliseconds()), "maintain-ms")
	b.Logf("first maintenance purged %d mail bodies", u.MailBodiesPurged)
	for i := 0; i < b.N; i++ {
	}
}

func mustRequest(b *testing.B, o *ownerClient, path string) *http.Request {
	req, err := http.NewRequest("GET", o.v.URL+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.AddCookie(o.cookie)
	return req
}
