package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// Idempotency keys are tied to the client that sent them: a retry from the
// same client gets its booking back; the same key and body from another
// network — another client, or this one after its connection changed — get
// 409 idempotency_conflict: never the first client's booking and manage link,
// and never a second booking (two rooms: one was free for it).
func TestIdempotencyKeysAreScopedToTheClient(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 2, ServerTOML: `trusted_proxies = ["127.0.0.1", "::1"]`})
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
	if other.Status != http.StatusConflict || other.errorCode() != "idempotency_conflict" {
		t.Errorf("same key and body from another network: %d %s, want 409 idempotency_conflict", other.Status, other.Body)
	}
	if strings.Contains(string(other.Body), b.Booking.ManageURL) || strings.Contains(string(other.Body), b.Booking.ID) {
		t.Errorf("another client received the first client's booking: %s", other.Body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 1 {
		t.Errorf("%d bookings, want 1", n)
	}
}
