package app

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestDayStartsAcrossClockChanges checks that opening hours are local wall
// time, measured in real time: a venue open 00:00-04:00 is open 3 real hours
// on a spring-forward day and 5 on a fall-back day, and every start offered is
// a real instant shown with the offset in force then.
func TestDayStartsAcrossClockChanges(t *testing.T) {
	tests := []struct {
		name      string
		zone      string
		date      string
		realHours time.Duration
		want      []string
	}{
		{
			name: "london ordinary day", zone: "Europe/London", date: "2026-06-01", realHours: 4 * time.Hour,
			want: []string{"2026-06-01T00:00:00+01:00", "2026-06-01T01:00:00+01:00", "2026-06-01T02:00:00+01:00", "2026-06-01T03:00:00+01:00"},
		},
		{
			// Clocks go forward at 01:00 UTC: 01:00-02:00 local does not exist.
			name: "london spring forward", zone: "Europe/London", date: "2026-03-29", realHours: 3 * time.Hour,
			want: []string{"2026-03-29T00:00:00+00:00", "2026-03-29T02:00:00+01:00", "2026-03-29T03:00:00+01:00"},
		},
		{
			// Clocks go back at 01:00 UTC: 01:00-02:00 local happens twice.
			name: "london fall back", zone: "Europe/London", date: "2026-10-25", realHours: 5 * time.Hour,
			want: []string{"2026-10-25T00:00:00+01:00", "2026-10-25T01:00:00+01:00", "2026-10-25T01:00:00+00:00", "2026-10-25T02:00:00+00:00", "2026-10-25T03:00:00+00:00"},
		},
		{
			name: "auckland fall back", zone: "Pacific/Auckland", date: "2026-04-05", realHours: 5 * time.Hour,
			want: []string{"2026-04-05T00:00:00+13:00", "2026-04-05T01:00:00+13:00", "2026-04-05T02:00:00+13:00", "2026-04-05T02:00:00+12:00", "2026-04-05T03:00:00+12:00"},
		},
		{
			name: "auckland spring forward", zone: "Pacific/Auckland", date: "2026-09-27", realHours: 3 * time.Hour,
			want: []string{"2026-09-27T00:00:00+12:00", "2026-09-27T01:00:00+12:00", "2026-09-27T03:00:00+13:00"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := MustLoadLocation(t, tc.zone)
			r := Rules{Location: loc, Week: everyDay(t, "00:00-04:00"), SlotStep: time.Hour, MaxAdvance: 3660}
			d := MustDate(t, tc.date)
			dur := time.Hour

			starts := r.DayStarts(d, dur)
			if got := formatAll(starts, loc); !slices.Equal(got, tc.want) {
				t.Fatalf("DayStarts(%s) =\n  %q\nwant\n  %q", d, got, tc.want)
			}
			open, close := d.At(0, loc), d.At(4*60, loc) // 00:00 and 04:00 local
			if got := close.Sub(open); got != tc.realHours {
				t.Errorf("window 00:00-04:00 lasts %v of real time; want %v", got, tc.realHours)
			}
			for i, s := range starts {
				// Each start is a real instant on that local date, one step of
				// real time after the previous, and its booking ends by closing.
				if DateOf(s, loc) != d {
					t.Errorf("start %s is not on local date %s", FormatInstant(s, loc), d)
				}
				if i > 0 && s.Sub(starts[i-1]) != r.SlotStep {
					t.Errorf("start %s is %v after the previous; want %v", FormatInstant(s, loc), s.Sub(starts[i-1]), r.SlotStep)
				}
				if s.Add(dur).After(close) {
					t.Errorf("booking at %s ends after closing", FormatInstant(s, loc))
				}
				// What the API writes parses back to the same instant.
				back, err := ParseInstant(FormatInstant(s, loc))
				if err != nil || !back.Equal(s) {
					t.Errorf("FormatInstant(%v) does not parse back: %v, %v", s, back, err)
				}
				if !r.OnGrid(s, dur) {
					t.Errorf("OnGrid(%s) = false for an offered start", FormatInstant(s, loc))
				}
			}
			if len(starts) > 0 && !starts[0].Equal(open) {
				t.Errorf("first start %s; want the opening instant %s", FormatInstant(starts[0], loc), FormatInstant(open, loc))
			}
			if want := int(tc.realHours / time.Hour); len(starts) != want {
				t.Errorf("%d starts; want %d (one per real hour)", len(starts), want)
			}
		})
	}
}

// TestAvailabilityAroundClockChanges runs the whole listing over the days
// around both London transitions.
func TestAvailabilityAroundClockChanges(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	r := Rules{Location: london, Week: everyDay(t, "00:00-04:00"), SlotStep: time.Hour, MaxAdvance: 3660}
	now := MustInstant(t, "2026-01-01T00:00:00Z")
	tests := []struct {
		name     string
		from, to string
		want     map[string]int // local date → number of slots
	}{
		{"spring", "2026-03-28", "2026-03-30", map[string]int{"2026-03-28": 4, "2026-03-29": 3, "2026-03-30": 4}},
		{"autumn", "2026-10-24", "2026-10-26", map[string]int{"2026-10-24": 4, "2026-10-25": 5, "2026-10-26": 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			days := r.Availability(MustDate(t, tc.from), MustDate(t, tc.to), time.Hour, []string{"main"}, nil, nil, now)
			if len(days) != len(tc.want) {
				t.Fatalf("%d days; want %d", len(days), len(tc.want))
			}
			for _, day := range days {
				if got, want := len(day.Slots), tc.want[day.Date.String()]; got != want {
					t.Errorf("%s: %d slots; want %d", day.Date, got, want)
				}
				for _, s := range day.Slots {
					if DateOf(s.Start, london) != day.Date {
						t.Errorf("%s: slot %s is on another local date", day.Date, FormatInstant(s.Start, london))
					}
					if s.End.Sub(s.Start) != time.Hour || s.RoomsFree != 1 {
						t.Errorf("%s: slot %+v; want 1 real hour and 1 room free", day.Date, s)
					}
				}
			}
		})
	}
}

