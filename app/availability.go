package app

import (
	"math"
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
	return conflicts(start.Unix(), end.Unix(), taken.Start.Unix(), taken.End.Unix(), int64(gap/time.Second))
}

// conflicts is the overlap rule in Unix seconds, shared by every check:
// a.start < b.end + gap && b.start < a.end + gap (schema.sql's trigger agrees).
func conflicts(start, end, takenStart, takenEnd, gap int64) bool {
	return start < takenEnd+gap && takenStart < end+gap
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
	return !blackedOut(room, start.Unix(), end.Unix(), blackouts)
}

func blackedOut(room string, start, end int64, blackouts []Interval) bool {
	for _, b := range blackouts {
		if (b.Room == "" || b.Room == room) && conflicts(start, end, b.Start.Unix(), b.End.Unix(), 0) {
			return true
		}
	}
	return false
}

// ceilUnix returns t in Unix seconds, rounded up.
func ceilUnix(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
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
// rooms' active bookings (sorted by start) and the blackouts.
//
// It is RoomFree and WithinWindow applied to every start of DayStarts, written
// for speed: starts only grow, so each room keeps a cursor into its bookings
// past those that can no longer clash, and times are compared as Unix seconds.
func (r *Rules) Availability(from, to Date, dur time.Duration, rooms []string, bookings, blackouts []Interval, now time.Time) []DaySlots {
	type span struct{ start, end int64 }
	byRoom := make([][]span, len(rooms))
	index := make(map[string]int, len(rooms))
	for i, room := range rooms {
		index[room] = i
	}
	for _, b := range bookings {
		if i, ok := index[b.Room]; ok {
			byRoom[i] = append(byRoom[i], span{b.Start.Unix(), b.End.Unix()})
		}
	}
	for _, list := range byRoom {
		sort.Slice(list, func(a, b int) bool { return list[a].start < list[b].start })
	}
	cursor := make([]int, len(rooms))
	gap := int64(r.Gap / time.Second)
	horizon := gap + int64(MaxBookingLength/time.Second) // a booking starting this long before a start cannot clash
	length := int64(dur / time.Second)
	earliest := ceilUnix(now.Add(r.MinNotice))
	lastDate := DateOf(now, r.Location).AddDays(r.MaxAdvance)
	last := int64(math.MinInt64)

	var days []DaySlots
	for d := from; !to.Before(d); d = d.AddDays(1) {
		day := DaySlots{Date: d, Slots: []Slot{}}
		if lastDate.Before(d) {
			days = append(days, day)
			continue
		}
		for _, startTime := range r.DayStarts(d, dur) {
			start := startTime.Unix()
			if start < earliest {
				continue
			}
			if start < last { // never expected; keeps the cursors right if it happens
				clear(cursor)
			}
			last = start
			end := start + length
			free := 0
			for i, room := range rooms {
				list := byRoom[i]
				for cursor[i] < len(list) && list[cursor[i]].start <= start-horizon {
					cursor[i]++
				}
				ok := true
				for k := cursor[i]; k < len(list) && list[k].start < end+gap; k++ {
					if conflicts(start, end, list[k].start, list[k].end, gap) {
						ok = false
						break
					}
				}
				if ok && !blackedOut(room, start, end, blackouts) {
					free++
				}
			}
			if free > 0 {
				day.Slots = append(day.Slots, Slot{Start: startTime, End: startTime.Add(dur), RoomsFree: free})
			}
		}
		days = append(days, day)
	}
	return days
}
