package web_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"venuebook/app/mail/smtptest"

	ics "github.com/arran4/golang-ical"
)

// A completed or no-show booking clicked by mistake is set back to confirmed
// (and audited); a cancellation stays final; a confirmed booking has nothing
// to undo. Online bookings carry "source": "online".
func TestUndoCompletedAndNoShow(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{Rooms: 2})
	addOwner(t, v, ownerEmail, ownerPassword)
	a := bookAs(t, v, "2026-11-28T10:00:00Z", "Ann Ash", "ann@example.com").Booking
	b := bookAs(t, v, "2026-11-28T12:00:00Z", "Bob Birch", "bob@example.com").Booking
	if a.Source != "online" {
		t.Errorf("an online booking's source is %q, want online", a.Source)
	}
	v.setNow(time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)) // both have started
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	set := func(id, status string) response {
		t.Helper()
		return o.do(t, "POST", "/api/admin/bookings/"+id+"/status", map[string]any{"status": status, "notify": false}, nil)
	}
	for _, first := range []string{"no_show", "completed"} {
		if r := set(a.ID, first); r.Status != 200 {
			t.Fatalf("mark %s: %d %s", first, r.Status, r.Body)
		}
		r := set(a.ID, "confirmed")
		var got bookingResponse
		r.json(t, &got)
		if r.Status != 200 || got.Booking.Status != "confirmed" {
			t.Fatalf("undo %s: %d %s", first, r.Status, r.Body)
		}
	}
	if n := v.countRows(t, "SELECT count(*) FROM audit_log WHERE action = 'booking.confirmed' AND booking_id = ?", a.ID); n != 2 {
		t.Errorf("%d audit rows for the undos, want 2", n)
	}
	if r := set(a.ID, "confirmed"); r.Status != 400 || r.errorCode() != "validation_failed" {
		t.Errorf("undo of a confirmed booking: %d %s", r.Status, r.Body)
	}
	if r := set(b.ID, "cancelled"); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if r := set(b.ID, "confirmed"); r.Status != 400 || r.errorCode() != "validation_failed" {
		t.Errorf("undo of a cancellation: %d %s", r.Status, r.Body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE id = ? AND status = 'cancelled'", b.ID); n != 1 {
		t.Error("a cancelled booking came back")
	}
}

// deskBody is a booking the owner takes by phone: classic-60, two guests,
// a name and a phone, edited by edits.
func deskBody(start string, edits ...func(map[string]any)) map[string]any {
	m := map[string]any{"tier": "classic", "package": "classic-60", "start": start, "guests": 2,
		"customer": map[string]any{"name": "Walk In", "phone": "+44 20 7946 0000"}}
	for _, e := range edits {
		e(m)
	}
	return m
}

// The owner books by phone or at the door: a name and a phone are enough, any
// whole-minute start outside the grid, the notice and the opening hours (in
// the past too) is taken, the room and the price may be chosen; the customer
// is emailed only with an address and notify; the audit log records it.
func TestDeskBookingOutsideTheRules(t *testing.T) {
	t.Parallel()
	v, o := ownerVenue(t, venueOptions{Rooms: 2})
	post := func(body map[string]any) response {
		t.Helper()
		return o.do(t, "POST", "/api/admin/bookings", body, nil)
	}
	// 07:07 on the venue's day: before opening, off the 30-minute grid,
	// inside the 2-hour notice of "now" (10:00, 27 November)... and in the past.
	for _, start := range []string{"2026-11-27T07:07:00Z", "2026-11-27T10:41:00Z", "2026-11-26T22:15:00Z"} {
		r := post(deskBody(start))
		var got bookingResponse
		r.json(t, &got)
		if r.Status != 201 || got.Booking.Source != "owner" || got.Booking.Customer.Email != "" || got.Booking.Start != start[:19]+"+00:00" {
			t.Fatalf("desk booking at %s: %d %s", start, r.Status, r.Body)
		}
		if n := v.countRows(t, "SELECT count(*) FROM audit_log WHERE action = 'booking.created' AND booking_id = ? AND actor = ?", got.Booking.ID, ownerEmail); n != 1 {
			t.Errorf("desk booking at %s: %d audit rows", start, n)
		}
		if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ?", got.Booking.ID); n != 0 {
			t.Errorf("desk booking at %s without an email queued %d messages", start, n)
		}
	}

	// With an email the customer gets the confirmation (not the owner a copy
	// of what they did); notify false sends nothing.
	withEmail := func(email string, notify any) func(map[string]any) {
		return func(m map[string]any) {
			m["customer"].(map[string]any)["email"] = email
			if notify != nil {
				m["notify"] = notify
			}
		}
	}
	r := post(deskBody("2026-11-30T09:00:00Z", withEmail("phone@example.com", nil)))
	var got bookingResponse
	r.json(t, &got)
	if r.Status != 201 {
		t.Fatalf("with an email: %d %s", r.Status, r.Body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ? AND kind = 'confirmation' AND recipient = 'phone@example.com'", got.Booking.ID); n != 1 {
		t.Errorf("%d confirmations to the customer, want 1", n)
	}
	r = post(deskBody("2026-11-30T12:00:00Z", withEmail("quiet@example.com", false)))
	r.json(t, &got)
	if r.Status != 201 || v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ?", got.Booking.ID) != 0 {
		t.Errorf("notify false: %d, messages queued", r.Status)
	}

	// The room and the owner's price.
	r = post(deskBody("2026-11-30T15:00:00Z", func(m map[string]any) { m["room"], m["price_cents"] = "room2", 0 }))
	r.json(t, &got)
	if r.Status != 201 || got.Booking.Room != "room2" || got.Booking.PriceCents != 0 {
		t.Errorf("room and price: %d %s", r.Status, r.Body)
	}
	// Visible as the desk's in the list, the CSV and the booking page.
	list := o.do(t, "GET", "/api/admin/bookings?from=2026-11-30&to=2026-11-30", nil, nil)
	if !strings.Contains(string(list.Body), `"source":"owner"`) {
		t.Errorf("the list does not say source owner: %.300s", list.Body)
	}
	if page := o.do(t, "GET", "/admin/bookings/"+got.Booking.ID, nil, nil); !strings.Contains(string(page.Body), "taken at the desk") {
		t.Errorf("the booking page does not say it was taken at the desk")
	}
}

