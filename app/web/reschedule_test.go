package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// reschedule moves booking b (as its customer) to start.
func (v *testVenue) reschedule(t testing.TB, b apiBooking, body any) response {
	t.Helper()
	id, token := managePath(t, b.ManageURL)
	return v.do(t, "POST", "/api/bookings/"+id+"/reschedule?t="+token, body, nil)
}

// freeAt tells whether availability offers package classic-60 at start.
func (v *testVenue) freeAt(t testing.TB, start time.Time) bool {
	t.Helper()
	var got struct {
		Days []struct {
			Slots []struct {
				Start string `json:"start"`
			} `json:"slots"`
		} `json:"days"`
	}
	date := start.In(london).Format("2006-01-02")
	v.do(t, "GET", "/api/availability?package=classic-60&from="+date, nil, nil).json(t, &got)
	for _, d := range got.Days {
		for _, s := range d.Slots {
			if at, _ := time.Parse(time.RFC3339, s.Start); at.Equal(start) {
				return true
			}
		}
	}
	return false
}

var london, _ = time.LoadLocation("Europe/London")

// A customer moves their booking from its link: the same booking, reference
// and link at the new time; the old slot free again and the new one taken;
// the customer gets the updated invite (same UID, higher SEQUENCE) and the
// owner a copy; the audit says who moved what.
func TestCustomerMovesABooking(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{ExtraTOML: "[mail]\nowner_email = \"owner@venue.test\"\n"})
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z")).Booking
	oldStart := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	newStart := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	if v.freeAt(t, oldStart) || !v.freeAt(t, newStart) {
		t.Fatal("before the move: the booked slot offered or the other one not")
	}
	r := v.reschedule(t, b, map[string]any{"start": "2026-12-02T14:00:00Z", "expected_price_cents": 4500})
	if r.Status != http.StatusOK {
		t.Fatalf("reschedule: %d %s", r.Status, r.Body)
	}
	var got bookingResponse
	r.json(t, &got)
	m := got.Booking
	if m.ID != b.ID || m.Reference != b.Reference || m.ManageURL != b.ManageURL || m.Status != "confirmed" {
		t.Errorf("moved booking %+v, want the same id, reference and link, confirmed", m)
	}
	if m.Start != "2026-12-02T14:00:00+00:00" || m.End != "2026-12-02T15:00:00+00:00" {
		t.Errorf("moved to %s–%s, want 14:00–15:00 on 2 December", m.Start, m.End)
	}
	if !v.freeAt(t, oldStart) || v.freeAt(t, newStart) {
		t.Error("after the move: the old slot is not offered again, or the new one still is")
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 1 {
		t.Errorf("%d bookings after a move, want 1", n)
	}
	var ics string
	if err := v.db.QueryRow("SELECT ics FROM outbox WHERE booking_id = ? AND kind = 'change' AND recipient = 'ada@example.com'", b.ID).Scan(&ics); err != nil {
		t.Fatalf("the customer's change email: %v", err)
	}
	var confirmICS string
	if err := v.db.QueryRow("SELECT ics FROM outbox WHERE booking_id = ? AND kind = 'confirmation'", b.ID).Scan(&confirmICS); err != nil {
		t.Fatal(err)
	}
	uid := regexp.MustCompile(`(?m)^UID:(.+)\r?$`)
	seq := regexp.MustCompile(`(?m)^SEQUENCE:(\d+)\r?$`)
	if uid.FindStringSubmatch(ics)[1] != uid.FindStringSubmatch(confirmICS)[1] {
		t.Error("the moved booking's invite has another UID")
	}
	if !(seq.FindStringSubmatch(ics)[1] > seq.FindStringSubmatch(confirmICS)[1]) || !strings.Contains(ics, "DTSTART:20261202T140000Z") {
		t.Errorf("the moved invite: SEQUENCE %s after %s, or not at 14:00:\n%s", seq.FindStringSubmatch(ics)[1], seq.FindStringSubmatch(confirmICS)[1], ics)
	}
	if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ? AND kind = 'owner_change' AND recipient = 'owner@venue.test'", b.ID); n != 1 {
		t.Errorf("%d owner copies of the move, want 1", n)
	}
	if n := v.countRows(t, "SELECT count(*) FROM audit_log WHERE action = 'booking.moved' AND actor = 'customer' AND booking_id = ?", b.ID); n != 1 {
		t.Errorf("%d audit entries of the move, want 1", n)
	}
	// The same start again changes nothing and sends nothing.
	if r := v.reschedule(t, m, map[string]any{"start": "2026-12-02T14:00:00Z"}); r.Status != 200 {
		t.Errorf("move to where it is: %d %s", r.Status, r.Body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ? AND kind = 'change'", b.ID); n != 1 {
		t.Errorf("%d change emails after a move to where it was, want 1", n)
	}
}

