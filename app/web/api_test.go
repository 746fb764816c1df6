package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCatalog(t *testing.T) {
	v := newVenue(t, venueOptions{Parking: true})
	r := v.do(t, "GET", "/api/catalog", nil, nil)
	if r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	var cat struct {
		Venue struct {
			Name, Timezone, Currency string
			SlotStepMinutes          int  `json:"slot_step_minutes"`
			CleaningGapMinutes       int  `json:"cleaning_gap_minutes"`
			MinNoticeMinutes         int  `json:"min_notice_minutes"`
			MaxAdvanceDays           int  `json:"max_advance_days"`
			Parking                  bool `json:"parking"`
		} `json:"venue"`
		Tiers []struct {
			ID       string `json:"id"`
			Packages []struct {
				ID              string `json:"id"`
				DurationMinutes int    `json:"duration_minutes"`
				PriceCents      int64  `json:"price_cents"`
				MaxGuests       int    `json:"max_guests"`
			} `json:"packages"`
		} `json:"tiers"`
	}
	r.json(t, &cat)
	if cat.Venue.Name != "Test Venue" || cat.Venue.Timezone != "Europe/London" || cat.Venue.Currency != "GBP" ||
		cat.Venue.SlotStepMinutes != 30 || cat.Venue.CleaningGapMinutes != 30 || cat.Venue.MinNoticeMinutes != 120 ||
		cat.Venue.MaxAdvanceDays != 90 || !cat.Venue.Parking {
		t.Errorf("venue = %+v", cat.Venue)
	}
	if len(cat.Tiers) != 2 || cat.Tiers[0].ID != "classic" || len(cat.Tiers[0].Packages) != 2 ||
		cat.Tiers[0].Packages[0].ID != "classic-60" || cat.Tiers[0].Packages[0].PriceCents != 4500 ||
		cat.Tiers[0].Packages[0].DurationMinutes != 60 || cat.Tiers[0].Packages[0].MaxGuests != 4 {
		t.Errorf("tiers = %+v", cat.Tiers)
	}
}

type availability struct {
	Timezone string `json:"timezone"`
	Package  string `json:"package"`
	Days     []struct {
		Date  string `json:"date"`
		Slots []struct {
			Start     string `json:"start"`
			End       string `json:"end"`
			RoomsFree int    `json:"rooms_free"`
		} `json:"slots"`
	} `json:"days"`
}

func (v *testVenue) availability(t *testing.T, query string) availability {
	t.Helper()
	r := v.do(t, "GET", "/api/availability?"+query, nil, nil)
	if r.Status != 200 {
		t.Fatalf("availability %s: %d %s", query, r.Status, r.Body)
	}
	var a availability
	r.json(t, &a)
	return a
}

