package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The JSON API answers its errors in English, byte for byte as before the
// messages moved into the catalogs (programs compare them).
func TestAPIErrorBodiesAreUnchanged(t *testing.T) {
	v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1"]`, ExtraTOML: limits{ReadPerIP: "1-M"}.toml()})
	for _, c := range []struct {
		name         string
		method, path string
		body         any
		header       map[string]string
		status       int
		want         string
	}{
		{"validation_failed with several fields", "POST", "/api/bookings",
			bookingBody("2026-12-01T10:00:00", func(b map[string]any) {
				b["guests"] = 9
				b["tier"] = ""
				b["customer"] = map[string]any{"name": "", "email": "ada@", "phone": "12"}
				b["notes"] = "a\x00b"
				b["parking"] = map[string]any{"vehicle_registration": "x"}
			}), nil, http.StatusBadRequest,
			`{"error":{"code":"validation_failed","message":"some fields need correcting; see fields","fields":{"customer.email":"must be a valid email address","customer.name":"is required","customer.phone":"must be 7 to 15 digits, optionally with +, spaces, dashes and brackets","guests":"must be between 1 and 4","notes":"must not contain control characters","parking":"this venue does not offer parking","start":"is not an RFC 3339 time such as 2026-12-01T09:00:00Z","tier":"is required"}}}`},
		{"slot_unavailable: too soon", "POST", "/api/bookings", bookingBody("2026-11-27T11:00:00Z"), nil, http.StatusConflict,
			`{"error":{"code":"slot_unavailable","message":"2026-11-27T11:00:00+00:00 is too soon: bookings need 2 hours notice","fields":{}}}`},
		{"slot_unavailable: too far ahead", "POST", "/api/bookings", bookingBody("2027-06-01T10:00:00Z"), nil, http.StatusConflict,
			`{"error":{"code":"slot_unavailable","message":"2027-06-01T11:00:00+01:00 is too far ahead: bookings open 90 days in advance","fields":{}}}`},
		{"price_changed", "POST", "/api/bookings", bookingBody("2026-12-01T10:00:00Z", func(b map[string]any) { b["expected_price_cents"] = 4000 }), nil, http.StatusConflict,
			`{"error":{"code":"price_changed","message":"the price of 60 minutes is now 4500 cents, not 4000; confirm the new price to book","fields":{}}}`},
		{"not_found: a booking", "GET", "/api/bookings/nosuch?t=abc", nil, from("203.0.113.1"), http.StatusNotFound,
			`{"error":{"code":"not_found","message":"no booking matches this link","fields":{}}}`},
		{"not_found: a route", "GET", "/api/nosuch", nil, from("203.0.113.2"), http.StatusNotFound,
			`{"error":{"code":"not_found","message":"no such page or endpoint: GET /api/nosuch","fields":{}}}`},
		{"invalid_request: unknown field", "POST", "/api/bookings", bookingBody("2026-12-01T10:00:00Z", func(b map[string]any) { b["colour"] = "red" }), nil, http.StatusBadRequest,
			`{"error":{"code":"invalid_request","message":"unknown field \"colour\" (field names are case-sensitive)","fields":{"colour":"is not a known field"}}}`},
		{"payload_too_large", "POST", "/api/bookings", `{"notes":"` + strings.Repeat("x", 70*1024) + `"}`, nil, http.StatusRequestEntityTooLarge,
			`{"error":{"code":"payload_too_large","message":"the request body is larger than 64 KiB","fields":{}}}`},
		{"rate_limited: first read", "GET", "/api/catalog", nil, from("203.0.113.9"), http.StatusOK, ""},
		{"rate_limited", "GET", "/api/catalog", nil, from("203.0.113.9"), http.StatusTooManyRequests,
			`{"error":{"code":"rate_limited","message":"too many attempts; wait a little and try again","fields":{}}}`},
	} {
		r := v.do(t, c.method, c.path, c.body, c.header)
		if r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
			continue
		}
		if c.want != "" && strings.TrimSpace(string(r.Body)) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, r.Body, c.want)
		}
	}
}

// The errors that name a deadline, a length of time, a price or a state keep
// their English API words too.
func TestAPIErrorBodiesWithValuesAreUnchanged(t *testing.T) {
	v := newVenue(t, venueOptions{VenueTOML: "change_cutoff_hours = 48"})
	b := v.mustBook(t, bookingBody("2026-12-01T10:00:00Z")).Booking
	id, token := managePath(t, b.ManageURL)
	other := v.mustBook(t, bookingBody("2026-12-03T10:00:00Z")).Booking
	otherID, otherToken := managePath(t, other.ManageURL)
	for _, c := range []struct {
		name, path string
		body       any
		status     int
		want       string
	}{
		{"price_changed on a move", "/api/bookings/" + otherID + "/reschedule?t=" + otherToken,
			map[string]any{"start": "2026-12-04T10:00:00Z", "expected_price_cents": 4000}, http.StatusConflict,
			`{"error":{"code":"price_changed","message":"the booking's price is £45.00, not £40.00; check it and move again","fields":{}}}`},
		{"validation_failed of a move", "/api/bookings/" + otherID + "/reschedule?t=" + otherToken,
			map[string]any{"start": "tomorrow"}, http.StatusBadRequest,
			`{"error":{"code":"validation_failed","message":"start must be a date and time with its offset, such as 2026-12-09T14:00:00Z","fields":{"start":"is not an RFC 3339 time such as 2026-12-01T09:00:00Z"}}}`},
		{"change_closed: past the cutoff", "/api/bookings/" + id + "/reschedule?t=" + token,
			map[string]any{"start": "2026-12-04T10:00:00Z"}, http.StatusConflict,
			`{"error":{"code":"change_closed","message":"bookings can be moved online until 2026-11-29T10:00:00+00:00 (2 days before the start); please contact the venue","fields":{}}}`},
		{"cancellation_closed: past the cutoff", "/api/bookings/" + id + "/cancel?t=" + token, nil, http.StatusConflict,
			`{"error":{"code":"cancellation_closed","message":"bookings can be cancelled until 1 day before the start; please contact the venue","fields":{}}}`},
		{"cancel", "/api/bookings/" + otherID + "/cancel?t=" + otherToken, nil, http.StatusOK, ""},
		{"cancellation_closed: cancelled", "/api/bookings/" + otherID + "/cancel?t=" + otherToken, nil, http.StatusConflict,
			`{"error":{"code":"cancellation_closed","message":"this booking is cancelled and can no longer be cancelled","fields":{}}}`},
		{"change_closed: cancelled", "/api/bookings/" + otherID + "/email?t=" + otherToken, map[string]any{"email": "new@example.com"}, http.StatusConflict,
			`{"error":{"code":"change_closed","message":"this booking is cancelled and its details can no longer be changed online","fields":{}}}`},
		{"validation_failed of an email", "/api/bookings/" + id + "/email?t=" + token, map[string]any{"email": "new@"}, http.StatusBadRequest,
			`{"error":{"code":"validation_failed","message":"this is not an email address we can write to","fields":{"email":"must be a valid email address"}}}`},
	} {
		if c.name == "change_closed: past the cutoff" {
			v.setNow(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
		}
		r := v.do(t, "POST", c.path, c.body, nil)
		if r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
			continue
		}
		if c.want != "" && strings.TrimSpace(string(r.Body)) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, r.Body, c.want)
		}
	}
}
