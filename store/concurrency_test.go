package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// concurrentStore is a test store whose writers queue as long as it takes:
// these tests are about what the store decides under contention, and with
// hundreds of writers queued on a loaded machine under -race, the default
// WriteWait of a few seconds would turn them into timing tests (latency is
// measured by make bench, never asserted).
func concurrentStore(t *testing.T) *Store {
	s := openTestStore(t, nil)
	s.limits.WriteWait = 2 * time.Minute
	return s
}

// Many goroutines race for one slot with two candidate rooms: exactly two win.
func TestConcurrentCreateBookingSameSlot(t *testing.T) {
	s := concurrentStore(t)
	db := openRaw(t, s)
	const n = 300
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		results = make([]error, n)
		rooms   = make([]string, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			b, _, err := s.CreateBooking(context.Background(), newBooking(at(10, 0), "a", "b"))
			results[i], rooms[i] = err, b.RoomID
		}()
	}
	close(start)
	wg.Wait()

	won := map[string]int{}
	for i, err := range results {
		switch {
		case err == nil:
			won[rooms[i]]++
		case errors.Is(err, ErrSlotTaken):
		default:
			t.Errorf("goroutine %d: unexpected error %v", i, err)
		}
	}
	if won["a"] != 1 || won["b"] != 1 || len(won) != 2 {
		t.Errorf("winners by room = %v, want one in a and one in b", won)
	}
	if c := count(t, db, "SELECT count(*) FROM bookings"); c != 2 {
		t.Errorf("%d bookings, want 2", c)
	}
}

// Concurrent retries of one request with one idempotency key book once.
func TestConcurrentCreateBookingSameIdempotencyKey(t *testing.T) {
	s := concurrentStore(t)
	db := openRaw(t, s)
	const n = 50
	nb := newBooking(at(10, 0), "a", "b")
	nb.IdempotencyKey, nb.Fingerprint, nb.IdempotencyTTL = "key-concurrent", strings.Repeat("c", 64), time.Hour
	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		ids      = make([]string, n)
		replayed = make([]bool, n)
		errs     = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			b, r, err := s.CreateBooking(context.Background(), nb)
			ids[i], replayed[i], errs[i] = b.ID, r, err
		}()
	}
	close(start)
	wg.Wait()
	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Errorf("goroutine %d got booking %s, goroutine 0 got %s", i, ids[i], ids[0])
		}
		if !replayed[i] {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d requests were not replays, want 1", fresh)
	}
	if c := count(t, db, "SELECT count(*) FROM bookings"); c != 1 {
		t.Errorf("%d bookings, want 1", c)
	}
}

