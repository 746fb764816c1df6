package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

var referenceRE = regexp.MustCompile(`^VB-[34679ACDEFGHJKMNPQRTUVWXY]{6}$`)

func mustCreate(t *testing.T, s *Store, nb NewBooking) Booking {
	t.Helper()
	b, replayed, err := s.CreateBooking(context.Background(), nb)
	if err != nil {
		t.Fatalf("CreateBooking %v %v: %v", nb.Rooms, nb.Start, err)
	}
	if replayed {
		t.Fatalf("CreateBooking %v %v: replayed without a key", nb.Rooms, nb.Start)
	}
	return b
}

func TestCreateBookingReturnsTheRow(t *testing.T) {
	s := openTestStore(t, nil)
	nb := newBooking(at(10, 0), "a", "b")
	nb.CustomerPhone, nb.Notes = "+358 40 123", "birthday"
	b := mustCreate(t, s, nb)
	if len(b.ID) != 26 || !referenceRE.MatchString(b.Reference) {
		t.Errorf("id %q reference %q", b.ID, b.Reference)
	}
	want := Booking{
		ID: b.ID, Reference: b.Reference, TierID: "t1", PackageID: "p60", RoomID: "a",
		Start: at(10, 0), End: at(11, 0), Guests: 2, PriceCents: 5000, Currency: "EUR",
		CustomerName: "Grace Hopper", CustomerEmail: "grace@example.com", CustomerPhone: "+358 40 123", Notes: "birthday",
		Status: "confirmed", Sequence: 0, Source: SourceOnline, CreatedAt: testNow, UpdatedAt: testNow,
	}
	if b != want {
		t.Errorf("CreateBooking returned\n %+v\nwant\n %+v", b, want)
	}
	got, err := s.FindBookingByID(context.Background(), b.ID)
	if err != nil || got != b {
		t.Errorf("FindBookingByID = %+v, %v; want %+v", got, err, b)
	}
}

func TestCreateBookingRoomAssignment(t *testing.T) {
	type step struct {
		name  string
		start time.Time
		rooms []string
		want  string // room, or "" for ErrSlotTaken
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"first free room in preference order", []step{
			{"a first", at(10, 0), []string{"a", "b"}, "a"},
			{"a taken, b next", at(10, 0), []string{"a", "b"}, "b"},
			{"both taken", at(10, 0), []string{"a", "b"}, ""},
			{"preference b first", at(13, 0), []string{"b", "a"}, "b"},
			{"b taken, a next", at(13, 0), []string{"b", "a"}, "a"},
		}},
		{"the gap after counts", []step{
			{"fill a", at(10, 0), []string{"a"}, "a"},
			{"fill b", at(10, 0), []string{"b"}, "b"},
			{"starts 15 min after both end", at(11, 15), []string{"a", "b"}, ""},
			{"starts 29 min after both end", at(11, 29), []string{"a", "b"}, ""},
			{"starts at the gap edge", at(11, 30), []string{"a", "b"}, "a"},
		}},
		{"the gap before counts", []step{
			{"fill a", at(10, 0), []string{"a"}, "a"},
			{"fill b", at(10, 0), []string{"b"}, "b"},
			{"ends 15 min before both start", at(8, 45), []string{"b", "a"}, ""},
			{"ends at the gap edge", at(8, 30), []string{"b", "a"}, "b"},
		}},
		{"the gap sends the booking to the next room", []step{
			{"fill a", at(10, 0), []string{"a"}, "a"},
			{"inside a's gap after", at(11, 29), []string{"a", "b"}, "b"},
			{"inside a's gap before", at(8, 31), []string{"a", "b"}, "b"},
		}},
		{"only the candidate rooms", []step{
			{"fill a", at(10, 0), []string{"a"}, "a"},
			{"a alone is taken although b is free", at(10, 0), []string{"a"}, ""},
			{"no candidate rooms", at(16, 0), nil, ""},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t, nil)
			for _, st := range tc.steps {
				b, _, err := s.CreateBooking(context.Background(), newBooking(st.start, st.rooms...))
				switch {
				case st.want == "" && !errors.Is(err, ErrSlotTaken):
					t.Fatalf("%s: got room %q, err %v; want ErrSlotTaken", st.name, b.RoomID, err)
				case st.want != "" && err != nil:
					t.Fatalf("%s: %v; want room %s", st.name, err, st.want)
				case st.want != "" && b.RoomID != st.want:
					t.Fatalf("%s: room %s, want %s", st.name, b.RoomID, st.want)
				}
			}
		})
	}
}

