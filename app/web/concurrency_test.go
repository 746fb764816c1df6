package web_test

import (
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"
)

// raceForSlot sends n concurrent bookings for one slot and counts the answers.
func raceForSlot(t *testing.T, v *testVenue, n int) map[string]int {
	t.Helper()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		answers = map[string]int{}
		start   = make(chan struct{})
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := bookingBody("2026-12-01T09:00:00Z", func(m map[string]any) {
				m["customer"].(map[string]any)["email"] = fmt.Sprintf("guest%d@example.com", i)
			})
			<-start
			r, err := v.try("POST", "/api/bookings", body, nil)
			key := fmt.Sprintf("%d %s", r.Status, r.errorCode())
			if err != nil {
				key = "transport error: " + err.Error()
			}
			mu.Lock()
			answers[key]++
			mu.Unlock()
		}(i)
	}
	close(start)
	wg.Wait()
	return answers
}

// 500 customers press "book" for the same slot at once: exactly one gets it.
func TestConcurrentBookingsOneRoom(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 1, StoreLimits: patientStore})
	answers := raceForSlot(t, v, 500)
	if answers["201 "] != 1 || answers["409 slot_unavailable"] != 499 {
		t.Fatalf("answers = %v", answers)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 1 {
		t.Fatalf("bookings in the database = %d", n)
	}
}

// With two rooms, exactly two get it, one in each room.
func TestConcurrentBookingsTwoRooms(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 2, StoreLimits: patientStore})
	answers := raceForSlot(t, v, 500)
	if answers["201 "] != 2 || answers["409 slot_unavailable"] != 498 {
		t.Fatalf("answers = %v", answers)
	}
	if n := v.countRows(t, "SELECT count(DISTINCT room_id) FROM bookings"); n != 2 {
		t.Fatalf("rooms used = %d", n)
	}
}

// Hundreds of random concurrent bookings, cancellations and availability reads
// leave no two active bookings of a room overlapping, cleaning gap included,
// and every 201 is in the database.
func TestConcurrentRandomBookingsNeverOverlap(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 3, StepMinutes: 15, StoreLimits: patientStore})
	rng := rand.New(rand.NewSource(1))
	type job struct {
		start    time.Time
		pkg      string
		tier     string
		readOnly bool
	}
	var jobs []job
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 400; i++ {
		j := job{start: day.AddDate(0, 0, rng.Intn(2)).Add(time.Duration(rng.Intn(44)) * 15 * time.Minute)}
		switch rng.Intn(3) {
		case 0:
			j.tier, j.pkg = "classic", "classic-60"
		case 1:
			j.tier, j.pkg = "classic", "classic-90"
		default:
			j.tier, j.pkg = "private", "private-120"
		}
		j.readOnly = rng.Intn(8) == 0
		jobs = append(jobs, j)
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created []string
		counts  = map[int]int{}
	)
	for _, j := range jobs {
		wg.Add(1)
		go func(j job) {
			defer wg.Done()
			if j.readOnly {
				r, err := v.try("GET", "/api/availability?package="+j.pkg+"&from=2026-12-01&to=2026-12-02", nil, nil)
				if err != nil || r.Status != 200 {
					t.Errorf("availability: %v %d", err, r.Status)
				}
				return
			}
			body := bookingBody(j.start.Format(time.RFC3339), func(m map[string]any) {
				m["tier"], m["package"] = j.tier, j.pkg
				delete(m, "expected_price_cents")
			})
			r, err := v.try("POST", "/api/bookings", body, nil)
			if err != nil {
				t.Errorf("book: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			counts[r.Status]++
			if r.Status == 201 {
				var b bookingResponse
				r.json(t, &b)
				created = append(created, b.Booking.ID)
			} else if r.Status != 409 || r.errorCode() != "slot_unavailable" {
				t.Errorf("unexpected answer %d %s", r.Status, r.Body)
			}
		}(j)
	}
	wg.Wait()
	if counts[201] < 20 {
		t.Fatalf("only %d bookings succeeded (%v): the test proves little", counts[201], counts)
	}
	overlaps := v.countRows(t, `SELECT count(*) FROM bookings a JOIN bookings b
		ON a.room_id = b.room_id AND a.id < b.id
		AND a.start_at < b.end_at + 1800 AND b.start_at < a.end_at + 1800
		WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'`)
	if overlaps != 0 {
		t.Fatalf("%d overlapping pairs", overlaps)
	}
	for _, id := range created {
		if v.countRows(t, "SELECT count(*) FROM bookings WHERE id = ?", id) != 1 {
			t.Errorf("acknowledged booking %s is missing", id)
		}
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != len(created) {
		t.Errorf("%d rows for %d acknowledged bookings", n, len(created))
	}
	// The private tier only ever used room1.
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE tier_id = 'private' AND room_id <> 'room1'"); n != 0 {
		t.Errorf("%d private bookings outside room1", n)
	}
	t.Logf("answers: %v", counts)
}

// Concurrent retries with one Idempotency-Key book once.
func TestConcurrentIdempotentRetries(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 2, StoreLimits: patientStore})
	var wg sync.WaitGroup
	ids := make(chan string, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := v.try("POST", "/api/bookings", bookingBody("2026-12-01T09:00:00Z"), map[string]string{"Idempotency-Key": "retry-key-0001"})
			if err != nil || r.Status != 201 {
				t.Errorf("retry: %v %d %s", err, r.Status, r.Body)
				return
			}
			var b bookingResponse
			r.json(t, &b)
			ids <- b.Booking.ID
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	if len(seen) != 1 || v.countRows(t, "SELECT count(*) FROM bookings") != 1 {
		t.Fatalf("ids %v, bookings %d", seen, v.countRows(t, "SELECT count(*) FROM bookings"))
	}
}

// Once a start is taken, the customers still racing for it are refused from
// the occupancy mirror, without a write; a retry with the winner's
// Idempotency-Key still gets the winner's booking, and a cancellation frees
// the start for the next one at once.
func TestRacersForATakenStartAreRefusedWithoutAWrite(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 1, StoreLimits: patientStore})
	body := bookingBody("2026-12-01T09:00:00Z")
	first := v.do(t, "POST", "/api/bookings", body, map[string]string{"Idempotency-Key": "winner-1"})
	if first.Status != 201 {
		t.Fatalf("first booking: %d %s", first.Status, first.Body)
	}
	writes := v.Svc.Store.BatchedWrites.Load()
	answers := raceForSlot(t, v, 200)
	if answers["409 slot_unavailable"] != 200 {
		t.Fatalf("answers = %v", answers)
	}
	if n := v.Svc.Store.BatchedWrites.Load() - writes; n != 0 {
		t.Fatalf("%d writes for 200 refusals of a taken start", n)
	}
	var won bookingResponse
	first.json(t, &won)
	retry := v.do(t, "POST", "/api/bookings", body, map[string]string{"Idempotency-Key": "winner-1"})
	var again bookingResponse
	retry.json(t, &again)
	if retry.Status != 201 || retry.Header.Get("Idempotent-Replayed") != "true" || again.Booking.ID != won.Booking.ID {
		t.Fatalf("the winner's retry: %d %s", retry.Status, retry.Body)
	}
	id, token := managePath(t, won.Booking.ManageURL)
	if r := v.do(t, "POST", "/api/bookings/"+id+"/cancel?t="+token, nil, nil); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if r := v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T09:00:00Z"), nil); r.Status != 201 {
		t.Fatalf("after the cancellation: %d %s", r.Status, r.Body)
	}
}
