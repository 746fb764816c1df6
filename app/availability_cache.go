package app

import (
	"sync"
	"time"

	"venuebook/store"
)

// availCache keeps computed availability, so that a busy calendar — many
// people refreshing the same month — is answered from memory: days by
// package and date, and whole answers of GET /api/availability by package
// and range. An entry is good while nothing it depends on has changed: the
// occupancy mirror's Stamp over the dates it read (a booking, cancellation
// or move within two days of them, any blackout), the earliest bookable
// start (the clock and the minimum notice, to the minute: starts are whole
// minutes) and the last bookable date. Entries are never served past any of
// those, so the answer is always the one the rules give
// (TestAvailabilityCacheIsTheRules), and a booking next month leaves this
// week's entries standing.
type availCache struct {
	mu      sync.Mutex
	days    map[availKey]availEntry
	answers map[answerKey]answerEntry
	// computing holds, per answer, a channel closed when the one request
	// computing it has kept it: the others asking meanwhile wait for it and
	// look again, rather than all computing the same answer at once.
	computing map[answerKey]chan struct{}
}

type availKey struct {
	pkg  string
	date Date
}

type availEntry struct {
	stamp availStamp
	day   DaySlots
}

type answerKey struct {
	pkg      string
	from, to Date
}

type answerEntry struct {
	stamp  availStamp
	readTo Date // the last date the answer read (its next start's)
	answer *AvailabilityAnswer
}

// availCacheMax and answerCacheMax bound the entries; past them the cache
// starts afresh.
const (
	availCacheMax  = 20000
	answerCacheMax = 512
)

// availStamp is what a cached entry must have been computed under.
type availStamp struct {
	version  uint64
	earliest int64
	lastDate Date
}

// availStamp is the stamp of an answer read from m over the dates from..to
// at now.
func (r *Rules) availStamp(m store.Mirror, from, to Date, now time.Time) availStamp {
	earliest := ceilUnix(now.Add(r.MinNotice))
	if rem := earliest % 60; rem != 0 {
		earliest += 60 - rem
	}
	return availStamp{version: m.Stamp(from.At(0, r.Location), to.AddDays(1).At(0, r.Location)),
		earliest: earliest, lastDate: DateOf(now, r.Location).AddDays(r.MaxAdvance)}
}

// get returns the days from..to of pkg when every one is cached under the
// stamp m gives it now.
func (c *availCache) get(r *Rules, m store.Mirror, pkg string, from, to Date, now time.Time) ([]DaySlots, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []DaySlots
	for d := from; !to.Before(d); d = d.AddDays(1) {
		e, ok := c.days[availKey{pkg, d}]
		if !ok || e.stamp != r.availStamp(m, d, d, now) {
			return nil, false
		}
		out = append(out, e.day)
	}
	return out, true
}

// put keeps days of pkg, computed from m at now.
func (c *availCache) put(r *Rules, m store.Mirror, pkg string, days []DaySlots, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.days == nil || len(c.days)+len(days) > availCacheMax {
		c.days = make(map[availKey]availEntry, len(days))
	}
	for _, d := range days {
		c.days[availKey{pkg, d.Date}] = availEntry{stamp: r.availStamp(m, d.Date, d.Date, now), day: d}
	}
}

// answer returns the cached answer for pkg over from..to if it still holds
// in m at now.
func (c *availCache) answer(r *Rules, m store.Mirror, pkg string, from, to Date, now time.Time) (*AvailabilityAnswer, bool) {
	c.mu.Lock()
	e, ok := c.answers[answerKey{pkg, from, to}]
	c.mu.Unlock()
	if !ok || e.stamp != r.availStamp(m, from, e.readTo, now) {
		return nil, false
	}
	return e.answer, true
}

// putAnswer keeps a, computed from m at now, having read from..readTo.
func (c *availCache) putAnswer(r *Rules, m store.Mirror, pkg string, from, to, readTo Date, now time.Time, a *AvailabilityAnswer) {
	e := answerEntry{stamp: r.availStamp(m, from, readTo, now), readTo: readTo, answer: a}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.answers == nil || len(c.answers) >= answerCacheMax {
		c.answers = make(map[answerKey]answerEntry)
	}
	c.answers[answerKey{pkg, from, to}] = e
}

// compute reports whether the caller is to compute the answer for pkg over
// from..to, and if so the function to call once it is kept; otherwise it
// returns the channel to wait on before looking in the cache again.
func (c *availCache) compute(pkg string, from, to Date) (done func(), wait <-chan struct{}) {
	k := answerKey{pkg, from, to}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch, ok := c.computing[k]; ok {
		return nil, ch
	}
	if c.computing == nil {
		c.computing = map[answerKey]chan struct{}{}
	}
	ch := make(chan struct{})
	c.computing[k] = ch
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.computing, k)
		close(ch)
	}, nil
}