func TestOnGridAcrossClockChanges(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	r := Rules{Location: london, Week: everyDay(t, "00:00-04:00"), SlotStep: time.Hour, MaxAdvance: 3660}
	tests := []struct {
		name  string
		start string
		want  bool
	}{
		{"spring 00:00 GMT", "2026-03-29T00:00:00Z", true},
		{"spring 02:00 BST is one hour after opening", "2026-03-29T02:00:00+01:00", true},
		{"spring 00:30 GMT off the grid", "2026-03-29T00:30:00Z", false},
		{"spring 03:00 BST ends at closing", "2026-03-29T03:00:00+01:00", true},
		{"spring 04:00 BST would end after closing", "2026-03-29T04:00:00+01:00", false},
		{"autumn first 01:00 (BST)", "2026-10-25T01:00:00+01:00", true},
		{"autumn second 01:00 (GMT)", "2026-10-25T01:00:00+00:00", true},
		{"autumn 03:00 GMT ends at closing", "2026-10-25T03:00:00Z", true},
		{"autumn 04:00 GMT would end after closing", "2026-10-25T04:00:00Z", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.OnGrid(MustInstant(t, tc.start), time.Hour); got != tc.want {
				t.Errorf("OnGrid(%s) = %v; want %v", tc.start, got, tc.want)
			}
		})
	}
}

// TestDayStartsSplitHours checks that a booking never spans the break between
// two ranges of a day and always ends by the range's closing time.
func TestDayStartsSplitHours(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	r := Rules{Location: london, Week: everyDay(t, "09:00-12:00,13:00-21:00"), SlotStep: 30 * time.Minute, MaxAdvance: 3660}
	d := MustDate(t, "2026-12-01") // GMT, so local clock = UTC

	clock := func(ts []time.Time) []string {
		out := make([]string, len(ts))
		for i, s := range ts {
			out[i] = s.In(london).Format("15:04")
		}
		return out
	}
	tests := []struct {
		name string
		dur  time.Duration
		want []string
	}{
		{"90 minutes", 90 * time.Minute, []string{
			"09:00", "09:30", "10:00", "10:30",
			"13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00", "17:30", "18:00", "18:30", "19:00", "19:30",
		}},
		{"60 minutes", 60 * time.Minute, []string{
			"09:00", "09:30", "10:00", "10:30", "11:00",
			"13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00", "17:30", "18:00", "18:30", "19:00", "19:30", "20:00",
		}},
		{"4 hours fits only the afternoon", 4 * time.Hour, []string{
			"13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00",
		}},
		{"longer than any range", 9 * time.Hour, []string{}},
	}
	lunchStart, lunchEnd := d.At(12*60, london), d.At(13*60, london)
	closing := d.At(21*60, london)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			starts := r.DayStarts(d, tc.dur)
			if got := clock(starts); !slices.Equal(got, tc.want) {
				t.Fatalf("starts %q; want %q", got, tc.want)
			}
			for _, s := range starts {
				end := s.Add(tc.dur)
				if s.Before(lunchEnd) && lunchStart.Before(end) {
					t.Errorf("booking %s-%s crosses the 12:00-13:00 break", s.Format("15:04"), end.Format("15:04"))
				}
				if end.After(closing) {
					t.Errorf("booking %s-%s ends after closing", s.Format("15:04"), end.Format("15:04"))
				}
			}
		})
	}

	grid := []struct {
		name  string
		start string
		want  bool
	}{
		{"last morning start", "2026-12-01T10:30:00Z", true},
		{"would cross the break", "2026-12-01T11:00:00Z", false},
		{"inside the break", "2026-12-01T12:00:00Z", false},
		{"first afternoon start", "2026-12-01T13:00:00Z", true},
		{"off the step", "2026-12-01T09:15:00Z", false},
		{"one second off", "2026-12-01T09:00:01Z", false},
		{"last afternoon start", "2026-12-01T19:30:00Z", true},
		{"would end after closing", "2026-12-01T20:00:00Z", false},
		{"before opening", "2026-12-01T08:30:00Z", false},
	}
	for _, tc := range grid {
		t.Run("OnGrid/"+tc.name, func(t *testing.T) {
			if got := r.OnGrid(MustInstant(t, tc.start), 90*time.Minute); got != tc.want {
				t.Errorf("OnGrid(%s, 90m) = %v; want %v", tc.start, got, tc.want)
			}
		})
	}
}

