package app

import (
	"slices"
	"testing"
	"time"
)

// stateVenue is a hand-checkable venue in London: two rooms, closed on
// Mondays, 09:00-17:00 every other day, hourly one-hour starts, a 30-minute
// gap, two hours' notice, ten days ahead; Christmas (25-26 December, with a
// reason) and 1 January (without one) closed. 2026-12-21 and 2026-12-28 are
// Mondays.
func stateVenue(t *testing.T) Rules {
	t.Helper()
	week := everyDay(t, "09:00-17:00")
	week[time.Monday] = nil
	return Rules{
		Location: MustLoadLocation(t, "Europe/London"), Week: week,
		SlotStep: time.Hour, Gap: 30 * time.Minute, MinNotice: 2 * time.Hour, MaxAdvance: 10,
		Closures: []Closure{
			{From: MustDate(t, "2026-12-25"), To: MustDate(t, "2026-12-26"), Reason: "Christmas"},
			{From: MustDate(t, "2027-01-01"), To: MustDate(t, "2027-01-01")},
		},
	}
}

// stateOccupancy: both rooms booked all of Wednesday 23 December; every room
// blacked out all of Thursday 24; room a blacked out on Sunday 27; both rooms
// booked 09:00-12:00 on Tuesday 29 (so, with the gap, 13:00 is its first
// free start).
func stateOccupancy(t *testing.T) (bookings, blackouts []Interval) {
	t.Helper()
	at := func(s string) time.Time { return MustInstant(t, s) }
	bookings = []Interval{
		{Room: "a", Start: at("2026-12-23T09:00:00Z"), End: at("2026-12-23T17:00:00Z")},
		{Room: "b", Start: at("2026-12-23T09:00:00Z"), End: at("2026-12-23T17:00:00Z")},
		{Room: "a", Start: at("2026-12-29T09:00:00Z"), End: at("2026-12-29T12:00:00Z")},
		{Room: "b", Start: at("2026-12-29T09:00:00Z"), End: at("2026-12-29T12:00:00Z")},
	}
	blackouts = []Interval{
		{Room: "", Start: at("2026-12-24T00:00:00Z"), End: at("2026-12-25T00:00:00Z")},
		{Room: "a", Start: at("2026-12-27T00:00:00Z"), End: at("2026-12-28T00:00:00Z")},
	}
	return bookings, blackouts
}

