package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"venuebook/store"
)

// RescheduleRequest is the customer's move (POST
// /api/bookings/{id}/reschedule): the new start, and optionally the price
// the customer was shown for it.
type RescheduleRequest struct {
	Start              string `json:"start"`
	ExpectedPriceCents *int64 `json:"expected_price_cents"`
}

// CustomerCanMove reports whether the customer may still move b online, and
// until when moving is open (change_cutoff_hours before its start; never
// when the venue switched moving off with -1).
func (s *Service) CustomerCanMove(b store.Booking) (bool, time.Time) {
	hours := s.Config.Venue.ChangeCutoffHours
	if hours < 0 {
		return false, time.Time{}
	}
	closes := b.Start.Add(-time.Duration(hours) * time.Hour)
	return b.Status == store.StatusConfirmed && !s.Now().After(closes), closes
}

// RescheduleBooking moves the customer's own booking id (token its manage
// token) to a new start: the same booking, reference and link. The new start
// obeys every rule of a new booking (on the grid, in opening hours, after the
// notice, within the window, a free room with its gap), its own current slot
// aside; old and new slot change in one transaction. The booking keeps the
// price it was booked at (an owner's discount, or a price raised since, stay
// as agreed): when the customer says what they expect and it differs,
// price_changed. The customer gets the updated invite (same UID,
// higher SEQUENCE), the owner a copy; a parking permit follows as for the
// owner's move. Errors: not_found, validation_failed, change_closed,
// slot_unavailable, price_changed.
func (s *Service) RescheduleBooking(ctx context.Context, id, token string, req RescheduleRequest) (Booking, error) {
	current, err := s.FindBooking(ctx, id, token)
	if err != nil {
		return Booking{}, err
	}
	start, err := ParseInstant(strings.TrimSpace(req.Start))
	if err != nil {
		return Booking{}, ErrorWith(CodeValidationFailed, M("errors.booking.move_start"), map[string]Msg{"start": MsgOf(err)})
	}
	if req.ExpectedPriceCents != nil && (*req.ExpectedPriceCents < 0 || *req.ExpectedPriceCents > MaxPriceCents) {
		return Booking{}, ErrorWith(CodeValidationFailed, M("errors.booking.expected_price"), map[string]Msg{"expected_price_cents": M("errors.field.price_range", "Max", MaxPriceCents)})
	}
	if start.Equal(current.Start) {
		return current, nil // already there: nothing to change, nothing to send
	}
	now := s.Now()
	_, after, err := s.Store.ChangeBooking(ctx, id, func(before store.Booking) (store.Change, error) {
		// The booking as the transaction reads it: a cancel or a move that
		// just committed counts.
		ch, err := s.planMove(before, start, req.ExpectedPriceCents, now)
		if err != nil {
			return store.Change{}, err
		}
		ch.Actor, ch.Action, ch.Now = "customer", "booking.moved", now
		ch.Details = describeChange(before, ch, s.Rules.Location)
		permitToken, err := s.followPermit(before, &ch, now)
		if err != nil {
			return store.Change{}, err
		}
		ch.Compose = s.changeEmails(true, true, permitToken, now)
		return ch, nil
	})
	if errors.Is(err, store.ErrSlotTaken) {
		return Booking{}, s.slotError(start, "errors.slot.taken")
	}
	if err != nil {
		return Booking{}, err
	}
	s.Log.Info("customer moved a booking", "booking_id", id, "from", FormatInstant(current.Start, s.Rules.Location), "to", FormatInstant(after.Start, s.Rules.Location))
	return s.withLinks(after), nil
}