func TestCreateBookingBlackouts(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	if _, err := s.AddBlackout(ctx, "a", at(14, 0), at(16, 0), "maintenance", "owner@example.com", testNow); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddBlackout(ctx, "", at(18, 0), at(20, 0), "closed", "owner@example.com", testNow); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		start time.Time
		rooms []string
		want  string
	}{
		{"room blackout, only that room", at(14, 30), []string{"a"}, ""},
		{"room blackout, other room next", at(14, 30), []string{"a", "b"}, "b"},
		{"overlaps the room blackout's start", at(13, 30), []string{"a"}, ""},
		{"ends when the room blackout starts", at(12, 0), []string{"a"}, "a"},
		{"starts when the room blackout ends", at(16, 0), []string{"a"}, "a"},
		{"all-rooms blackout", at(18, 30), []string{"a", "b"}, ""},
		{"overlaps the all-rooms blackout's end", at(19, 30), []string{"b", "a"}, ""},
		{"after the all-rooms blackout", at(20, 0), []string{"b", "a"}, "b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, _, err := s.CreateBooking(ctx, newBooking(tc.start, tc.rooms...))
			if tc.want == "" {
				if !errors.Is(err, ErrSlotTaken) {
					t.Fatalf("got room %q, err %v; want ErrSlotTaken", b.RoomID, err)
				}
				return
			}
			if err != nil || b.RoomID != tc.want {
				t.Fatalf("got room %q, err %v; want %s", b.RoomID, err, tc.want)
			}
		})
	}
}

func TestCreateBookingWithParkingPermit(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	nb := newBooking(at(10, 0), "a")
	nb.VehicleRegistration = "ABC123"
	b := mustCreate(t, s, nb)
	if b.Permit == nil || b.Permit.VehicleRegistration != "ABC123" || b.Permit.Status != "requested" || len(b.Permit.ID) != 26 {
		t.Fatalf("permit = %+v", b.Permit)
	}
	if n := count(t, db, "SELECT count(*) FROM parking_permits WHERE booking_id = ? AND status = 'requested'", b.ID); n != 1 {
		t.Errorf("%d permit rows for the booking, want 1", n)
	}
	// Without a registration there is no permit.
	plain := mustCreate(t, s, newBooking(at(13, 0), "a"))
	if plain.Permit != nil {
		t.Errorf("booking without registration has permit %+v", plain.Permit)
	}

	// A permit the database refuses takes the booking (and its key) down with it.
	bad := newBooking(at(16, 0), "a")
	bad.VehicleRegistration = "abc 123"
	bad.IdempotencyKey, bad.Fingerprint = "key-bad-permit", strings.Repeat("f", 64)
	before := tableDigest(t, db, "bookings") + tableDigest(t, db, "parking_permits") + tableDigest(t, db, "idempotency_keys")
	if _, _, err := s.CreateBooking(ctx, bad); err == nil {
		t.Fatal("booking with an invalid registration succeeded")
	}
	if after := tableDigest(t, db, "bookings") + tableDigest(t, db, "parking_permits") + tableDigest(t, db, "idempotency_keys"); after != before {
		t.Errorf("a failed CreateBooking left rows behind:\n%s", after)
	}
	// The slot is still free.
	if b := mustCreate(t, s, newBooking(at(16, 0), "a")); b.RoomID != "a" {
		t.Errorf("room %s", b.RoomID)
	}
}