// TestAvailabilityDayStates checks each day's state and reason against a
// calendar worked out by hand.
func TestAvailabilityDayStates(t *testing.T) {
	r := stateVenue(t)
	bookings, blackouts := stateOccupancy(t)
	rooms := []string{"a", "b"}
	type want struct {
		state  DayState
		reason string
		slots  int
		first  string // the first free start, when there is one
	}
	tests := []struct {
		name string
		now  string
		days map[string]want
	}{
		{
			// Tuesday 22 December, 14:30: the notice ends at 16:30, after the
			// day's last start (16:00). The window's last date is 1 January.
			name: "late on Tuesday 22 December", now: "2026-12-22T14:30:00Z",
			days: map[string]want{
				"2026-12-20": {DayUnavailable, "", 0, ""}, // Sunday, past
				"2026-12-21": {DayClosed, "", 0, ""},      // Monday: no hours (past, and still closed)
				"2026-12-22": {DayUnavailable, "", 0, ""}, // today: every start left is inside the notice
				"2026-12-23": {DayFull, "", 0, ""},        // both rooms booked
				"2026-12-24": {DayFull, "", 0, ""},        // an all-rooms blackout: full, its reason not shown
				"2026-12-25": {DayClosed, "Christmas", 0, ""},
				"2026-12-26": {DayClosed, "Christmas", 0, ""},
				"2026-12-27": {DayAvailable, "", 8, "2026-12-27T09:00:00+00:00"}, // room b free all day
				"2026-12-28": {DayClosed, "", 0, ""},                             // Monday
				"2026-12-29": {DayAvailable, "", 4, "2026-12-29T13:00:00+00:00"}, // 13:00-16:00, after the bookings and their gap
				"2026-12-30": {DayAvailable, "", 8, "2026-12-30T09:00:00+00:00"},
				"2026-12-31": {DayAvailable, "", 8, "2026-12-31T09:00:00+00:00"},
				"2027-01-01": {DayClosed, "", 0, ""},      // a closure without a reason, the window's last date
				"2027-01-02": {DayUnavailable, "", 0, ""}, // beyond the window
				"2027-01-04": {DayClosed, "", 0, ""},      // a Monday beyond the window is closed all the same
			},
		},
		{
			// Tuesday 22 December, 10:00: starts from 12:00 are bookable.
			name: "morning of Tuesday 22 December", now: "2026-12-22T10:00:00Z",
			days: map[string]want{
				"2026-12-22": {DayAvailable, "", 5, "2026-12-22T12:00:00+00:00"},
				"2026-12-23": {DayFull, "", 0, ""},
			},
		},
		{
			// 15 December: the window ends on the 25th, so Christmas is
			// closed and the 27th is not bookable yet.
			name: "15 December", now: "2026-12-15T08:00:00Z",
			days: map[string]want{
				"2026-12-25": {DayClosed, "Christmas", 0, ""},
				"2026-12-27": {DayUnavailable, "", 0, ""},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := MustInstant(t, tc.now)
			for date, w := range tc.days {
				d := MustDate(t, date)
				days := r.Availability(d, d, time.Hour, rooms, bookings, blackouts, now)
				if len(days) != 1 {
					t.Fatalf("%s: %d days", date, len(days))
				}
				got := days[0]
				if got.State != w.state || got.Reason != w.reason || len(got.Slots) != w.slots {
					t.Errorf("%s (%s): state %q reason %q with %d slots; want %q %q with %d", date, d.Weekday(), got.State, got.Reason, len(got.Slots), w.state, w.reason, w.slots)
				}
				if w.first != "" && (len(got.Slots) == 0 || FormatInstant(got.Slots[0].Start, r.Location) != w.first) {
					t.Errorf("%s: first slot %v; want %s", date, got.Slots, w.first)
				}
			}
		})
	}

	// The same days asked for as one range agree with them one by one.
	now := MustInstant(t, "2026-12-22T14:30:00Z")
	var states []DayState
	for _, d := range r.Availability(MustDate(t, "2026-12-20"), MustDate(t, "2027-01-02"), time.Hour, rooms, bookings, blackouts, now) {
		states = append(states, d.State)
	}
	wantStates := []DayState{DayUnavailable, DayClosed, DayUnavailable, DayFull, DayFull, DayClosed, DayClosed,
		DayAvailable, DayClosed, DayAvailable, DayAvailable, DayAvailable, DayClosed, DayUnavailable}
	if !slices.Equal(states, wantStates) {
		t.Errorf("states 20 December to 2 January:\n  %v\nwant\n  %v", states, wantStates)
	}
}

