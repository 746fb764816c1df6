package app

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want Date
		ok   bool
	}{
		{"2026-12-01", Date{2026, time.December, 1}, true},
		{"2028-02-29", Date{2028, time.February, 29}, true},
		{"0001-01-01", Date{1, time.January, 1}, true},
		{"9999-12-31", Date{9999, time.December, 31}, true},
		{"2026-02-29", Date{}, false}, // not a leap year
		{"2026-13-01", Date{}, false},
		{"2026-00-10", Date{}, false},
		{"2026-04-31", Date{}, false},
		{"2026-1-01", Date{}, false},
		{"2026-12-1", Date{}, false},
		{"26-12-01", Date{}, false},
		{"2026/12/01", Date{}, false},
		{" 2026-12-01", Date{}, false},
		{"2026-12-01 ", Date{}, false},
		{"2026-12-01T00:00:00Z", Date{}, false},
		{"", Date{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDate(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseDate(%q) = %v, %v; want ok=%v", tc.in, got, err, tc.ok)
			}
			if !tc.ok {
				return
			}
			if got != tc.want {
				t.Errorf("ParseDate(%q) = %+v; want %+v", tc.in, got, tc.want)
			}
			if got.String() != tc.in {
				t.Errorf("String() = %q; want %q", got.String(), tc.in)
			}
		})
	}
}

func TestDateArithmetic(t *testing.T) {
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"same day", "2026-12-01", 0, "2026-12-01"},
		{"next day", "2026-12-01", 1, "2026-12-02"},
		{"month end", "2026-01-31", 1, "2026-02-01"},
		{"year end", "2026-12-31", 1, "2027-01-01"},
		{"leap day", "2028-02-28", 1, "2028-02-29"},
		{"backwards over a month", "2026-03-01", -1, "2026-02-28"},
		{"90 days", "2026-06-01", 90, "2026-08-30"},
		{"across spring forward", "2026-03-28", 2, "2026-03-30"},
		{"across fall back", "2026-10-24", 2, "2026-10-26"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			from := MustDate(t, tc.from)
			got := from.AddDays(tc.n)
			if got.String() != tc.want {
				t.Errorf("%s.AddDays(%d) = %s; want %s", tc.from, tc.n, got, tc.want)
			}
			if days := from.DaysUntil(got); days != tc.n {
				t.Errorf("DaysUntil = %d; want %d", days, tc.n)
			}
			if got.Before(from) != (tc.n < 0) || from.Before(got) != (tc.n > 0) {
				t.Errorf("Before is wrong for %s and %s", from, got)
			}
		})
	}

	weekdays := map[string]time.Weekday{
		"2026-06-01": time.Monday, "2026-12-01": time.Tuesday, "2026-03-29": time.Sunday, "2026-10-25": time.Sunday, "2027-01-01": time.Friday,
	}
	for s, want := range weekdays {
		if got := MustDate(t, s).Weekday(); got != want {
			t.Errorf("%s.Weekday() = %v; want %v", s, got, want)
		}
	}
}

func TestDateOfAndAt(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	kiri := MustLoadLocation(t, "Pacific/Kiritimati")
	honolulu := MustLoadLocation(t, "Pacific/Honolulu")
	instant := MustInstant(t, "2026-06-01T23:30:00Z")
	tests := []struct {
		loc  *time.Location
		want string
	}{
		{time.UTC, "2026-06-01"},
		{london, "2026-06-02"},
		{kiri, "2026-06-02"},
		{honolulu, "2026-06-01"},
	}
	for _, tc := range tests {
		t.Run(tc.loc.String(), func(t *testing.T) {
			if got := DateOf(instant, tc.loc).String(); got != tc.want {
				t.Errorf("DateOf(%v, %v) = %s; want %s", instant, tc.loc, got, tc.want)
			}
		})
	}

	at := []struct {
		name   string
		date   string
		minute int
		want   string
	}{
		{"midnight", "2026-12-01", 0, "2026-12-01T00:00:00+00:00"},
		{"24:00 is the next midnight", "2026-12-01", 1440, "2026-12-02T00:00:00+00:00"},
		{"summer", "2026-06-01", 9 * 60, "2026-06-01T09:00:00+01:00"},
		{"after spring forward", "2026-03-29", 4 * 60, "2026-03-29T04:00:00+01:00"},
		{"after fall back", "2026-10-25", 4 * 60, "2026-10-25T04:00:00+00:00"},
		{"24:00 on fall-back day", "2026-10-25", 1440, "2026-10-26T00:00:00+00:00"},
	}
	for _, tc := range at {
		t.Run("At/"+tc.name, func(t *testing.T) {
			if got := FormatInstant(MustDate(t, tc.date).At(tc.minute, london), london); got != tc.want {
				t.Errorf("%s.At(%d) = %s; want %s", tc.date, tc.minute, got, tc.want)
			}
		})
	}
	d := MustDate(t, "2026-10-25")
	if got := d.At(1440, london).Sub(d.At(0, london)); got != 25*time.Hour {
		t.Errorf("the fall-back day lasts %v; want 25h", got)
	}
	d = MustDate(t, "2026-03-29")
	if got := d.At(1440, london).Sub(d.At(0, london)); got != 23*time.Hour {
		t.Errorf("the spring-forward day lasts %v; want 23h", got)
	}
}