// The rules of a move at their edges: the cutoff to the second, the booking's
// own slot and gap, a DST day, a closed day, the grid, the notice, the
// window, a changed price, a cancelled booking, moves switched off, a wrong
// link and malformed bodies. A refused move changes nothing.
func TestCustomerMoveRules(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{AdvanceDays: 200})
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z")).Booking
	try := func(start string, extra ...any) response {
		t.Helper()
		body := map[string]any{"start": start}
		if len(extra) > 0 {
			body["expected_price_cents"] = extra[0]
		}
		return v.reschedule(t, b, body)
	}
	for _, c := range []struct {
		name, start string
		price       any
		status      int
		code        string
	}{
		{"off the grid", "2026-12-02T09:10:00Z", nil, 409, "slot_unavailable"},
		{"before opening", "2026-12-02T08:00:00Z", nil, 409, "slot_unavailable"},
		{"running past closing", "2026-12-02T20:30:00Z", nil, 409, "slot_unavailable"},
		{"a closed day (Christmas)", "2026-12-25T10:00:00Z", nil, 409, "slot_unavailable"},
		{"inside the notice", "2026-11-27T11:00:00Z", nil, 409, "slot_unavailable"},
		{"beyond the window", "2027-06-30T10:00:00Z", nil, 409, "slot_unavailable"},
		{"another price expected", "2026-12-02T10:00:00Z", 4000, 409, "price_changed"},
		{"not an instant", "tomorrow", nil, 400, "validation_failed"},
		{"no offset", "2026-12-02T10:00:00", nil, 400, "validation_failed"},
		{"a negative price", "2026-12-02T10:00:00Z", -1, 400, "validation_failed"},
	} {
		r := try(c.start, c.price)
		if c.price == nil {
			r = try(c.start)
		}
		if r.Status != c.status || r.errorCode() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.code)
		}
	}
	for _, body := range []string{`{"start": 5}`, `{"start": "2026-12-02T10:00:00Z", "room": "room1"}`, `[]`, `{"start": "2026-12-02T10:00:00Z"`, strings.Repeat(`{"a":`, 200)} {
		id, token := managePath(t, b.ManageURL)
		r := v.do(t, "POST", "/api/bookings/"+id+"/reschedule?t="+token, []byte(body), map[string]string{"Content-Type": "application/json"})
		if r.Status != 400 && r.Status != 413 {
			t.Errorf("body %.40q: %d %s, want 400", body, r.Status, r.Body)
		}
	}
	if got := v.mustGet(t, b); got.Start != b.Start {
		t.Fatalf("refused moves moved the booking to %s", got.Start)
	}
	// Its own slot and gap do not count against it: half an hour later
	// overlaps where it is now.
	if r := try("2026-12-01T09:30:00Z", 4500); r.Status != 200 {
		t.Errorf("a move overlapping its own slot: %d %s", r.Status, r.Body)
	}
	// A DST day (Europe/London, 28 March 2027: 01:00 GMT becomes 02:00 BST):
	// 10:00 local is 09:00 UTC.
	if r := try("2027-03-28T09:00:00Z"); r.Status != 200 {
		t.Errorf("a move to 10:00 BST on the DST day: %d %s", r.Status, r.Body)
	}
	if r := try("2027-03-28T09:15:00Z"); r.Status != 409 {
		t.Errorf("a move off the local grid on the DST day: %d %s", r.Status, r.Body)
	}
	// Back to 1 December for the cutoff.
	if r := try("2026-12-01T09:00:00Z"); r.Status != 200 {
		t.Fatalf("move back: %d %s", r.Status, r.Body)
	}
	// Another customer's booking and its gap count.
	other := v.mustBook(t, bookingBody("2026-12-03T12:00:00Z")).Booking
	for _, start := range []string{"2026-12-03T11:00:00Z", "2026-12-03T12:30:00Z", "2026-12-03T13:00:00Z"} {
		if r := try(start); r.Status != 409 || r.errorCode() != "slot_unavailable" {
			t.Errorf("a move into another booking or its gap (%s): %d %s", start, r.Status, r.Body)
		}
	}
	if r := try("2026-12-03T13:30:00Z"); r.Status != 200 {
		t.Errorf("a move right after another booking's gap: %d %s", r.Status, r.Body)
	}
	if r := try("2026-12-01T09:00:00Z"); r.Status != 200 {
		t.Fatalf("move back: %d %s", r.Status, r.Body)
	}
	// The cutoff: 24 hours before 09:00 on 1 December, to the second.
	v.setNow(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	if r := try("2026-12-01T09:30:00Z"); r.Status != 200 {
		t.Errorf("a move exactly at the cutoff: %d %s", r.Status, r.Body)
	}
	v.setNow(time.Date(2026, 11, 30, 9, 30, 1, 0, time.UTC))
	if r := try("2026-12-01T11:00:00Z"); r.Status != 409 || r.errorCode() != "change_closed" {
		t.Errorf("a move a second past the cutoff: %d %s", r.Status, r.Body)
	}
	v.setNow(testNow)
	// A wrong link is not found; a cancelled booking cannot move.
	id, token := managePath(t, other.ManageURL)
	if r := v.do(t, "POST", "/api/bookings/"+id+"/reschedule?t="+token+"x", map[string]any{"start": "2026-12-05T10:00:00Z"}, nil); r.Status != 404 {
		t.Errorf("a wrong token: %d %s", r.Status, r.Body)
	}
	if r := v.do(t, "POST", "/api/bookings/"+id+"/cancel?t="+token, nil, nil); r.Status != 200 {
		t.Fatal(r.Status)
	}
	if r := v.reschedule(t, other, map[string]any{"start": "2026-12-05T10:00:00Z"}); r.Status != 409 || r.errorCode() != "change_closed" {
		t.Errorf("a cancelled booking moved: %d %s", r.Status, r.Body)
	}
}

