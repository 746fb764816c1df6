package app

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The cached availability is always what the rules give: under random
// bookings, cancellations, blackouts added and removed, and a clock that
// moves by seconds, minutes and days, every answer from the cache equals
// the one computed afresh from the mirror.
func TestAvailabilityCacheIsTheRules(t *testing.T) {
	dir := t.TempDir()
	cfg := MustParseConfig(t, fmt.Sprintf(`
[server]
base_url = "http://venue.test"
[database]
path = %q
[venue]
timezone = "Europe/London"
min_notice_minutes = 90
max_advance_days = 20
slot_step_minutes = 30
[venue.hours]
mon = "09:00-21:00"
tue = "09:00-21:00"
wed = ""
thu = "10:00-14:00,15:00-22:00"
fri = "09:00-21:00"
sat = "08:00-23:00"
sun = "12:00-18:00"
[limits]
booking_per_ip = ""
booking_per_email = ""
booking_per_network = ""
[security]
secret = "a secret of more than thirty-two characters"
[[rooms]]
id = "a"
name = "A"
[[rooms]]
id = "b"
name = "B"
[[tiers]]
id = "classic"
name = "Classic"
  [[tiers.packages]]
  id = "classic-60"
  name = "60 minutes"
  duration_minutes = 60
  price_cents = 4500
  max_guests = 4
  [[tiers.packages]]
  id = "classic-150"
  name = "150 minutes"
  duration_minutes = 150
  price_cents = 9000
  max_guests = 4
`, filepath.Join(dir, "venuebook.db")))
	schema, err := os.ReadFile("../schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 27, 8, 59, 30, 0, time.UTC).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	ctx := context.Background()
	s, err := Open(ctx, cfg, string(schema), os.DirFS("../assets"), slog.New(slog.DiscardHandler), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	rng := rand.New(rand.NewPCG(1, 2))
	var booked []string
	var blackouts []int64
	packages := []string{"classic-60", "classic-150"}
	hits, answerHits := 0, 0
	for step := 0; step < 600; step++ {
		today := DateOf(now(), s.Rules.Location)
		switch op := rng.IntN(10); {
		case op < 4: // a booking at a random start
			d := today.AddDays(rng.IntN(22))
			start := d.At(8*60+30*rng.IntN(30), s.Rules.Location)
			b, _, err := s.CreateBooking(ctx, BookingRequest{Tier: "classic", Package: packages[rng.IntN(2)], Start: FormatInstant(start, s.Rules.Location),
				Guests: 1, Customer: CustomerRequest{Name: "Ada", Email: fmt.Sprintf("ada%d@example.com", step)}}, "")
			if err == nil {
				booked = append(booked, b.ID)
			}
		case op < 5 && len(booked) > 0: // a cancellation
			i := rng.IntN(len(booked))
			_, _, _ = s.CancelBookings(ctx, []string{booked[i]}, false, "owner@venue.test")
			booked = append(booked[:i], booked[i+1:]...)
		case op < 6: // a blackout of a room or of all
			d := today.AddDays(rng.IntN(20))
			room := []string{"", "a", "b"}[rng.IntN(3)]
			from := d.At(9*60+60*rng.IntN(10), s.Rules.Location)
			bl, err := s.AddBlackout(ctx, BlackoutRequest{Start: FormatInstant(from, s.Rules.Location), End: FormatInstant(from.Add(time.Duration(1+rng.IntN(5))*time.Hour), s.Rules.Location),
				Room: room, Reason: "test"}, "owner@venue.test")
			if err == nil {
				blackouts = append(blackouts, bl.ID)
			}
		case op < 7 && len(blackouts) > 0:
			i := rng.IntN(len(blackouts))
			_ = s.DeleteBlackout(ctx, blackouts[i], "owner@venue.test")
			blackouts = append(blackouts[:i], blackouts[i+1:]...)
		default: // the clock moves: seconds, minutes, now and then a day
			d := []time.Duration{time.Second, 17 * time.Second, 30 * time.Second, time.Minute, 7 * time.Minute, 29 * time.Minute, 24 * time.Hour}[rng.IntN(7)]
			clock.Add(int64(d))
		}
		// Ask twice (the second from the cache) and compare with the rules.
		for q := 0; q < 3; q++ {
			pkgID := packages[rng.IntN(2)]
			from := today.AddDays(rng.IntN(25) - 2)
			to := from.AddDays(rng.IntN(10))
			tier, pkg, _ := s.Config.FindPackage(pkgID)
			for range 2 {
				if _, ok := s.avail.get(&s.Rules, s.Store.Mirror(), pkgID, from, to, now()); ok {
					hits++
				}
				if _, ok := s.avail.answer(&s.Rules, s.Store.Mirror(), pkgID, from, to, now()); ok {
					answerHits++
				}
				got, err := s.Availability(ctx, pkgID, from, to)
				if err != nil {
					t.Fatal(err)
				}
				answer, err := s.AvailabilityAnswer(ctx, pkgID, from, to)
				if err != nil {
					t.Fatal(err)
				}
				m := s.Store.Mirror()
				want := s.availabilityUncached(m, tier, pkg, from, to, now())
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("step %d, %s %s..%s at %v: the cache says\n%+v\nthe rules\n%+v", step, pkgID, from, to, now(), got, want)
				}
				if !reflect.DeepEqual(answer.Days, want) {
					t.Fatalf("step %d, %s %s..%s at %v: the cached answer says\n%+v\nthe rules\n%+v", step, pkgID, from, to, now(), answer.Days, want)
				}
				next, _ := s.nextAvailableFrom(m, tier, pkg, to.AddDays(1), 1, now())
				if len(next) == 0 && answer.Next != nil || len(next) > 0 && (answer.Next == nil || *answer.Next != next[0]) {
					t.Fatalf("step %d, %s %s..%s at %v: the cached answer's next start is %+v, the rules' %+v", step, pkgID, from, to, now(), answer.Next, next)
				}
			}
		}
	}
	// Fifty asking at once for an answer no one has computed get the one
	// answer, computed once, not fifty computations of it.
	from := DateOf(now(), s.Rules.Location).AddDays(3)
	answers := make([]*AvailabilityAnswer, 50)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := s.AvailabilityAnswer(ctx, "classic-60", from, from.AddDays(6))
			if err != nil {
				t.Error(err)
			}
			answers[i] = a
		}()
	}
	wg.Wait()
	for i, a := range answers {
		if a != answers[0] {
			t.Fatalf("asker %d got an answer computed apart from the first's", i)
		}
	}
	if hits == 0 || answerHits == 0 {
		t.Fatalf("the cache answered %d times, the answer cache %d: the test compares nothing", hits, answerHits)
	}
	t.Logf("%d days and %d answers from the cache", hits, answerHits)
}
