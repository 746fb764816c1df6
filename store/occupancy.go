package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// occupancy mirrors, in memory, what availability needs: each room's active
// bookings and the blackouts. It is loaded at Open and changed only after a
// write that changes those rows commits, so it never shows a booking that the
// database does not hold. It serves reads only: a booking transaction always
// re-checks the database itself, so a stale mirror could only show a wrong
// free slot, never double-book. Memory grows by 16 bytes per active booking.
//
// Readers take no lock: the mirror is an immutable snapshot behind an atomic
// pointer, and a change (after a commit, in the committer) builds the next
// snapshot, copying only the room it changes, and swaps it in. A booking
// never waits for an availability read, however many there are.
type occupancy struct {
	mu    sync.Mutex // serialises changes; readers never take it
	state atomic.Pointer[occState]
}

// occState is one snapshot of the mirror; nothing changes it once published.
type occState struct {
	rooms     map[string][]occupiedSpan // sorted by start
	blackouts map[int64]Interval
	// version counts the snapshots: every change makes a higher one.
	version uint64
	// days holds, for each UTC day (Unix seconds / 86400) in chunks of 64,
	// the version of the last change to a booking on it; blackoutVersion is
	// the last change to a blackout, and loaded the version the mirror was
	// (re)loaded at. Together they say which answers a change can alter
	// (Mirror.Stamp). A chunk is copied before it is changed.
	days            map[int64]*dayChunk
	blackoutVersion uint64
	loaded          uint64
}

type dayChunk [64]uint64

const daySeconds = 86400