func TestDayStartsClosedDays(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	week := everyDay(t, "09:00-17:00")
	week[time.Monday] = nil // closed every Monday
	r := Rules{
		Location: london, Week: week, SlotStep: time.Hour, MaxAdvance: 3660,
		Closures: []Closure{
			{From: MustDate(t, "2026-12-24"), To: MustDate(t, "2026-12-26")},
			{From: MustDate(t, "2027-01-01"), To: MustDate(t, "2027-01-01")},
		},
	}
	tests := []struct {
		date string
		open bool
	}{
		{"2026-12-23", true},
		{"2026-12-24", false}, // first day of a closure
		{"2026-12-25", false},
		{"2026-12-26", false}, // last day, inclusive
		{"2026-12-27", true},
		{"2026-12-28", false}, // a Monday
		{"2026-12-31", true},
		{"2027-01-01", false}, // single-day closure
		{"2027-01-02", true},
	}
	for _, tc := range tests {
		t.Run(tc.date, func(t *testing.T) {
			d := MustDate(t, tc.date)
			starts := r.DayStarts(d, time.Hour)
			if open := len(starts) > 0; open != tc.open {
				t.Errorf("DayStarts(%s): %d starts; want open=%v", d, len(starts), tc.open)
			}
			inClosure := !tc.open && d.Weekday() != time.Monday
			if got := r.Closed(d); got != inClosure {
				t.Errorf("Closed(%s) = %v; want %v", d, got, inClosure)
			}
		})
	}

	// The same closures written in a config file: end omitted means the start date alone.
	cfg := MustParseConfig(t, `
[[closures]]
start = "2026-12-24"
end = "2026-12-26"
reason = "Christmas"

[[closures]]
start = "2027-01-01"
reason = "New Year"
`+catalogTOML)
	fromCfg := RulesFromConfig(cfg)
	for _, tc := range tests {
		d := MustDate(t, tc.date)
		if d.Weekday() == time.Monday {
			continue
		}
		if got := len(fromCfg.DayStarts(d, time.Hour)) > 0; got != tc.open {
			t.Errorf("config rules: %s open=%v; want %v", d, got, tc.open)
		}
	}
	days := fromCfg.Availability(MustDate(t, "2026-12-24"), MustDate(t, "2026-12-24"), time.Hour, []string{"main"}, nil, nil, MustInstant(t, "2026-12-01T00:00:00Z"))
	if len(days) != 1 || days[0].Slots == nil || len(days[0].Slots) != 0 {
		t.Errorf("Availability on a closed day = %+v; want one day with an empty, non-nil slot list", days)
	}
}

func TestConflictsCleaningGap(t *testing.T) {
	at := func(clock string) time.Time {
		t.Helper()
		return MustInstant(t, "2026-12-01T"+clock+":00Z")
	}
	taken := Interval{Room: "a", Start: at("10:00"), End: at("11:00")}
	tests := []struct {
		name       string
		start, end string
		gap        time.Duration
		conflict   bool
	}{
		{"starts when taken ends, inside gap", "11:00", "12:00", 30 * time.Minute, true},
		{"starts one minute before gap ends", "11:29", "12:29", 30 * time.Minute, true},
		{"starts when gap ends", "11:30", "12:30", 30 * time.Minute, false},
		{"ends one minute into gap before taken", "08:31", "09:31", 30 * time.Minute, true},
		{"ends exactly a gap before taken", "08:30", "09:30", 30 * time.Minute, false},
		{"same interval", "10:00", "11:00", 30 * time.Minute, true},
		{"overlaps start", "09:30", "10:30", 30 * time.Minute, true},
		{"inside", "10:15", "10:45", 30 * time.Minute, true},
		{"surrounds", "09:00", "12:00", 30 * time.Minute, true},
		{"no gap: back to back after", "11:00", "12:00", 0, false},
		{"no gap: back to back before", "09:00", "10:00", 0, false},
		{"no gap: one minute overlap", "10:59", "11:59", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start, end := at(tc.start), at(tc.end)
			if got := Conflicts(start, end, taken, tc.gap); got != tc.conflict {
				t.Errorf("Conflicts(%s-%s, 10:00-11:00, gap %v) = %v; want %v", tc.start, tc.end, tc.gap, got, tc.conflict)
			}
			// The rule is symmetric: swap the two bookings.
			if got := Conflicts(taken.Start, taken.End, Interval{Room: "a", Start: start, End: end}, tc.gap); got != tc.conflict {
				t.Errorf("swapped: Conflicts = %v; want %v", got, tc.conflict)
			}
			if got := RoomFree("a", start, end, []Interval{taken}, nil, tc.gap); got == tc.conflict {
				t.Errorf("RoomFree(a) = %v; want %v", got, !tc.conflict)
			}
			if !RoomFree("b", start, end, []Interval{taken}, nil, tc.gap) {
				t.Error("RoomFree(b) = false; a booking of room a must not block room b")
			}
		})
	}
}

func TestRoomFreeBlackouts(t *testing.T) {
	at := func(clock string) time.Time {
		t.Helper()
		return MustInstant(t, "2026-12-01T"+clock+":00Z")
	}
	gap := 30 * time.Minute
	tests := []struct {
		name       string
		blackout   Interval
		room       string
		start, end string
		free       bool
	}{
		{"room blackout: touching before", Interval{"a", at("14:00"), at("15:00")}, "a", "13:00", "14:00", true},
		{"room blackout: touching after (no gap after a blackout)", Interval{"a", at("14:00"), at("15:00")}, "a", "15:00", "16:00", true},
		{"room blackout: overlaps start", Interval{"a", at("14:00"), at("15:00")}, "a", "13:30", "14:30", false},
		{"room blackout: overlaps end", Interval{"a", at("14:00"), at("15:00")}, "a", "14:30", "15:30", false},
		{"room blackout: inside", Interval{"a", at("14:00"), at("15:00")}, "a", "14:15", "14:45", false},
		{"room blackout: surrounds", Interval{"a", at("14:00"), at("15:00")}, "a", "13:00", "16:00", false},
		{"room blackout: other room", Interval{"a", at("14:00"), at("15:00")}, "b", "14:00", "15:00", true},
		{"all-rooms blackout: room a", Interval{"", at("14:00"), at("15:00")}, "a", "14:00", "15:00", false},
		{"all-rooms blackout: room b", Interval{"", at("14:00"), at("15:00")}, "b", "14:30", "15:30", false},
		{"all-rooms blackout: touching", Interval{"", at("14:00"), at("15:00")}, "b", "15:00", "16:00", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := RoomFree(tc.room, at(tc.start), at(tc.end), nil, []Interval{tc.blackout}, gap)
			if got != tc.free {
				t.Errorf("RoomFree(%q, %s-%s) = %v; want %v", tc.room, tc.start, tc.end, got, tc.free)
			}
		})
	}
}