// An owner booking never overlaps another active booking (cleaning gap
// included) or a blackout; without a room it takes a free one.
func TestDeskBookingNeverOverlaps(t *testing.T) {
	t.Parallel()
	v, o := ownerVenue(t, venueOptions{Rooms: 2})
	online := bookAs(t, v, "2026-11-30T10:00:00Z", "Ann Ash", "ann@example.com").Booking
	inRoom := func(room string) func(map[string]any) { return func(m map[string]any) { m["room"] = room } }
	// 11:15 is inside the 30-minute cleaning gap after 10:00–11:00.
	r := o.do(t, "POST", "/api/admin/bookings", deskBody("2026-11-30T11:15:00Z", inRoom(online.Room)), nil)
	if r.Status != 409 || r.errorCode() != "slot_unavailable" || !strings.Contains(string(r.Body), "blackout") {
		t.Errorf("over the cleaning gap: %d %s", r.Status, r.Body)
	}
	r = o.do(t, "POST", "/api/admin/bookings", deskBody("2026-11-30T10:30:00Z"), nil)
	var got bookingResponse
	r.json(t, &got)
	if r.Status != 201 || got.Booking.Room == online.Room {
		t.Errorf("without a room, over a taken one: %d %s", r.Status, r.Body)
	}
	if r := o.do(t, "POST", "/api/admin/blackouts", map[string]any{"start": "2026-12-03", "end": "2026-12-03", "reason": "Repairs"}, nil); r.Status != 201 {
		t.Fatalf("blackout: %d %s", r.Status, r.Body)
	}
	if r := o.do(t, "POST", "/api/admin/bookings", deskBody("2026-12-03T10:00:00Z"), nil); r.Status != 409 || r.errorCode() != "slot_unavailable" {
		t.Errorf("in a blackout: %d %s", r.Status, r.Body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 2 {
		t.Errorf("%d bookings, want the online one and one desk booking", n)
	}
}

// Bad input gets a clear error naming the field and changes nothing; the
// endpoint wants a signed-in owner and the CSRF token.
func TestDeskBookingRefusesBadInput(t *testing.T) {
	t.Parallel()
	v, o := ownerVenue(t, venueOptions{Rooms: 2})
	for _, tc := range []struct {
		name   string
		edit   func(map[string]any)
		fields []string
	}{
		{"no name", func(m map[string]any) { m["customer"].(map[string]any)["name"] = " " }, []string{"customer.name"}},
		{"neither email nor phone", func(m map[string]any) { m["customer"] = map[string]any{"name": "Nobody"} }, []string{"customer.email", "customer.phone"}},
		{"a bad email", func(m map[string]any) { m["customer"].(map[string]any)["email"] = "not-an-address" }, []string{"customer.email"}},
		{"seconds", func(m map[string]any) { m["start"] = "2026-11-30T10:00:30Z" }, []string{"start"}},
		{"year 3000", func(m map[string]any) { m["start"] = "3000-01-01T10:00:00Z" }, []string{"start"}},
		{"a room of another tier", func(m map[string]any) { m["tier"], m["package"], m["room"] = "private", "private-120", "room2" }, []string{"room"}},
		{"no such room", func(m map[string]any) { m["room"] = "attic" }, []string{"room"}},
		{"a negative price", func(m map[string]any) { m["price_cents"] = -1 }, []string{"price_cents"}},
		{"a huge price", func(m map[string]any) { m["price_cents"] = 1e12 }, []string{"price_cents"}},
		{"too many guests", func(m map[string]any) { m["guests"] = 99 }, []string{"guests"}},
		{"a CR in the name", func(m map[string]any) { m["customer"].(map[string]any)["name"] = "Eve\r\nBcc: x@y" }, []string{"customer.name"}},
	} {
		r := o.do(t, "POST", "/api/admin/bookings", deskBody("2026-11-30T10:00:00Z", tc.edit), nil)
		fields := r.errorFields()
		if r.Status != 400 || r.errorCode() != "validation_failed" {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
			continue
		}
		for _, f := range tc.fields {
			if fields[f] == "" {
				t.Errorf("%s: no message for %s in %s", tc.name, f, r.Body)
			}
		}
	}
	for _, raw := range []string{`{"tier":"classic"`, `[]`, `{"tier":"classic","package":"classic-60","start":"2026-11-30T10:00:00Z","guests":2,"customer":{"name":"A","phone":"1234"},"extra":1}`,
		strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)} {
		r := o.do(t, "POST", "/api/admin/bookings", raw, nil)
		if r.Status != 400 {
			t.Errorf("body %.40q: %d %s", raw, r.Status, r.Body)
		}
	}
	if r := v.do(t, "POST", "/api/admin/bookings", deskBody("2026-11-30T10:00:00Z"), nil); r.Status != 401 {
		t.Errorf("not signed in: %d", r.Status)
	}
	noCSRF := sendAs(t, o.c, v.URL, "POST", "/api/admin/bookings", deskBody("2026-11-30T10:00:00Z"), nil)
	if noCSRF.Status != 403 {
		t.Errorf("without the CSRF token: %d %s", noCSRF.Status, noCSRF.Body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 0 {
		t.Errorf("%d bookings after refused requests", n)
	}
}

// Hundreds of desk and online bookings for one slot at once: exactly one
// wins, every other is a 409, and the double-click guard replays.
func TestDeskBookingConcurrent(t *testing.T) {
	t.Parallel()
	v, o := ownerVenue(t, venueOptions{Rooms: 1})
	const n = 200
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				r, err := o.v.try("POST", "/api/bookings", bookingBody("2026-11-30T10:00:00Z", func(m map[string]any) {
					m["customer"] = map[string]any{"name": "Online", "email": fmt.Sprintf("c%d@example.com", i)}
				}), nil)
				if err == nil {
					codes[i] = r.Status
				}
				return
			}
			r := o.do(t, "POST", "/api/admin/bookings", deskBody(fmt.Sprintf("2026-11-30T10:%02d:00Z", i%30)), nil)
			codes[i] = r.Status
		}()
	}
	wg.Wait()
	created := 0
	for i, c := range codes {
		switch c {
		case 201:
			created++
		case 409:
		default:
			t.Errorf("request %d: %d", i, c)
		}
	}
	if created != 1 || v.countRows(t, "SELECT count(*) FROM bookings WHERE status = 'confirmed'") != 1 {
		t.Errorf("%d created (%d rows) for one room and overlapping starts, want 1", created, v.countRows(t, "SELECT count(*) FROM bookings"))
	}
	// The same Idempotency-Key twice: one booking, the second answer a replay.
	key := map[string]string{"Idempotency-Key": "desk-double-click-1"}
	a := o.do(t, "POST", "/api/admin/bookings", deskBody("2026-12-01T15:00:00Z"), key)
	b := o.do(t, "POST", "/api/admin/bookings", deskBody("2026-12-01T15:00:00Z"), key)
	var ga, gb bookingResponse
	a.json(t, &ga)
	b.json(t, &gb)
	if a.Status != 201 || b.Status != 201 || ga.Booking.ID != gb.Booking.ID || b.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("double click: %d %d, ids %s %s", a.Status, b.Status, ga.Booking.ID, gb.Booking.ID)
	}
}

