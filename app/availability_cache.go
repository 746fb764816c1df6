package app

import (
	"sync"
	"time"
)

// availCache keeps computed days of availability by package and date, so
// that a busy calendar — many people refreshing the same month — is answered
// from memory. A day is good while nothing it depends on has changed: the
// occupancy mirror's version (any booking, cancellation, move or blackout
// committed since), the earliest bookable start (the clock and the minimum
// notice, to the minute: starts are whole minutes) and the last bookable
// date. Entries are never served past any of those, so the answer is always
// the one the rules give (TestAvailabilityCacheIsTheRules).
type availCache struct {
	mu   sync.Mutex
	days map[availKey]availEntry
}

type availKey struct {
	pkg  string
	date Date
}

type availEntry struct {
	version  uint64
	earliest int64
	lastDate Date
	day      DaySlots
}

// availCacheMax bounds the entries; past it the cache starts afresh.
const availCacheMax = 20000

// availStamp is what a cached day must have been computed under.
type availStamp struct {
	version  uint64
	earliest int64
	lastDate Date
}

func (r *Rules) availStamp(version uint64, now time.Time) availStamp {
	earliest := ceilUnix(now.Add(r.MinNotice))
	if rem := earliest % 60; rem != 0 {
		earliest += 60 - rem
	}
	return availStamp{version: version, earliest: earliest, lastDate: DateOf(now, r.Location).AddDays(r.MaxAdvance)}
}

// get returns the days from..to of pkg when every one is cached under st.
func (c *availCache) get(pkg string, from, to Date, st availStamp) ([]DaySlots, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []DaySlots
	for d := from; !to.Before(d); d = d.AddDays(1) {
		e, ok := c.days[availKey{pkg, d}]
		if !ok || e.version != st.version || e.earliest != st.earliest || e.lastDate != st.lastDate {
			return nil, false
		}
		out = append(out, e.day)
	}
	return out, true
}

// put keeps days of pkg, computed under st.
func (c *availCache) put(pkg string, days []DaySlots, st availStamp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.days == nil || len(c.days)+len(days) > availCacheMax {
		c.days = make(map[availKey]availEntry, len(days))
	}
	for _, d := range days {
		c.days[availKey{pkg, d.Date}] = availEntry{version: st.version, earliest: st.earliest, lastDate: st.lastDate, day: d}
	}
}