// slotClocks lists a day's slots as "HH:MM/rooms_free" in loc.
func slotClocks(day DaySlots, loc *time.Location) []string {
	out := []string{}
	for _, s := range day.Slots {
		out = append(out, s.Start.In(loc).Format("15:04")+"/"+strconv.Itoa(s.RoomsFree))
	}
	return out
}

func TestAvailabilityCleaningGap(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	r := Rules{Location: london, Week: everyDay(t, "09:00-16:00"), SlotStep: 30 * time.Minute, Gap: 30 * time.Minute, MaxAdvance: 3660}
	d := MustDate(t, "2026-12-01")
	now := MustInstant(t, "2026-11-01T00:00:00Z")
	iv := func(room, from, to string) Interval {
		return Interval{Room: room, Start: MustInstant(t, from), End: MustInstant(t, to)}
	}
	tests := []struct {
		name      string
		gap       time.Duration
		bookings  []Interval
		blackouts []Interval
		want      []string
	}{
		{
			name:     "booking 12:00-13:00, gap 30",
			gap:      30 * time.Minute,
			bookings: []Interval{iv("main", "2026-12-01T12:00:00Z", "2026-12-01T13:00:00Z")},
			want:     []string{"09:00/1", "09:30/1", "10:00/1", "10:30/1", "13:30/1", "14:00/1", "14:30/1", "15:00/1"},
		},
		{
			name:     "booking 12:00-13:00, no gap",
			gap:      0,
			bookings: []Interval{iv("main", "2026-12-01T12:00:00Z", "2026-12-01T13:00:00Z")},
			want:     []string{"09:00/1", "09:30/1", "10:00/1", "10:30/1", "11:00/1", "13:00/1", "13:30/1", "14:00/1", "14:30/1", "15:00/1"},
		},
		{
			name:     "booking from the previous evening",
			gap:      30 * time.Minute,
			bookings: []Interval{iv("main", "2026-11-30T20:00:00Z", "2026-12-01T10:00:00Z")},
			want:     []string{"10:30/1", "11:00/1", "11:30/1", "12:00/1", "12:30/1", "13:00/1", "13:30/1", "14:00/1", "14:30/1", "15:00/1"},
		},
		{
			name:     "another room's booking is ignored",
			gap:      30 * time.Minute,
			bookings: []Interval{iv("other", "2026-12-01T09:00:00Z", "2026-12-01T16:00:00Z")},
			want:     []string{"09:00/1", "09:30/1", "10:00/1", "10:30/1", "11:00/1", "11:30/1", "12:00/1", "12:30/1", "13:00/1", "13:30/1", "14:00/1", "14:30/1", "15:00/1"},
		},
		{
			name:      "blackout 12:00-13:00 has no gap",
			gap:       30 * time.Minute,
			blackouts: []Interval{iv("", "2026-12-01T12:00:00Z", "2026-12-01T13:00:00Z")},
			want:      []string{"09:00/1", "09:30/1", "10:00/1", "10:30/1", "11:00/1", "13:00/1", "13:30/1", "14:00/1", "14:30/1", "15:00/1"},
		},
		{
			name:      "blackout of another room is ignored",
			gap:       30 * time.Minute,
			blackouts: []Interval{iv("other", "2026-12-01T09:00:00Z", "2026-12-01T16:00:00Z")},
			want:      []string{"09:00/1", "09:30/1", "10:00/1", "10:30/1", "11:00/1", "11:30/1", "12:00/1", "12:30/1", "13:00/1", "13:30/1", "14:00/1", "14:30/1", "15:00/1"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rr := r
			rr.Gap = tc.gap
			days := rr.Availability(d, d, time.Hour, []string{"main"}, tc.bookings, tc.blackouts, now)
			if len(days) != 1 {
				t.Fatalf("%d days; want 1", len(days))
			}
			if got := slotClocks(days[0], london); !slices.Equal(got, tc.want) {
				t.Errorf("slots\n  %q\nwant\n  %q", got, tc.want)
			}
		})
	}
}