func TestCreateBookingRefusesTierPackageMismatch(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	nb := newBooking(at(10, 0), "a")
	nb.PackageID = "p90" // belongs to t2
	if _, _, err := s.CreateBooking(context.Background(), nb); err == nil || errors.Is(err, ErrSlotTaken) {
		t.Fatalf("err %v; want a foreign key error", err)
	}
	if n := count(t, db, "SELECT count(*) FROM bookings"); n != 0 {
		t.Errorf("%d bookings", n)
	}
}

func TestCreateBookingIdempotency(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	fp1, fp2 := strings.Repeat("1", 64), strings.Repeat("2", 64)
	ttl := 24 * time.Hour
	req := func(fp string, now time.Time) NewBooking {
		nb := newBooking(at(10, 0), "a", "b")
		nb.IdempotencyKey, nb.Fingerprint, nb.IdempotencyTTL, nb.Now = "key-00000001", fp, ttl, now
		return nb
	}

	first, replayed, err := s.CreateBooking(ctx, req(fp1, testNow))
	if err != nil || replayed {
		t.Fatalf("first: replayed %v, err %v", replayed, err)
	}
	// The same request again, even at the end of the TTL, returns the same booking.
	for _, now := range []time.Time{testNow, testNow.Add(time.Hour), testNow.Add(ttl)} {
		again, replayed, err := s.CreateBooking(ctx, req(fp1, now))
		if err != nil || !replayed || again != first {
			t.Fatalf("retry at %v: replayed %v, err %v, booking %+v; want %+v", now, replayed, err, again, first)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM bookings"); n != 1 {
		t.Fatalf("%d bookings after retries, want 1", n)
	}
	// Another request under the same key.
	if _, _, err := s.CreateBooking(ctx, req(fp2, testNow.Add(time.Hour))); !errors.Is(err, ErrIdempotencyConflict) {
		t.Fatalf("other fingerprint: err %v, want ErrIdempotencyConflict", err)
	}
	// Past the TTL the key is forgotten and the request books anew.
	later := testNow.Add(ttl + time.Second)
	fresh, replayed, err := s.CreateBooking(ctx, req(fp2, later))
	if err != nil || replayed {
		t.Fatalf("after expiry: replayed %v, err %v", replayed, err)
	}
	if fresh.ID == first.ID || fresh.RoomID != "b" {
		t.Errorf("after expiry got %s in %s; want a new booking in b", fresh.ID, fresh.RoomID)
	}
	// The key now belongs to the new booking.
	again, replayed, err := s.CreateBooking(ctx, req(fp2, later))
	if err != nil || !replayed || again.ID != fresh.ID {
		t.Errorf("retry of the new booking: replayed %v, err %v, id %s; want %s", replayed, err, again.ID, fresh.ID)
	}
	if n := count(t, db, "SELECT count(*) FROM idempotency_keys"); n != 1 {
		t.Errorf("%d idempotency keys, want 1", n)
	}
	if n := count(t, db, "SELECT count(*) FROM bookings"); n != 2 {
		t.Errorf("%d bookings, want 2", n)
	}
}

// With no TTL a key never expires.
func TestCreateBookingIdempotencyWithoutTTL(t *testing.T) {
	s := openTestStore(t, nil)
	nb := newBooking(at(10, 0), "a", "b")
	nb.IdempotencyKey, nb.Fingerprint = "key-no-ttl", strings.Repeat("b", 64)
	first := mustCreate(t, s, nb)
	nb.Now = testNow.Add(365 * 24 * time.Hour)
	again, replayed, err := s.CreateBooking(context.Background(), nb)
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("retry a year later without TTL: replayed %v, err %v, id %s; want %s", replayed, err, again.ID, first.ID)
	}
}

func TestCreateBookingIdempotencyReplaysWhenSlotIsNowTaken(t *testing.T) {
	s := openTestStore(t, nil)
	nb := newBooking(at(10, 0), "a")
	nb.IdempotencyKey, nb.Fingerprint, nb.IdempotencyTTL = "key-00000002", strings.Repeat("a", 64), time.Hour
	first := mustCreate(t, s, nb)
	// Room a is now taken by first itself; the retry must not fail with ErrSlotTaken.
	again, replayed, err := s.CreateBooking(context.Background(), nb)
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("retry: replayed %v, err %v", replayed, err)
	}
}