func TestAvailability(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 2})
	a := v.availability(t, "package=classic-60&from=2026-12-01")
	if a.Timezone != "Europe/London" || a.Package != "classic-60" || len(a.Days) != 1 || a.Days[0].Date != "2026-12-01" {
		t.Fatalf("availability = %+v", a)
	}
	slots := a.Days[0].Slots
	// 09:00 to 20:00 every 30 minutes.
	if len(slots) != 23 || slots[0].Start != "2026-12-01T09:00:00+00:00" || slots[0].End != "2026-12-01T10:00:00+00:00" ||
		slots[22].Start != "2026-12-01T20:00:00+00:00" || slots[0].RoomsFree != 2 {
		t.Fatalf("slots = %+v", slots)
	}

	// In summer time the offset is +01:00.
	v.setNow(time.Date(2027, 6, 1, 8, 0, 0, 0, time.UTC))
	a = v.availability(t, "package=classic-60&from=2027-06-02")
	if got := a.Days[0].Slots[0].Start; got != "2027-06-02T09:00:00+01:00" {
		t.Errorf("summer start = %s", got)
	}
	v.setNow(testNow)

	// A booking takes one room; with its cleaning gap it blocks 08:30-10:30 starts there.
	v.mustBook(t, bookingBody("2026-12-01T09:00:00Z"))
	a = v.availability(t, "package=classic-60&from=2026-12-01")
	free := map[string]int{}
	for _, s := range a.Days[0].Slots {
		free[s.Start[11:16]] = s.RoomsFree
	}
	for clock, want := range map[string]int{"09:00": 1, "10:00": 1, "10:30": 2, "20:00": 2} {
		if free[clock] != want {
			t.Errorf("rooms_free at %s = %d, want %d", clock, free[clock], want)
		}
	}

	// Ranges: to inclusive, closures empty, the past empty.
	a = v.availability(t, "package=classic-60&from=2026-12-24&to=2026-12-27")
	if len(a.Days) != 4 || len(a.Days[1].Slots) != 0 || len(a.Days[2].Slots) != 0 || len(a.Days[0].Slots) == 0 || len(a.Days[3].Slots) == 0 {
		t.Errorf("christmas days = %+v", a.Days)
	}
	a = v.availability(t, "package=classic-60&from=2026-11-20&to=2026-11-27")
	for _, d := range a.Days {
		for _, s := range d.Slots {
			if s.Start < "2026-11-27T12:00" {
				t.Errorf("slot %s offered before now + notice", s.Start)
			}
		}
	}
	a = v.availability(t, "package=classic-60&from=2026-11-27&to=2027-01-27")
	if len(a.Days) != 62 {
		t.Errorf("62-day range gave %d days", len(a.Days))
	}

	// No customer data in public reads.
	r := v.do(t, "GET", "/api/availability?package=classic-60&from=2026-12-01", nil, nil)
	for _, secret := range []string{"Ada", "ada@example.com", "7946"} {
		if strings.Contains(string(r.Body), secret) {
			t.Errorf("availability leaks %q", secret)
		}
	}
}

func TestAvailabilityBadQueries(t *testing.T) {
	v := newVenue(t, venueOptions{})
	for _, q := range []string{
		"",
		"from=2026-12-01",
		"package=classic-60",
		"package=nope&from=2026-12-01",
		"package=classic-60&from=2026-13-01",
		"package=classic-60&from=2026-12-1",
		"package=classic-60&from=01/12/2026",
		"package=classic-60&from=2026-12-01&to=2026-11-30",
		"package=classic-60&from=2026-12-01&to=2027-02-01",
		"package=classic-60&from=2026-12-01&to=x",
		"package=" + strings.Repeat("a", 5000) + "&from=2026-12-01",
		"package=classic-60&from=2026-12-01T00:00:00Z",
		"package=classic-60&from=%00",
	} {
		r := v.do(t, "GET", "/api/availability?"+q, nil, nil)
		if r.Status != 400 || r.errorCode() != "invalid_request" {
			t.Errorf("%.60s: %d %s", q, r.Status, r.Body)
		}
	}
}