// TestAvailabilityBookingOrder checks that the listing does not depend on the
// order in which bookings are given: Availability's contract says only "the
// rooms' active bookings", not that they must be sorted by start.
func TestAvailabilityBookingOrder(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	r := Rules{Location: london, Week: everyDay(t, "09:00-18:00"), SlotStep: 30 * time.Minute, Gap: 30 * time.Minute, MaxAdvance: 3660}
	d := MustDate(t, "2026-12-01")
	now := MustInstant(t, "2026-11-01T00:00:00Z")
	iv := func(from, to string) Interval {
		return Interval{Room: "main", Start: MustInstant(t, "2026-12-01T"+from+":00Z"), End: MustInstant(t, "2026-12-01T"+to+":00Z")}
	}
	sorted := []Interval{iv("09:00", "10:00"), iv("12:00", "13:00"), iv("15:00", "16:00"), iv("17:30", "18:00")}
	want := []string{"10:30/1", "13:30/1"}
	if got := slotClocks(r.Availability(d, d, time.Hour, []string{"main"}, sorted, nil, now)[0], london); !slices.Equal(got, want) {
		t.Fatalf("sorted bookings: slots %q; want %q", got, want)
	}
	orders := permutations(len(sorted))
	wrong := 0
	for _, order := range orders {
		given := make([]Interval, len(order))
		for i, k := range order {
			given[i] = sorted[k]
		}
		got := slotClocks(r.Availability(d, d, time.Hour, []string{"main"}, given, nil, now)[0], london)
		if !slices.Equal(got, want) {
			if wrong == 0 {
				t.Errorf("bookings in order %v: slots %q; want %q (a booking was overlooked, so a taken slot is offered)", order, got, want)
			}
			wrong++
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d orderings of the same bookings give a wrong listing", wrong, len(orders))
	}
}

// permutations returns every ordering of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

func TestAvailabilityMultipleRooms(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	r := Rules{Location: london, Week: everyDay(t, "09:00-13:00"), SlotStep: time.Hour, Gap: 30 * time.Minute, MaxAdvance: 3660}
	d := MustDate(t, "2026-12-01")
	now := MustInstant(t, "2026-11-01T00:00:00Z")
	iv := func(room, from, to string) Interval {
		return Interval{Room: room, Start: MustInstant(t, "2026-12-01T"+from+":00Z"), End: MustInstant(t, "2026-12-01T"+to+":00Z")}
	}
	bookings := []Interval{iv("a", "09:00", "10:00"), iv("b", "11:00", "12:00")}
	tests := []struct {
		name      string
		rooms     []string
		blackouts []Interval
		want      []string
	}{
		// 09:00 a taken, b free; 10:00 a in gap, b would end inside b's gap
		// before 11:00; 11:00 a free, b taken; 12:00 a free, b in gap.
		{"two rooms", []string{"a", "b"}, nil, []string{"09:00/1", "11:00/1", "12:00/1"}},
		{"three rooms", []string{"a", "b", "c"}, nil, []string{"09:00/2", "10:00/1", "11:00/2", "12:00/2"}},
		{"only room a", []string{"a"}, nil, []string{"11:00/1", "12:00/1"}},
		{"all-rooms blackout at noon", []string{"a", "b"}, []Interval{iv("", "12:00", "13:00")}, []string{"09:00/1", "11:00/1"}},
		{"blackout of the only free room", []string{"a", "b"}, []Interval{iv("a", "11:30", "12:00")}, []string{"09:00/1", "12:00/1"}},
		{"blackout touching a slot", []string{"a", "b"}, []Interval{iv("b", "08:00", "09:00")}, []string{"09:00/1", "11:00/1", "12:00/1"}},
		{"no rooms", nil, nil, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			days := r.Availability(d, d, time.Hour, tc.rooms, bookings, tc.blackouts, now)
			if len(days) != 1 {
				t.Fatalf("%d days; want 1", len(days))
			}
			if got := slotClocks(days[0], london); !slices.Equal(got, tc.want) {
				t.Errorf("slots %q; want %q", got, tc.want)
			}
		})
	}
}

func TestWithinWindow(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	r := Rules{Location: london, MinNotice: 2 * time.Hour, MaxAdvance: 90}
	midday := MustInstant(t, "2026-06-01T10:00:00Z")      // 11:00 BST on 1 June
	lateEvening := MustInstant(t, "2026-06-01T23:30:00Z") // already 00:30 BST on 2 June
	tests := []struct {
		name  string
		now   time.Time
		start time.Time
		want  bool
	}{
		{"exactly min notice ahead", midday, midday.Add(2 * time.Hour), true},
		{"one second short of min notice", midday, midday.Add(2*time.Hour - time.Second), false},
		{"now", midday, midday, false},
		{"in the past", midday, midday.Add(-time.Hour), false},
		{"last local date, morning", midday, MustInstant(t, "2026-08-30T09:00:00+01:00"), true},
		{"last local date, last minute", midday, MustInstant(t, "2026-08-30T23:59:00+01:00"), true},
		{"local midnight after the last date (still 30 Aug in UTC)", midday, MustInstant(t, "2026-08-31T00:00:00+01:00"), false},
		{"one day too far", midday, MustInstant(t, "2026-08-31T09:00:00+01:00"), false},
		{"late evening UTC: today is already 2 June locally", lateEvening, MustInstant(t, "2026-08-31T09:00:00+01:00"), true},
		{"late evening UTC: one day too far", lateEvening, MustInstant(t, "2026-09-01T09:00:00+01:00"), false},
		{"late evening UTC: min notice", lateEvening, lateEvening.Add(2 * time.Hour), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.WithinWindow(tc.start, tc.now); got != tc.want {
				t.Errorf("WithinWindow(%s, now %s) = %v; want %v", FormatInstant(tc.start, london), FormatInstant(tc.now, london), got, tc.want)
			}
		})
	}
}

