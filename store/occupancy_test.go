package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// Occupancy serves availability from an in-memory mirror of the active
// bookings and blackouts. These tests hold the mirror to the database: after
// any sequence of store writes, and after reopening, Occupancy must say what a
// query of the tables says.

// occupancyFromDB computes what Occupancy(rooms, from, to) must return, from
// the tables: bookings per room sorted by start, blackouts sorted by start.
func occupancyFromDB(t *testing.T, db *sql.DB, rooms []string, from, to time.Time) (map[string][]Interval, []Interval) {
	t.Helper()
	bookings := map[string][]Interval{}
	for _, room := range rooms {
		rows, err := db.Query(`SELECT start_at, end_at FROM bookings
			WHERE room_id = ? AND status <> 'cancelled' AND start_at >= ? AND start_at < ? ORDER BY start_at`,
			room, from.Unix()-2*86400, to.Unix()+2*86400)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s, e int64
			if err := rows.Scan(&s, &e); err != nil {
				t.Fatal(err)
			}
			bookings[room] = append(bookings[room], Interval{room, time.Unix(s, 0).UTC(), time.Unix(e, 0).UTC()})
		}
		rows.Close()
	}
	args := []any{from.Unix(), to.Unix()}
	marks := make([]string, len(rooms))
	for i, r := range rooms {
		marks[i] = "?"
		args = append(args, r)
	}
	rows, err := db.Query(`SELECT coalesce(room_id, ''), start_at, end_at FROM blackouts
		WHERE end_at > ? AND start_at < ? AND (room_id IS NULL OR room_id IN (`+strings.Join(marks, ",")+`))
		ORDER BY start_at, id`, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var blackouts []Interval
	for rows.Next() {
		var iv Interval
		var s, e int64
		if err := rows.Scan(&iv.Room, &s, &e); err != nil {
			t.Fatal(err)
		}
		iv.Start, iv.End = time.Unix(s, 0).UTC(), time.Unix(e, 0).UTC()
		blackouts = append(blackouts, iv)
	}
	return bookings, blackouts
}

// assertOccupancyMatchesDB compares Occupancy with the tables over a few windows.
func assertOccupancyMatchesDB(t *testing.T, s *Store, db *sql.DB, what string) {
	t.Helper()
	windows := []struct{ from, to time.Time }{
		{at(0, 0), at(24, 0)},
		{at(24, 0), at(48, 0)},
		{at(-96, 0), at(96, 0)},
	}
	for _, rooms := range [][]string{{"a", "b"}, {"b"}} {
		for _, w := range windows {
			label := fmt.Sprintf("%s: rooms %v [%v, %v)", what, rooms, w.from.Format("02 15:04"), w.to.Format("02 15:04"))
			bookings, blackouts, err := s.Occupancy(context.Background(), rooms, w.from, w.to)
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			wantBookings, wantBlackouts := occupancyFromDB(t, db, rooms, w.from, w.to)
			assertRoomIntervals(t, label+" bookings", bookings, wantBookings)
			// Mirror().Spans says the same, room by room in Unix seconds.
			spans, spanBlackouts := s.Mirror().Spans(rooms, w.from, w.to)
			var fromSpans []Interval
			for r, list := range spans {
				for _, sp := range list {
					fromSpans = append(fromSpans, Interval{rooms[r], time.Unix(sp.Start, 0).UTC(), time.Unix(sp.End, 0).UTC()})
				}
			}
			assertRoomIntervals(t, label+" spans", fromSpans, wantBookings)
			sortIntervals(spanBlackouts)
			// Blackouts that start together may come in any order.
			sortIntervals(blackouts)
			sortIntervals(wantBlackouts)
			assertIntervals(t, label+" blackouts", blackouts, wantBlackouts)
			assertIntervals(t, label+" span blackouts", spanBlackouts, wantBlackouts)
		}
	}
}

func sortIntervals(ivs []Interval) {
	slices.SortStableFunc(ivs, func(a, b Interval) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := a.End.Compare(b.End); c != 0 {
			return c
		}
		return strings.Compare(a.Room, b.Room)
	})
}