func TestBookingLifecycle(t *testing.T) {
	v := newVenue(t, venueOptions{Parking: true})
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z", func(m map[string]any) {
		m["parking"] = map[string]any{"vehicle_registration": "ab12-cde"}
		m["notes"] = "  Birthday\r\nsurprise  "
	})).Booking
	if b.Status != "confirmed" || b.Room != "room1" || b.Start != "2026-12-01T09:00:00+00:00" || b.End != "2026-12-01T10:00:00+00:00" ||
		b.PriceCents != 4500 || b.Currency != "GBP" || b.Guests != 2 || b.Customer.Name != "Ada Lovelace" ||
		b.Notes != "Birthday\nsurprise" || b.Parking == nil || b.Parking.Status != "requested" || b.Parking.VehicleRegistration != "AB12CDE" {
		t.Fatalf("booking = %+v", b)
	}
	if len(b.Reference) != 9 || !strings.HasPrefix(b.Reference, "VB-") || len(b.ID) < 26 {
		t.Errorf("id %q reference %q", b.ID, b.Reference)
	}
	if !strings.HasPrefix(b.ManageURL, "http://venue.test/b/"+b.ID+"?t=") || !strings.Contains(b.Calendar.ICSURL, "/calendar.ics?t=") ||
		!strings.HasPrefix(b.Calendar.GoogleURL, "https://calendar.google.com/") {
		t.Errorf("links: %s %s %s", b.ManageURL, b.Calendar.ICSURL, b.Calendar.GoogleURL)
	}
	id, token := managePath(t, b.ManageURL)

	r := v.do(t, "GET", "/api/bookings/"+id+"?t="+token, nil, nil)
	var got bookingResponse
	r.json(t, &got)
	if r.Status != 200 || got.Booking.ID != b.ID || got.Booking.Reference != b.Reference {
		t.Fatalf("get: %d %s", r.Status, r.Body)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}

	r = v.do(t, "GET", "/api/bookings/"+id+"/calendar.ics?t="+token, nil, nil)
	ics := string(r.Body)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") ||
		!strings.Contains(ics, "DTSTART:20261201T090000Z\r\n") || !strings.Contains(ics, "UID:booking-"+b.ID+"@venue.test\r\n") ||
		!strings.HasPrefix(ics, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(ics, "END:VCALENDAR\r\n") {
		t.Errorf("ics: %d %s\n%s", r.Status, r.Header.Get("Content-Type"), ics)
	}

	// The manage page shows it.
	r = v.do(t, "GET", "/b/"+id+"?t="+token, nil, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), b.Reference) || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("manage page: %d", r.Status)
	}

	// Cancel frees the slot; a second cancel is refused.
	r = v.do(t, "POST", "/api/bookings/"+id+"/cancel?t="+token, nil, nil)
	got = bookingResponse{}
	r.json(t, &got)
	if r.Status != 200 || got.Booking.Status != "cancelled" || got.Booking.Parking == nil || got.Booking.Parking.Status != "cancelled" {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	r = v.do(t, "POST", "/api/bookings/"+id+"/cancel?t="+token, nil, nil)
	if r.Status != 409 || r.errorCode() != "cancellation_closed" {
		t.Errorf("second cancel: %d %s", r.Status, r.Body)
	}
	r = v.do(t, "GET", "/api/bookings/"+id+"/calendar.ics?t="+token, nil, nil)
	if !strings.Contains(string(r.Body), "SEQUENCE:1\r\n") || !strings.Contains(string(r.Body), "STATUS:CANCELLED\r\n") {
		t.Errorf("cancelled ics:\n%s", r.Body)
	}
	v.mustBook(t, bookingBody("2026-12-01T09:00:00Z"))
}