func TestAvailabilityNoticeAndAdvance(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	r := Rules{Location: london, Week: everyDay(t, "09:00-21:00"), SlotStep: 30 * time.Minute, MinNotice: 2 * time.Hour, MaxAdvance: 2}
	d := MustDate(t, "2026-12-01")
	first := func(now time.Time) string {
		t.Helper()
		days := r.Availability(d, d, time.Hour, []string{"main"}, nil, nil, now)
		if len(days) != 1 || len(days[0].Slots) == 0 {
			return ""
		}
		return FormatInstant(days[0].Slots[0].Start, london)
	}
	tests := []struct {
		name string
		now  string
		want string
	}{
		{"now exactly notice before 12:00", "2026-12-01T10:00:00Z", "2026-12-01T12:00:00+00:00"},
		{"one second later", "2026-12-01T10:00:01Z", "2026-12-01T12:30:00+00:00"},
		{"half a second later", "2026-12-01T10:00:00.5Z", "2026-12-01T12:30:00+00:00"},
		{"one nanosecond later", "2026-12-01T10:00:00.000000001Z", "2026-12-01T12:30:00+00:00"},
		{"early morning", "2026-12-01T05:00:00Z", "2026-12-01T09:00:00+00:00"},
		{"too late for the day", "2026-12-01T19:00:01Z", ""},
		{"two days ahead is the limit", "2026-11-29T00:00:00Z", "2026-12-01T09:00:00+00:00"},
		{"three days ahead is too far", "2026-11-28T23:59:59Z", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := first(MustInstant(t, tc.now)); got != tc.want {
				t.Errorf("first slot with now %s = %q; want %q", tc.now, got, tc.want)
			}
		})
	}
}

// TestFarFromUTC uses Kiritimati (UTC+14), where local dates run most of a day
// ahead of UTC, and Auckland (UTC+13 in its summer).
func TestFarFromUTC(t *testing.T) {
	kiri := MustLoadLocation(t, "Pacific/Kiritimati")
	var week [7][]DayRange
	week[time.Tuesday] = MustHours(t, "09:00-17:00") // open on local Tuesdays only
	r := Rules{Location: kiri, Week: week, SlotStep: time.Hour, MaxAdvance: 1}
	now := MustInstant(t, "2026-06-01T10:30:00Z") // Monday in UTC, Tuesday 2 June 00:30 in Kiritimati

	days := r.Availability(MustDate(t, "2026-06-01"), MustDate(t, "2026-06-09"), time.Hour, []string{"main"}, nil, nil, now)
	counts := map[string]int{}
	for _, day := range days {
		counts[day.Date.String()] = len(day.Slots)
		for _, s := range day.Slots {
			if DateOf(s.Start, kiri) != day.Date {
				t.Errorf("%s: slot %s is on another local date", day.Date, FormatInstant(s.Start, kiri))
			}
		}
	}
	// 2 June is local today and a Tuesday; 9 June is a Tuesday past max_advance.
	want := map[string]int{"2026-06-01": 0, "2026-06-02": 8, "2026-06-03": 0, "2026-06-04": 0, "2026-06-05": 0, "2026-06-06": 0, "2026-06-07": 0, "2026-06-08": 0, "2026-06-09": 0}
	for date, n := range want {
		if counts[date] != n {
			t.Errorf("%s: %d slots; want %d", date, counts[date], n)
		}
	}
	if got := FormatInstant(days[1].Slots[0].Start, kiri); got != "2026-06-02T09:00:00+14:00" {
		t.Errorf("first slot %s; want 2026-06-02T09:00:00+14:00", got)
	}
	if got := days[1].Slots[0].Start.UTC().Format(time.RFC3339); got != "2026-06-01T19:00:00Z" {
		t.Errorf("first slot in UTC %s; want 2026-06-01T19:00:00Z", got)
	}
	if got := DateOf(now, kiri).String(); got != "2026-06-02" {
		t.Errorf("DateOf(now) = %s; want 2026-06-02", got)
	}

	// max_advance counts local dates: from 00:30 on 2 June, 3 June is allowed and 4 June not.
	r.Week = everyDay(t, "09:00-17:00")
	tests := []struct {
		start string
		want  bool
	}{
		{"2026-06-03T16:00:00+14:00", true},
		{"2026-06-04T09:00:00+14:00", false}, // still 3 June in UTC
	}
	for _, tc := range tests {
		if got := r.WithinWindow(MustInstant(t, tc.start), now); got != tc.want {
			t.Errorf("Kiritimati WithinWindow(%s) = %v; want %v", tc.start, got, tc.want)
		}
	}

	auckland := MustLoadLocation(t, "Pacific/Auckland")
	ra := Rules{Location: auckland, Week: everyDay(t, "09:00-11:00"), SlotStep: time.Hour, MaxAdvance: 3660}
	got := formatAll(ra.DayStarts(MustDate(t, "2026-12-01"), time.Hour), auckland)
	if want := []string{"2026-12-01T09:00:00+13:00", "2026-12-01T10:00:00+13:00"}; !slices.Equal(got, want) {
		t.Errorf("Auckland starts %q; want %q", got, want)
	}
}