// Random bookings from many goroutines, plus raw inserts from a second
// connection, never leave two overlapping live bookings in one room; and every
// ErrSlotTaken was a real conflict.
func TestConcurrentRandomBookingsNeverOverlap(t *testing.T) {
	s := concurrentStore(t)
	db := openRaw(t, s)
	rng := rand.New(rand.NewPCG(20300603, 1))

	type request struct {
		nb  NewBooking
		raw *rawBooking // when set, inserted with raw SQL instead of the store
	}
	const (
		nStore = 300
		nRaw   = 40
		slots  = 2 * 24 * 4 // a 15-minute grid over two days
	)
	reqs := make([]request, 0, nStore+nRaw)
	for range nStore {
		start := day0.Add(time.Duration(rng.IntN(slots)) * 15 * time.Minute)
		var nb NewBooking
		switch rng.IntN(3) {
		case 0:
			nb = newBooking(start, "a")
		case 1:
			nb = newBooking(start, "a", "b")
		default:
			nb = newBooking(start, "b", "a")
		}
		if rng.IntN(2) == 0 {
			nb.TierID, nb.PackageID, nb.End = "t2", "p90", start.Add(90*time.Minute)
		}
		reqs = append(reqs, request{nb: nb})
	}
	for range nRaw {
		r := validRaw([]string{"a", "b"}[rng.IntN(2)], day0.Unix()+int64(rng.IntN(slots))*15*minute)
		reqs = append(reqs, request{raw: &r})
	}
	rng.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })

	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		errs    = make([]error, len(reqs))
		created = make([]string, len(reqs))
	)
	for i, rq := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if rq.raw != nil {
				errs[i] = rq.raw.insert(db)
				return
			}
			b, _, err := s.CreateBooking(context.Background(), rq.nb)
			errs[i], created[i] = err, b.ID
		}()
	}
	// Readers run alongside the writers, so the race detector sees the
	// occupancy mirror and the reader pool under load.
	stopReaders := make(chan struct{})
	var readers sync.WaitGroup
	readErrs := make(chan error, 4)
	for r := range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			<-start
			for i := range 150 {
				select {
				case <-stopReaders:
					return
				default:
				}
				from := day0.Add(time.Duration((r*7+i)%48) * time.Hour)
				if _, _, err := s.Occupancy(context.Background(), []string{"a", "b"}, from, from.Add(24*time.Hour)); err != nil {
					readErrs <- err
					return
				}
				if i%10 != 0 {
					continue
				}
				if _, err := s.FindBookingByID(context.Background(), newID()); !errors.Is(err, ErrNotFound) {
					readErrs <- err
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(stopReaders)
	readers.Wait()
	close(readErrs)
	for err := range readErrs {
		t.Errorf("reader: %v", err)
	}

	ok, taken, rawOK, rawRefused := 0, 0, 0, 0
	for i, rq := range reqs {
		err := errs[i]
		switch {
		case rq.raw != nil && err == nil:
			rawOK++
		case rq.raw != nil && strings.Contains(err.Error(), overlapMsg):
			rawRefused++
		case rq.raw != nil:
			t.Errorf("raw insert %d: %v", i, err)
		case err == nil:
			ok++
		case errors.Is(err, ErrSlotTaken):
			taken++
		default:
			t.Errorf("CreateBooking %d: unexpected error %v", i, err)
		}
	}
	t.Logf("store: %d booked, %d slot taken; raw: %d inserted, %d refused", ok, taken, rawOK, rawRefused)
	if ok == 0 || taken == 0 {
		t.Errorf("the workload did not exercise both outcomes: %d booked, %d taken", ok, taken)
	}
	if c := count(t, db, "SELECT count(*) FROM bookings WHERE status <> 'cancelled'"); c != ok+rawOK {
		t.Errorf("%d bookings in the table, %d reported created", c, ok+rawOK)
	}

	// No two live bookings in one room overlap, cleaning gap included.
	rows, err := db.Query(`SELECT a.id, b.id, a.room_id, a.start_at, a.end_at, b.start_at, b.end_at
		FROM bookings AS a JOIN bookings AS b ON a.room_id = b.room_id AND a.id < b.id, venue_rules AS r
		WHERE r.id = 1 AND a.status <> 'cancelled' AND b.status <> 'cancelled'
		  AND a.start_at < b.end_at + r.cleaning_gap_s AND b.start_at < a.end_at + r.cleaning_gap_s`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ida, idb, room string
		var as, ae, bs, be int64
		if err := rows.Scan(&ida, &idb, &room, &as, &ae, &bs, &be); err != nil {
			t.Fatal(err)
		}
		t.Errorf("overlap in room %s: %s [%d, %d) and %s [%d, %d)", room, ida, as, ae, idb, bs, be)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	// The occupancy mirror shows every booking the store made, and (as it
	// only follows the store's own writes) none of the raw ones.
	bookings, _, err := s.Occupancy(context.Background(), []string{"a", "b"}, day0, day0.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := map[Interval]int{}
	for i, rq := range reqs {
		if rq.raw == nil && errs[i] == nil {
			b, err := s.FindBookingByID(context.Background(), created[i])
			if err != nil {
				t.Fatal(err)
			}
			want[Interval{b.RoomID, b.Start, b.End}]++
		}
	}
	got := map[Interval]int{}
	for _, iv := range bookings {
		got[iv]++
	}
	if len(got) != len(want) || len(bookings) != ok {
		t.Errorf("Occupancy shows %d bookings, the store made %d", len(bookings), ok)
	}
	for iv, n := range want {
		if got[iv] != n {
			t.Errorf("Occupancy shows %v %d times, want %d", iv, got[iv], n)
		}
	}

	// Nothing was cancelled, so a slot that was taken then is still taken now:
	// every ErrSlotTaken must have a conflicting booking in every candidate room.
	for i, rq := range reqs {
		if rq.raw != nil || !errors.Is(errs[i], ErrSlotTaken) {
			continue
		}
		for _, room := range rq.nb.Rooms {
			n := count(t, db, `SELECT count(*) FROM bookings AS b, venue_rules AS r
				WHERE r.id = 1 AND b.room_id = ? AND b.status <> 'cancelled'
				  AND b.start_at < ? + r.cleaning_gap_s AND ? < b.end_at + r.cleaning_gap_s`,
				room, rq.nb.End.Unix(), rq.nb.Start.Unix())
			if n == 0 {
				t.Errorf("request %d got ErrSlotTaken but room %s is free at %v", i, room, rq.nb.Start)
			}
		}
	}
}
