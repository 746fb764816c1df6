package app

import (
	"sort"
	"time"
)

// MaxBookingLength is the longest a booking can last (schema.sql's CHECK agrees).
const MaxBookingLength = 24 * time.Hour

// Rules are the venue's booking rules in the form the pure availability
// functions need. They hold no database and no clock.
type Rules struct {
	Location   *time.Location
	Week       [7][]DayRange
	Closures   []Closure
	SlotStep   time.Duration
	Gap        time.Duration
	MinNotice  time.Duration
	MaxAdvance int // days
}

// RulesFromConfig derives the booking rules from a validated configuration.
func RulesFromConfig(c *Config) Rules {
	return Rules{
		Location:   c.Location,
		Week:       c.Venue.Week,
		Closures:   c.Closures,
		SlotStep:   time.Duration(c.Venue.SlotStepMinutes) * time.Minute,
		Gap:        time.Duration(c.Venue.CleaningGapMinutes) * time.Minute,
		MinNotice:  time.Duration(c.Venue.MinNoticeMinutes) * time.Minute,
		MaxAdvance: c.Venue.MaxAdvanceDays,
	}
}

// Closed reports whether date falls in one of the closures.
func (r *Rules) Closed(d Date) bool {
	for _, c := range r.Closures {
		if !d.Before(c.From) && !c.To.Before(d) {
			return true
		}
	}
	return false
}

// DayStarts returns the start instants offered on date d for a booking of
// length dur, before any check against bookings, notice or advance: every
// SlotStep of real time from each opening instant, while the booking ends by
// that range's closing instant. On a day when clocks change, the ranges are
// measured in real time, so a range may be an hour shorter or longer.
func (r *Rules) DayStarts(d Date, dur time.Duration) []time.Time {
	if r.Closed(d) {
		return nil
	}
	var starts []time.Time
	for _, rg := range r.Week[d.Weekday()] {
		open, close := d.At(rg.Start, r.Location), d.At(rg.End, r.Location)
		for t := open; !t.Add(dur).After(close); t = t.Add(r.SlotStep) {
			starts = append(starts, t)
		}
	}
	return starts
}

// WithinWindow reports whether start is far enough ahead (min notice) and not
// too far (its local date at most MaxAdvance days after today's).
func (r *Rules) WithinWindow(start, now time.Time) bool {
	if start.Before(now.Add(r.MinNotice)) {
		return false
	}
	return DateOf(now, r.Location).DaysUntil(DateOf(start, r.Location)) <= r.MaxAdvance
}

// OnGrid reports whether start is one of the offered starts of its local date
// for a booking of length dur.
func (r *Rules) OnGrid(start time.Time, dur time.Duration) bool {
	for _, t := range r.DayStarts(DateOf(start, r.Location), dur) {
		if t.Equal(start) {
			return true
		}
	}
	return false
}

// Conflicts reports whether a booking [start, end) in a room clashes with a
// taken interval of that room, the cleaning gap counted on both sides.
func Conflicts(start, end time.Time, taken Interval, gap time.Duration) bool {
	return start.Before(taken.End.Add(gap)) && taken.Start.Before(end.Add(gap))
}

// Interval is a span during which a room is taken; Room "" means every room.
type Interval struct {
	Room       string
	Start, End time.Time
}

// RoomFree reports whether room is free for [start, end): no booking of the room
// within the cleaning gap and no blackout of it (or of every room) overlapping.
// bookings and blackouts may hold other rooms' intervals; they are skipped.
func RoomFree(room string, start, end time.Time, bookings, blackouts []Interval, gap time.Duration) bool {
	for _, b := range bookings {
		if b.Room == room && Conflicts(start, end, b, gap) {
			return false
		}
	}
	for _, b := range blackouts {
		if (b.Room == "" || b.Room == room) && start.Before(b.End) && b.Start.Before(end) {
			return false
		}
	}
	return true
}

// Slot is a start time at which a package can be booked, and how many rooms are free then.
type Slot struct {
	Start, End time.Time
	RoomsFree  int
}

// DaySlots is the bookable starts of one local date.
type DaySlots struct {
	Date  Date
	Slots []Slot
}

// Availability lists, for each local date from..to inclusive, the starts at
// which a booking of length dur can be made now in one of rooms, given the
// rooms' active bookings and the blackouts.
func (r *Rules) Availability(from, to Date, dur time.Duration, rooms []string, bookings, blackouts []Interval, now time.Time) []DaySlots {
	byRoom := make(map[string][]Interval, len(rooms))
	for _, b := range bookings {
		byRoom[b.Room] = append(byRoom[b.Room], b)
	}
	var days []DaySlots
	for d := from; !to.Before(d); d = d.AddDays(1) {
		day := DaySlots{Date: d, Slots: []Slot{}}
		for _, start := range r.DayStarts(d, dur) {
			if !r.WithinWindow(start, now) {
				continue
			}
			end := start.Add(dur)
			free := 0
			for _, room := range rooms {
				// Only bookings starting in (start-gap-longest, end+gap) can clash.
				list := byRoom[room]
				lo := sort.Search(len(list), func(k int) bool { return list[k].Start.After(start.Add(-r.Gap - MaxBookingLength)) })
				hi := sort.Search(len(list), func(k int) bool { return !list[k].Start.Before(end.Add(r.Gap)) })
				if hi < lo {
					hi = lo
				}
				if RoomFree(room, start, end, list[lo:hi], blackouts, r.Gap) {
					free++
				}
			}
			if free > 0 {
				day.Slots = append(day.Slots, Slot{Start: start, End: end, RoomsFree: free})
			}
		}
		days = append(days, day)
	}
	return days
}