func TestFormatInstant(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	tests := []struct {
		name string
		in   string
		loc  *time.Location
		want string
	}{
		{"winter London", "2026-12-01T09:00:00Z", london, "2026-12-01T09:00:00+00:00"},
		{"summer London", "2026-06-01T08:00:00Z", london, "2026-06-01T09:00:00+01:00"},
		{"last second of GMT before spring forward", "2026-03-29T00:59:59Z", london, "2026-03-29T00:59:59+00:00"},
		{"first second of BST", "2026-03-29T01:00:00Z", london, "2026-03-29T02:00:00+01:00"},
		{"last second of BST", "2026-10-25T00:59:59Z", london, "2026-10-25T01:59:59+01:00"},
		{"first second of GMT after fall back", "2026-10-25T01:00:00Z", london, "2026-10-25T01:00:00+00:00"},
		{"UTC is never Z", "2026-12-01T09:00:00Z", time.UTC, "2026-12-01T09:00:00+00:00"},
		{"Kiritimati", "2026-06-01T10:00:00Z", MustLoadLocation(t, "Pacific/Kiritimati"), "2026-06-02T00:00:00+14:00"},
		{"input offset ignored", "2026-12-01T10:00:00+01:00", london, "2026-12-01T09:00:00+00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatInstant(MustInstant(t, tc.in), tc.loc); got != tc.want {
				t.Errorf("FormatInstant(%s) = %s; want %s", tc.in, got, tc.want)
			}
		})
	}
}

// TestDayStartsWhenMidnightIsSkipped covers zones whose clocks jump from
// 00:00 to 01:00 (Cuba, Chile): local midnight does not exist on that date, so
// the date begins at 01:00. A venue open from 00:00 must not be offered a start
// that lies on the previous local date, which OnGrid (and so CreateBooking)
// would then refuse.
func TestDayStartsWhenMidnightIsSkipped(t *testing.T) {
	tests := []struct {
		zone, date string
		want       []string
	}{
		{"America/Havana", "2026-03-08", []string{"2026-03-08T01:00:00-04:00", "2026-03-08T02:00:00-04:00"}},
		{"America/Santiago", "2026-09-06", []string{"2026-09-06T01:00:00-03:00", "2026-09-06T02:00:00-03:00"}},
	}
	for _, tc := range tests {
		t.Run(tc.zone, func(t *testing.T) {
			loc := MustLoadLocation(t, tc.zone)
			var week [7][]DayRange
			week[time.Sunday] = MustHours(t, "00:00-03:00") // open Sundays only
			r := Rules{Location: loc, Week: week, SlotStep: time.Hour, MaxAdvance: 3660}
			d := MustDate(t, tc.date)
			starts := r.DayStarts(d, time.Hour)
			if got := formatAll(starts, loc); !slices.Equal(got, tc.want) {
				t.Errorf("DayStarts(%s) = %q; want %q", d, got, tc.want)
			}
			days := r.Availability(d, d, time.Hour, []string{"main"}, nil, nil, MustInstant(t, "2026-01-01T00:00:00Z"))
			for _, s := range days[0].Slots {
				if DateOf(s.Start, loc) != d {
					t.Errorf("slot %s is listed under %s", FormatInstant(s.Start, loc), d)
				}
				if !r.OnGrid(s.Start, time.Hour) {
					t.Errorf("listed slot %s is refused by OnGrid", FormatInstant(s.Start, loc))
				}
			}
		})
	}
}

// TestDayStartsInvariantsAcrossZones sweeps every date of 2026 in zones with
// unusual clock changes and checks what the listing promises: every start
// offered for a date lies on that local date, is one step after the previous
// one, fits before closing, and is accepted by OnGrid, so that what
// Availability lists CreateBooking accepts.
func TestDayStartsInvariantsAcrossZones(t *testing.T) {
	zones := []string{
		"Europe/London", "Pacific/Auckland", "Pacific/Kiritimati", "Pacific/Chatham", "Australia/Lord_Howe",
		"Asia/Beirut", "America/Havana", "America/Santiago", "America/New_York", "Asia/Tehran",
	}
	hours := []string{"00:00-24:00", "00:00-03:00,22:00-24:00", "01:00-02:30"}
	for _, zone := range zones {
		t.Run(zone, func(t *testing.T) {
			loc := MustLoadLocation(t, zone)
			failures := 0
			for _, h := range hours {
				r := Rules{Location: loc, Week: everyDay(t, h), SlotStep: time.Hour, MaxAdvance: 3660}
				for d := MustDate(t, "2026-01-01"); d.Year == 2026; d = d.AddDays(1) {
					starts := r.DayStarts(d, 30*time.Minute)
					if len(starts) == 0 {
						failures++
						if failures <= 3 {
							t.Errorf("hours %q: no starts on %s", h, d)
						}
					}
					for i, s := range starts {
						var problem string
						switch {
						case DateOf(s, loc) != d:
							problem = "is not on that local date"
						case i > 0 && s.Sub(starts[i-1]) != r.SlotStep && !startsRange(r, d, s):
							problem = "is not one step after the previous start"
						case !r.OnGrid(s, 30*time.Minute):
							problem = "is refused by OnGrid"
						}
						if problem != "" {
							failures++
							if failures <= 3 {
								t.Errorf("hours %q: start %s offered for %s %s", h, FormatInstant(s, loc), d, problem)
							}
						}
					}
				}
			}
			if failures > 3 {
				t.Errorf("... %d problems in all", failures)
			}
		})
	}
}

// startsRange reports whether s is the opening instant of one of d's ranges.
func startsRange(r Rules, d Date, s time.Time) bool {
	for _, rg := range r.Week[d.Weekday()] {
		if d.At(rg.Start, r.Location).Equal(s) {
			return true
		}
	}
	return false
}