// mustGet reads booking b through its link.
func (v *testVenue) mustGet(t testing.TB, b apiBooking) apiBooking {
	t.Helper()
	id, token := managePath(t, b.ManageURL)
	var got bookingResponse
	r := v.do(t, "GET", "/api/bookings/"+id+"?t="+token, nil, nil)
	if r.Status != 200 {
		t.Fatalf("get booking: %d %s", r.Status, r.Body)
	}
	r.json(t, &got)
	return got.Booking
}

// A venue may switch moving off (-1), or close it earlier than cancelling;
// a booking keeps its own price when it moves (here an owner's discount):
// the price the customer expects is checked against it.
func TestCustomerMoveSwitchedOffAndRepriced(t *testing.T) {
	t.Parallel()
	off := newVenue(t, venueOptions{VenueTOML: "change_cutoff_hours = -1"})
	b := off.mustBook(t, bookingBody("2026-12-01T09:00:00Z")).Booking
	if r := off.reschedule(t, b, map[string]any{"start": "2026-12-02T10:00:00Z"}); r.Status != 409 || r.errorCode() != "change_closed" {
		t.Errorf("moving switched off: %d %s", r.Status, r.Body)
	}
	v, o := ownerVenue(t, venueOptions{VenueTOML: "change_cutoff_hours = 72"})
	b = v.mustBook(t, bookingBody("2026-11-29T12:00:00Z")).Booking // 50 hours ahead
	if r := v.reschedule(t, b, map[string]any{"start": "2026-12-02T10:00:00Z"}); r.Status != 409 || r.errorCode() != "change_closed" {
		t.Errorf("inside a 72-hour change cutoff: %d %s", r.Status, r.Body)
	}
	b = v.mustBook(t, bookingBody("2026-12-05T12:00:00Z")).Booking
	// The owner gave this customer a discount.
	if r := o.do(t, "PATCH", "/api/admin/bookings/"+b.ID, map[string]any{"price_cents": 3900}, nil); r.Status != 200 {
		t.Fatalf("discount: %d %s", r.Status, r.Body)
	}
	if r := v.reschedule(t, b, map[string]any{"start": "2026-12-06T10:00:00Z", "expected_price_cents": 4500}); r.Status != 409 || r.errorCode() != "price_changed" {
		t.Errorf("expecting the package's price for a discounted booking: %d %s, want 409 price_changed", r.Status, r.Body)
	}
	r := v.reschedule(t, b, map[string]any{"start": "2026-12-06T10:00:00Z", "expected_price_cents": 3900})
	var got bookingResponse
	r.json(t, &got)
	if r.Status != 200 || got.Booking.PriceCents != 3900 {
		t.Errorf("moving a discounted booking: %d, price %d; want 200 at its own 3900", r.Status, got.Booking.PriceCents)
	}
}

