package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"venuebook/store"
)

// DeskBookingRequest is a booking the owner takes by phone or at the door
// (POST /api/admin/bookings): the public request, where the email may be left
// out for a phone, with the room, the owner's price and whether to email the
// customer.
type DeskBookingRequest struct {
	BookingRequest
	Room       *string `json:"room"`
	PriceCents *int64  `json:"price_cents"`
	Notify     *bool   `json:"notify"`
}

// CreateDeskBooking books for the owner: any whole-minute start, outside the
// grid, the notice, the window and the opening hours, but never over another
// active booking (cleaning gap included) or a blackout, which the store (and
// its trigger) refuses. The customer gets the confirmation only with an email
// address and notify; a parking request goes to the approver as usual. The
// booking is audited as the owner's (actor).
func (s *Service) CreateDeskBooking(ctx context.Context, req DeskBookingRequest, actor, idempotencyKey string) (Booking, bool, error) {
	v, err := validateBooking(s.Config, req.BookingRequest, true)
	if err != nil {
		return Booking{}, false, err
	}
	f := fieldErrors{}
	rooms := s.Config.RoomPreference(v.Tier)
	if req.Room != nil {
		room := strings.TrimSpace(*req.Room)
		if !slices.Contains(s.Config.TierRooms(v.Tier), room) {
			f.add("room", M("errors.field.desk_room", "Tier", strconv.Quote(v.Tier.ID), "Rooms", strings.Join(s.Config.TierRooms(v.Tier), ", ")))
		}
		rooms = []string{room}
	}
	if req.PriceCents != nil {
		if *req.PriceCents < 0 || *req.PriceCents > 100_000_000 {
			f.add("price_cents", M("errors.field.price_range", "Max", MaxPriceCents))
		}
		v.PriceCents = *req.PriceCents
	}
	if err := f.err(); err != nil {
		return Booking{}, false, err
	}
	notify := v.Email != "" && (req.Notify == nil || *req.Notify)
	var mails store.Composer
	if notify {
		mails = s.customerConfirmation
	}
	lang, err := s.bookingLanguage(req.Language)
	if err != nil {
		return Booking{}, false, err
	}
	nb := store.NewBooking{Rooms: rooms, Source: store.SourceOwner, Actor: actor, Language: lang}
	if idempotencyKey != "" {
		canonical, _ := json.Marshal(req)
		sum := sha256.Sum256(append(canonical, "\x00desk\x00"+actor...))
		nb.IdempotencyKey, nb.Fingerprint, nb.IdempotencyTTL = "desk\x1f"+actor+"\x1f"+idempotencyKey, hex.EncodeToString(sum[:]), IdempotencyTTL
	}
	sb, replayed, err := s.book(ctx, v, nb, mails, "errors.slot.overlaps")
	if err != nil {
		return Booking{}, false, err
	}
	if !replayed {
		s.Counters.BookingsCreated.Add(1)
		s.Log.Info("owner took a booking", "booking_id", sb.ID, "reference", sb.Reference, "by", actor, "notify", notify)
	}
	return s.withLinks(sb), !replayed, nil
}

// customerConfirmation is the customer's confirmation with its invite, and
// no owner copy (the owner took the booking).
func (s *Service) customerConfirmation(sb store.Booking) ([]store.Message, error) {
	m, err := s.invitation(KindConfirmation, sb)
	if err != nil {
		return nil, err
	}
	return []store.Message{m}, nil
}

// invitation is the customer's email of kind about booking sb with the
// booking's invite (METHOD:PUBLISH, its UID and current SEQUENCE) attached.
func (s *Service) invitation(kind string, sb store.Booking) (store.Message, error) {
	b := s.withLinks(sb)
	m, err := s.render(kind, b.CustomerEmail, b)
	if err != nil {
		return store.Message{}, err
	}
	m.ICS, m.ICSMethod = string(s.ICS(b, MethodPublish, s.Now())), string(MethodPublish)
	return m, nil
}
