package app

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date is a venue-local calendar date with no time of day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a strict YYYY-MM-DD date.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 {
		return Date{}, M("errors.value.not_date", "Value", strconv.Quote(s))
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, M("errors.value.not_date", "Value", strconv.Quote(s))
	}
	return DateOf(t, time.UTC), nil
}

// DateOf returns the calendar date of instant t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

func (d Date) civil() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return DateOf(d.civil().AddDate(0, 0, n), time.UTC) }

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.civil().Before(o.civil()) }

// DaysUntil returns the number of calendar days from d to o.
func (d Date) DaysUntil(o Date) int { return int(o.civil().Sub(d.civil()).Hours() / 24) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.civil().Weekday() }

// At returns the instant of local wall time minute (minutes after midnight, up to
// 1440 for the following midnight) on d in loc. A wall time that clocks going
// forward skip is the instant they jump (so "00:00" on a day that starts at
// 01:00 is that 01:00); a wall time that clocks going back repeat is its first
// occurrence.
func (d Date) At(minute int, loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, minute, 0, 0, loc)
	want := time.Date(d.Year, d.Month, d.Day, 0, minute, 0, 0, time.UTC)
	got := wallClock(t)
	switch {
	case got.Before(want): // skipped, and t fell before the jump
		if _, end := t.ZoneBounds(); !end.IsZero() {
			return end
		}
	case got.After(want): // skipped, and t fell after the jump
		if start, _ := t.ZoneBounds(); !start.IsZero() {
			return start
		}
	default: // exists; is there an earlier instant with the same wall clock?
		if start, _ := t.ZoneBounds(); !start.IsZero() {
			_, before := start.Add(-time.Second).Zone()
			_, now := t.Zone()
			if earlier := t.Add(time.Duration(now-before) * time.Second); earlier.Before(start) && wallClock(earlier).Equal(want) {
				return earlier
			}
		}
	}
	return t
}

// wallClock returns t's local date and clock reading as if they were UTC.
func wallClock(t time.Time) time.Time {
	y, m, d := t.Date()
	h, min, sec := t.Clock()
	return time.Date(y, m, d, h, min, sec, t.Nanosecond(), time.UTC)
}

// InstantLayout is how the API writes instants: RFC 3339 with a numeric offset,
// never "Z", so clients see the venue's offset at that instant.
const InstantLayout = "2006-01-02T15:04:05-07:00"

// FormatInstant writes t in loc in the API's instant format.
func FormatInstant(t time.Time, loc *time.Location) string { return t.In(loc).Format(InstantLayout) }

// rfc3339 is the grammar of RFC 3339 §5.6, which time.Parse is laxer than
// (it takes "+24:00" offsets and "," before fractions).
var rfc3339 = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)

// ParseInstant parses an RFC 3339 instant with any offset.
func ParseInstant(s string) (time.Time, error) {
	invalid := M("errors.field.instant")
	if len(s) > 40 || !rfc3339.MatchString(s) {
		return time.Time{}, invalid
	}
	t, err := time.Parse(time.RFC3339, strings.ToUpper(s))
	if err != nil {
		return time.Time{}, invalid
	}
	return t, nil
}

// ParseHours parses a day's opening hours: "" (closed) or comma-separated
// "HH:MM-HH:MM" ranges in ascending order that do not overlap; "24:00" may end a
// range.
func ParseHours(s string) ([]DayRange, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var ranges []DayRange
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return nil, fmt.Errorf("%q is not a range such as \"09:00-21:00\"", part)
		}
		start, err1 := parseClock(strings.TrimSpace(from), false)
		end, err2 := parseClock(strings.TrimSpace(to), true)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%q is not a range such as \"09:00-21:00\" (times HH:MM, 00:00 to 24:00)", part)
		}
		if end <= start {
			return nil, fmt.Errorf("%q ends before it starts", part)
		}
		if n := len(ranges); n > 0 && start < ranges[n-1].End {
			return nil, fmt.Errorf("%q overlaps or comes before the previous range", part)
		}
		ranges = append(ranges, DayRange{start, end})
	}
	return ranges, nil
}

func parseClock(s string, allow24 bool) (int, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, errors.New("bad clock")
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("bad clock")
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && (m != 0 || !allow24)) {
		return 0, errors.New("bad clock")
	}
	return h*60 + m, nil
}
