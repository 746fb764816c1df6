package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// Idempotency keys are scoped to the client that sent them: a retry from the
// same client gets its booking back, but another client sending the same key
// and body gets an answer of its own — never the first client's booking and
// manage link.
func TestIdempotencyKeysAreScopedToTheClient(t *testing.T) {
	v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1", "::1"]`})
	body := bookingBody("2026-12-01T09:00:00Z")
	from := func(ip string) map[string]string {
		return map[string]string{"Idempotency-Key": "shared-key-0001", "X-Forwarded-For": ip}
	}
	first := v.do(t, "POST", "/api/bookings", body, from("198.51.100.7"))
	if first.Status != http.StatusCreated {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	var b bookingResponse
	first.json(t, &b)

	retry := v.do(t, "POST", "/api/bookings", body, from("198.51.100.7"))
	var again bookingResponse
	retry.json(t, &again)
	if retry.Status != http.StatusCreated || retry.Header.Get("Idempotent-Replayed") != "true" || again.Booking.ID != b.Booking.ID {
		t.Errorf("retry from the same client: %d replayed=%q id %s, want the first booking %s", retry.Status,
			retry.Header.Get("Idempotent-Replayed"), again.Booking.ID, b.Booking.ID)
	}

	other := v.do(t, "POST", "/api/bookings", body, from("203.0.113.50"))
	if other.Status != http.StatusConflict || other.errorCode() != "slot_unavailable" {
		t.Errorf("same key and body from another client: %d %s, want 409 slot_unavailable (the one room is taken)", other.Status, other.Body)
	}
	if strings.Contains(string(other.Body), b.Booking.ManageURL) || strings.Contains(string(other.Body), b.Booking.ID) {
		t.Errorf("another client received the first client's booking: %s", other.Body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 1 {
		t.Errorf("%d bookings, want 1", n)
	}
}
