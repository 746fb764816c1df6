package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
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
			customer_name, customer_email, customer_phone, notes, status, created_at, updated_at, search_text)
		SELECT printf('%026d', i), printf('VB-%06d', i), 'classic', 'classic-60', 'room' || (1 + i % 20),
			?1 + (i / 20) * 6300, ?1 + (i / 20) * 6300 + 3600, 1 + i % 4, 4500, 'GBP',
			CASE i % 1000 WHEN 7 THEN 'Jürgen Müller' ELSE printf('Guest %d', i) END, printf('guest%d@example.com', i),
			'+44 20 7946 0958', '', CASE i % 10 WHEN 3 THEN 'cancelled' ELSE 'confirmed' END, ?1, ?1,
			-- store.SearchText of these ASCII-but-one names, spelt out
			lower(printf('VB-%06d', i)) || x'1f' || CASE i % 1000 WHEN 7 THEN 'jürgen müller' ELSE printf('guest %d', i) END
				|| x'1f' || printf('guest%d@example.com', i) || x'1f' || x'1f' || x'1f' || '442079460958'
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
	// The console's figures in the steady state: after the start-up check,
	// which reads the whole file for its first seconds.
	<-v.Svc.Store.IntegrityChecked()
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
	// A search that matches a third of the year: a page of 100 and the count.
	broad := best("/api/admin/bookings?from=2025-01-01&to=2025-12-31&q=guest%209")
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

	v.close(b)
	bin := binaryFigures(b, opts, dbPath)

	b.ReportMetric(float64(bin.startup.Milliseconds()), "binary-startup-ms")
	b.ReportMetric(float64(bin.writable.Milliseconds()), "binary-writable-ms")
	b.ReportMetric(float64(bin.afterCrash.Milliseconds()), "binary-writable-after-crash-ms")
	b.ReportMetric(float64(bin.export.Milliseconds()), "binary-export-ms")
	b.ReportMetric(float64(bin.peakRSS>>20), "binary-export-peak-rss-MB")
	b.ReportMetric(float64(bin.stop.Milliseconds()), "binary-stop-ms")
	b.ReportMetric(float64(startup.Milliseconds()), "startup-ms")
	b.ReportMetric(float64(day.Microseconds())/1000, "day-ms")
	b.ReportMetric(float64(dayPage.Microseconds())/1000, "daypage-ms")
	b.ReportMetric(float64(search.Microseconds())/1000, "search-ms")
	b.ReportMetric(float64(broad.Microseconds())/1000, "search-broad-ms")
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

// realBinary is what the venuebook binary itself showed on the decade's file.
type realBinary struct {
	// startup: until /healthz answers 200 (reads served); writable: until a
	// sign-in (a write) succeeds. afterCrash is the first run on the file,
	// which no clean stop preceded, so its writes wait for the start-up
	// quick_check; the other figures are of the next run, after a clean stop.
	startup, writable, export, stop time.Duration
	afterCrash                      time.Duration // writable, on the first run
	peakRSS                         int64         // VmHWM after a year's export, bytes
}

// binaryFigures builds venuebook and serves dbPath with it (the config of
// opts) twice, measuring from outside: the first run (as after a crash) until
// a write succeeds; the second (after the first's clean stop) until /healthz
// answers 200 and until a write succeeds, a year's CSV export with the
// process's peak RSS (VmHWM from /proc), and the stop after SIGTERM.
func binaryFigures(b *testing.B, opts venueOptions, dbPath string) realBinary {
	b.Helper()
	bin := buildVenuebook(b)
	cfg, base := binaryConfig(b, opts, dbPath)
	var got realBinary
	// As after a crash: no clean-stop mark (the in-process server left one).
	raw, err := sql.Open("sqlite", "file:"+dbPath)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := raw.Exec("DELETE FROM settings WHERE key = 'clean_stop_at'"); err != nil {
		b.Fatal(err)
	}
	raw.Close()
	first := serveBinary(b, bin, cfg, base)
	got.afterCrash = first.writable
	first.stop()
	second := serveBinary(b, bin, cfg, base)
	got.startup, got.writable = second.startup, second.writable
	t0 := time.Now()
	resp, err := second.c.Get(second.base + "/api/admin/export.csv?from=2025-01-01&to=2025-12-31")
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("export from the binary: %v %v", err, resp)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	got.export = time.Since(t0)
	got.peakRSS = second.peakRSS()
	got.stop = second.stop()
	return got
}