// TestAvailabilityMatchesRules compares Availability (its slots and each
// day's state) and NextFree with the rules they must apply, spelled out one by
// one with DayStarts, WithinWindow and RoomFree, on many generated venues,
// closures, bookings, blackouts and clocks (fixed seed).
func TestAvailabilityMatchesRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261201, 1))
	zones := []*time.Location{
		MustLoadLocation(t, "Europe/London"), MustLoadLocation(t, "Pacific/Auckland"),
		MustLoadLocation(t, "Pacific/Kiritimati"), MustLoadLocation(t, "America/New_York"),
	}
	hours := []string{"09:00-21:00", "00:00-24:00", "09:00-12:00,13:00-21:00", "00:00-04:00", "06:30-07:45,22:00-24:00"}
	// Days around both London clock changes and an ordinary week.
	firstDays := []string{"2026-03-27", "2026-10-23", "2026-12-01", "2026-04-03", "2026-09-25"}
	roomNames := []string{"a", "b", "c"}
	pick := func(n int) int { return rng.IntN(n) }
	minutes := func(n int) time.Duration { return time.Duration(n) * time.Minute }

	for scenario := range 300 {
		loc := zones[pick(len(zones))]
		r := Rules{
			Location:   loc,
			Week:       everyDay(t, hours[pick(len(hours))]),
			SlotStep:   minutes(5 * (1 + pick(12))),
			Gap:        minutes(5 * pick(13)),
			MinNotice:  minutes(15 * pick(12)),
			MaxAdvance: 1 + pick(4),
		}
		if pick(3) == 0 {
			r.Week[pick(7)] = nil
		}
		from := MustDate(t, firstDays[pick(len(firstDays))])
		if pick(3) == 0 {
			first := from.AddDays(pick(4))
			r.Closures = []Closure{{From: first, To: first.AddDays(pick(2)), Reason: []string{"", "Holiday"}[pick(2)]}}
		}
		to := from.AddDays(pick(4))
		dur := minutes(5 * (1 + pick(36)))
		rooms := roomNames[:1+pick(len(roomNames))]
		base := from.At(0, loc)
		span := int(to.AddDays(1).At(0, loc).Sub(base)/time.Minute) + 24*60
		at := func() time.Time { return base.Add(minutes(pick(span/5)*5 - 12*60)) }

		var bookings, blackouts []Interval
		for range pick(12) {
			start := at()
			bookings = append(bookings, Interval{Room: roomNames[pick(len(roomNames))], Start: start, End: start.Add(minutes(5 * (1 + pick(24*12))))})
		}
		for range pick(3) {
			start := at()
			room := ""
			if pick(2) == 0 {
				room = roomNames[pick(len(roomNames))]
			}
			blackouts = append(blackouts, Interval{Room: room, Start: start, End: start.Add(minutes(5 * (1 + pick(48))))})
		}
		now := base.Add(minutes(pick(3*24*60)-24*60) + time.Duration(pick(4))*time.Second)

		got := r.Availability(from, to, dur, rooms, bookings, blackouts, now)

		var want []DaySlots
		for d := from; !to.Before(d); d = d.AddDays(1) {
			day := DaySlots{Date: d, Slots: []Slot{}}
			for _, start := range r.DayStarts(d, dur) {
				if !r.WithinWindow(start, now) {
					continue
				}
				free := 0
				for _, room := range rooms {
					if RoomFree(room, start, start.Add(dur), bookings, blackouts, r.Gap) {
						free++
					}
				}
				if free > 0 {
					day.Slots = append(day.Slots, Slot{Start: start, End: start.Add(dur), RoomsFree: free})
				}
			}
			// The state, spelled out: free times; else no start at all
			// (closed, with a closure's reason); else none in the window; else full.
			starts := r.DayStarts(d, dur)
			inWindow := slices.ContainsFunc(starts, func(s time.Time) bool { return r.WithinWindow(s, now) })
			switch {
			case len(day.Slots) > 0:
				day.State = DayAvailable
			case len(starts) == 0:
				day.State = DayClosed
				for _, c := range r.Closures {
					if !d.Before(c.From) && !c.To.Before(d) {
						day.Reason = c.Reason
					}
				}
			case !inWindow:
				day.State = DayUnavailable
			default:
				day.State = DayFull
			}
			want = append(want, day)
		}

		// NextFree gives the first slot of each of the first n dates that have one.
		n := 1 + pick(3)
		var wantNext []Slot
		for _, day := range want {
			if len(day.Slots) > 0 && len(wantNext) < n {
				wantNext = append(wantNext, day.Slots[0])
			}
		}
		gotNext := r.NextFree(from, to, n, dur, rooms, bookings, blackouts, now)
		if !slices.EqualFunc(gotNext, wantNext, func(x, y Slot) bool {
			return x.Start.Equal(y.Start) && x.End.Equal(y.End) && x.RoomsFree == y.RoomsFree
		}) {
			t.Errorf("scenario %d (%s, rules %+v, dur %v, rooms %v, now %s): NextFree(%d)\ngot  %v\nwant %v",
				scenario, loc, r, dur, rooms, FormatInstant(now, loc), n, gotNext, wantNext)
			return
		}

		if !slices.EqualFunc(got, want, func(a, b DaySlots) bool {
			return a.Date == b.Date && a.State == b.State && a.Reason == b.Reason && slices.EqualFunc(a.Slots, b.Slots, func(x, y Slot) bool {
				return x.Start.Equal(y.Start) && x.End.Equal(y.End) && x.RoomsFree == y.RoomsFree
			})
		}) {
			t.Errorf("scenario %d (%s, rules %+v, dur %v, rooms %v, now %s):\nbookings %v\nblackouts %v\ngot  %v\nwant %v",
				scenario, loc, r, dur, rooms, FormatInstant(now, loc), bookings, blackouts, got, want)
			return
		}
	}
}