// planMove checks the customer's move of before to start against the rules
// of a new booking and the change cutoff.
func (s *Service) planMove(before store.Booking, start time.Time, expectedPrice *int64, now time.Time) (store.Change, error) {
	if ok, closes := s.CustomerCanMove(before); !ok {
		return store.Change{}, s.moveClosed(before, closes)
	}
	tier, pkg, ok := s.Config.FindPackage(before.PackageID)
	if !ok {
		return store.Change{}, NewError(CodeChangeClosed, "errors.booking.move_gone")
	}
	dur := time.Duration(pkg.DurationMinutes) * time.Minute
	switch {
	case !s.Rules.OnGrid(start, dur):
		return store.Change{}, s.slotError(start, "errors.slot.off_grid")
	case start.Before(now.Add(s.Rules.MinNotice)):
		return store.Change{}, s.slotError(start, "errors.slot.too_soon", "Notice", durationMsg(s.Rules.MinNotice))
	case !s.Rules.WithinWindow(start, now):
		return store.Change{}, s.slotError(start, "errors.slot.too_far", "Count", s.Rules.MaxAdvance)
	}
	if expectedPrice != nil && *expectedPrice != before.PriceCents {
		return store.Change{}, NewError(CodePriceChanged, "errors.booking.move_price",
			"Price", moneyValue(before.PriceCents, before.Currency), "Expected", moneyValue(*expectedPrice, before.Currency))
	}
	end := start.Add(dur)
	return store.Change{Start: &start, End: &end, Rooms: s.moveRooms(before.RoomID, tier)}, nil
}

// moveRooms are the rooms a moved booking may take: its own first (so it
// stays where it is when it can), then its tier's in preference order.
func (s *Service) moveRooms(own string, tier *Tier) []string {
	rooms := []string{own}
	for _, r := range s.Config.RoomPreference(tier) {
		if r != own {
			rooms = append(rooms, r)
		}
	}
	return rooms
}

// moveClosed says why b cannot be moved online, and what to do instead.
func (s *Service) moveClosed(b store.Booking, closes time.Time) error {
	switch {
	case b.Status != store.StatusConfirmed:
		return NewError(CodeChangeClosed, "errors.booking.move_state", "State", stateWords(b.Status))
	case s.Config.Venue.ChangeCutoffHours < 0:
		return NewError(CodeChangeClosed, "errors.booking.move_off")
	}
	return NewError(CodeChangeClosed, "errors.booking.move_cutoff",
		"Deadline", s.deadlineValue(closes),
		"Cutoff", durationMsg(time.Duration(s.Config.Venue.ChangeCutoffHours)*time.Hour))
}

// MaxEmailCorrections is how often a customer may correct their booking's
// email: each correction sends the confirmation to the new address, so the
// manage link cannot be made to mail any address at will.
const MaxEmailCorrections = 3

// CorrectEmail changes the email of the customer's own booking (a typo in
// the address, say): later emails go to the new address, which gets the
// confirmation with the invite now. Only for a confirmed booking that has not
// started, at most MaxEmailCorrections times. Errors: not_found,
// validation_failed, change_closed.
func (s *Service) CorrectEmail(ctx context.Context, id, token, email string) (Booking, error) {
	current, err := s.FindBooking(ctx, id, token)
	if err != nil {
		return Booking{}, err
	}
	addr, err := ParseEmail(strings.TrimSpace(email))
	if err != nil {
		return Booking{}, ErrorWith(CodeValidationFailed, M("errors.booking.email_invalid"), map[string]Msg{"email": MsgOf(err)})
	}
	if addr == current.CustomerEmail {
		return current, nil
	}
	entries, err := s.Store.ListAudit(ctx, id, 100)
	if err != nil {
		return Booking{}, err
	}
	corrected := 0
	for _, e := range entries {
		if e.Action == "booking.email_corrected" {
			corrected++
		}
	}
	if corrected >= MaxEmailCorrections {
		return Booking{}, NewError(CodeChangeClosed, "errors.booking.email_corrections", "Count", corrected)
	}
	now := s.Now()
	_, after, err := s.Store.ChangeBooking(ctx, id, func(before store.Booking) (store.Change, error) {
		if before.Status != store.StatusConfirmed || !now.Before(before.Start) {
			return store.Change{}, NewError(CodeChangeClosed, "errors.booking.details_state", "State", bookingStateWords(before, now))
		}
		ch := store.Change{Email: &addr, Actor: "customer", Action: "booking.email_corrected", Now: now}
		ch.Details = describeChange(before, ch, s.Rules.Location)
		ch.Compose = func(b store.Booking) ([]store.Message, error) {
			m, err := s.invitation(KindConfirmation, b)
			if err != nil {
				return nil, err
			}
			return []store.Message{m}, nil
		}
		return ch, nil
	})
	if err != nil {
		return Booking{}, err
	}
	s.Log.Info("customer corrected a booking's email", "booking_id", id)
	return s.withLinks(after), nil
}