// buildVenuebook builds the venuebook binary into a temporary directory.
func buildVenuebook(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "venuebook")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// binaryConfig writes the config of opts for the binary serving dbPath on
// a free loopback port, logging at info (what it does while writes wait is
// reported); it returns the file and the base URL.
func binaryConfig(b *testing.B, opts venueOptions, dbPath string) (cfg, base string) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	opts.ServerTOML += fmt.Sprintf("listen = %q\n", addr)
	cfg = filepath.Join(b.TempDir(), "config.toml")
	text := strings.Replace(configTOML(opts, dbPath), `level = "error"`, `level = "info"`, 1)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		b.Fatal(err)
	}
	return cfg, "http://" + addr
}

// peakRSS is the running binary's peak resident set (VmHWM), in bytes.
func (sb *servedBinary) peakRSS() int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", sb.cmd.Process.Pid))
	if err != nil {
		sb.b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 10, 64)
			return n << 10
		}
	}
	return 0
}

// stopQuietly is stop without the binary's log, unless it fails.
func (sb *servedBinary) stopQuietly() time.Duration {
	t0 := time.Now()
	_ = sb.cmd.Process.Signal(syscall.SIGTERM)
	if err := sb.cmd.Wait(); err != nil {
		sb.b.Fatalf("the binary did not stop cleanly: %v\n%s", err, sb.logs.String())
	}
	return time.Since(t0)
}

// servedBinary is a running venuebook with a signed-in owner.
type servedBinary struct {
	b                 *testing.B
	cmd               *exec.Cmd
	logs              *bytes.Buffer
	base              string
	c                 *http.Client
	startup, writable time.Duration
}

// serveBinary starts bin with cfg and waits until /healthz answers 200 and
// then until an owner's sign-in (a write: it stores the session) succeeds.
func serveBinary(b *testing.B, bin, cfg, base string) *servedBinary {
	b.Helper()
	sb := &servedBinary{b: b, cmd: exec.Command(bin, "serve", "-config", cfg), logs: &bytes.Buffer{}, base: base}
	began := time.Now()
	sb.cmd.Stderr = sb.logs
	if err := sb.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(began) > time.Minute {
			b.Fatalf("the binary did not answer /healthz within a minute\n%s", sb.logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	sb.startup = time.Since(began)
	jar, _ := cookiejar.New(nil)
	sb.c = &http.Client{Jar: jar}
	// Writes wait for the start-up quick_check unless the last stop was
	// clean: 503 with Retry-After until it is done.
	for {
		resp, err := sb.c.Post(base+"/api/admin/login", "application/json", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, ownerEmail, ownerPassword)))
		if err != nil {
			b.Fatalf("login to the binary: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if resp.StatusCode != http.StatusServiceUnavailable || time.Since(began) > 15*time.Minute {
			b.Fatalf("login to the binary: %d", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	sb.writable = time.Since(began)
	return sb
}

// stop sends SIGTERM, waits for the exit, logs what the binary logged at
// info and above (requests aside) and returns how long the stop took.
func (sb *servedBinary) stop() time.Duration {
	took := sb.stopQuietly()
	for _, line := range strings.Split(sb.logs.String(), "\n") {
		if strings.Contains(line, `"level":"INFO"`) && !strings.Contains(line, `"msg":"request"`) || strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
			sb.b.Logf("binary: %.300s", line)
		}
	}
	return took
}
