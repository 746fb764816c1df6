package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"venuebook/app"
)

// benchStart is the first slot the booking benchmarks take; each booking takes
// the next hour, so every request is for a distinct free slot.
var benchStart = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func benchVenue(b *testing.B) *testVenue {
	return newVenue(b, venueOptions{Rooms: 1, Gap: -1, Hours: "00:00-24:00", StepMinutes: 60, NoticeMin: -1, AdvanceDays: 3660, NoClosures: true})
}

// runClients runs n operations over c concurrent clients and returns the
// elapsed time and each operation's latency.
func runClients(b *testing.B, n, c int, op func(i int) error) (time.Duration, []time.Duration) {
	b.Helper()
	var next atomic.Int64
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	var failed atomic.Int64
	began := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				if err := op(i); err != nil {
					if failed.Add(1) == 1 {
						b.Errorf("operation %d: %v", i, err)
					}
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	return time.Since(began), lat
}

func percentile(lat []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(float64(len(s)-1)*p)]
}

// BenchmarkCreateBooking measures booking creations per second over HTTP and,
// as the ceiling, the same store transaction called directly, at 1, 16 and 64
// concurrent clients, synchronous=FULL on both sides.
func BenchmarkCreateBooking(b *testing.B) {
	for _, clients := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("http/clients=%d", clients), func(b *testing.B) {
			v := benchVenue(b)
			bodies := make([]map[string]any, b.N)
			for i := range bodies {
				bodies[i] = bookingBody(benchStart.Add(time.Duration(i) * time.Hour).Format(time.RFC3339))
			}
			b.ResetTimer()
			elapsed, lat := runClients(b, b.N, clients, func(i int) error {
				r, err := v.try("POST", "/api/bookings", bodies[i], nil)
				if err == nil && r.Status != 201 {
					err = fmt.Errorf("%d %s", r.Status, r.Body)
				}
				return err
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "bookings/s")
			b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
		})
		b.Run(fmt.Sprintf("store/clients=%d", clients), func(b *testing.B) {
			// The ceiling: the same booking (validation, the transaction with
			// its emails) called on the Service directly, without HTTP.
			v := benchVenue(b)
			reqs := make([]app.BookingRequest, b.N)
			for i := range reqs {
				reqs[i] = app.BookingRequest{Tier: "classic", Package: "classic-60", Guests: 2,
					Start:    benchStart.Add(time.Duration(i) * time.Hour).Format(time.RFC3339),
					Customer: app.CustomerRequest{Name: "Ada Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0958"}}
			}
			b.ResetTimer()
			elapsed, lat := runClients(b, b.N, clients, func(i int) error {
				_, _, err := v.Svc.CreateBooking(context.Background(), reqs[i], "")
				return err
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "bookings/s")
			b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkAvailability31Days measures a 31-day availability query at 64
// concurrent clients with 10,000 bookings in the database.
func BenchmarkAvailability31Days(b *testing.B) {
	// Create the database, seed it straight with SQL, then serve it.
	opts := venueOptions{Rooms: 4, AdvanceDays: 3660, NoClosures: true, DatabasePath: filepath.Join(b.TempDir(), "seeded.db")}
	newVenue(b, opts).close(b)
	seedBookings(b, opts.DatabasePath, 10000)
	v := newVenue(b, opts)
	if n := v.countRows(b, "SELECT count(*) FROM bookings"); n != 10000 {
		b.Fatalf("seeded %d bookings", n)
	}
	rng := rand.New(rand.NewSource(1))
	queries := make([]string, b.N)
	for i := range queries {
		from := benchStart.AddDate(0, 0, rng.Intn(280))
		queries[i] = "/api/availability?package=classic-60&from=" + from.Format("2006-01-02") + "&to=" + from.AddDate(0, 0, 30).Format("2006-01-02")
	}
	b.ResetTimer()
	elapsed, lat := runClients(b, b.N, 64, func(i int) error {
		r, err := v.try("GET", queries[i], nil, nil)
		if err == nil && r.Status != 200 {
			err = fmt.Errorf("%d %s", r.Status, r.Body)
		}
		return err
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "queries/s")
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
}

// seedBookings writes n bookings straight into the file in one transaction:
// each of the 4 rooms gets 60-minute bookings every 90 minutes from 09:00 to
// 19:30 (eight a day, gap respected) from benchStart on, so about 32 a day.
func seedBookings(b *testing.B, path string, n int) {
	seedWith(b, path, n, func(i int) (string, time.Time) {
		day, rest := i/32, i%32
		room, slot := rest/8, rest%8
		return fmt.Sprintf("room%d", room+1), benchStart.AddDate(0, 0, day).Add(9*time.Hour + time.Duration(slot)*90*time.Minute)
	})
}

// seedWith writes n hour-long bookings straight into the file in one
// transaction, booking i in the room and at the start place gives it.
func seedWith(b *testing.B, path string, n int, place func(i int) (room string, start time.Time)) {
	b.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare(`INSERT INTO bookings (id, reference, tier_id, package_id, room_id, start_at, end_at, guests, price_cents,
		currency, customer_name, customer_email, created_at, updated_at) VALUES (?, ?, 'classic', 'classic-60', ?, ?, ?, 2, 4500, 'GBP', 'Seed', 'seed@example.com', 0, 0)`)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		room, start := place(i)
		if _, err := stmt.Exec(fmt.Sprintf("%026d", i), fmt.Sprintf("VB-%06d", i), room, start.Unix(), start.Add(time.Hour).Unix()); err != nil {
			b.Fatalf("seed %d: %v", i, err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