// Two hundred moves at once into one start: exactly one wins and the rest
// are refused with slot_unavailable; then moves racing new bookings for one
// start: exactly one of all of them wins. The slots given up are free again.
func TestCustomerMovesConcurrent(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{AdvanceDays: 120, StepMinutes: 60, Gap: -1})
	const n = 200
	// 200 bookings on distinct hours: 12 a day from 09:00 to 20:00.
	bookings := make([]apiBooking, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			day, hour := i/12, 9+i%12
			start := time.Date(2026, 12, 1, hour, 0, 0, 0, london).AddDate(0, 0, day)
			bookings[i] = v.mustBook(t, bookingBody(start.UTC().Format(time.RFC3339), func(m map[string]any) {
				m["customer"] = map[string]any{"name": fmt.Sprintf("Guest %d", i), "email": fmt.Sprintf("g%d@example.com", i)}
			})).Booking
		}()
	}
	wg.Wait()
	target := "2027-01-20T10:00:00Z"
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = v.reschedule(t, bookings[i], map[string]any{"start": target}).Status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[200] != 1 || count[409] != n-1 {
		t.Errorf("moves into one start: %v, want one 200 and %d 409", count, n-1)
	}
	at := func(s string) int {
		ts, _ := time.Parse(time.RFC3339, s)
		return v.countRows(t, "SELECT count(*) FROM bookings WHERE start_at = ? AND status = 'confirmed'", ts.Unix())
	}
	if at(target) != 1 || v.countRows(t, "SELECT count(*) FROM bookings") != n {
		t.Errorf("%d bookings at the start, %d in all", at(target), v.countRows(t, "SELECT count(*) FROM bookings"))
	}
	// Moves and new bookings race for one start.
	second := "2027-01-21T10:00:00Z"
	results := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				results[i] = v.reschedule(t, bookings[i], map[string]any{"start": second}).Status
			} else {
				results[i] = v.do(t, "POST", "/api/bookings", bookingBody(second, func(m map[string]any) {
					m["customer"] = map[string]any{"name": "Racer", "email": fmt.Sprintf("racer%d@example.com", i)}
				}), nil).Status
			}
		}()
	}
	wg.Wait()
	won := 0
	for _, c := range results {
		if c == 200 || c == 201 {
			won++
		} else if c != 409 {
			t.Errorf("a racer got %d", c)
		}
	}
	if won != 1 || at(second) != 1 {
		t.Errorf("moves racing bookings: %d won, %d at the start; want 1 and 1", won, at(second))
	}
	// Every slot given up is offered again; the won ones are not.
	for i, b := range bookings {
		got := v.mustGet(t, b)
		ts, _ := time.Parse(time.RFC3339, b.Start)
		if moved := got.Start != b.Start; moved == !v.freeAt(t, ts) {
			t.Errorf("booking %d (moved %v): its old slot offered = %v", i, moved, v.freeAt(t, ts))
		}
	}
}

// A parking permit follows the customer's move: still requested, the
// approver gets a new link and the old one stops working; approved for
// another date, it is requested again.
func TestCustomerMoveTakesThePermitAlong(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{Parking: true})
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z", withParking("AB12CDE"))).Booking
	links := func() []string {
		t.Helper()
		rows, err := v.db.Query("SELECT body_text FROM outbox WHERE booking_id = ? AND kind = 'permit_request' ORDER BY id", b.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var body string
			rows.Scan(&body)
			m := regexp.MustCompile(`token=([A-Za-z0-9._-]+)`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no link in the request:\n%s", body)
			}
			out = append(out, m[1])
		}
		return out
	}
	decide := func(token string) int {
		return v.do(t, "POST", "/api/permits/decision", map[string]string{"token": token, "decision": "approve"}, nil).Status
	}
	first := links()
	if r := v.reschedule(t, b, map[string]any{"start": "2026-12-01T12:00:00Z"}); r.Status != 200 {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	now := links()
	if len(first) != 1 || len(now) != 2 {
		t.Fatalf("requests: %d then %d, want 1 then 2", len(first), len(now))
	}
	if code := decide(first[0]); code != 409 && code != 410 {
		t.Errorf("the link from before the move: %d, want it refused", code)
	}
	if code := decide(now[1]); code != 200 {
		t.Errorf("the new link: %d", code)
	}
	if got := v.mustGet(t, b); got.Parking == nil || got.Parking.Status != "approved" {
		t.Fatalf("after approval: %+v", got.Parking)
	}
	if r := v.reschedule(t, b, map[string]any{"start": "2026-12-02T12:00:00Z"}); r.Status != 200 {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	if got := v.mustGet(t, b); got.Parking == nil || got.Parking.Status != "requested" || len(links()) != 3 {
		t.Errorf("approved, moved to another date: %+v, %d requests; want requested, 3", got.Parking, len(links()))
	}
}
