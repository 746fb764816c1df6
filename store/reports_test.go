package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// insertMany inserts n bookings with raw SQL: two rooms at each start, a start
// every hour from day0, every fifth cancelled.
func insertMany(t *testing.T, s *Store, n int) {
	t.Helper()
	db := openRaw(t, s)
	_, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?2 - 1)
		INSERT INTO bookings (id, reference, tier_id, package_id, room_id, start_at, end_at, guests, price_cents, currency,
			customer_name, customer_email, status, created_at, updated_at)
		SELECT printf('%026d', i), printf('VB-%06d', i), 't1', 'p60', CASE i % 2 WHEN 0 THEN 'a' ELSE 'b' END,
			?1 + (i / 2) * 3600, ?1 + (i / 2) * 3600 + 1800, 1 + i % 3, 1000, 'EUR', 'Ada', 'ada@example.com',
			CASE i % 5 WHEN 0 THEN 'cancelled' ELSE 'confirmed' END, ?1, ?1
		FROM n`, day0.Unix(), n)
	if err != nil {
		t.Fatal(err)
	}
}

// EachBooking visits every booking of the range exactly once, in order of
// start, room and id, across many pages, and stops at fn's first error.
func TestEachBookingPagesThroughEveryBooking(t *testing.T) {
	s := openTestStore(t, nil)
	const n = 3*exportPage + 7
	insertMany(t, s, n)
	ctx := context.Background()
	var seen []Booking
	err := s.EachBooking(ctx, BookingFilter{From: day0, To: day0.Add(1000 * time.Hour)}, func(b Booking) error {
		seen = append(seen, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("visited %d bookings, want %d", len(seen), n)
	}
	ids := map[string]bool{}
	for i, b := range seen {
		if ids[b.ID] {
			t.Fatalf("booking %s visited twice", b.ID)
		}
		ids[b.ID] = true
		if i > 0 {
			p := seen[i-1]
			if b.Start.Before(p.Start) || b.Start.Equal(p.Start) && b.RoomID <= p.RoomID {
				t.Fatalf("out of order at %d: %s %s after %s %s", i, b.Start, b.RoomID, p.Start, p.RoomID)
			}
		}
	}
	// A range and a status filter select exactly their bookings.
	var cancelled int
	err = s.EachBooking(ctx, BookingFilter{From: day0.Add(10 * time.Hour), To: day0.Add(20 * time.Hour), Status: StatusCancelled}, func(b Booking) error {
		cancelled++
		return nil
	})
	if err != nil || cancelled != 4 {
		t.Errorf("cancelled between hours 10 and 20: %d (%v), want 4", cancelled, err)
	}
	stop := errors.New("stop")
	calls := 0
	if err := s.EachBooking(ctx, BookingFilter{From: day0, To: day0.Add(1000 * time.Hour)}, func(Booking) error {
		calls++
		return stop
	}); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("EachBooking after fn failed: %v after %d calls", err, calls)
	}
}

// BookingTotals sums by tier, room and status what the rows hold.
func TestBookingTotals(t *testing.T) {
	s := openTestStore(t, nil)
	insertMany(t, s, 20) // 10 hours, rooms a and b; ids 0, 5, 10, 15 cancelled
	totals, err := s.BookingTotals(context.Background(), day0, day0.Add(10*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Totals{}
	for _, g := range totals {
		got[g.RoomID+" "+g.Status] = g
	}
	// Room a: ids 0 2 4 … 18, cancelled 0 10; room b: ids 1 3 … 19, cancelled 5 15.
	for key, want := range map[string]Totals{
		"a confirmed": {Bookings: 8, PriceCents: 8000, BookedSeconds: 8 * 1800},
		"a cancelled": {Bookings: 2, PriceCents: 2000, BookedSeconds: 2 * 1800},
		"b confirmed": {Bookings: 8, PriceCents: 8000, BookedSeconds: 8 * 1800},
		"b cancelled": {Bookings: 2, PriceCents: 2000, BookedSeconds: 2 * 1800},
	} {
		g := got[key]
		if g.Bookings != want.Bookings || g.PriceCents != want.PriceCents || g.BookedSeconds != want.BookedSeconds || g.TierID != "t1" {
			t.Errorf("%s: %+v, want %+v", key, g, want)
		}
	}
	if len(got) != 4 {
		t.Errorf("groups %v", got)
	}
}

// The reports and the export read a range of the bookings_start index, never
// the whole table, also with statistics on a large table.
func TestReportQueriesUseStartIndex(t *testing.T) {
	s := openTestStore(t, nil)
	insertMany(t, s, 4000)
	db := openRaw(t, s)
	if _, err := db.Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	from, to := day0.Add(100*time.Hour).Unix(), day0.Add(124*time.Hour).Unix()
	for name, plan := range map[string][]string{
		"totals": queryPlan(t, db, bookingTotalsSQL, from, to),
		"export": queryPlan(t, db, eachBookingSQL, from, to, "", from-1, "", "", exportPage),
	} {
		uses := false
		for _, d := range plan {
			if strings.HasPrefix(d, "SCAN b") || strings.HasPrefix(d, "SCAN bookings") {
				t.Errorf("%s scans the bookings: %q", name, d)
			}
			uses = uses || strings.Contains(d, "USING INDEX bookings_start") || strings.Contains(d, "USING COVERING INDEX bookings_start")
		}
		if !uses {
			t.Errorf("%s does not use bookings_start:\n%s", name, strings.Join(plan, "\n"))
		}
	}
}