func TestCancelCutoff(t *testing.T) {
	v := newVenue(t, venueOptions{CutoffHours: 24})
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z")).Booking
	id, token := managePath(t, b.ManageURL)
	// One second past the cutoff: refused, and nothing changes.
	v.setNow(time.Date(2026, 11, 30, 9, 0, 1, 0, time.UTC))
	r := v.do(t, "POST", "/api/bookings/"+id+"/cancel?t="+token, nil, nil)
	if r.Status != 409 || r.errorCode() != "cancellation_closed" {
		t.Fatalf("late cancel: %d %s", r.Status, r.Body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE status = 'confirmed'"); n != 1 {
		t.Fatalf("confirmed = %d", n)
	}
	// Exactly at the cutoff: allowed.
	v.setNow(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	if r := v.do(t, "POST", "/api/bookings/"+id+"/cancel?t="+token, nil, nil); r.Status != 200 {
		t.Fatalf("cancel at cutoff: %d %s", r.Status, r.Body)
	}
}

func TestManageTokenRequired(t *testing.T) {
	v := newVenue(t, venueOptions{})
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z")).Booking
	id, token := managePath(t, b.ManageURL)
	other := v.mustBook(t, bookingBody("2026-12-02T09:00:00Z")).Booking
	_, otherToken := managePath(t, other.ManageURL)
	flipped := []byte(token)
	flipped[3] ^= 1
	cases := map[string]string{
		"no token":            "/api/bookings/" + id,
		"empty token":         "/api/bookings/" + id + "?t=",
		"flipped token":       "/api/bookings/" + id + "?t=" + string(flipped),
		"other booking token": "/api/bookings/" + id + "?t=" + otherToken,
		"unknown id":          "/api/bookings/aaaaaaaaaaaaaaaaaaaaaaaaaa?t=" + token,
		"long id":             "/api/bookings/" + strings.Repeat("a", 2000) + "?t=" + token,
	}
	for name, path := range cases {
		for _, suffix := range []string{"", "/calendar.ics"} {
			p := strings.Replace(path, "?", suffix+"?", 1)
			if !strings.Contains(p, "?") {
				p += suffix
			}
			r := v.do(t, "GET", p, nil, nil)
			if r.Status != 404 || r.errorCode() != "not_found" || strings.Contains(string(r.Body), "Ada") {
				t.Errorf("%s %s: %d %s", name, suffix, r.Status, r.Body)
			}
		}
		r := v.do(t, "POST", strings.Replace(path, "?", "/cancel?", 1), nil, nil)
		if name != "no token" && (r.Status != 404 || r.errorCode() != "not_found") {
			t.Errorf("cancel %s: %d %s", name, r.Status, r.Body)
		}
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE status = 'confirmed'"); n != 2 {
		t.Errorf("confirmed = %d", n)
	}
	// The page answers 404 as HTML.
	r := v.do(t, "GET", "/b/"+id+"?t="+string(flipped), nil, nil)
	if r.Status != 404 || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("page with bad token: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
}

func TestIdempotencyKey(t *testing.T) {
	v := newVenue(t, venueOptions{})
	key := map[string]string{"Idempotency-Key": "order-12345678"}
	first := v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T09:00:00Z"), key)
	second := v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T09:00:00Z"), key)
	var a, b bookingResponse
	first.json(t, &a)
	second.json(t, &b)
	if first.Status != 201 || second.Status != 201 || a.Booking.ID == "" || a.Booking.ID != b.Booking.ID {
		t.Fatalf("first %d %s, second %d %s", first.Status, first.Body, second.Status, second.Body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 1 {
		t.Fatalf("bookings = %d", n)
	}
	// Same key, another body: refused, nothing booked.
	r := v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T15:00:00Z"), key)
	if r.Status != 409 || r.errorCode() != "idempotency_conflict" {
		t.Errorf("reused key: %d %s", r.Status, r.Body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 1 {
		t.Fatalf("bookings = %d", n)
	}
	for _, bad := range []string{"short", strings.Repeat("k", 129), "tab\there-12345"} {
		r := v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T15:00:00Z"), map[string]string{"Idempotency-Key": bad})
		if r.Status != 400 || r.errorCode() != "invalid_request" {
			t.Errorf("key %q: %d %s", bad, r.Status, r.Body)
		}
	}
	// A key forgotten after 24 hours books anew.
	v.setNow(testNow.Add(25 * time.Hour))
	r = v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T15:00:00Z"), key)
	if r.Status != 201 {
		t.Errorf("expired key: %d %s", r.Status, r.Body)
	}
}

func TestCreateBookingRefusals(t *testing.T) {
	v := newVenue(t, venueOptions{Parking: false, ExtraTOML: ""})
	v.mustBook(t, bookingBody("2026-12-01T12:00:00Z"))
	big := `{"tier":"classic","package":"classic-60","start":"2026-12-01T09:00:00Z","guests":2,"customer":{"name":"A","email":"a@example.com"},"notes":"` +
		strings.Repeat("x", 70*1024) + `"}`
	set := func(key string, val any) func(map[string]any) {
		return func(m map[string]any) {
			if strings.HasPrefix(key, "customer.") {
				m["customer"].(map[string]any)[strings.TrimPrefix(key, "customer.")] = val
				return
			}
			m[key] = val
		}
	}
	cases := []struct {
		name   string
		body   any
		header map[string]string
		status int
		code   string
		field  string
	}{
		{"malformed JSON", `{"tier":`, nil, 400, "invalid_request", ""},
		{"not an object", `[1,2]`, nil, 400, "invalid_request", ""},
		{"empty body", ``, nil, 400, "invalid_request", ""},
		{"trailing data", `{"tier":"classic"} {}`, nil, 400, "invalid_request", ""},
		{"unknown field", bookingBody("2026-12-01T09:00:00Z", set("discount", 100)), nil, 400, "invalid_request", ""},
		{"unknown nested field", bookingBody("2026-12-01T09:00:00Z", set("customer.vip", true)), nil, 400, "invalid_request", ""},
		{"wrong type", bookingBody("2026-12-01T09:00:00Z", set("guests", "2")), nil, 400, "invalid_request", ""},
		{"fractional guests", bookingBody("2026-12-01T09:00:00Z", set("guests", 2.5)), nil, 400, "invalid_request", ""},
		{"wrong content type", `tier=classic`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 400, "invalid_request", ""},
		{"too large", big, nil, 413, "payload_too_large", ""},
		{"missing tier", bookingBody("2026-12-01T09:00:00Z", set("tier", "")), nil, 400, "validation_failed", "tier"},
		{"unknown tier", bookingBody("2026-12-01T09:00:00Z", set("tier", "gold")), nil, 400, "validation_failed", "tier"},
		{"unknown package", bookingBody("2026-12-01T09:00:00Z", set("package", "gold-60")), nil, 400, "validation_failed", "package"},
		{"tier does not own package", bookingBody("2026-12-01T09:00:00Z", set("package", "private-120")), nil, 400, "validation_failed", "package"},
		{"bad start", bookingBody("2026-12-01 09:00"), nil, 400, "validation_failed", "start"},
		{"no guests", bookingBody("2026-12-01T09:00:00Z", set("guests", 0)), nil, 400, "validation_failed", "guests"},
		{"too many guests", bookingBody("2026-12-01T09:00:00Z", set("guests", 5)), nil, 400, "validation_failed", "guests"},
		{"negative guests", bookingBody("2026-12-01T09:00:00Z", set("guests", -1)), nil, 400, "validation_failed", "guests"},
		{"huge guests", `{"tier":"classic","package":"classic-60","start":"2026-12-01T09:00:00Z","guests":99999999999999999999,"customer":{"name":"A","email":"a@example.com"}}`, nil, 400, "invalid_request", ""},
		{"blank name", bookingBody("2026-12-01T09:00:00Z", set("customer.name", "   ")), nil, 400, "validation_failed", "customer.name"},
		{"long name", bookingBody("2026-12-01T09:00:00Z", set("customer.name", strings.Repeat("é", 101))), nil, 400, "validation_failed", "customer.name"},
		{"name with newline", bookingBody("2026-12-01T09:00:00Z", set("customer.name", "Ada\r\nBcc: x@evil.test")), nil, 400, "validation_failed", "customer.name"},
		{"bad email", bookingBody("2026-12-01T09:00:00Z", set("customer.email", "ada@")), nil, 400, "validation_failed", "customer.email"},
		{"email with header", bookingBody("2026-12-01T09:00:00Z", set("customer.email", "ada@example.com\nBcc: x@y.z")), nil, 400, "validation_failed", "customer.email"},
		{"long email", bookingBody("2026-12-01T09:00:00Z", set("customer.email", strings.Repeat("a", 250)+"@example.com")), nil, 400, "validation_failed", "customer.email"},
		{"bad phone", bookingBody("2026-12-01T09:00:00Z", set("customer.phone", "call me")), nil, 400, "validation_failed", "customer.phone"},
		{"short phone", bookingBody("2026-12-01T09:00:00Z", set("customer.phone", "12345")), nil, 400, "validation_failed", "customer.phone"},
		{"long notes", bookingBody("2026-12-01T09:00:00Z", set("notes", strings.Repeat("n", 1001))), nil, 400, "validation_failed", "notes"},
		{"control in notes", bookingBody("2026-12-01T09:00:00Z", set("notes", "a\x00b")), nil, 400, "validation_failed", "notes"},
		{"parking when off", bookingBody("2026-12-01T09:00:00Z", set("parking", map[string]any{"vehicle_registration": "AB12CDE"})), nil, 400, "validation_failed", "parking"},
		{"price changed", bookingBody("2026-12-01T09:00:00Z", set("expected_price_cents", 4000)), nil, 409, "price_changed", ""},
		{"taken", bookingBody("2026-12-01T12:00:00Z"), nil, 409, "slot_unavailable", ""},
		{"in the gap after", bookingBody("2026-12-01T13:00:00Z"), nil, 409, "slot_unavailable", ""},
		{"in the gap before", bookingBody("2026-12-01T11:00:00Z"), nil, 409, "slot_unavailable", ""},
		{"off the grid", bookingBody("2026-12-01T09:15:00Z"), nil, 409, "slot_unavailable", ""},
		{"before opening", bookingBody("2026-12-01T08:00:00Z"), nil, 409, "slot_unavailable", ""},
		{"ends after closing", bookingBody("2026-12-01T20:30:00Z"), nil, 409, "slot_unavailable", ""},
		{"closure", bookingBody("2026-12-25T09:00:00Z"), nil, 409, "slot_unavailable", ""},
		{"in the past", bookingBody("2026-11-26T09:00:00Z"), nil, 409, "slot_unavailable", ""},
		{"too soon", bookingBody("2026-11-27T11:30:00Z"), nil, 409, "slot_unavailable", ""},
		{"too far", bookingBody("2027-02-26T09:00:00Z"), nil, 409, "slot_unavailable", ""},
		{"year 9999", bookingBody("9999-12-01T09:00:00Z"), nil, 409, "slot_unavailable", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := v.do(t, "POST", "/api/bookings", tc.body, tc.header)
			if r.Status != tc.status || r.errorCode() != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
			if tc.field != "" {
				if _, ok := r.errorFields()[tc.field]; !ok {
					t.Errorf("fields %v lack %q", r.errorFields(), tc.field)
				}
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				t.Errorf("content type %q", r.Header.Get("Content-Type"))
			}
			if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 1 {
				t.Errorf("bookings = %d after a refused request", n)
			}
		})
	}
	// Edge cases that are accepted: the gap edge on both sides, an offset other than the venue's.
	for _, start := range []string{"2026-12-01T13:30:00Z", "2026-12-01T10:30:00Z", "2026-12-01T16:00:00+01:00"} {
		if r := v.do(t, "POST", "/api/bookings", bookingBody(start), nil); r.Status != 201 {
			t.Errorf("%s: %d %s", start, r.Status, r.Body)
		}
	}
}

func TestErrorShapeAndHeaders(t *testing.T) {
	v := newVenue(t, venueOptions{})
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/api/admin/bookings?from=2026-12-01&to=2026-12-02", 401, "unauthorized"},
		{"GET", "/api/admin", 401, "unauthorized"},
		{"GET", "/api/nothing", 404, "not_found"},
		{"DELETE", "/api/catalog", 404, "not_found"},
	} {
		r := v.do(t, tc.method, tc.path, nil, nil)
		if r.Status != tc.status || r.errorCode() != tc.code {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, r.Status, r.Body)
		}
	}
	for _, path := range []string{"/", "/api/catalog", "/api/nothing", "/healthz", "/static/style.css", "/nothing"} {
		r := v.do(t, "GET", path, nil, nil)
		for _, h := range []string{"X-Request-Id", "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
			if r.Header.Get(h) == "" {
				t.Errorf("%s: no %s header", path, h)
			}
		}
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") || r.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: weak headers %v", path, r.Header)
		}
	}
	r := v.do(t, "GET", "/healthz", nil, nil)
	var health struct {
		Status        string `json:"status"`
		Integrity     string `json:"integrity"`
		DiskFreeBytes int64  `json:"disk_free_bytes"`
	}
	r.json(t, &health)
	if r.Status != 200 || health.Status != "ok" || health.Integrity != "ok" || health.DiskFreeBytes <= 0 {
		t.Errorf("healthz: %d %s", r.Status, r.Body)
	}
	r = v.do(t, "GET", "/", nil, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "Test Venue") || !strings.Contains(string(r.Body), "£45.00") {
		t.Errorf("home: %d", r.Status)
	}
}

// A failing database gives a 500 with a generic message, never its details.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	v := newVenue(t, venueOptions{})
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z")).Booking
	id, token := managePath(t, b.ManageURL)
	v.Svc.Store.Close()
	for _, r := range []response{
		v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T12:00:00Z"), nil),
		v.do(t, "GET", "/api/bookings/"+id+"?t="+token, nil, nil),
	} {
		if r.Status != http.StatusInternalServerError || r.errorCode() != "internal" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		for _, leak := range []string{"sql", "database", "closed", "store"} {
			if strings.Contains(strings.ToLower(string(r.Body)), leak) {
				t.Errorf("500 body leaks %q: %s", leak, r.Body)
			}
		}
	}
	if r := v.do(t, "GET", "/healthz", nil, nil); r.Status != 503 {
		t.Errorf("healthz with closed database: %d", r.Status)
	}
}

// Hostile bodies and requests refused before or during decoding: each gets the
// JSON error shape, the security headers, and changes nothing.
func TestHostileRequests(t *testing.T) {
	v := newVenue(t, venueOptions{Parking: true})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"tier":"classic",` + strings.Repeat(" ", 10<<20) + `"x":1}`))
	zw.Close()
	valid := `{"tier":"classic","package":"classic-60","start":"2026-12-01T09:00:00Z","guests":1,"customer":{"name":"A","email":"a@example.com"}}`
	cases := []struct {
		name   string
		body   string
		header map[string]string
		status int
		code   string
	}{
		{"gzip bomb", gz.String(), map[string]string{"Content-Encoding": "gzip"}, 400, "invalid_request"},
		{"upper-case field names", strings.NewReplacer(`"tier"`, `"TIER"`, `"name"`, `"Name"`).Replace(valid), nil, 400, "invalid_request"},
		{"duplicate field", strings.Replace(valid, `"guests":1`, `"guests":1,"guests":2`, 1), nil, 400, "invalid_request"},
		{"unknown nested field", strings.Replace(valid, `"name":"A"`, `"name":"A","vip":true`, 1), nil, 400, "invalid_request"},
		{"null body", `null`, nil, 400, "invalid_request"},
		{"invalid UTF-8", strings.Replace(valid, `"name":"A"`, "\"name\":\"A\xff\"", 1), nil, 400, "invalid_request"},
		{"bidi override in name", strings.Replace(valid, `"name":"A"`, `"name":"A\u202eB"`, 1), nil, 400, "validation_failed"},
		{"multipart", `--x--`, map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := v.do(t, "POST", "/api/bookings", tc.body, tc.header)
			if r.Status != tc.status || r.errorCode() != tc.code {
				t.Fatalf("got %d %.300s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
			if r.Header.Get("Content-Security-Policy") == "" || r.Header.Get("X-Request-Id") == "" {
				t.Errorf("no security headers: %v", r.Header)
			}
		})
	}
	if r := v.do(t, "POST", "/api/bookings", valid, nil); r.Status != 201 {
		t.Fatalf("control booking: %d %s", r.Status, r.Body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 1 {
		t.Errorf("%d bookings after hostile requests", n)
	}

	// Refused by the server before routing: still JSON, with the headers.
	// The server answers 413 before reading the whole body and closes the
	// connection; the client may see the reset before the answer, so a reset
	// is tried again (a few times at most).
	var resp *http.Response
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		req, _ := http.NewRequest("POST", v.URL+"/api/bookings", io.MultiReader(strings.NewReader(`{"notes":"`), strings.NewReader(strings.Repeat("x", 100<<10))))
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = -1 // chunked
		if resp, err = v.Client.Do(req); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(body), `"payload_too_large"`) || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("chunked 100 KiB: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	r := v.do(t, "GET", "/api/availability?package=classic-60&from=2026-12-01&x="+strings.Repeat("a", 20000), nil, nil)
	if r.Status != 400 || r.errorCode() != "invalid_request" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("huge URL: %d %s", r.Status, r.Body)
	}
}

