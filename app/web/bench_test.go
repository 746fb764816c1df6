package web_test

import (
	"database/sql"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchStart is the first slot the booking benchmarks take; each booking takes
// the next hour, so every request is for a distinct free slot.
var benchStart = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

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