// calendarEvent returns the METHOD, UID and SEQUENCE of the one invite in m.
func calendarEvent(t *testing.T, m smtptest.Received) (method, uid, seq, start string) {
	t.Helper()
	_, parts := mailParts(t, m)
	for _, p := range parts {
		if p.MediaType == "text/calendar" {
			method, events := calendarOf(t, p)
			if len(events) != 1 {
				t.Fatalf("%d events in the invite", len(events))
			}
			return method, eventProp(events[0], ics.ComponentPropertyUniqueId), eventProp(events[0], ics.ComponentPropertySequence),
				eventProp(events[0], ics.ComponentPropertyDtStart)
		}
	}
	t.Fatal("no invite in the message")
	return
}

// The owner moves a booking to another time and room in one step: the old
// slot is free at once (another booking takes it), the customer gets the
// booking as it stands with an invite of the same UID and a higher SEQUENCE,
// and the audit log says what changed from what. A correction of the email
// sends later mail to the new address.
func TestOwnerMovesAndCorrectsABooking(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v, o := ownerVenue(t, venueOptions{Rooms: 2, SMTPPort: srv.Port})
	b := bookAs(t, v, "2026-11-30T10:00:00Z", "Ann Ash", "ann@example.com").Booking
	srv.WaitMessages(1, mailWait)
	patch := func(body any) response {
		t.Helper()
		return o.do(t, "PATCH", "/api/admin/bookings/"+b.ID, body, nil)
	}
	other := map[string]string{"room1": "room2", "room2": "room1"}[b.Room]
	r := patch(map[string]any{"start": "2026-12-01T14:07:00Z", "room": other, "guests": 3, "notes": "moved by phone"})
	var got bookingResponse
	r.json(t, &got)
	if r.Status != 200 || got.Booking.ID != b.ID || got.Booking.Reference != b.Reference || got.Booking.Start != "2026-12-01T14:07:00+00:00" ||
		got.Booking.End != "2026-12-01T15:07:00+00:00" || got.Booking.Room != other || got.Booking.Guests != 3 || got.Booking.ManageURL != b.ManageURL {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	// The old slot is free at once.
	bookAs(t, v, "2026-11-30T10:00:00Z", "Bob Birch", "bob@example.com")
	srv.WaitMessages(3, mailWait)
	toAnn := received(srv, "ann@example.com")
	if len(toAnn) != 2 {
		t.Fatalf("%d messages to the customer, want the confirmation and the change", len(toAnn))
	}
	subject, _ := mailParts(t, toAnn[1])
	method0, uid0, seq0, _ := calendarEvent(t, toAnn[0])
	method1, uid1, seq1, start1 := calendarEvent(t, toAnn[1])
	if !strings.HasPrefix(subject, "Booking changed") || method0 != "PUBLISH" || method1 != "PUBLISH" || uid0 != uid1 || seq1 <= seq0 || start1 != "20261201T140700Z" {
		t.Errorf("change email %q: %s %s %s → %s %s %s at %s", subject, method0, uid0, seq0, method1, uid1, seq1, start1)
	}
	var details string
	if err := v.db.QueryRow("SELECT details FROM audit_log WHERE action = 'booking.changed' AND booking_id = ?", b.ID).Scan(&details); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`start: "2026-11-30T10:00:00+00:00" → "2026-12-01T14:07:00+00:00"`, fmt.Sprintf("room: %q → %q", b.Room, other), `guests: "2" → "3"`, `notes: "" → "moved by phone"`} {
		if !strings.Contains(details, want) {
			t.Errorf("audit %q lacks %q", details, want)
		}
	}

	// A typo'd email corrected: the change goes to the new address, and so
	// does a resent confirmation.
	r = patch(map[string]any{"customer": map[string]any{"email": "ann.ash@example.com"}})
	if r.Status != 200 {
		t.Fatalf("email correction: %d %s", r.Status, r.Body)
	}
	if r := o.do(t, "POST", "/api/admin/bookings/"+b.ID+"/resend", nil, nil); r.Status != 200 {
		t.Fatalf("resend: %d %s", r.Status, r.Body)
	}
	srv.WaitMessages(5, mailWait)
	if n := len(received(srv, "ann.ash@example.com")); n != 2 {
		t.Errorf("%d messages to the corrected address, want the change and the resent confirmation", n)
	}
	// Notes only: no email; notify false: no email either.
	before := len(srv.Messages())
	if r := patch(map[string]any{"notes": "VIP"}); r.Status != 200 {
		t.Fatalf("notes: %d", r.Status)
	}
	if r := patch(map[string]any{"guests": 2, "notify": false}); r.Status != 200 {
		t.Fatalf("quiet change: %d", r.Status)
	}
	if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ?", b.ID); n != 4 {
		t.Errorf("%d messages for the booking after a notes change and a quiet one, want 4 (%d sent)", n, before)
	}
}

