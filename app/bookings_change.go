package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"venuebook/store"
)

// BookingPatch is the owner's change to a booking (PATCH
// /api/admin/bookings/{id}): absent fields stay as they are.
type BookingPatch struct {
	Start      *string        `json:"start"`
	Room       *string        `json:"room"`
	Guests     *int           `json:"guests"`
	Customer   *CustomerPatch `json:"customer"`
	Notes      *string        `json:"notes"`
	PriceCents *int64         `json:"price_cents"`
	// Notify emails the customer the change (default true; only with an
	// address, and only when something they see changed).
	Notify *bool `json:"notify"`
}

// CustomerPatch corrects the customer's details.
type CustomerPatch struct {
	Name  *string `json:"name"`
	Email *string `json:"email"`
	Phone *string `json:"phone"`
}

// ChangeBooking is the owner's move or correction of booking id: a new start
// (any whole minute, as at the desk) or room re-checked and swapped in one
// transaction, guests, the customer's name, email and phone, notes and
// price. The customer gets the booking as it now stands with an invite of the
// same UID and a higher SEQUENCE; a parking permit follows a move (a new link
// to the approver while it is requested; back to requested when it was
// approved for another date). Every change is audited with what it was.
func (s *Service) ChangeBooking(ctx context.Context, id string, p BookingPatch, actor string) (Booking, error) {
	now := s.Now()
	notify := p.Notify == nil || *p.Notify
	_, after, err := s.Store.ChangeBooking(ctx, id, func(before store.Booking) (store.Change, error) {
		ch, err := s.planChange(before, p, now)
		if err != nil {
			return store.Change{}, err
		}
		ch.Actor, ch.Action, ch.Now = actor, "booking.changed", now
		ch.Details = describeChange(before, ch, s.Rules.Location)
		permitToken, err := s.followPermit(before, &ch, now)
		if err != nil {
			return store.Change{}, err
		}
		seen := ch.Start != nil || ch.Guests != nil || ch.PriceCents != nil || ch.Name != nil || ch.Email != nil
		ch.Compose = s.changeEmails(notify && seen, false, permitToken, now)
		return ch, nil
	})
	if errors.Is(err, store.ErrSlotTaken) {
		return Booking{}, NewError(CodeSlotUnavailable, "errors.slot.move_overlaps")
	}
	if err != nil {
		return Booking{}, err
	}
	s.Log.Info("owner changed a booking", "booking_id", id, "by", actor)
	return s.withLinks(after), nil
}

// planChange checks p against the booking as it is and the desk's rules, and
// returns what to change (only what differs).
func (s *Service) planChange(before store.Booking, p BookingPatch, now time.Time) (store.Change, error) {
	f := fieldErrors{}
	var ch store.Change
	if before.Status == store.StatusCancelled {
		return ch, ErrorWith(CodeValidationFailed, M("errors.owner.change_cancelled"), map[string]Msg{"status": M("errors.field.is_cancelled")})
	}
	tier, pkg, _ := s.Config.FindPackage(before.PackageID)
	tierRooms := []string{before.RoomID}
	if tier != nil {
		tierRooms = s.Config.RoomPreference(tier)
	}
	moving := false
	start := before.Start
	if p.Start != nil {
		switch t, err := ParseInstant(strings.TrimSpace(*p.Start)); {
		case err != nil:
			f.addErr("start", err)
		case t.Second() != 0 || t.Nanosecond() != 0:
			f.add("start", M("errors.field.whole_minute"))
		case t.Year() < 2001 || t.Year() > 2999:
			f.add("start", M("errors.field.year_range"))
		case !t.Equal(before.Start):
			start, moving = t, true
		}
	}
	rooms := append([]string{before.RoomID}, slices.DeleteFunc(slices.Clone(tierRooms), func(r string) bool { return r == before.RoomID })...)
	if p.Room != nil {
		room := strings.TrimSpace(*p.Room)
		switch {
		case !slices.Contains(tierRooms, room):
			f.add("room", M("errors.field.tier_room", "Rooms", strings.Join(tierRooms, ", ")))
		case room != before.RoomID:
			moving = true
		}
		rooms = []string{room}
	}
	if moving && before.Status != store.StatusConfirmed {
		f.add("start", M("errors.field.move_confirmed_only"))
	}
	if p.Guests != nil {
		most := MaxGuestsLimit
		if pkg != nil {
			most = pkg.MaxGuests
		}
		if *p.Guests < 1 || *p.Guests > most {
			f.add("guests", M("errors.field.guests", "Max", most))
		} else if *p.Guests != before.Guests {
			ch.Guests = p.Guests
		}
	}
	name, email, phone := before.CustomerName, before.CustomerEmail, before.CustomerPhone
	if c := p.Customer; c != nil {
		if c.Name != nil {
			v, problem := cleanText(*c.Name, 1, 100, false)
			if problem.ID != "" {
				f.add("customer.name", problem)
			} else if v != name {
				name, ch.Name = v, &v
			}
		}
		if c.Email != nil {
			v := strings.TrimSpace(*c.Email)
			if v != "" {
				var err error
				if v, err = ParseEmail(v); err != nil {
					f.addErr("customer.email", err)
				}
			}
			if !f.has("customer.email") && v != email {
				email, ch.Email = v, &v
			}
		}
		if c.Phone != nil {
			if v, err := ParsePhone(*c.Phone); err != nil {
				f.addErr("customer.phone", err)
			} else if v != phone {
				phone, ch.Phone = v, &v
			}
		}
		if email == "" && phone == "" && !f.has("customer.email") && !f.has("customer.phone") {
			f.add("customer.email", M("errors.field.email_or_phone"))
			f.add("customer.phone", M("errors.field.email_or_phone"))
		}
	}
	if p.Notes != nil {
		if v, problem := cleanText(*p.Notes, 0, 1000, true); problem.ID != "" {
			f.add("notes", problem)
		} else if v != before.Notes {
			ch.Notes = &v
		}
	}
	if p.PriceCents != nil {
		if *p.PriceCents < 0 || *p.PriceCents > 100_000_000 {
			f.add("price_cents", M("errors.field.price_range", "Max", MaxPriceCents))
		} else if *p.PriceCents != before.PriceCents {
			ch.PriceCents = p.PriceCents
		}
	}
	if err := f.err(); err != nil {
		return store.Change{}, err
	}
	if moving {
		end := start.Add(before.End.Sub(before.Start))
		ch.Start, ch.End, ch.Rooms = &start, &end, rooms
	}
	return ch, nil
}

