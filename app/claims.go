package app

import (
	"context"
	"slices"
	"sync"
	"time"
)

// slotClaims are the bookings being made right now, room by room: a request
// claims the room it will book before it renders its emails and queues its
// write, and gives the claim back when the write is answered. Another
// request for a time that clashes with a claim (cleaning gap included)
// takes the next free room, or, when every room the mirror shows free is
// claimed, waits for a claim to end and looks again: then the mirror shows
// the winner's booking, and it is refused from memory. So when sixteen race
// for one start, one renders emails and writes; the rest wait one commit
// and are answered without a write. The database still decides: a claim
// only orders the requests, it never books.
type slotClaims struct {
	mu     sync.Mutex
	byRoom map[string][]*slotClaim
}

type slotClaim struct {
	room       string
	start, end int64
	done       chan struct{}
}

// claimRoom returns, claimed, the first of rooms that the mirror shows free
// for [start, end) and no other request has claimed, waiting while every
// such room is claimed; "" when the mirror shows every room taken. The
// caller must call release with the claim when its write is answered.
func (s *Service) claimRoom(ctx context.Context, rooms []string, start, end time.Time) (*slotClaim, error) {
	for {
		wait, c := s.tryClaim(rooms, start, end)
		if wait == nil {
			return c, nil
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// tryClaim is one look of claimRoom: the claim (nil when no room is free),
// or a claim's done channel to wait on.
func (s *Service) tryClaim(rooms []string, start, end time.Time) (<-chan struct{}, *slotClaim) {
	a, b, gap := start.Unix(), end.Unix(), int64(s.Rules.Gap/time.Second)
	c := &s.claims
	c.mu.Lock()
	defer c.mu.Unlock()
	bookings, blackouts := s.Store.Mirror().Spans(rooms, start, end)
	scan := newSpanScan(end.Sub(start), rooms, bookings, toIntervals(blackouts), s.Rules.Gap)
	scan.advance(a)
	var wait <-chan struct{}
	for i, room := range rooms {
		if !scan.roomFree(i, a) {
			continue
		}
		k := slices.IndexFunc(c.byRoom[room], func(o *slotClaim) bool { return conflicts(a, b, o.start, o.end, gap) })
		if k >= 0 {
			if wait == nil {
				wait = c.byRoom[room][k].done
			}
			continue
		}
		claim := &slotClaim{room: room, start: a, end: b, done: make(chan struct{})}
		if c.byRoom == nil {
			c.byRoom = map[string][]*slotClaim{}
		}
		c.byRoom[room] = append(c.byRoom[room], claim)
		return nil, claim
	}
	return wait, nil
}

// release gives claim back and wakes those waiting on it.
func (s *Service) release(claim *slotClaim) {
	c := &s.claims
	c.mu.Lock()
	defer c.mu.Unlock()
	list := c.byRoom[claim.room]
	if k := slices.Index(list, claim); k >= 0 {
		list = slices.Delete(list, k, k+1)
	}
	if len(list) == 0 {
		delete(c.byRoom, claim.room)
	} else {
		c.byRoom[claim.room] = list
	}
	close(claim.done)
}