// A move never lands on another booking or a blackout, keeps the booking as
// it was when refused, and bad changes name their field.
func TestOwnerMoveRefusals(t *testing.T) {
	t.Parallel()
	v, o := ownerVenue(t, venueOptions{Rooms: 1})
	a := bookAs(t, v, "2026-11-30T10:00:00Z", "Ann Ash", "ann@example.com").Booking
	bookAs(t, v, "2026-11-30T13:00:00Z", "Bob Birch", "bob@example.com")
	patch := func(body any) response {
		t.Helper()
		return o.do(t, "PATCH", "/api/admin/bookings/"+a.ID, body, nil)
	}
	// 12:00–13:00 touches Bob's 13:00 start inside the 30-minute gap.
	if r := patch(map[string]any{"start": "2026-11-30T12:00:00Z"}); r.Status != 409 || r.errorCode() != "slot_unavailable" {
		t.Errorf("onto the gap: %d %s", r.Status, r.Body)
	}
	// Moving within its own slot (30 minutes later) is fine: its own place does not count.
	if r := patch(map[string]any{"start": "2026-11-30T10:30:00Z"}); r.Status != 200 {
		t.Errorf("within its own slot: %d %s", r.Status, r.Body)
	}
	if r := o.do(t, "POST", "/api/admin/blackouts", map[string]any{"start": "2026-12-02", "end": "2026-12-02", "reason": "Repairs"}, nil); r.Status != 201 {
		t.Fatal(r.Status)
	}
	if r := patch(map[string]any{"start": "2026-12-02T10:00:00Z"}); r.Status != 409 {
		t.Errorf("into a blackout: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"seconds", map[string]any{"start": "2026-12-01T10:00:10Z"}, "start"},
		{"not a time", map[string]any{"start": "tomorrow"}, "start"},
		{"another tier's room", map[string]any{"room": "attic"}, "room"},
		{"no guests", map[string]any{"guests": 0}, "guests"},
		{"a bad email", map[string]any{"customer": map[string]any{"email": "ann@"}}, "customer.email"},
		{"no way to reach them", map[string]any{"customer": map[string]any{"email": "", "phone": ""}}, "customer.phone"},
		{"a negative price", map[string]any{"price_cents": -5}, "price_cents"},
		{"a control character", map[string]any{"customer": map[string]any{"name": "A\x00"}}, "customer.name"},
	} {
		r := patch(tc.body)
		if r.Status != 400 || r.errorFields()[tc.field] == "" {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
		}
	}
	for _, raw := range []string{`{"start":`, `{"colour":"red"}`, `"x"`} {
		if r := patch(raw); r.Status != 400 {
			t.Errorf("body %q: %d %s", raw, r.Status, r.Body)
		}
	}
	var got bookingResponse
	o.do(t, "GET", "/api/admin/bookings/"+a.ID, nil, nil).json(t, &got)
	if got.Booking.Start != "2026-11-30T10:30:00+00:00" || got.Booking.Customer.Email != "ann@example.com" || got.Booking.Guests != 2 {
		t.Errorf("after refused changes: %+v", got.Booking)
	}
	if r := o.do(t, "PATCH", "/api/admin/bookings/01JUNKNOWNUNKNOWNUNKNOWN00", map[string]any{"notes": "x"}, nil); r.Status != 404 {
		t.Errorf("unknown booking: %d", r.Status)
	}
	if r := o.do(t, "POST", "/api/admin/bookings/"+a.ID+"/status", map[string]any{"status": "cancelled", "notify": false}, nil); r.Status != 200 {
		t.Fatal(r.Status)
	}
	if r := patch(map[string]any{"notes": "x"}); r.Status != 400 {
		t.Errorf("a cancelled booking changed: %d %s", r.Status, r.Body)
	}
}

// Two hundred moves of two bookings into one free slot at once: exactly one
// lands, the slot never holds two, and the other stays where it was.
func TestOwnerMovesConcurrent(t *testing.T) {
	t.Parallel()
	v, o := ownerVenue(t, venueOptions{Rooms: 1})
	a := bookAs(t, v, "2026-11-30T10:00:00Z", "Ann Ash", "ann@example.com").Booking
	b := bookAs(t, v, "2026-11-30T16:00:00Z", "Bob Birch", "bob@example.com").Booking
	const n = 200
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := a.ID
			if i%2 == 1 {
				id = b.ID
			}
			codes[i] = o.do(t, "PATCH", "/api/admin/bookings/"+id, map[string]any{"start": "2026-12-01T12:00:00Z"}, nil).Status
		}()
	}
	wg.Wait()
	moved := map[int]int{}
	for _, c := range codes {
		moved[c]++
	}
	if moved[200] < 1 || moved[200]+moved[409] != n {
		t.Errorf("answers %v", moved)
	}
	if got := v.countRows(t, "SELECT count(*) FROM bookings WHERE start_at = ?", time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC).Unix()); got != 1 {
		t.Errorf("%d bookings at the slot both wanted, want 1", got)
	}
}

