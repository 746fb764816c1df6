package web_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// dayStates is GET /api/availability with the fields of #14: each day's
// state and reason, and next_available.
type dayStates struct {
	Days []struct {
		Date   string            `json:"date"`
		Slots  []json.RawMessage `json:"slots"`
		State  string            `json:"state"`
		Reason *string           `json:"reason"`
	} `json:"days"`
	NextAvailable *string `json:"next_available"`
}

func (v *testVenue) dayStates(t *testing.T, query string) (dayStates, []byte) {
	t.Helper()
	r := v.do(t, "GET", "/api/availability?"+query, nil, nil)
	if r.Status != 200 {
		t.Fatalf("availability %s: %d %s", query, r.Status, r.Body)
	}
	var a dayStates
	r.json(t, &a)
	// next_available is always there: null or a start.
	var raw map[string]json.RawMessage
	r.json(t, &raw)
	if _, ok := raw["next_available"]; !ok {
		t.Errorf("availability %s has no next_available: %s", query, r.Body)
	}
	return a, r.Body
}

// TestAvailabilityStates checks state, reason and next_available through the
// API against a calendar worked out by hand. The venue: one room, 09:00-21:00
// but closed on Mondays, Christmas (25-26 December) closed, two hours'
// notice, 90 days ahead; now is Friday 27 November 2026, 10:00 GMT, so the
// window's last date is Thursday 25 February 2027.
func TestAvailabilityStates(t *testing.T) {
	v := newVenue(t, venueOptions{Week: map[string]string{"mon": ""}})
	// Wednesday 2 December: the owner blacks out every room all day, with a
	// reason that is theirs alone.
	mustBlackout(t, v, "", "2026-12-02", "2026-12-02", "Owner's private party")
	// Thursday 3 December: booked full. A start every 90 minutes from 09:00
	// (an hour and the 30-minute gap) leaves no start free.
	for _, clock := range []string{"09:00", "10:30", "12:00", "13:30", "15:00", "16:30", "18:00", "19:30"} {
		v.mustBook(t, bookingBody("2026-12-03T"+clock+":00Z"))
	}

	a, body := v.dayStates(t, "package=classic-60&from=2026-11-26&to=2026-12-04")
	want := []struct {
		date, state string
		slots       int
	}{
		{"2026-11-26", "unavailable", 0}, // Thursday, past
		{"2026-11-27", "available", 17},  // today: 12:00 to 20:00
		{"2026-11-28", "available", 23},
		{"2026-11-29", "available", 23},
		{"2026-11-30", "closed", 0}, // Monday
		{"2026-12-01", "available", 23},
		{"2026-12-02", "full", 0}, // the all-rooms blackout
		{"2026-12-03", "full", 0}, // every start taken
		{"2026-12-04", "available", 23},
	}
	if len(a.Days) != len(want) {
		t.Fatalf("%d days, want %d: %s", len(a.Days), len(want), body)
	}
	for i, w := range want {
		d := a.Days[i]
		if d.Date != w.date || d.State != w.state || len(d.Slots) != w.slots || d.Reason != nil {
			t.Errorf("day %d: %s %q with %d slots, reason %v; want %s %q with %d slots and no reason", i, d.Date, d.State, len(d.Slots), d.Reason, w.date, w.state, w.slots)
		}
	}
	if a.NextAvailable == nil || *a.NextAvailable != "2026-12-05T09:00:00+00:00" {
		t.Errorf("next_available after 4 December = %v, want 2026-12-05T09:00:00+00:00", a.NextAvailable)
	}
	if bytes.Contains(body, []byte("private party")) {
		t.Errorf("a blackout's reason reaches customers: %s", body)
	}

	// Christmas, byte for byte: the slots field as before, then state, the
	// closure's reason, and next_available (the 27th is a Sunday, open).
	r := v.do(t, "GET", "/api/availability?package=classic-60&from=2026-12-25&to=2026-12-26", nil, nil)
	const christmas = `{"timezone":"Europe/London","package":"classic-60","days":[` +
		`{"date":"2026-12-25","slots":[],"state":"closed","reason":"Christmas"},` +
		`{"date":"2026-12-26","slots":[],"state":"closed","reason":"Christmas"}],` +
		`"next_available":"2026-12-27T09:00:00+00:00"}`
	if string(r.Body) != christmas {
		t.Errorf("Christmas:\n  %s\nwant\n  %s", r.Body, christmas)
	}
	// A day with times keeps its slots byte for byte, state after them.
	r = v.do(t, "GET", "/api/availability?package=classic-60&from=2026-12-01", nil, nil)
	const prefix = `{"timezone":"Europe/London","package":"classic-60","days":[{"date":"2026-12-01","slots":[` +
		`{"start":"2026-12-01T09:00:00+00:00","end":"2026-12-01T10:00:00+00:00","rooms_free":1},`
	const suffix = `{"start":"2026-12-01T20:00:00+00:00","end":"2026-12-01T21:00:00+00:00","rooms_free":1}],"state":"available"}],` +
		`"next_available":"2026-12-04T09:00:00+00:00"}`
	if s := string(r.Body); !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, suffix) {
		t.Errorf("1 December:\n  %s\nwant it to start\n  %s\nand end\n  %s", s, prefix, suffix)
	}

	// The end of the window: 25 February 2027 is the last date; after it
	// nothing, so next_available is null.
	a, body = v.dayStates(t, "package=classic-60&from=2027-02-25&to=2027-02-27")
	if a.Days[0].State != "available" || a.Days[1].State != "unavailable" || a.Days[2].State != "unavailable" || a.NextAvailable != nil {
		t.Errorf("end of the window: %s", body)
	}
	a, _ = v.dayStates(t, "package=classic-60&from=2027-02-24")
	if a.NextAvailable == nil || *a.NextAvailable != "2027-02-25T09:00:00+00:00" {
		t.Errorf("next_available after 24 February = %v, want the window's last date", a.NextAvailable)
	}
	// A Monday beyond the window is closed all the same, and a closure
	// beyond it keeps its reason.
	a, body = v.dayStates(t, "package=classic-60&from=2027-03-01&to=2027-03-02")
	if a.Days[0].State != "closed" || a.Days[1].State != "unavailable" || a.NextAvailable != nil {
		t.Errorf("beyond the window: %s", body)
	}
	v.setNow(time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)) // the window ends on 30 November
	a, body = v.dayStates(t, "package=classic-60&from=2026-12-24&to=2026-12-25")
	if a.Days[0].State != "unavailable" || a.Days[1].State != "closed" || a.Days[1].Reason == nil || *a.Days[1].Reason != "Christmas" || a.NextAvailable != nil {
		t.Errorf("Christmas seen from September: %s", body)
	}
	v.setNow(testNow)

	// A range in the past: next_available is the first start bookable now.
	a, _ = v.dayStates(t, "package=classic-60&from=2026-11-01&to=2026-11-02")
	if a.NextAvailable == nil || *a.NextAvailable != "2026-11-27T12:00:00+00:00" {
		t.Errorf("next_available after a past range = %v, want today 12:00", a.NextAvailable)
	}

	// Late on 1 December (19:30) every start left is inside the notice.
	v.setNow(time.Date(2026, 12, 1, 19, 30, 0, 0, time.UTC))
	a, body = v.dayStates(t, "package=classic-60&from=2026-11-30&to=2026-12-01")
	if a.Days[0].State != "closed" || a.Days[1].State != "unavailable" || a.NextAvailable == nil || *a.NextAvailable != "2026-12-04T09:00:00+00:00" {
		t.Errorf("late on 1 December: %s", body)
	}
	v.setNow(testNow)
}