// touch records that the change making next changed bookings on the days
// [start, end) overlaps (Unix seconds). copied holds the chunks this change
// has already copied.
func (next *occState) touch(start, end int64, copied map[int64]bool) {
	for day := floorDiv(start, daySeconds); day <= floorDiv(max(start, end-1), daySeconds); day++ {
		k := floorDiv(day, 64)
		chunk := next.days[k]
		if !copied[k] {
			fresh := new(dayChunk)
			if chunk != nil {
				*fresh = *chunk
			}
			chunk, next.days[k], copied[k] = fresh, fresh, true
		}
		chunk[day-64*k] = next.version
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// snapshot is the mirror as it is now.
func (o *occupancy) snapshot() *occState {
	if st := o.state.Load(); st != nil {
		return st
	}
	return &occState{}
}

// change publishes the snapshot that edit makes of a copy of the current
// one's maps (a room's list must be copied before it is changed).
func (o *occupancy) change(edit func(next *occState)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	cur := o.snapshot()
	next := &occState{rooms: make(map[string][]occupiedSpan, len(cur.rooms)+1), blackouts: make(map[int64]Interval, len(cur.blackouts)+1),
		days: make(map[int64]*dayChunk, len(cur.days)+1), version: cur.version + 1, blackoutVersion: cur.blackoutVersion, loaded: cur.loaded}
	for k, v := range cur.rooms {
		next.rooms[k] = v
	}
	for k, v := range cur.blackouts {
		next.blackouts[k] = v
	}
	for k, v := range cur.days {
		next.days[k] = v
	}
	edit(next)
	o.state.Store(next)
}

type occupiedSpan struct{ start, end int64 }

// mirrorPast is how far back the mirror holds bookings: availability asks
// only from today's local midnight, so bookings over before that never count
// (two days covers every zone and a booking across midnight); years of past
// bookings stay out of memory and out of start-up.
const mirrorPast = 48 * time.Hour

func (o *occupancy) load(ctx context.Context, s *Store) error {
	rooms := map[string][]occupiedSpan{}
	blackouts := map[int64]Interval{}
	since := s.now().Add(-mirrorPast).Unix()
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT room_id, start_at, end_at FROM bookings
			WHERE status <> 'cancelled' AND start_at > ?1 - (SELECT max_duration_s FROM venue_rules WHERE id = 1) AND end_at > ?1
			ORDER BY room_id, start_at`, since)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var room string
			var sp occupiedSpan
			if err := rows.Scan(&room, &sp.start, &sp.end); err != nil {
				return err
			}
			rooms[room] = append(rooms[room], sp)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		brows, err := tx.QueryContext(ctx, "SELECT id, coalesce(room_id, ''), start_at, end_at FROM blackouts WHERE end_at > ?", since)
		if err != nil {
			return err
		}
		defer brows.Close()
		for brows.Next() {
			var id, start, end int64
			var iv Interval
			if err := brows.Scan(&id, &iv.Room, &start, &end); err != nil {
				return err
			}
			iv.Start, iv.End = time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC()
			blackouts[id] = iv
		}
		return brows.Err()
	})
	if err != nil {
		return fmt.Errorf("load occupancy: %w", err)
	}
	o.mu.Lock()
	version := o.snapshot().version + 1
	o.state.Store(&occState{rooms: rooms, blackouts: blackouts, days: map[int64]*dayChunk{}, version: version, loaded: version})
	o.mu.Unlock()
	return nil
}

func (o *occupancy) addBooking(room string, start, end time.Time) {
	o.change(func(next *occState) {
		old := next.rooms[room]
		sp := occupiedSpan{start.Unix(), end.Unix()}
		i := sort.Search(len(old), func(k int) bool { return old[k].start >= sp.start })
		list := make([]occupiedSpan, 0, len(old)+1)
		list = append(append(append(list, old[:i]...), sp), old[i:]...)
		next.rooms[room] = list
		next.touch(sp.start, sp.end, map[int64]bool{})
	})
}

func (o *occupancy) removeBooking(room string, start, end time.Time) {
	o.change(func(next *occState) {
		old := next.rooms[room]
		sp := occupiedSpan{start.Unix(), end.Unix()}
		for i := sort.Search(len(old), func(k int) bool { return old[k].start >= sp.start }); i < len(old) && old[i].start == sp.start; i++ {
			if old[i] == sp {
				list := make([]occupiedSpan, 0, len(old)-1)
				next.rooms[room] = append(append(list, old[:i]...), old[i+1:]...)
				next.touch(sp.start, sp.end, map[int64]bool{})
				return
			}
		}
	})
}

func (o *occupancy) deleteBlackout(id int64) {
	o.change(func(next *occState) { delete(next.blackouts, id); next.blackoutVersion = next.version })
}

func (o *occupancy) setBlackout(id int64, iv Interval) {
	o.change(func(next *occState) { next.blackouts[id] = iv; next.blackoutVersion = next.version })
}

// Occupancy returns the active bookings of rooms that may matter for starts in
// [from, to) (those starting from two days before from to two days after to,
// enough for the longest booking and gap), each room's sorted by start, and the
// blackouts of those rooms or of every room that overlap [from, to).
func (s *Store) Occupancy(ctx context.Context, rooms []string, from, to time.Time) (bookings, blackouts []Interval, err error) {
	lo, hi := from.Unix()-2*86400, to.Unix()+2*86400
	o := s.occupancy.snapshot()
	for _, room := range rooms {
		list := o.rooms[room]
		for i := sort.Search(len(list), func(k int) bool { return list[k].start >= lo }); i < len(list) && list[i].start < hi; i++ {
			bookings = append(bookings, Interval{Room: room, Start: time.Unix(list[i].start, 0).UTC(), End: time.Unix(list[i].end, 0).UTC()})
		}
	}
	return bookings, o.blackoutsOf(rooms, from, to), nil
}

// blackoutsOf returns the blackouts of rooms or of every room that overlap
// [from, to), sorted by start.
func (o *occState) blackoutsOf(rooms []string, from, to time.Time) []Interval {
	var blackouts []Interval
	wanted := make(map[string]bool, len(rooms)+1)
	wanted[""] = true
	for _, r := range rooms {
		wanted[r] = true
	}
	for _, b := range o.blackouts {
		if wanted[b.Room] && b.End.After(from) && b.Start.Before(to) {
			blackouts = append(blackouts, b)
		}
	}
	sort.Slice(blackouts, func(i, j int) bool { return blackouts[i].Start.Before(blackouts[j].Start) })
	return blackouts
}

// Span is a booking's [Start, End) in Unix seconds.
type Span struct{ Start, End int64 }

// Mirror is one snapshot of the occupancy mirror: an answer computed from it
// and the Stamp it gives stay consistent whatever commits meanwhile.
type Mirror struct{ st *occState }

// Mirror is the occupancy mirror as it is now.
func (s *Store) Mirror() Mirror { return Mirror{s.occupancy.snapshot()} }

// Spans is Occupancy in the form the availability scans read fastest,
// from this snapshot: the same bookings as Unix seconds, one slice per room
// in the order of rooms, each sorted by start (copies the caller may keep),
// and the same blackouts.
func (m Mirror) Spans(rooms []string, from, to time.Time) (bookings [][]Span, blackouts []Interval) {
	lo, hi := from.Unix()-2*daySeconds, to.Unix()+2*daySeconds
	bookings = make([][]Span, len(rooms))
	for r, room := range rooms {
		list := m.st.rooms[room]
		i := sort.Search(len(list), func(k int) bool { return list[k].start >= lo })
		j := sort.Search(len(list), func(k int) bool { return list[k].start >= hi })
		spans := make([]Span, j-i)
		for k, sp := range list[i:j] {
			spans[k] = Span{sp.start, sp.end}
		}
		bookings[r] = spans
	}
	return bookings, m.st.blackoutsOf(rooms, from, to)
}

// Stamp is the version of the last change that can alter what Spans(…,
// from, to) returns, for any rooms: a booking starting or ending within two
// days of [from, to), any blackout, or a reload. Two snapshots with the same
// Stamp for a window give the same Spans for it, so an answer computed from
// those stays good while the Stamp holds — a booking next month leaves this
// week's answers standing.
func (m Mirror) Stamp(from, to time.Time) uint64 {
	stamp := max(m.st.loaded, m.st.blackoutVersion)
	last := floorDiv(to.Unix()+2*daySeconds, daySeconds)
	for day := floorDiv(from.Unix()-2*daySeconds, daySeconds); day <= last; {
		k := floorDiv(day, 64)
		chunk := m.st.days[k]
		end := min(last, 64*k+63)
		if chunk != nil {
			for d := day; d <= end; d++ {
				stamp = max(stamp, chunk[d-64*k])
			}
		}
		day = end + 1
	}
	return stamp
}