func TestOccupancyMirrorFollowsWrites(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	rng := rand.New(rand.NewPCG(7, 11))
	var live []Booking
	keys := 0
	booked, taken := 0, 0
	for step := range 200 {
		switch op := rng.IntN(10); {
		case op < 6: // book
			start := day0.Add(time.Duration(rng.IntN(2*24*4)) * 15 * time.Minute)
			nb := newBooking(start, [][]string{{"a"}, {"b"}, {"a", "b"}, {"b", "a"}}[rng.IntN(4)]...)
			if rng.IntN(2) == 0 {
				nb.TierID, nb.PackageID, nb.End = "t2", "p90", start.Add(90*time.Minute)
			}
			if rng.IntN(3) == 0 {
				keys++
				nb.IdempotencyKey, nb.Fingerprint, nb.IdempotencyTTL = fmt.Sprintf("key-%08d", keys), strings.Repeat("e", 64), time.Hour
			}
			b, _, err := s.CreateBooking(ctx, nb)
			switch {
			case err == nil:
				booked++
				live = append(live, b)
				if nb.IdempotencyKey != "" { // a retry must not add it twice
					if _, replayed, err := s.CreateBooking(ctx, nb); err != nil || !replayed {
						t.Fatalf("step %d: retry: replayed %v, err %v", step, replayed, err)
					}
				}
			case errors.Is(err, ErrSlotTaken):
				taken++
			default:
				t.Fatalf("step %d: CreateBooking: %v", step, err)
			}
		case op < 8 && len(live) > 0: // cancel
			i := rng.IntN(len(live))
			if _, err := s.CancelBooking(ctx, live[i].ID, testNow, testNow, nil); err != nil {
				t.Fatalf("step %d: CancelBooking: %v", step, err)
			}
			if _, err := s.CancelBooking(ctx, live[i].ID, testNow, testNow, nil); !errors.Is(err, ErrStateChanged) {
				t.Fatalf("step %d: second CancelBooking: %v", step, err)
			}
			live = append(live[:i], live[i+1:]...)
		case op < 9: // a booking that fails after the insert: the key is too short for its CHECK
			start := day0.Add(time.Duration(rng.IntN(2*24*4)) * 15 * time.Minute)
			nb := newBooking(start, "a", "b")
			nb.IdempotencyKey, nb.Fingerprint = "short", strings.Repeat("e", 64)
			if _, _, err := s.CreateBooking(ctx, nb); err == nil {
				t.Fatalf("step %d: booking with a 5-char idempotency key succeeded", step)
			}
		default: // blackout
			start := day0.Add(time.Duration(rng.IntN(2*24*4)) * 15 * time.Minute)
			room := []string{"", "a", "b"}[rng.IntN(3)]
			if _, err := s.AddBlackout(ctx, room, start, start.Add(time.Duration(1+rng.IntN(4))*15*time.Minute), "", "owner@example.com", testNow); err != nil {
				t.Fatalf("step %d: AddBlackout: %v", step, err)
			}
		}
		if step%40 == 39 {
			assertOccupancyMatchesDB(t, s, db, fmt.Sprintf("after step %d", step))
			if t.Failed() {
				return
			}
		}
	}
	if n := count(t, db, "SELECT count(*) FROM bookings WHERE status <> 'cancelled'"); n != len(live) {
		t.Fatalf("%d live bookings in the table, %d expected", n, len(live))
	}
	t.Logf("%d booked, %d slot taken, %d live at the end, %d blackouts", booked, taken, len(live), count(t, db, "SELECT count(*) FROM blackouts"))
	if len(live) < 10 {
		t.Errorf("only %d live bookings: the workload is too thin to test the mirror", len(live))
	}

	// A reopened store loads the same picture.
	path := s.Path()
	s2 := openStoreAt(t, path)
	assertOccupancyMatchesDB(t, s2, db, "after reopening")
}

// A booking whose transaction rolls back after the booking row was written
// (here: the idempotency key breaks its CHECK) must not reach the mirror, not
// even when the next write commits.
func TestOccupancyMirrorIgnoresRolledBackBooking(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	cases := []struct {
		name string
		mut  func(nb *NewBooking)
	}{
		{"idempotency key too short", func(nb *NewBooking) { nb.IdempotencyKey, nb.Fingerprint = "short", strings.Repeat("e", 64) }},
		{"fingerprint of the wrong length", func(nb *NewBooking) { nb.IdempotencyKey, nb.Fingerprint = "key-00000009", "abc" }},
		{"invalid vehicle registration", func(nb *NewBooking) { nb.VehicleRegistration = "no way" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nb := newBooking(at(10, 0), "a")
			tc.mut(&nb)
			if _, _, err := s.CreateBooking(ctx, nb); err == nil {
				t.Fatal("CreateBooking succeeded")
			}
			// Another write commits afterwards.
			if _, err := s.EnsureSetting(ctx, "after-"+tc.name, "x"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddBlackout(ctx, "b", at(30, 0), at(31, 0), "", "owner@example.com", testNow); err != nil {
				t.Fatal(err)
			}
			bookings, _, err := s.Occupancy(ctx, []string{"a", "b"}, at(0, 0), at(24, 0))
			if err != nil {
				t.Fatal(err)
			}
			if len(bookings) != 0 {
				t.Fatalf("mirror shows a rolled-back booking: %v", bookings)
			}
			assertOccupancyMatchesDB(t, s, db, tc.name)
		})
	}
}

// The database keeps whole seconds. The mirror must show a blackout as the
// database holds it, or availability and CreateBooking disagree about the
// second at its edges (and the picture changes when the store is reopened).
func TestOccupancyMirrorBlackoutWholeSeconds(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	half := 500 * time.Millisecond
	if _, err := s.AddBlackout(ctx, "a", at(10, 0).Add(half), at(11, 0).Add(half), "", "owner@example.com", testNow); err != nil {
		t.Fatal(err)
	}
	// The database's blackout ends at 11:00:00, so a booking from 11:00 in
	// room a is accepted by CreateBooking...
	b := mustCreate(t, s, newBooking(at(11, 0), "a"))
	if b.RoomID != "a" {
		t.Fatalf("room %s", b.RoomID)
	}
	// ...and Occupancy must not show the blackout as lasting past 11:00:00.
	_, blackouts, err := s.Occupancy(ctx, []string{"a"}, at(11, 0), at(12, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(blackouts) != 0 {
		t.Errorf("Occupancy from 11:00 shows blackout %v; the database's blackout is [10:00:00, 11:00:00)", blackouts)
	}
	assertOccupancyMatchesDB(t, s, db, "blackout with fractional seconds")
}