// A retry with the same Idempotency-Key gets the first answer even after the
// rules would now refuse the request.
func TestIdempotentReplayAfterRulesChange(t *testing.T) {
	v := newVenue(t, venueOptions{})
	key := map[string]string{"Idempotency-Key": "late-retry-0001"}
	first := v.do(t, "POST", "/api/bookings", bookingBody("2026-11-27T13:00:00Z"), key)
	if first.Status != 201 {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	v.setNow(testNow.Add(90 * time.Minute)) // the start is now within the notice
	again := v.do(t, "POST", "/api/bookings", bookingBody("2026-11-27T13:00:00Z"), key)
	var a, b bookingResponse
	first.json(t, &a)
	again.json(t, &b)
	if again.Status != 201 || a.Booking.ID != b.Booking.ID || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %s", again.Status, again.Body)
	}
}

// A booking for a tier that may use any room leaves free the room another
// tier depends on.
func TestRoomPreferenceKeepsRestrictedRoomsFree(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 2})
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z")).Booking
	if b.Room != "room2" {
		t.Errorf("classic booking took %s; room1 is the private tier's only room", b.Room)
	}
	v.mustBook(t, bookingBody("2026-12-01T09:00:00Z", func(m map[string]any) {
		m["tier"], m["package"], m["expected_price_cents"] = "private", "private-120", 12000
	}))
}