// A parking permit follows a move: still requested, the approver gets a new
// link and the old one stops working; approved, it stays approved on the same
// date and goes back to requested (with a new request) on another.
func TestOwnerMoveTakesThePermitAlong(t *testing.T) {
	t.Parallel()
	v, o := ownerVenue(t, venueOptions{Rooms: 1, Parking: true})
	withCar := func(m map[string]any) { m["parking"] = map[string]any{"vehicle_registration": "AB12CDE"} }
	b := bookAs(t, v, "2026-11-30T10:00:00Z", "Ann Ash", "ann@example.com", withCar).Booking
	var permit string
	if err := v.db.QueryRow("SELECT id FROM parking_permits WHERE booking_id = ?", b.ID).Scan(&permit); err != nil {
		t.Fatal(err)
	}
	links := func() (live, all int) {
		return v.countRows(t, "SELECT count(*) FROM permit_tokens WHERE permit_id = ? AND superseded_at IS NULL AND used_at IS NULL", permit),
			v.countRows(t, "SELECT count(*) FROM permit_tokens WHERE permit_id = ?", permit)
	}
	requests := func() int {
		return v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ? AND kind = 'permit_request'", b.ID)
	}
	move := func(start string) bookingResponse {
		t.Helper()
		r := o.do(t, "PATCH", "/api/admin/bookings/"+b.ID, map[string]any{"start": start}, nil)
		var got bookingResponse
		r.json(t, &got)
		if r.Status != 200 {
			t.Fatalf("move to %s: %d %s", start, r.Status, r.Body)
		}
		return got
	}
	move("2026-11-30T12:00:00Z")
	if live, all := links(); live != 1 || all != 2 || requests() != 2 {
		t.Errorf("requested permit moved: %d live links of %d, %d requests; want 1 of 2, 2", live, all, requests())
	}
	if r := o.do(t, "POST", "/api/admin/permits/"+permit+"/decision", map[string]string{"decision": "approve"}, nil); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if got := move("2026-11-30T15:00:00Z"); got.Booking.Parking == nil || got.Booking.Parking.Status != "approved" || requests() != 2 {
		t.Errorf("approved, moved on the same date: %+v, %d requests", got.Booking.Parking, requests())
	}
	if got := move("2026-12-01T10:00:00Z"); got.Booking.Parking == nil || got.Booking.Parking.Status != "requested" || requests() != 3 {
		t.Errorf("approved, moved to another date: %+v, %d requests", got.Booking.Parking, requests())
	}
}