func TestCancelBooking(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	nb := newBooking(at(10, 0), "a")
	nb.VehicleRegistration = "XYZ789"
	b := mustCreate(t, s, nb)
	cancelAt := testNow.Add(time.Hour)

	// Too late: the booking starts before notBefore.
	if _, err := s.CancelBooking(ctx, b.ID, at(10, 0).Add(time.Second), cancelAt, nil); !errors.Is(err, ErrStateChanged) {
		t.Fatalf("cancel after notBefore: err %v, want ErrStateChanged", err)
	}
	if got, _ := s.FindBookingByID(ctx, b.ID); got.Status != "confirmed" || got.Sequence != 0 {
		t.Fatalf("refused cancel changed the booking: %+v", got)
	}

	// notBefore equal to the start is still in time.
	c, err := s.CancelBooking(ctx, b.ID, at(10, 0), cancelAt, nil)
	if err != nil {
		t.Fatalf("CancelBooking: %v", err)
	}
	if c.Status != "cancelled" || c.Sequence != 1 || !c.UpdatedAt.Equal(cancelAt) || c.Permit == nil || c.Permit.Status != "cancelled" {
		t.Errorf("cancelled booking = %+v, permit %+v", c, c.Permit)
	}
	if n := count(t, db, "SELECT count(*) FROM bookings WHERE id = ? AND cancelled_at = ?", b.ID, cancelAt.Unix()); n != 1 {
		t.Error("cancelled_at not recorded")
	}

	// Already cancelled.
	if _, err := s.CancelBooking(ctx, b.ID, testNow, cancelAt, nil); !errors.Is(err, ErrStateChanged) {
		t.Errorf("second cancel: err %v, want ErrStateChanged", err)
	}
	// Unknown booking.
	if _, err := s.CancelBooking(ctx, newID(), testNow, cancelAt, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("cancel unknown: err %v, want ErrNotFound", err)
	}
	// The slot is free again.
	nb2 := newBooking(at(10, 0), "a")
	if b2 := mustCreate(t, s, nb2); b2.RoomID != "a" || b2.ID == b.ID {
		t.Errorf("rebooking the freed slot: %+v", b2)
	}
	// The cancelled booking reads back unchanged.
	if got, err := s.FindBookingByID(ctx, b.ID); err != nil || !sameBooking(got, c) {
		t.Errorf("FindBookingByID after cancel = %+v, %v", got, err)
	}
}

