package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The owner cancels a set of bookings at once (one person's many bookings,
// say), through the API and the Bookings page: each through the one
// cancellation path, audited apiece, emailing or not; those that cannot be
// cancelled are reported, and nothing else changes.
func TestConsoleBulkCancel(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 2, ExtraTOML: consoleLimits("")})
	addOwner(t, v, ownerEmail, ownerPassword)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	a := bookAs(t, v, "2026-12-01T09:00:00Z", "Mal Ory", "mal@example.com").Booking
	b := bookAs(t, v, "2026-12-01T11:00:00Z", "Mal Ory", "mal+2@example.com").Booking
	c := bookAs(t, v, "2026-12-01T13:00:00Z", "Mal Ory", "mal+3@example.com").Booking
	done := bookAs(t, v, "2026-12-01T15:00:00Z", "Ada Lovelace", "ada@example.com").Booking
	keep := bookAs(t, v, "2026-12-02T09:00:00Z", "Grace Hopper", "grace@example.com").Booking
	if r := o.do(t, "POST", "/api/admin/bookings/"+done.ID+"/status", map[string]any{"status": "cancelled", "notify": false}, nil); r.Status != 200 {
		t.Fatalf("cancel one: %d %s", r.Status, r.Body)
	}

	before := consoleState(t, v)
	for _, bad := range []struct {
		name   string
		body   any
		header map[string]string
		status int
		code   string
	}{
		{"no CSRF token", map[string]any{"ids": []string{a.ID}}, map[string]string{"X-CSRF-Token": ""}, 403, "forbidden"},
		{"no ids", map[string]any{"ids": []string{}}, nil, 400, "validation_failed"},
		{"ids missing", map[string]any{"notify": false}, nil, 400, "validation_failed"},
		{"ids not a list", `{"ids":"` + a.ID + `"}`, nil, 400, "invalid_request"},
		{"unknown field", map[string]any{"ids": []string{a.ID}, "reason": "spam"}, nil, 400, "invalid_request"},
	} {
		wantAPIError(t, bad.name, o.do(t, "POST", "/api/admin/bookings/cancel", bad.body, bad.header), bad.status, bad.code)
	}
	if r := sendAs(t, noRedirects, v.URL, "POST", "/api/admin/bookings/cancel", map[string]any{"ids": []string{a.ID}}, nil); r.Status != 401 {
		t.Errorf("without a session: %d", r.Status)
	}
	if after := consoleState(t, v); after != before {
		t.Fatalf("a refused request changed something:\n%s\n%s", before, after)
	}

	r := o.do(t, "POST", "/api/admin/bookings/cancel", map[string]any{"ids": []string{a.ID, b.ID, done.ID, "no-such-booking", a.ID}, "notify": false}, nil)
	if r.Status != 200 {
		t.Fatalf("bulk cancel: %d %s", r.Status, r.Body)
	}
	var got struct {
		Cancelled    []apiBooking `json:"cancelled"`
		NotCancelled []struct {
			ID, Reference, Code, Message string
		} `json:"not_cancelled"`
	}
	r.json(t, &got)
	if len(got.Cancelled) != 2 || got.Cancelled[0].ID != a.ID || got.Cancelled[1].ID != b.ID ||
		got.Cancelled[0].Status != "cancelled" || got.Cancelled[1].Status != "cancelled" {
		t.Errorf("cancelled: %+v", got.Cancelled)
	}
	if len(got.NotCancelled) != 2 || got.NotCancelled[0].ID != done.ID || got.NotCancelled[0].Reference != done.Reference ||
		got.NotCancelled[0].Code != "cancellation_closed" || got.NotCancelled[1].ID != "no-such-booking" || got.NotCancelled[1].Code != "not_found" {
		t.Errorf("not cancelled: %+v", got.NotCancelled)
	}
	for _, id := range []string{a.ID, b.ID} {
		if !hasAudit(o.audit(t, "booking="+id), ownerEmail, "booking.cancelled", id) {
			t.Errorf("no audit entry for the cancellation of %s", id)
		}
		if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ? AND kind = 'cancellation'", id); n != 0 {
			t.Errorf("%d cancellation emails for %s with notify false", n, id)
		}
	}
	if n := v.countRows(t, "SELECT count(*) FROM audit_log WHERE booking_id = ? AND action = 'booking.cancelled'", a.ID); n != 1 {
		t.Errorf("%d audit entries for a booking named twice, want 1", n)
	}

	// The Bookings page: a checkbox per confirmed booking, and one form.
	page := o.do(t, "GET", "/admin/bookings?from=2026-12-01&to=2026-12-02", nil, nil)
	body := string(page.Body)
	if page.Status != 200 || !strings.Contains(body, `action="/admin/bookings/cancel"`) ||
		!strings.Contains(body, `name="ids" value="`+c.ID+`"`) || strings.Contains(body, `name="ids" value="`+a.ID+`"`) {
		t.Fatalf("the Bookings page lacks its checkboxes: %d\n%s", page.Status, body)
	}
	form := url.Values{"csrf": {o.csrf}, "ids": {c.ID, a.ID}, "notify": {"1"}, "from": {"2026-12-01"}, "to": {"2026-12-02"}}
	res := o.do(t, "POST", "/admin/bookings/cancel", form.Encode(), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": ""})
	loc := res.Header.Get("Location")
	if res.Status != http.StatusSeeOther || !strings.Contains(loc, "done=bulk-cancelled") || !strings.Contains(loc, "cancelled=1") ||
		!strings.Contains(loc, "from=2026-12-01") {
		t.Fatalf("the form: %d to %q", res.Status, loc)
	}
	shown := string(o.do(t, "GET", loc, nil, nil).Body)
	if !strings.Contains(shown, "1 booking(s) cancelled.") || !strings.Contains(shown, a.Reference) {
		t.Errorf("the page after the form does not say what was done:\n%s", shown)
	}
	if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ? AND kind = 'cancellation'", c.ID); n != 1 {
		t.Errorf("%d cancellation emails for %s with notify, want 1", n, c.ID)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE id = ? AND status = 'confirmed'", keep.ID); n != 1 {
		t.Errorf("a booking not named was touched")
	}
	noCSRF := url.Values{"ids": {keep.ID}}
	if r := o.do(t, "POST", "/admin/bookings/cancel", noCSRF.Encode(), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": ""}); r.Status != http.StatusForbidden {
		t.Errorf("the form without its CSRF token: %d", r.Status)
	}
}