// The bookings list pages with limit and cursor: following next_cursor gives
// every matching booking once, in start order, with the total on each page;
// next_cursor is null on the last; bad limits and cursors are 400.
func TestBookingsListPages(t *testing.T) {
	t.Parallel()
	_, o := ownerVenue(t, venueOptions{Rooms: 2})
	var want []string
	for i := range 7 {
		// Two at each start (two rooms): ties broken by room and id.
		b := o.do(t, "POST", "/api/admin/bookings", deskBody(fmt.Sprintf("2026-12-01T%02d:00:00Z", 9+2*(i/2)), func(m map[string]any) {
			m["customer"].(map[string]any)["name"] = fmt.Sprintf("Guest %d", i)
		}), nil)
		if b.Status != 201 {
			t.Fatalf("booking %d: %d %s", i, b.Status, b.Body)
		}
		var got bookingResponse
		b.json(t, &got)
		want = append(want, got.Booking.ID)
	}
	type page struct {
		Bookings []struct {
			ID, Start, Room string
		} `json:"bookings"`
		NextCursor *string `json:"next_cursor"`
		Total      int     `json:"total"`
	}
	var seen []string
	cursor, pages := "", 0
	for {
		path := "/api/admin/bookings?from=2026-12-01&to=2026-12-01&limit=3"
		if pages%2 == 1 {
			// A search, counted in parts before and after the page.
			path = "/api/admin/bookings?from=2026-12-01&to=2026-12-01&limit=3&q=GUEST&status=confirmed"
		}
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r := o.do(t, "GET", path, nil, nil)
		var p page
		r.json(t, &p)
		if r.Status != 200 || p.Total != 7 || len(p.Bookings) > 3 {
			t.Fatalf("page %d: %d %s", pages, r.Status, r.Body)
		}
		for _, b := range p.Bookings {
			seen = append(seen, b.ID)
		}
		pages++
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
		if pages > 5 {
			t.Fatal("the pages do not end")
		}
	}
	if pages != 3 || len(seen) != 7 {
		t.Fatalf("%d pages, %d bookings; want 3 and 7", pages, len(seen))
	}
	slices.Sort(want)
	got := slices.Clone(seen)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("pages hold %v, want each of %v once", seen, want)
	}
	// The search narrows the total too.
	var p page
	o.do(t, "GET", "/api/admin/bookings?from=2026-12-01&to=2026-12-01&q=guest%203", nil, nil).json(t, &p)
	if p.Total != 1 || len(p.Bookings) != 1 || p.NextCursor != nil {
		t.Errorf("search: total %d, %d bookings", p.Total, len(p.Bookings))
	}
	for _, bad := range []string{"limit=0", "limit=-1", "limit=x", "cursor=nonsense", "cursor=" + strings.Repeat("A", 300)} {
		if r := o.do(t, "GET", "/api/admin/bookings?from=2026-12-01&to=2026-12-01&"+bad, nil, nil); r.Status != 400 {
			t.Errorf("%s: %d %s", bad, r.Status, r.Body)
		}
	}
	// limit beyond the maximum is the maximum.
	if r := o.do(t, "GET", "/api/admin/bookings?from=2026-12-01&to=2026-12-01&limit=100000", nil, nil); r.Status != 200 {
		t.Errorf("a limit past 500: %d", r.Status)
	}
	// The Bookings page counts and pages too (100 a page).
	body := string(o.do(t, "GET", "/admin/bookings?from=2026-12-01&to=2026-12-01", nil, nil).Body)
	if !strings.Contains(body, "Showing 1–7 of 7 bookings") || strings.Contains(body, `rel="next"`) {
		t.Errorf("the Bookings page does not count 7 on one page")
	}
}