func TestCancelBookingOfCompletedBooking(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	b := mustCreate(t, s, newBooking(at(10, 0), "a"))
	if _, err := db.Exec("UPDATE bookings SET status = 'completed' WHERE id = ?", b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelBooking(context.Background(), b.ID, testNow, testNow, nil); !errors.Is(err, ErrStateChanged) {
		t.Errorf("cancel completed: err %v, want ErrStateChanged", err)
	}
}

func TestFindBookingByIDNotFound(t *testing.T) {
	s := openTestStore(t, nil)
	for _, id := range []string{newID(), "", "'; DROP TABLE bookings; --"} {
		if _, err := s.FindBookingByID(context.Background(), id); !errors.Is(err, ErrNotFound) {
			t.Errorf("FindBookingByID(%q): err %v, want ErrNotFound", id, err)
		}
	}
}

func TestOccupancy(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	// Created out of order, in both rooms.
	mustCreate(t, s, newBooking(at(14, 0), "a"))
	mustCreate(t, s, newBooking(at(9, 0), "b"))
	mustCreate(t, s, newBooking(at(11, 0), "a"))
	mustCreate(t, s, newBooking(at(12, 0), "b"))
	cancelled := mustCreate(t, s, newBooking(at(17, 0), "a"))
	if _, err := s.CancelBooking(ctx, cancelled.ID, testNow, testNow, nil); err != nil {
		t.Fatal(err)
	}
	// The look-back and look-ahead are two days: bookings starting in
	// [from-48h, to+48h) may matter for starts in [from, to).
	mustCreate(t, s, newBooking(at(8-48, 0), "a"))  // exactly from-48h: inside
	mustCreate(t, s, newBooking(at(8-50, 0), "a"))  // before from-48h: outside
	mustCreate(t, s, newBooking(at(20+48, 0), "b")) // exactly to+48h: outside
	mustCreate(t, s, newBooking(at(20+46, 0), "b")) // inside the look-ahead
	mustBlackout := func(room string, h1, h2 int) {
		if _, err := s.AddBlackout(ctx, room, at(h1, 0), at(h2, 0), "", "owner@example.com", testNow); err != nil {
			t.Fatal(err)
		}
	}
	mustBlackout("a", 15, 16) // inside, room a
	mustBlackout("", 7, 9)    // overlaps the window's start, all rooms
	mustBlackout("b", 10, 11) // room b only
	mustBlackout("a", 0, 8)   // ends exactly at from: outside
	mustBlackout("", 20, 22)  // starts exactly at to: outside
	mustBlackout("a", 19, 21) // overlaps the window's end

	from, to := at(8, 0), at(20, 0)
	check := func(rooms []string, wantBookings map[string][]Interval, wantBlackouts []Interval) {
		t.Helper()
		bookings, blackouts, err := s.Occupancy(ctx, rooms, from, to)
		if err != nil {
			t.Fatal(err)
		}
		assertRoomIntervals(t, fmt.Sprintf("bookings %v", rooms), bookings, wantBookings)
		assertIntervals(t, fmt.Sprintf("blackouts %v", rooms), blackouts, wantBlackouts)
	}
	check([]string{"a", "b"},
		map[string][]Interval{
			"a": {{"a", at(8-48, 0), at(9-48, 0)}, {"a", at(11, 0), at(12, 0)}, {"a", at(14, 0), at(15, 0)}},
			"b": {{"b", at(9, 0), at(10, 0)}, {"b", at(12, 0), at(13, 0)}, {"b", at(20+46, 0), at(21+46, 0)}},
		},
		[]Interval{{"", at(7, 0), at(9, 0)}, {"b", at(10, 0), at(11, 0)}, {"a", at(15, 0), at(16, 0)}, {"a", at(19, 0), at(21, 0)}})
	check([]string{"a"},
		map[string][]Interval{
			"a": {{"a", at(8-48, 0), at(9-48, 0)}, {"a", at(11, 0), at(12, 0)}, {"a", at(14, 0), at(15, 0)}},
		},
		[]Interval{{"", at(7, 0), at(9, 0)}, {"a", at(15, 0), at(16, 0)}, {"a", at(19, 0), at(21, 0)}})

	if b, _, err := s.Occupancy(ctx, nil, from, to); err != nil || len(b) != 0 {
		t.Errorf("Occupancy(no rooms) = %v, %v", b, err)
	}
}

func assertIntervals(t *testing.T, what string, got, want []Interval) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i].Room == want[i].Room && got[i].Start.Equal(want[i].Start) && got[i].End.Equal(want[i].End)
	}
	if !ok {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// assertRoomIntervals checks bookings room by room: Occupancy promises each
// room's bookings sorted by start, not an order across rooms.
func assertRoomIntervals(t *testing.T, what string, got []Interval, want map[string][]Interval) {
	t.Helper()
	per := map[string][]Interval{}
	for _, iv := range got {
		per[iv.Room] = append(per[iv.Room], iv)
	}
	for room := range per {
		if _, ok := want[room]; !ok {
			t.Errorf("%s: unexpected room %s: %v", what, room, per[room])
		}
	}
	for room, w := range want {
		assertIntervals(t, what+" room "+room, per[room], w)
	}
}

// sameBooking compares two bookings, their permits by value.
func sameBooking(a, b Booking) bool {
	if (a.Permit == nil) != (b.Permit == nil) || (a.Permit != nil && *a.Permit != *b.Permit) {
		return false
	}
	a.Permit, b.Permit = nil, nil
	return a == b
}

// The booking CreateBooking returns is built from its inputs, not read
// back: it is exactly what a read of it gives, with a permit or without,
// online or at the desk, with a reference chosen beforehand or not — and a
// chosen reference another booking holds is replaced, not refused.
func TestExpectedIsWhatIsWritten(t *testing.T) {
	s := openTestStore(t, nil)
	ctx := context.Background()
	taken := newBooking(at(8, 0), "a")
	taken.Reference = "VB-AAAAAA"
	if _, _, err := s.CreateBooking(ctx, taken); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(nb *NewBooking){
		"plain":           func(nb *NewBooking) {},
		"chosen":          func(nb *NewBooking) { nb.ID, nb.Reference = NewID(), NewReference() },
		"reference taken": func(nb *NewBooking) { nb.Reference = "VB-AAAAAA" },
		"permit": func(nb *NewBooking) {
			nb.VehicleRegistration, nb.PermitApprover = "AB12CDE", "approver@venue.test"
		},
		"desk": func(nb *NewBooking) {
			nb.Source, nb.Language, nb.CustomerEmail, nb.CustomerPhone, nb.Notes = SourceOwner, "de", "", "+44 20 7946 0000", "Geburtstag"
		},
	} {
		t.Run(name, func(t *testing.T) {
			nb := newBooking(at(10, 0).Add(time.Duration(len(name))*2*time.Hour), "a", "b")
			nb.Now = time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)
			edit(&nb)
			got, _, err := s.CreateBooking(ctx, nb)
			if err != nil {
				t.Fatal(err)
			}
			read, err := s.FindBookingByID(ctx, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, read) {
				t.Fatalf("returned\n%+v\nread back\n%+v", got, read)
			}
			if nb.Reference != "" && nb.Reference != "VB-AAAAAA" && got.Reference != nb.Reference {
				t.Errorf("reference %s, chosen %s", got.Reference, nb.Reference)
			}
			if name == "reference taken" && got.Reference == "VB-AAAAAA" {
				t.Error("two bookings hold VB-AAAAAA")
			}
		})
	}
}