// A cached availability answer is the rules' answer, to the byte: a
// booking, a cancellation or the clock changes it at once, and a booking on
// other dates leaves it as it was (blackouts: the app's
// TestAvailabilityCacheIsTheRules). Here the range's next free start is its
// own next day, so only bookings near the range matter.
func TestAvailabilityAnswerFollowsEveryChange(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 1})
	const query = "/api/availability?package=classic-60&from=2026-12-01&to=2026-12-02"
	get := func() string {
		r := v.do(t, "GET", query, nil, nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		return string(r.Body)
	}
	before := get()
	if again := get(); again != before {
		t.Fatalf("the same query twice:\n%s\n%s", before, again)
	}
	v.mustBook(t, bookingBody("2026-12-20T09:00:00Z"))
	if got := get(); got != before {
		t.Errorf("a booking on the 20th changed the answer for the 1st and 2nd:\n%s\n%s", before, got)
	}
	booked := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z"))
	during := get()
	if during == before || strings.Contains(during, `"start":"2026-12-01T09:00:00+00:00"`) {
		t.Fatalf("a booking at 09:00 on the 1st still shows it free:\n%s", during)
	}
	id, token := managePath(t, booked.Booking.ManageURL)
	if r := v.do(t, "POST", "/api/bookings/"+id+"/cancel?t="+token, nil, nil); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if got := get(); got != before {
		t.Errorf("after the cancellation the answer is not what it was:\n%s\n%s", before, got)
	}
	// The clock passing 09:00 on the 1st (with two hours' notice) takes its first starts away.
	v.setNow(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
	if got := get(); got == before || strings.Contains(got, `"start":"2026-12-01T09:00:00+00:00"`) {
		t.Errorf("with the clock at 08:00 the 09:00 start is still offered:\n%s", got)
	}
}