// The console's New booking form, filled from the Day page's free time, books
// by phone; a refusal shows the form again with what was typed and the
// field's message; the Change form moves the booking.
func TestConsoleDeskForms(t *testing.T) {
	t.Parallel()
	v, o := ownerVenue(t, venueOptions{Rooms: 2, Parking: true})
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	page := string(o.do(t, "GET", "/admin/bookings/new?date=2026-11-30&start=08:15&room=room2", nil, nil).Body)
	for _, want := range []string{`name="date" type="date" required value="2026-11-30"`, `value="08:15"`, `<option value="room2" selected>`, "Classic — 60 minutes (£45.00)", `id="registration"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the new booking form lacks %q", want)
		}
	}
	values := url.Values{"package": {"classic-60"}, "date": {"2026-11-30"}, "time": {"08:15"}, "room": {"room2"}, "guests": {"3"},
		"name": {"Phone Caller"}, "phone": {"+44 20 7946 1111"}, "price": {"40,50"}, "notify": {"1"}}
	r := o.do(t, "POST", "/admin/bookings/new", values.Encode(), form)
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/admin/bookings/") {
		t.Fatalf("book from the form: %d %s", r.Status, r.Body)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(r.Header.Get("Location"), "/admin/bookings/"), "?done=created")
	var got bookingResponse
	o.do(t, "GET", "/api/admin/bookings/"+id, nil, nil).json(t, &got)
	if got.Booking.Start != "2026-11-30T08:15:00+00:00" || got.Booking.Room != "room2" || got.Booking.PriceCents != 4050 || got.Booking.Guests != 3 || got.Booking.Source != "owner" {
		t.Errorf("booked from the form: %+v", got.Booking)
	}
	booked := string(o.do(t, "GET", r.Header.Get("Location"), nil, nil).Body)
	if !strings.Contains(booked, `role="status">Booked.</p>`) || !strings.Contains(booked, "/admin/bookings/"+id+"/change") || strings.Contains(booked, "Resend confirmation") {
		t.Errorf("the booking page after booking lacks the flash or the Change link, or offers to resend a confirmation to no address")
	}

	// The same place again: taken; the form comes back with what was typed.
	values.Set("name", "Second Caller")
	r = o.do(t, "POST", "/admin/bookings/new", values.Encode(), form)
	if r.Status != 409 || !strings.Contains(string(r.Body), "That time is not free") || !strings.Contains(string(r.Body), `value="Second Caller"`) {
		t.Errorf("a taken place: %d", r.Status)
	}
	// Bad fields name themselves.
	bad := url.Values{"package": {"classic-60"}, "date": {"30/11/2026"}, "time": {"8"}, "guests": {"x"}, "name": {""}, "price": {"free"}}
	r = o.do(t, "POST", "/admin/bookings/new", bad.Encode(), form)
	body := string(r.Body)
	for _, want := range []string{`id="start-error"`, `id="guests-error"`, `id="price-error"`} {
		if r.Status != 400 || !strings.Contains(body, want) {
			t.Errorf("bad fields: %d, lacks %s", r.Status, want)
		}
	}

	// The Change form, prefilled, moves it.
	change := string(o.do(t, "GET", "/admin/bookings/"+id+"/change", nil, nil).Body)
	if !strings.Contains(change, `value="08:15"`) || !strings.Contains(change, `value="Phone Caller"`) || !strings.Contains(change, `value="40.50"`) {
		t.Errorf("the change form is not prefilled")
	}
	moved := url.Values{"date": {"2026-12-01"}, "time": {"19:45"}, "room": {"room1"}, "guests": {"3"}, "name": {"Phone Caller"},
		"phone": {"+44 20 7946 1111"}, "email": {"caller@example.com"}, "price": {"40.50"}, "notes": {"moved"}}
	r = o.do(t, "POST", "/admin/bookings/"+id+"/change", moved.Encode(), form)
	if r.Status != 303 {
		t.Fatalf("change from the form: %d %s", r.Status, r.Body)
	}
	o.do(t, "GET", "/api/admin/bookings/"+id, nil, nil).json(t, &got)
	if got.Booking.Start != "2026-12-01T19:45:00+00:00" || got.Booking.Room != "room1" || got.Booking.Customer.Email != "caller@example.com" || got.Booking.Notes != "moved" {
		t.Errorf("changed from the form: %+v", got.Booking)
	}
	// Notify unticked: no email for the change.
	if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ?", id); n != 0 {
		t.Errorf("%d messages although notify was unticked", n)
	}
}

// The audit log records sign-ins (and refused ones, naming only a real
// account), CSV exports and backup downloads.
func TestAuditWhatMatters(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{ExtraTOML: consoleLimits("")})
	addOwner(t, v, ownerEmail, ownerPassword)
	sendAs(t, newJarClient(t), v.URL, "POST", "/api/admin/login", map[string]string{"email": ownerEmail, "password": "not it"}, nil)
	sendAs(t, newJarClient(t), v.URL, "POST", "/api/admin/login", map[string]string{"email": "hunter2-typed-here", "password": "x"}, nil)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	if r := o.do(t, "GET", "/api/admin/export.csv?from=2026-11-01&to=2026-11-30", nil, nil); r.Status != 200 {
		t.Fatalf("export: %d", r.Status)
	}
	var made struct {
		Backup struct {
			Name string `json:"name"`
		} `json:"backup"`
	}
	r := o.do(t, "POST", "/api/admin/backups", nil, nil)
	r.json(t, &made)
	if r.Status != 201 || made.Backup.Name == "" {
		t.Fatalf("backup: %d %s", r.Status, r.Body)
	}
	if r := o.do(t, "GET", "/api/admin/backups/"+made.Backup.Name, nil, nil); r.Status != 200 {
		t.Fatalf("download: %d", r.Status)
	}
	for action, actor := range map[string]string{"admin.sign_in_failed": ownerEmail, "admin.signed_in": ownerEmail,
		"export.downloaded": ownerEmail, "backup.created": ownerEmail, "backup.downloaded": ownerEmail} {
		if n := v.countRows(t, "SELECT count(*) FROM audit_log WHERE action = ? AND actor = ?", action, actor); n != 1 {
			t.Errorf("%d audit rows %s by %s, want 1", n, action, actor)
		}
	}
	if n := v.countRows(t, "SELECT count(*) FROM audit_log WHERE actor LIKE '%hunter2%' OR details LIKE '%hunter2%'"); n != 0 {
		t.Error("the audit log keeps what was typed as an email for no account")
	}
	if n := v.countRows(t, "SELECT count(*) FROM audit_log WHERE action = 'admin.sign_in_failed' AND actor = 'an unknown account'"); n != 1 {
		t.Errorf("%d refused sign-ins of unknown accounts audited, want 1", n)
	}
}

// The console's blackout form takes dates and times from pickers in the
// venue's zone, and warns of the bookings a new blackout covers (which stay
// booked); the API answers them as "covers".
func TestBlackoutFormPickersAndCoveredBookings(t *testing.T) {
	t.Parallel()
	v, o := ownerVenue(t, venueOptions{Rooms: 2, Timezone: "Europe/Berlin"})
	a := bookAs(t, v, "2026-12-01T10:00:00Z", "Ann Ash", "ann@example.com").Booking // 11:00 Berlin
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	values := url.Values{"start_date": {"2026-12-01"}, "start_time": {"10:30"}, "end_date": {""}, "end_time": {"14:00"}, "room": {a.Room}, "reason": {"Leak"}}
	r := o.do(t, "POST", "/admin/blackouts", values.Encode(), form)
	if r.Status != 303 {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}
	var start, end int64
	if err := v.db.QueryRow("SELECT start_at, end_at FROM blackouts WHERE reason = 'Leak'").Scan(&start, &end); err != nil {
		t.Fatal(err)
	}
	if start != time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC).Unix() || end != time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC).Unix() {
		t.Errorf("blackout %s–%s, want 10:30–14:00 Berlin time", time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC())
	}
	page := string(o.do(t, "GET", r.Header.Get("Location"), nil, nil).Body)
	if !strings.Contains(page, "This blackout covers 1 booking, which stay booked") || !strings.Contains(page, a.Reference) {
		t.Errorf("no warning naming %s after the blackout", a.Reference)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE status = 'confirmed'"); n != 1 {
		t.Error("the covered booking was changed")
	}
	// A whole day by its date alone, in the API too.
	api := o.do(t, "POST", "/api/admin/blackouts", map[string]any{"start": "2026-12-01", "end": "2026-12-01"}, nil)
	if api.Status != 201 || !strings.Contains(string(api.Body), `"covers":[{"id":"`+a.ID) {
		t.Errorf("API blackout over a booking: %d %.300s", api.Status, api.Body)
	}
	bad := url.Values{"start_date": {"2026-12-02"}, "start_time": {"25:00"}}
	if r := o.do(t, "POST", "/admin/blackouts", bad.Encode(), form); r.Status != 400 || !strings.Contains(string(r.Body), `id="start-error"`) {
		t.Errorf("a bad time: %d", r.Status)
	}
}

// A move racing new bookings into the slot it moves to: never both there;
// a move into its own former cleaning gap is fine; a move across the change
// from summer time keeps the local time asked for.
func TestOwnerMoveRacesAndEdges(t *testing.T) {
	t.Parallel()
	v, o := ownerVenue(t, venueOptions{Rooms: 1, Timezone: "Europe/Berlin", AdvanceDays: 400, NoticeMin: -1})
	a := bookAs(t, v, "2026-11-30T09:00:00Z", "Ann Ash", "ann@example.com").Booking
	const n = 100
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == n/2 {
				codes[i] = o.do(t, "PATCH", "/api/admin/bookings/"+a.ID, map[string]any{"start": "2026-12-01T13:00:00Z"}, nil).Status
				return
			}
			r, err := v.try("POST", "/api/bookings", bookingBody("2026-12-01T13:00:00Z", func(m map[string]any) {
				m["customer"] = map[string]any{"name": "Racer", "email": fmt.Sprintf("r%d@example.com", i)}
			}), nil)
			if err == nil {
				codes[i] = r.Status
			}
		}()
	}
	wg.Wait()
	if got := v.countRows(t, "SELECT count(*) FROM bookings WHERE status = 'confirmed' AND start_at = ?", time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC).Unix()); got != 1 {
		t.Errorf("%d bookings at the contested slot, want 1 (answers %v)", got, codes)
	}
	var got bookingResponse
	o.do(t, "GET", "/api/admin/bookings/"+a.ID, nil, nil).json(t, &got)
	if codes[n/2] == 200 && got.Booking.Start != "2026-12-01T14:00:00+01:00" || codes[n/2] == 409 && got.Booking.Start != "2026-11-30T10:00:00+01:00" {
		t.Errorf("move answered %d, booking now at %s", codes[n/2], got.Booking.Start)
	}
	// Into its own former cleaning gap: 20 minutes later overlaps only itself.
	if r := o.do(t, "PATCH", "/api/admin/bookings/"+a.ID, map[string]any{"start": "2026-11-30T09:20:00Z"}, nil); codes[n/2] == 409 && r.Status != 200 {
		t.Errorf("into its own gap: %d %s", r.Status, r.Body)
	}
	// Summer time ends in Berlin on 31 October 2027 at 03:00 CEST (02:00
	// CET): a move from winter into a summer date keeps the instant asked
	// for, and an hour that spans the change lasts sixty minutes.
	r := o.do(t, "PATCH", "/api/admin/bookings/"+a.ID, map[string]any{"start": "2027-10-30T10:00:00+02:00"}, nil)
	r.json(t, &got)
	if r.Status != 200 || got.Booking.Start != "2027-10-30T10:00:00+02:00" || got.Booking.End != "2027-10-30T11:00:00+02:00" {
		t.Errorf("move into summer time: %d %s", r.Status, r.Body)
	}
	r = o.do(t, "PATCH", "/api/admin/bookings/"+a.ID, map[string]any{"start": "2027-10-31T00:30:00Z"}, nil) // 02:30 CEST, 30 minutes before the change
	r.json(t, &got)
	if r.Status != 200 || got.Booking.Start != "2027-10-31T02:30:00+02:00" || got.Booking.End != "2027-10-31T02:30:00+01:00" {
		t.Errorf("move across the change: %d %s", r.Status, r.Body)
	}
}

// ownerVenue is a test venue of o with the owner signed in through the API.
func ownerVenue(t *testing.T, o venueOptions) (*testVenue, *ownerClient) {
	t.Helper()
	v := newVenue(t, o)
	addOwner(t, v, ownerEmail, ownerPassword)
	return v, consoleLogin(t, v, ownerEmail, ownerPassword)
}