// Emails rendered before the transaction are queued as they are when it
// writes the booking they were rendered for; when it takes another room
// (the expected one was taken meanwhile) it renders them itself.
func TestPreparedEmailsAreQueuedOnlyForTheirBooking(t *testing.T) {
	s := openTestStore(t, nil)
	ctx := context.Background()
	db := openRaw(t, s)
	composed := 0
	book := func(start time.Time, expectRoom string) string {
		nb := newBooking(start, "a", "b")
		nb.ID, nb.Reference = NewID(), NewReference()
		nb.Compose = func(b Booking) ([]Message, error) {
			composed++
			return []Message{{Kind: "confirmation", BookingID: b.ID, Recipient: b.CustomerEmail, Subject: "in the writer, room " + b.RoomID, Text: "t"}}, nil
		}
		expected := nb.Expected(expectRoom)
		nb.Prepared = &Prepared{Booking: expected, Messages: []Message{{Kind: "confirmation", BookingID: expected.ID,
			Recipient: expected.CustomerEmail, Subject: "beforehand, room " + expectRoom, Text: "t"}}}
		b, _, err := s.CreateBooking(ctx, nb)
		if err != nil {
			t.Fatal(err)
		}
		var subject string
		if err := db.QueryRow("SELECT subject FROM outbox WHERE booking_id = ?", b.ID).Scan(&subject); err != nil {
			t.Fatal(err)
		}
		return subject
	}
	if got := book(at(10, 0), "a"); got != "beforehand, room a" || composed != 0 {
		t.Errorf("expected room a and got it: %q, rendered in the writer %d times", got, composed)
	}
	if got := book(at(14, 0), "b"); got != "in the writer, room a" || composed != 1 {
		t.Errorf("expected room b, got room a: %q, rendered in the writer %d times", got, composed)
	}
}
