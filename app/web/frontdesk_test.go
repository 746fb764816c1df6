package web_test

import (
	"testing"
	"time"
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