// TestAvailabilityStatesClockChange: on the day the clocks go forward in
// London (28 March 2027), the day's times are BST and next_available names
// its first start with its offset.
func TestAvailabilityStatesClockChange(t *testing.T) {
	v := newVenue(t, venueOptions{NoClosures: true})
	v.setNow(time.Date(2027, 3, 20, 10, 0, 0, 0, time.UTC))
	a, body := v.dayStates(t, "package=classic-60&from=2027-03-27")
	if a.Days[0].State != "available" || len(a.Days[0].Slots) != 23 || a.NextAvailable == nil || *a.NextAvailable != "2027-03-28T09:00:00+01:00" {
		t.Errorf("the day before the change: %s", body)
	}
	var first struct{ Start string }
	json.Unmarshal(a.Days[0].Slots[0], &first)
	if first.Start != "2027-03-27T09:00:00+00:00" {
		t.Errorf("27 March starts at %s", first.Start)
	}
	// Autumn, 31 October 2027, opening 00:00-04:00: five real hours, two
	// of them 01:00 (00:00 BST is 23:00 UTC the day before); 30 and 31
	// October blacked out but for the second 01:00.
	v2 := newVenue(t, venueOptions{NoClosures: true, Hours: "00:00-04:00", StepMinutes: 60, Gap: -1})
	v2.setNow(time.Date(2027, 10, 20, 10, 0, 0, 0, time.UTC))
	mustBlackout(t, v2, "", "2027-10-29T23:00:00Z", "2027-10-31T01:00:00Z", "closed till the second 01:00")
	mustBlackout(t, v2, "", "2027-10-31T02:00:00Z", "2027-11-01T00:00:00Z", "closed after") // to 1 November 00:00 GMT
	a, body = v2.dayStates(t, "package=classic-60&from=2027-10-29&to=2027-10-30")
	if a.Days[0].State != "available" || a.Days[1].State != "full" || a.NextAvailable == nil || *a.NextAvailable != "2027-10-31T01:00:00+00:00" {
		t.Errorf("autumn: %s", body)
	}
	a, body = v2.dayStates(t, "package=classic-60&from=2027-10-31")
	if a.Days[0].State != "available" || len(a.Days[0].Slots) != 1 || a.NextAvailable == nil || *a.NextAvailable != "2027-11-01T00:00:00+00:00" {
		t.Errorf("31 October: %s", body)
	}
}

// TestNextAvailableFarAhead: with every room blacked out for five weeks,
// next_available is found past several of the reads it makes (a week, then
// two, then four), and null when the blackout runs to the window's end.
func TestNextAvailableFarAhead(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 2, AdvanceDays: 60})
	// 5 December to 9 January inclusive; 10 January 2027 is a Sunday.
	mustBlackout(t, v, "", "2026-12-05", "2027-01-09", "refurbishment")
	a, body := v.dayStates(t, "package=classic-60&from=2026-12-04")
	if a.NextAvailable == nil || *a.NextAvailable != "2027-01-10T09:00:00+00:00" {
		t.Errorf("next_available = %v, want 2027-01-10T09:00:00+00:00: %s", a.NextAvailable, body)
	}
	// One room free again is enough; the private tier's one room is not.
	mustBlackout(t, v, "", "2027-01-10", "2027-01-26", "more")
	a, _ = v.dayStates(t, "package=classic-60&from=2026-12-04")
	if a.NextAvailable != nil {
		t.Errorf("next_available = %s with nothing free to the window's end (26 January)", *a.NextAvailable)
	}
	a, _ = v.dayStates(t, "package=private-120&from=2026-11-27")
	if a.NextAvailable == nil || *a.NextAvailable != "2026-11-28T09:00:00+00:00" {
		t.Errorf("private-120 next_available = %v", a.NextAvailable)
	}
}