// changeEmails composes the emails of a change from the booking as changed:
// the customer's updated invite (when toCustomer, and they have an address),
// the owner's copy (when toOwner and mail.owner_email is set), and the
// approver's new request when followPermit gave the permit a new link
// (permitToken).
func (s *Service) changeEmails(toCustomer, toOwner bool, permitToken string, now time.Time) store.Composer {
	return func(b store.Booking) ([]store.Message, error) {
		var msgs []store.Message
		if toCustomer && b.CustomerEmail != "" {
			m, err := s.invitation(KindChange, b)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, m)
		}
		if owner := s.Config.Mail.OwnerEmail; toOwner && owner != "" {
			m, err := s.render(KindOwnerChange, owner, s.withLinks(b))
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, m)
		}
		if permitToken != "" && b.Permit != nil {
			request, err := s.permitRequestEmails(b, permitToken, now)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, request...)
		}
		return msgs, nil
	}
}

// followPermit applies API.md's rule for a parking permit when the booking
// moves: while requested, the approver gets a new link (the old one stops
// working); approved for another local date, it goes back to requested with
// a new request. It returns the new link's token ("" for none).
func (s *Service) followPermit(before store.Booking, ch *store.Change, now time.Time) (string, error) {
	if ch.Start == nil || before.Permit == nil {
		return "", nil
	}
	loc := s.Rules.Location
	switch before.Permit.Status {
	case store.PermitRequested:
	case store.PermitApproved:
		if DateOf(*ch.Start, loc) == DateOf(before.Start, loc) {
			return "", nil
		}
	default:
		return "", nil
	}
	link, token, err := s.newPermitLink(before.Permit.ID, *ch.Start, now)
	if err != nil {
		return "", err
	}
	ch.PermitLink = &link
	return token, nil
}

// describeChange says, for the audit log, what changed from what (the store
// adds the room, which it picks).
func describeChange(before store.Booking, ch store.Change, loc *time.Location) string {
	var parts []string
	add := func(field, from, to string) { parts = append(parts, fmt.Sprintf("%s: %q → %q", field, from, to)) }
	if ch.Start != nil {
		add("start", FormatInstant(before.Start, loc), FormatInstant(*ch.Start, loc))
	}
	if ch.Guests != nil {
		add("guests", fmt.Sprint(before.Guests), fmt.Sprint(*ch.Guests))
	}
	if ch.Name != nil {
		add("name", before.CustomerName, *ch.Name)
	}
	if ch.Email != nil {
		add("email", before.CustomerEmail, *ch.Email)
	}
	if ch.Phone != nil {
		add("phone", before.CustomerPhone, *ch.Phone)
	}
	if ch.Notes != nil {
		add("notes", before.Notes, *ch.Notes)
	}
	if ch.PriceCents != nil {
		add("price_cents", fmt.Sprint(before.PriceCents), fmt.Sprint(*ch.PriceCents))
	}
	if len(parts) == 0 {
		return "nothing changed"
	}
	return strings.Join(parts, "; ")
}