// TestAvailabilityDayStatesAcrossClockChanges: the London clock-change days
// are ordinary days with 3 and 5 real hours of starts; an all-rooms blackout
// over the whole real day makes them full.
func TestAvailabilityDayStatesAcrossClockChanges(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	r := Rules{Location: london, Week: everyDay(t, "00:00-04:00"), SlotStep: time.Hour, MaxAdvance: 3660}
	now := MustInstant(t, "2026-01-01T00:00:00Z")
	tests := []struct {
		date      string
		blackout  []Interval
		state     DayState
		slots     int
		firstFree string
	}{
		{"2026-03-29", nil, DayAvailable, 3, "2026-03-29T00:00:00+00:00"},
		{"2026-10-25", nil, DayAvailable, 5, "2026-10-25T00:00:00+01:00"},
		// 00:00 BST is 23:00 UTC the day before; the local day ends at 00:00 UTC on the 26th.
		{"2026-10-25", []Interval{{Start: MustInstant(t, "2026-10-24T23:00:00Z"), End: MustInstant(t, "2026-10-26T00:00:00Z")}}, DayFull, 0, ""},
		// A blackout over the first two starts (00:00 and 01:00 BST): the
		// first free start is the second 01:00, in GMT.
		{"2026-10-25", []Interval{{Start: MustInstant(t, "2026-10-24T23:00:00Z"), End: MustInstant(t, "2026-10-25T01:00:00Z")}}, DayAvailable, 3, "2026-10-25T01:00:00+00:00"},
		// Spring: 00:00 GMT, then 02:00 and 03:00 BST; a blackout of the first real hour leaves two.
		{"2026-03-29", []Interval{{Start: MustInstant(t, "2026-03-29T00:00:00Z"), End: MustInstant(t, "2026-03-29T01:00:00Z")}}, DayAvailable, 2, "2026-03-29T02:00:00+01:00"},
	}
	for _, tc := range tests {
		d := MustDate(t, tc.date)
		days := r.Availability(d, d, time.Hour, []string{"main"}, nil, tc.blackout, now)
		got := days[0]
		if got.State != tc.state || len(got.Slots) != tc.slots {
			t.Errorf("%s with blackouts %v: %q with %d slots; want %q with %d", tc.date, tc.blackout, got.State, len(got.Slots), tc.state, tc.slots)
		}
		next := r.NextFree(d, d, 1, time.Hour, []string{"main"}, nil, tc.blackout, now)
		switch {
		case tc.firstFree == "" && len(next) != 0:
			t.Errorf("%s: NextFree = %v; want none", tc.date, next)
		case tc.firstFree != "" && (len(next) != 1 || FormatInstant(next[0].Start, london) != tc.firstFree):
			t.Errorf("%s: NextFree = %v; want %s", tc.date, next, tc.firstFree)
		case tc.firstFree != "" && FormatInstant(got.Slots[0].Start, london) != tc.firstFree:
			t.Errorf("%s: first slot %s; want %s", tc.date, FormatInstant(got.Slots[0].Start, london), tc.firstFree)
		}
	}
}

// TestNextFree checks the first free start of the next dates against the
// hand-worked calendar of TestAvailabilityDayStates.
func TestNextFree(t *testing.T) {
	r := stateVenue(t)
	bookings, blackouts := stateOccupancy(t)
	rooms := []string{"a", "b"}
	now := MustInstant(t, "2026-12-22T14:30:00Z")
	tests := []struct {
		name     string
		from, to string
		n        int
		want     []string
		roomFree []int
	}{
		// Today is inside the notice, the 23rd and 24th are full, Christmas closed.
		{"next from today", "2026-12-22", "2027-01-01", 1, []string{"2026-12-27T09:00:00+00:00"}, []int{1}},
		{"three dates", "2026-12-22", "2027-01-01", 3,
			[]string{"2026-12-27T09:00:00+00:00", "2026-12-29T13:00:00+00:00", "2026-12-30T09:00:00+00:00"}, []int{1, 2, 2}},
		{"the past is today", "2026-01-01", "2027-01-01", 1, []string{"2026-12-27T09:00:00+00:00"}, []int{1}},
		{"a range past the window stops at it", "2026-12-31", "2027-03-01", 3, []string{"2026-12-31T09:00:00+00:00"}, []int{2}},
		{"nothing free in the window", "2027-01-01", "2027-03-01", 1, nil, nil},
		{"beyond the window", "2027-01-02", "2027-01-31", 1, nil, nil},
		{"only the closed and full days", "2026-12-23", "2026-12-26", 2, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := r.NextFree(MustDate(t, tc.from), MustDate(t, tc.to), tc.n, time.Hour, rooms, bookings, blackouts, now)
			var starts []string
			var free []int
			for _, s := range got {
				starts = append(starts, FormatInstant(s.Start, r.Location))
				free = append(free, s.RoomsFree)
				if s.End.Sub(s.Start) != time.Hour {
					t.Errorf("slot %v does not last the package's hour", s)
				}
			}
			if !slices.Equal(starts, tc.want) || !slices.Equal(free, tc.roomFree) {
				t.Errorf("NextFree = %v rooms %v; want %v rooms %v", starts, free, tc.want, tc.roomFree)
			}
		})
	}
}
