package app

import (
	"context"
	"errors"
	"fmt"
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
		return Booking{}, &Error{Code: CodeValidationFailed, Message: "start must be a date and time with its offset, such as 2026-12-09T14:00:00Z",
			Fields: map[string]string{"start": err.Error()}}
	}
	if req.ExpectedPriceCents != nil && (*req.ExpectedPriceCents < 0 || *req.ExpectedPriceCents > MaxPriceCents) {
		return Booking{}, &Error{Code: CodeValidationFailed, Message: "expected_price_cents is out of range",
			Fields: map[string]string{"expected_price_cents": fmt.Sprintf("must be between 0 and %d", MaxPriceCents)}}
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
		return Booking{}, s.slotError(start, "was just taken; choose another time")
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
		return store.Change{}, Errorf(CodeChangeClosed, "this experience is no longer offered, so the booking cannot be moved online; please contact the venue")
	}
	dur := time.Duration(pkg.DurationMinutes) * time.Minute
	switch {
	case !s.Rules.OnGrid(start, dur):
		return store.Change{}, s.slotError(start, "is not one of the offered start times; see GET /api/availability")
	case start.Before(now.Add(s.Rules.MinNotice)):
		return store.Change{}, s.slotError(start, fmt.Sprintf("is too soon: bookings need %s notice", humanDuration(s.Rules.MinNotice)))
	case !s.Rules.WithinWindow(start, now):
		return store.Change{}, s.slotError(start, fmt.Sprintf("is too far ahead: bookings open %d days in advance", s.Rules.MaxAdvance))
	}
	if expectedPrice != nil && *expectedPrice != before.PriceCents {
		return store.Change{}, Errorf(CodePriceChanged, "the booking's price is %s, not %s; check it and move again",
			FormatMoney(before.PriceCents, before.Currency), FormatMoney(*expectedPrice, before.Currency))
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
		return Errorf(CodeChangeClosed, "this booking is %s and can no longer be moved", b.Status)
	case s.Config.Venue.ChangeCutoffHours < 0:
		return Errorf(CodeChangeClosed, "this venue does not take changes online; please contact the venue")
	}
	return Errorf(CodeChangeClosed, "bookings can be moved online until %s (%s before the start); please contact the venue",
		FormatInstant(closes, s.Rules.Location), humanDuration(time.Duration(s.Config.Venue.ChangeCutoffHours)*time.Hour))
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
		return Booking{}, &Error{Code: CodeValidationFailed, Message: "this is not an email address we can write to",
			Fields: map[string]string{"email": err.Error()}}
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
		return Booking{}, Errorf(CodeChangeClosed, "the email of this booking was corrected %d times already; please contact the venue", corrected)
	}
	now := s.Now()
	_, after, err := s.Store.ChangeBooking(ctx, id, func(before store.Booking) (store.Change, error) {
		if before.Status != store.StatusConfirmed || !now.Before(before.Start) {
			return store.Change{}, Errorf(CodeChangeClosed, "this booking is %s and its details can no longer be changed online", statusWords(before, now))
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

// statusWords says what state b is in for a customer.
func statusWords(b store.Booking, now time.Time) string {
	if b.Status == store.StatusConfirmed && !now.Before(b.Start) {
		return "under way or over"
	}
	return b.Status
}