func TestParseInstant(t *testing.T) {
	tests := []struct {
		in   string
		want string // UTC RFC 3339; "" = invalid
	}{
		{"2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z"},
		{"2026-12-01T09:00:00+00:00", "2026-12-01T09:00:00Z"},
		{"2026-06-01T10:00:00+01:00", "2026-06-01T09:00:00Z"},
		{"2026-06-02T00:00:00+14:00", "2026-06-01T10:00:00Z"},
		{"2026-12-01T09:00:00-05:30", "2026-12-01T14:30:00Z"},
		{"2026-12-01T09:00:00.5Z", "2026-12-01T09:00:00.5Z"},
		{"2026-12-01T09:00:00", ""},
		{"2026-12-01 09:00:00Z", ""},
		{"2026-12-01", ""},
		{"2026-12-01T25:00:00Z", ""},
		{"2026-02-30T09:00:00Z", ""},
		// RFC 3339: time-numoffset is time-hour (00-23) ":" time-minute (00-59),
		// and time-secfrac starts with ".".
		{"2026-12-01T09:00:00+24:00", ""},
		{"2026-12-01T09:00:00+23:60", ""},
		{"2026-12-01T09:00:00,5Z", ""},
		{"2026-12-01T09:00:00+99:00", ""},
		{"tomorrow", ""},
		{"", ""},
		{"2026-12-01T09:00:00." + strings.Repeat("0", 30) + "Z", ""}, // over the length cap
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseInstant(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Errorf("ParseInstant(%q) = %v; want an error", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseInstant(%q): %v", tc.in, err)
			}
			if s := got.UTC().Format(time.RFC3339Nano); s != tc.want {
				t.Errorf("ParseInstant(%q) = %s; want %s", tc.in, s, tc.want)
			}
		})
	}
}

func TestParseHours(t *testing.T) {
	tests := []struct {
		in   string
		want []DayRange
		ok   bool
	}{
		{"", nil, true},
		{"   ", nil, true},
		{"09:00-21:00", []DayRange{{540, 1260}}, true},
		{"00:00-24:00", []DayRange{{0, 1440}}, true},
		{"09:00-12:00,13:00-21:00", []DayRange{{540, 720}, {780, 1260}}, true},
		{" 09:00 - 12:00 , 13:00 - 21:00 ", []DayRange{{540, 720}, {780, 1260}}, true},
		{"09:00-12:00,12:00-13:00", []DayRange{{540, 720}, {720, 780}}, true}, // touching is fine
		{"23:59-24:00", []DayRange{{1439, 1440}}, true},
		{"09:00-13:00,12:00-21:00", nil, false}, // overlap
		{"13:00-21:00,09:00-12:00", nil, false}, // out of order
		{"09:00-09:00", nil, false},
		{"21:00-09:00", nil, false},
		{"24:00-24:00", nil, false},
		{"09:00-24:01", nil, false},
		{"09:00-25:00", nil, false},
		{"09:60-10:00", nil, false},
		{"9:00-21:00", nil, false},
		{"09.00-21.00", nil, false},
		{"09:00", nil, false},
		{"09:00-", nil, false},
		{"09:00-21:00,", nil, false},
		{"09:00-12:00;13:00-21:00", nil, false},
		{"closed", nil, false},
		{"-1:00-02:00", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseHours(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseHours(%q) = %v, %v; want ok=%v", tc.in, got, err, tc.ok)
			}
			if tc.ok && !slices.Equal(got, tc.want) {
				t.Errorf("ParseHours(%q) = %v; want %v", tc.in, got, tc.want)
			}
			if !tc.ok && !strings.Contains(err.Error(), "\"") {
				t.Errorf("error %q does not quote the bad range", err)
			}
		})
	}
}
