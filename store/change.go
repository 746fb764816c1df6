package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Change is what a plan decides to change in a booking, from the booking as
// the transaction reads it. Nil fields stay as they are.
type Change struct {
	// Start and End move the booking; Rooms are the rooms it may take, in
	// order (its own first, to stay where it is when it can).
	Start, End *time.Time
	Rooms      []string
	Guests     *int
	Name       *string
	Email      *string
	Phone      *string
	Notes      *string
	PriceCents *int64
	// PermitLink, when set, supersedes the permit's unused approval links and
	// records this one; the permit is (again) requested.
	PermitLink *NewPermitToken
	// Actor, Action and Details go to the audit log.
	Actor, Action, Details string
	// Compose renders the emails of the change from the booking as changed.
	Compose Composer
	Now     time.Time
}

// ChangeBooking changes booking id in one transaction: plan reads the booking
// as it is (it must not touch the database) and says what to change, or
// returns an error to change nothing. A move frees the old slot and takes the
// new one at once, in the first of Rooms that no other active booking
// (cleaning gap included) or blackout occupies — the overlap trigger checks
// each — else ErrSlotTaken. A move or a new email raises the booking's
// SEQUENCE, so calendars replace the event. It returns the booking before and
// after.
func (s *Store) ChangeBooking(ctx context.Context, id string, plan func(before Booking) (Change, error)) (before, after Booking, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		if before, err = findBooking(ctx, tx, "b.id = ?", id); err != nil {
			return err
		}
		ch, err := plan(before)
		if err != nil {
			return err
		}
		b := before
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&b.CustomerName, ch.Name)
		set(&b.CustomerEmail, ch.Email)
		set(&b.CustomerPhone, ch.Phone)
		set(&b.Notes, ch.Notes)
		if ch.Guests != nil {
			b.Guests = *ch.Guests
		}
		if ch.PriceCents != nil {
			b.PriceCents = *ch.PriceCents
		}
		if ch.Start != nil {
			b.Start, b.End = *ch.Start, *ch.End
		}
		rooms := ch.Rooms
		if len(rooms) == 0 {
			rooms = []string{before.RoomID}
		}
		reg := ""
		if before.Permit != nil {
			reg = before.Permit.VehicleRegistration
		}
		placed := ""
		for _, room := range rooms {
			sequence := before.Sequence
			if !b.Start.Equal(before.Start) || room != before.RoomID || !strings.EqualFold(b.CustomerEmail, before.CustomerEmail) {
				sequence++
			}
			// The overlap trigger knows bookings only; blackouts are checked
			// here, as CreateBooking's freeRoom does.
			var closed bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM blackouts
				WHERE (room_id = ?1 OR room_id IS NULL) AND start_at < ?3 AND end_at > ?2)`, room, b.Start.Unix(), b.End.Unix()).Scan(&closed); err != nil {
				return fmt.Errorf("check blackouts: %w", err)
			}
			if closed {
				continue
			}
			_, err := tx.ExecContext(ctx, `UPDATE bookings SET room_id = ?1, start_at = ?2, end_at = ?3, guests = ?4, price_cents = ?5,
				customer_name = ?6, customer_email = ?7, customer_phone = ?8, notes = ?9, sequence = ?10, search_text = ?11, updated_at = ?12
				WHERE id = ?13`, room, b.Start.Unix(), b.End.Unix(), b.Guests, b.PriceCents,
				b.CustomerName, b.CustomerEmail, b.CustomerPhone, b.Notes, sequence,
				SearchText(before.Reference, b.CustomerName, b.CustomerEmail, b.CustomerPhone, reg), ch.Now.Unix(), id)
			if isConstraint(err) && strings.Contains(err.Error(), "overlaps") {
				continue // the trigger refused this room: the next one
			}
			if err != nil {
				return fmt.Errorf("change booking: %w", err)
			}
			placed = room
			break
		}
		if placed == "" {
			return ErrSlotTaken
		}
		if ch.PermitLink != nil && before.Permit != nil {
			if _, err := tx.ExecContext(ctx, "UPDATE permit_tokens SET superseded_at = ? WHERE permit_id = ? AND used_at IS NULL AND superseded_at IS NULL",
				ch.Now.Unix(), before.Permit.ID); err != nil {
				return fmt.Errorf("supersede permit links: %w", err)
			}
			if err := insertPermitToken(ctx, tx, before.Permit.ID, *ch.PermitLink, ch.Now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE parking_permits SET status = 'requested', decided_at = NULL, decided_by = '', decision_note = '', updated_at = ?
				WHERE id = ?`, ch.Now.Unix(), before.Permit.ID); err != nil {
				return fmt.Errorf("permit back to requested: %w", err)
			}
		}
		if after, err = findBooking(ctx, tx, "b.id = ?", id); err != nil {
			return err
		}
		if ch.Action != "" {
			details := ch.Details
			if placed != before.RoomID {
				details = strings.TrimPrefix(strings.TrimPrefix(details+fmt.Sprintf("; room: %q → %q", before.RoomID, placed), "nothing changed"), "; ")
			}
			if err := insertAudit(ctx, tx, ch.Now, ch.Actor, ch.Action, id, details); err != nil {
				return err
			}
		}
		if err := s.queueComposed(ctx, tx, ch.Compose, after, ch.Now); err != nil {
			return err
		}
		if moved := !after.Start.Equal(before.Start) || after.RoomID != before.RoomID; moved && after.Status != StatusCancelled {
			old, now := before, after
			s.afterCommit(func() {
				s.occupancy.removeBooking(old.RoomID, old.Start, old.End)
				s.occupancy.addBooking(now.RoomID, now.Start, now.End)
			})
		}
		return nil
	})
	if err != nil {
		return Booking{}, Booking{}, err
	}
	return before, after, nil
}
