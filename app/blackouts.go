package app

import (
	"context"
	"errors"
	"strings"
	"time"
	"venuebook/store"
)

// BlackoutRequest is a blackout as the owner enters it.
type BlackoutRequest struct {
	Start  string `json:"start"`
	End    string `json:"end"`
	Room   string `json:"room"`
	Reason string `json:"reason"`
}

// AddBlackout closes a room (room "" = every room) from start to end, given as
// RFC 3339 instants or as local dates (a date as start means its midnight; as
// end, the midnight after it, so "2026-12-24" to "2026-12-24" is that day).
func (s *Service) AddBlackout(ctx context.Context, req BlackoutRequest, actor string) (store.Blackout, error) {
	f := fieldErrors{}
	start, err := s.parseInstantOrDate(req.Start, false)
	if err != nil {
		f.addErr("start", err)
	}
	end, err := s.parseInstantOrDate(req.End, true)
	if err != nil {
		f.addErr("end", err)
	}
	if !start.IsZero() && !end.IsZero() && !end.After(start) {
		f.add("end", M("errors.field.after_start"))
	}
	room := strings.TrimSpace(req.Room)
	if room != "" {
		known := false
		for _, r := range s.Config.Rooms {
			known = known || r.ID == room
		}
		if !known {
			f.add("room", M("errors.field.not_room"))
		}
	}
	reason, problem := cleanText(req.Reason, 0, 200, false)
	if problem.ID != "" {
		f.add("reason", problem)
	}
	if err := f.err(); err != nil {
		return store.Blackout{}, err
	}
	id, err := s.Store.AddBlackout(ctx, room, start, end, reason, actor, s.Now())
	if err != nil {
		return store.Blackout{}, err
	}
	return store.Blackout{ID: id, Room: room, Start: start, End: end, Reason: reason}, nil
}

func (s *Service) parseInstantOrDate(v string, isEnd bool) (time.Time, error) {
	if d, err := ParseDate(v); err == nil {
		if isEnd {
			d = d.AddDays(1)
		}
		return d.At(0, s.Rules.Location), nil
	}
	t, err := ParseInstant(v)
	if err != nil {
		return time.Time{}, M("errors.field.date_or_instant")
	}
	return t, nil
}

// ListBlackouts returns the blackouts not yet over.
func (s *Service) ListBlackouts(ctx context.Context) ([]store.Blackout, error) {
	return s.Store.ListBlackouts(ctx, s.Now())
}

// DeleteBlackout removes a blackout.
func (s *Service) DeleteBlackout(ctx context.Context, id int64, actor string) error {
	if err := s.Store.DeleteBlackout(ctx, id, actor, s.Now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return NewError(CodeNotFound, "errors.owner.no_blackout")
		}
		return err
	}
	return nil
}
