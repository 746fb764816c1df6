package app

import (
	"cmp"
	"math"
	"slices"
	"time"

	"venuebook/store"
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
	closed, _ := r.closure(d)
	return closed
}

// closure reports whether date d falls in one of the closures, and the first
// non-empty reason of those that hold it ("Christmas").
func (r *Rules) closure(d Date) (closed bool, reason string) {
	for _, c := range r.Closures {
		if !d.Before(c.From) && !c.To.Before(d) {
			closed = true
			if reason == "" {
				reason = c.Reason
			}
		}
	}
	return closed, reason
}

// DayStarts returns the start instants offered on date d for a booking of
// length dur, before any check against bookings, notice or advance: every
// SlotStep of real time from each opening instant, while the booking ends by
// that range's closing instant. On a day when clocks change, the ranges are
// measured in real time, so a range may be an hour shorter or longer.
func (r *Rules) DayStarts(d Date, dur time.Duration) []time.Time {
	return r.appendDayStarts(nil, d, dur)
}

// appendDayStarts appends DayStarts(d, dur) to starts, so that a loop over
// many days can reuse one buffer.
func (r *Rules) appendDayStarts(starts []time.Time, d Date, dur time.Duration) []time.Time {
	if r.Closed(d) {
		return starts
	}
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

// DayState says why a local date offers the times it does (or none).
type DayState string

// The states of a day, as GET /api/availability writes them.
const (
	// DayAvailable: at least one start can be booked now.
	DayAvailable DayState = "available"
	// DayFull: open, and some starts lie in the booking window, but every
	// one of them is taken (bookings with their cleaning gaps, or the
	// owner's blackouts — whose reasons stay the owner's).
	DayFull DayState = "full"
	// DayClosed: no start at all that day: no opening hours (or none that a
	// booking of this length fits), or a closure; a closure's reason then
	// comes with it. A closed day is closed whether or not it is in the
	// booking window.
	DayClosed DayState = "closed"
	// DayUnavailable: open, but no start of the day is in the booking window
	// now: the day is past, every start left is inside the minimum notice,
	// or the day is beyond max_advance_days.
	DayUnavailable DayState = "unavailable"
)

// DaySlots is the bookable starts of one local date, and why there are no
// more: State, and for a closure its Reason ("" when it has none).
type DaySlots struct {
	Date   Date
	Slots  []Slot
	State  DayState
	Reason string
}

// dayState decides a day's state from how many starts it has (starts), how
// many of those lie in the booking window (inWindow) and how many of those
// are free.
func (r *Rules) dayState(d Date, starts, inWindow, free int) (DayState, string) {
	switch {
	case free > 0:
		return DayAvailable, ""
	case starts == 0:
		_, reason := r.closure(d)
		return DayClosed, reason
	case inWindow == 0:
		return DayUnavailable, ""
	default:
		return DayFull, ""
	}
}

// roomScan counts the free rooms at start instants given in increasing
// order, for speed: each room keeps a cursor into its bookings past those that
// can no longer clash, and times are compared as Unix seconds.
type roomScan struct {
	rooms     []string
	byRoom    [][]store.Span // each room's bookings, sorted by start
	cursor    []int
	blackouts []Interval
	gap       int64 // the cleaning gap
	horizon   int64 // a booking starting this long before a start cannot clash
	length    int64 // of the booking asked for
	last      int64 // the previous start asked about
}

// newRoomScan groups bookings by room (others are dropped) and sorts them.
func newRoomScan(dur time.Duration, rooms []string, bookings, blackouts []Interval, gap time.Duration) *roomScan {
	index := make(map[string]int, len(rooms))
	for i, room := range rooms {
		index[room] = i
	}
	byRoom := make([][]store.Span, len(rooms))
	for _, b := range bookings {
		if i, ok := index[b.Room]; ok {
			byRoom[i] = append(byRoom[i], store.Span{Start: b.Start.Unix(), End: b.End.Unix()})
		}
	}
	for _, list := range byRoom {
		slices.SortFunc(list, func(a, b store.Span) int { return cmp.Compare(a.Start, b.Start) })
	}
	return newSpanScan(dur, rooms, byRoom, blackouts, gap)
}

// newSpanScan scans byRoom: for each of rooms, its bookings sorted by start,
// as the occupancy mirror gives them (store.Mirror.Spans).
func newSpanScan(dur time.Duration, rooms []string, byRoom [][]store.Span, blackouts []Interval, gap time.Duration) *roomScan {
	sc := &roomScan{rooms: rooms, byRoom: byRoom, cursor: make([]int, len(rooms)), blackouts: blackouts,
		gap: int64(gap / time.Second), length: int64(dur / time.Second), last: math.MinInt64}
	sc.horizon = sc.gap + int64(MaxBookingLength/time.Second)
	return sc
}

// free returns how many rooms are free for a booking starting at start (Unix
// seconds): RoomFree for each room.
func (sc *roomScan) free(start int64) int {
	sc.advance(start)
	free := 0
	for i := range sc.rooms {
		if sc.roomFree(i, start) {
			free++
		}
	}
	return free
}

// advance moves each room's cursor past the bookings that cannot clash with
// a booking starting at start.
func (sc *roomScan) advance(start int64) {
	if start < sc.last { // never expected; keeps the cursors right if it happens
		clear(sc.cursor)
	}
	sc.last = start
	for i, list := range sc.byRoom {
		for sc.cursor[i] < len(list) && list[sc.cursor[i]].Start <= start-sc.horizon {
			sc.cursor[i]++
		}
	}
}

// roomFree is RoomFree for room i and a booking starting at start, once the
// cursors are advanced to it.
func (sc *roomScan) roomFree(i int, start int64) bool {
	end := start + sc.length
	list := sc.byRoom[i]
	for k := sc.cursor[i]; k < len(list) && list[k].Start < end+sc.gap; k++ {
		if conflicts(start, end, list[k].Start, list[k].End, sc.gap) {
			return false
		}
	}
	return !blackedOut(sc.rooms[i], start, end, sc.blackouts)
}

// Availability lists, for each local date from..to inclusive, the starts at
// which a booking of length dur can be made now in one of rooms, given the
// rooms' active bookings and the blackouts, and each date's state.
//
// It is RoomFree and WithinWindow applied to every start of DayStarts,
// written for speed (see roomScan).
func (r *Rules) Availability(from, to Date, dur time.Duration, rooms []string, bookings, blackouts []Interval, now time.Time) []DaySlots {
	return r.availability(from, to, dur, newRoomScan(dur, rooms, bookings, blackouts, r.Gap), now)
}

func (r *Rules) availability(from, to Date, dur time.Duration, sc *roomScan, now time.Time) []DaySlots {
	earliest := ceilUnix(now.Add(r.MinNotice))
	lastDate := DateOf(now, r.Location).AddDays(r.MaxAdvance)

	var days []DaySlots
	var starts []time.Time
	for d := from; !to.Before(d); d = d.AddDays(1) {
		day := DaySlots{Date: d, Slots: []Slot{}}
		starts = r.appendDayStarts(starts[:0], d, dur)
		inWindow := 0
		if !lastDate.Before(d) {
			for _, startTime := range starts {
				start := startTime.Unix()
				if start < earliest {
					continue
				}
				inWindow++
				if free := sc.free(start); free > 0 {
					day.Slots = append(day.Slots, Slot{Start: startTime, End: startTime.Add(dur), RoomsFree: free})
				}
			}
		}
		day.State, day.Reason = r.dayState(d, len(starts), inWindow, len(day.Slots))
		days = append(days, day)
	}
	return days
}

// NextFree returns the first free start of each of the first n local dates
// from..to (inclusive, and within the booking window) that have one, in date
// order: what Availability would list first on those dates. It stops at the
// n-th, so a free date soon costs little whatever the range.
func (r *Rules) NextFree(from, to Date, n int, dur time.Duration, rooms []string, bookings, blackouts []Interval, now time.Time) []Slot {
	return r.nextFree(from, to, n, dur, newRoomScan(dur, rooms, bookings, blackouts, r.Gap), now)
}

func (r *Rules) nextFree(from, to Date, n int, dur time.Duration, sc *roomScan, now time.Time) []Slot {
	today := DateOf(now, r.Location)
	if from.Before(today) {
		from = today
	}
	if last := today.AddDays(r.MaxAdvance); last.Before(to) {
		to = last
	}
	earliest := ceilUnix(now.Add(r.MinNotice))
	var found []Slot
	var starts []time.Time
	for d := from; !to.Before(d) && len(found) < n; d = d.AddDays(1) {
		starts = r.appendDayStarts(starts[:0], d, dur)
		for _, startTime := range starts {
			start := startTime.Unix()
			if start < earliest {
				continue
			}
			if free := sc.free(start); free > 0 {
				found = append(found, Slot{Start: startTime, End: startTime.Add(dur), RoomsFree: free})
				break
			}
		}
	}
	return found
}
