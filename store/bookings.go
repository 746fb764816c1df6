package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Booking statuses (API.md). Only a confirmed booking holds its slot's place
// with the customer; a cancelled one frees it for good.
const (
	StatusConfirmed = "confirmed"
	StatusCancelled = "cancelled"
	StatusCompleted = "completed"
	StatusNoShow    = "no_show"
)

// Booking sources: who took it.
const (
	SourceOnline = "online" // the customer, through the pages or the API
	SourceOwner  = "owner"  // the owner, by phone or at the door
)

// Booking is one row of bookings with its parking permit, if any.
type Booking struct {
	ID            string
	Reference     string
	TierID        string
	PackageID     string
	RoomID        string
	Start, End    time.Time
	Guests        int
	PriceCents    int64
	Currency      string
	CustomerName  string
	CustomerEmail string
	CustomerPhone string
	Notes         string
	Status        string
	Sequence      int
	Source        string // SourceOnline or SourceOwner
	Language      string // the language it was made in; "" = the venue's
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// ConfirmationSentAt is when the confirmation email went out; zero if not yet.
	ConfirmationSentAt time.Time
	Permit             *Permit
}

// Permit is a booking's parking permit request and its decision.
type Permit struct {
	ID                  string
	VehicleRegistration string
	Status              string
	ApproverEmail       string
	DecidedAt           time.Time // zero until approved or denied
	DecidedBy           string
	DecisionNote        string
}

// NewBooking is what CreateBooking needs; the store assigns ID, reference and room.
type NewBooking struct {
	TierID, PackageID string
	// Rooms are the rooms the booking may take, in order of preference.
	Rooms                                      []string
	Start, End                                 time.Time
	Guests                                     int
	PriceCents                                 int64
	Currency                                   string
	CustomerName, CustomerEmail, CustomerPhone string
	Notes                                      string
	// Source is SourceOnline (the default) or SourceOwner; Language the
	// language the booking is made in ("" for the venue's).
	Source, Language string
	// Actor, when set, records the booking in the audit log as taken by
	// this owner ("booking.created").
	Actor string
	// VehicleRegistration, when not empty, adds a parking permit request with
	// PermitID (generated when empty) sent to PermitApprover, and, when
	// PermitLink.JTI is set, records that approval link.
	VehicleRegistration string
	PermitID            string
	PermitApprover      string
	PermitLink          NewPermitToken
	// IdempotencyKey, when not empty, makes a retry with the same Fingerprint
	// return the booking it created; another fingerprint gives ErrIdempotencyConflict.
	IdempotencyKey string
	Fingerprint    string
	// IdempotencyTTL is how long a key is remembered.
	IdempotencyTTL time.Duration
	// Compose renders the emails the booking causes; they are queued in the
	// same transaction. Nil queues none.
	Compose Composer
	Now     time.Time
	// ID and Reference, when set, are the booking's (Expected); a reference
	// taken meanwhile is replaced.
	ID, Reference string
	// Prepared, when set, holds the emails Compose rendered before the
	// transaction for the booking expected: they are queued as they are
	// when the transaction writes that booking (same id, reference and
	// room), so the writer does not render them; otherwise Compose renders
	// them there.
	Prepared *Prepared
}

// Prepared is what a caller rendered before the transaction: the emails
// of Booking, the booking it expects written (NewBooking.Expected).
type Prepared struct {
	Booking  Booking
	Messages []Message
}

// CreateBooking re-checks the slot and inserts the booking (and its permit
// request) in one BEGIN IMMEDIATE transaction, taking the first candidate room
// that no active booking (cleaning gap included) or blackout occupies. It
// returns the booking and whether it is a replay of an earlier request with the
// same idempotency key. Errors: ErrSlotTaken, ErrIdempotencyConflict, ErrBusy.
func (s *Store) CreateBooking(ctx context.Context, nb NewBooking) (Booking, bool, error) {
	var (
		b        Booking
		replayed bool
	)
	err := s.write(ctx, func(tx *sql.Tx) error {
		if nb.IdempotencyKey != "" {
			id, err := lookupIdempotencyKey(ctx, tx, nb)
			if err != nil {
				return err
			}
			if id != "" {
				replayed = true
				b, err = findBooking(ctx, tx, "b.id = ?", id)
				return err
			}
		}
		room, err := s.freeRoom(ctx, tx, nb.Rooms, nb.Start, nb.End)
		if err != nil {
			return err
		}
		b, err = s.insertBooking(ctx, tx, nb, room)
		if err != nil {
			return err
		}
		if p := nb.Prepared; p != nil && p.Booking.ID == b.ID && p.Booking.Reference == b.Reference && p.Booking.RoomID == b.RoomID {
			err = s.queueMessages(ctx, tx, p.Messages, nb.Now)
		} else {
			err = s.queueComposed(ctx, tx, nb.Compose, b, nb.Now)
		}
		if err != nil {
			return err
		}
		if nb.Actor != "" {
			if err := insertAudit(ctx, tx, nb.Now, nb.Actor, "booking.created", b.ID, "taken at the desk"); err != nil {
				return err
			}
		}
		booked := b
		s.afterCommit(func() { s.occupancy.addBooking(booked.RoomID, booked.Start, booked.End) })
		if nb.IdempotencyKey != "" {
			_, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (key, fingerprint, booking_id, created_at) VALUES (?, ?, ?, ?)`,
				nb.IdempotencyKey, nb.Fingerprint, b.ID, nb.Now.Unix())
			if err != nil {
				return fmt.Errorf("record idempotency key: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return Booking{}, false, err
	}
	return b, replayed, nil
}

// freeRoom returns the first of rooms that no active booking (with the cleaning
// gap on both sides) and no blackout occupies during [start, end).
func (s *Store) freeRoom(ctx context.Context, tx *sql.Tx, rooms []string, start, end time.Time) (string, error) {
	for _, room := range rooms {
		var busy int
		err := tx.StmtContext(ctx, s.hot.freeRoom).QueryRowContext(ctx, room, start.Unix(), end.Unix()).Scan(&busy)
		if err != nil {
			return "", fmt.Errorf("check room %s: %w", room, err)
		}
		if busy == 0 {
			return room, nil
		}
	}
	return "", ErrSlotTaken
}

// Expected is the booking the transaction writes for nb in room, built from
// nb alone: what a read of it back would give (TestExpectedIsWhatIsWritten).
// nb's ID, Reference and, with a vehicle, PermitID must be set.
func (nb NewBooking) Expected(room string) Booking {
	now := time.Unix(nb.Now.Unix(), 0).UTC()
	b := Booking{ID: nb.ID, Reference: nb.Reference, TierID: nb.TierID, PackageID: nb.PackageID, RoomID: room,
		Start: time.Unix(nb.Start.Unix(), 0).UTC(), End: time.Unix(nb.End.Unix(), 0).UTC(), Guests: nb.Guests,
		PriceCents: nb.PriceCents, Currency: nb.Currency, CustomerName: nb.CustomerName, CustomerEmail: nb.CustomerEmail,
		CustomerPhone: nb.CustomerPhone, Notes: nb.Notes, Status: StatusConfirmed, Source: nb.Source, Language: nb.Language,
		CreatedAt: now, UpdatedAt: now}
	if b.Source == "" {
		b.Source = SourceOnline
	}
	if nb.VehicleRegistration != "" {
		b.Permit = &Permit{ID: nb.PermitID, VehicleRegistration: nb.VehicleRegistration, Status: PermitRequested, ApproverEmail: nb.PermitApprover}
	}
	return b
}

// insertBooking writes nb in room and returns it as written (Expected):
// nothing is read back. The id, reference and permit id are nb's when it
// has them; a reference another booking holds (the unique index says so)
// is replaced by a fresh one.
func (s *Store) insertBooking(ctx context.Context, tx *sql.Tx, nb NewBooking, room string) (Booking, error) {
	if nb.ID == "" {
		nb.ID = newID()
	}
	if nb.Reference == "" {
		nb.Reference = newReference()
	}
	if nb.VehicleRegistration != "" && nb.PermitID == "" {
		nb.PermitID = newID()
	}
	b := nb.Expected(room)
	now := b.CreatedAt.Unix()
	for attempt := 0; ; attempt++ {
		_, err := tx.StmtContext(ctx, s.hot.insertBooking).ExecContext(ctx,
			b.ID, b.Reference, b.TierID, b.PackageID, room, b.Start.Unix(), b.End.Unix(), b.Guests,
			b.PriceCents, b.Currency, b.CustomerName, b.CustomerEmail, b.CustomerPhone, b.Notes, now, now,
			b.Source, b.Language, SearchText(b.Reference, b.CustomerName, b.CustomerEmail, b.CustomerPhone, nb.VehicleRegistration))
		switch {
		case err == nil:
		case isConstraint(err) && strings.Contains(err.Error(), "overlaps"):
			return Booking{}, ErrSlotTaken
		case isConstraint(err) && strings.Contains(err.Error(), "bookings.reference") && attempt < 20:
			b.Reference = newReference()
			continue
		default:
			return Booking{}, fmt.Errorf("insert booking: %w", err)
		}
		break
	}
	if b.Permit != nil {
		_, err := tx.ExecContext(ctx, `INSERT INTO parking_permits (id, booking_id, vehicle_registration, status, approver_email, created_at, updated_at)
			VALUES (?, ?, ?, 'requested', ?, ?, ?)`, b.Permit.ID, b.ID, nb.VehicleRegistration, nb.PermitApprover, now, now)
		if err != nil {
			return Booking{}, fmt.Errorf("insert parking permit: %w", err)
		}
		if nb.PermitLink.JTI != "" {
			if err := insertPermitToken(ctx, tx, b.Permit.ID, nb.PermitLink, nb.Now); err != nil {
				return Booking{}, err
			}
		}
	}
	return b, nil
}

const bookingColumns = `b.id, b.reference, b.tier_id, b.package_id, b.room_id, b.start_at, b.end_at, b.guests, b.price_cents,
	b.currency, b.customer_name, b.customer_email, b.customer_phone, b.notes, b.status, b.sequence, b.source, b.language, b.created_at, b.updated_at,
	coalesce(b.confirmation_sent_at, 0), p.id, p.vehicle_registration, p.status, p.approver_email, coalesce(p.decided_at, 0),
	p.decided_by, p.decision_note`

func findBooking(ctx context.Context, tx *sql.Tx, where string, args ...any) (Booking, error) {
	row := tx.QueryRowContext(ctx, "SELECT "+bookingColumns+
		" FROM bookings AS b LEFT JOIN parking_permits AS p ON p.booking_id = b.id WHERE "+where, args...)
	b, err := scanBooking(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Booking{}, ErrNotFound
	}
	return b, err
}

func scanBooking(row rowScanner) (Booking, error) {
	var (
		b                          Booking
		start, end, created, upd   int64
		confirmed                  int64
		permitID, permitReg, pstat sql.NullString
		approver, decidedBy, note  sql.NullString
		decidedAt                  sql.NullInt64
	)
	err := row.Scan(&b.ID, &b.Reference, &b.TierID, &b.PackageID, &b.RoomID, &start, &end, &b.Guests, &b.PriceCents,
		&b.Currency, &b.CustomerName, &b.CustomerEmail, &b.CustomerPhone, &b.Notes, &b.Status, &b.Sequence, &b.Source, &b.Language, &created, &upd,
		&confirmed, &permitID, &permitReg, &pstat, &approver, &decidedAt, &decidedBy, &note)
	if err != nil {
		return Booking{}, err
	}
	b.Start, b.End = time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC()
	b.CreatedAt, b.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(upd, 0).UTC()
	if confirmed > 0 {
		b.ConfirmationSentAt = time.Unix(confirmed, 0).UTC()
	}
	if permitID.Valid {
		b.Permit = &Permit{ID: permitID.String, VehicleRegistration: permitReg.String, Status: pstat.String,
			ApproverEmail: approver.String, DecidedBy: decidedBy.String, DecisionNote: note.String}
		if decidedAt.Int64 > 0 {
			b.Permit.DecidedAt = time.Unix(decidedAt.Int64, 0).UTC()
		}
	}
	return b, nil
}

// FindBookingByID returns the booking with this id, or ErrNotFound.
func (s *Store) FindBookingByID(ctx context.Context, id string) (Booking, error) {
	var b Booking
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = findBooking(ctx, tx, "b.id = ?", id)
		return err
	})
	return b, err
}

// CancelBooking cancels a confirmed booking that starts no earlier than
// notBefore (the customer's cutoff) and queues the emails compose renders; see
// cancelBooking for what cancelling does. It returns ErrNotFound, or
// ErrStateChanged when the booking is no longer confirmed or starts before
// notBefore.
func (s *Store) CancelBooking(ctx context.Context, id string, notBefore, now time.Time, compose Composer) (Booking, error) {
	var b Booking
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := findBooking(ctx, tx, "b.id = ?", id)
		if err != nil {
			return err
		}
		if before.Status != StatusConfirmed || before.Start.Before(notBefore) {
			return ErrStateChanged
		}
		if b, err = s.cancelBooking(ctx, tx, before, now); err != nil {
			return err
		}
		return s.queueComposed(ctx, tx, compose, b, now)
	})
	return b, err
}

// cancelBooking is the one place a booking is cancelled, by the customer or the
// owner: it marks before (a confirmed booking) cancelled, bumps its calendar
// sequence, cancels its parking permit request, drops its unsent reminder and,
// after the commit, frees its slot in the occupancy mirror. It returns the
// booking as it is now.
func (s *Store) cancelBooking(ctx context.Context, tx *sql.Tx, before Booking, now time.Time) (Booking, error) {
	res, err := tx.ExecContext(ctx, `UPDATE bookings SET status = 'cancelled', cancelled_at = ?1, updated_at = ?1, sequence = sequence + 1
		WHERE id = ?2 AND status = 'confirmed'`, now.Unix(), before.ID)
	if err != nil {
		return Booking{}, fmt.Errorf("cancel booking: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Booking{}, ErrStateChanged
	}
	_, err = tx.ExecContext(ctx, `UPDATE parking_permits SET status = 'cancelled', updated_at = ?1
		WHERE booking_id = ?2 AND status IN ('requested', 'approved')`, now.Unix(), before.ID)
	if err != nil {
		return Booking{}, fmt.Errorf("cancel parking permit: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE booking_id = ? AND kind = 'reminder' AND status IN ('queued', 'failed')", before.ID); err != nil {
		return Booking{}, fmt.Errorf("drop reminder: %w", err)
	}
	s.afterCommit(func() { s.occupancy.removeBooking(before.RoomID, before.Start, before.End) })
	return findBooking(ctx, tx, "b.id = ?", before.ID)
}

// Interval is a span of time during which a room (or, with Room "", every room) is taken.
type Interval struct {
	Room       string
	Start, End time.Time
}

// BookingFilter selects bookings for the console.
type BookingFilter struct {
	From, To time.Time // start in [From, To)
	Status   string    // "" = any
	Query    string    // the reference, name, email or registration holds it (any case, any alphabet), or the phone its digits
	Limit    int
	// After, when set, lists only the bookings after this one in the list's
	// order (start, room, id): the next page.
	After *PageMark
	// Through, when set, keeps only the bookings up to this one, itself
	// included (a count of what earlier pages showed).
	Through *PageMark
}

// PageMark is where a page of bookings ended.
type PageMark struct {
	Start time.Time
	Room  string
	ID    string
}

// bookingFilter is the WHERE of ListBookings and CountBookings for f, with
// its arguments: only the terms f needs, so that each booking the dates hold
// costs no more than the tests that apply. The search reads only columns of
// bookings_search, and a page mark needs a booking's room and id only at the
// mark's own start, so a search reads that index and only the bookings that
// match. (GLOB, case-sensitive on the folded text, finds a substring about
// twice as fast as instr.)
func bookingFilter(f BookingFilter) (string, []any) {
	from := f.From.Unix()
	if f.After != nil {
		from = max(from, f.After.Start.Unix()) // the start range seeks the index from the mark
	}
	where := []string{"b.start_at >= ? AND b.start_at < ?"}
	args := []any{from, f.To.Unix()}
	if f.Status != "" {
		where = append(where, "b.status = ?")
		args = append(args, f.Status)
	}
	var globs []string
	text, bare, phone := searchTerms(f.Query)
	for _, term := range []string{text, phone, bare} {
		if term != "" {
			globs = append(globs, "b.search_text GLOB ?")
			args = append(args, containsGlob(term))
		}
	}
	if len(globs) > 0 {
		where = append(where, "("+strings.Join(globs, " OR ")+")")
	}
	if m := f.After; m != nil {
		where = append(where, "(b.start_at > ? OR (b.room_id, b.id) > (?, ?))")
		args = append(args, from, m.Room, m.ID)
	}
	if m := f.Through; m != nil {
		where = append(where, "(b.start_at < ? OR (b.start_at = ? AND (b.room_id, b.id) <= (?, ?)))")
		args = append(args, m.Start.Unix(), m.Start.Unix(), m.Room, m.ID)
	}
	return strings.Join(where, " AND "), args
}

// containsGlob is the GLOB pattern that finds term anywhere, its own
// wildcards taken literally.
func containsGlob(term string) string {
	return "*" + strings.NewReplacer("*", "[*]", "?", "[?]", "[", "[[]").Replace(term) + "*"
}

// CountBookings counts the bookings matching f (its Limit aside).
func (s *Store) CountBookings(ctx context.Context, f BookingFilter) (int, error) {
	n := 0
	err := s.read(ctx, func(tx *sql.Tx) error {
		where, args := bookingFilter(f)
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM bookings AS b INDEXED BY bookings_search WHERE "+where, args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count bookings: %w", err)
	}
	return n, nil
}

// ListBookings returns the bookings matching f, by start.
func (s *Store) ListBookings(ctx context.Context, f BookingFilter) ([]Booking, error) {
	if f.Limit <= 0 {
		f.Limit = -1 // SQLite: no limit
	}
	var out []Booking
	err := s.read(ctx, func(tx *sql.Tx) error {
		// A search or a status reads bookings_search (the bookings of one
		// start sorted by room and id as they come, so a page stops early);
		// a plain list bookings_start.
		index := "bookings_start"
		if f.Query != "" || f.Status != "" {
			index = "bookings_search"
		}
		where, args := bookingFilter(f)
		var err error
		out, err = queryAll(ctx, tx, scanBooking, "SELECT "+bookingColumns+` FROM bookings AS b INDEXED BY `+index+`
			LEFT JOIN parking_permits AS p ON p.booking_id = b.id
			WHERE `+where+`
			ORDER BY b.start_at, b.room_id, b.id LIMIT ?`, append(args, f.Limit)...)
		if err != nil {
			return fmt.Errorf("list bookings: %w", err)
		}
		return nil
	})
	return out, err
}

// Tally is what a count of bookings needs of one: its start, status, guests
// and price.
type Tally struct {
	Start      time.Time
	Status     string
	Guests     int
	PriceCents int64
}

// TallyBookings returns the tally of each booking starting in [from, to), by
// start: the Day page's coming week reads these, not whole bookings.
func (s *Store) TallyBookings(ctx context.Context, from, to time.Time) ([]Tally, error) {
	var out []Tally
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryAll(ctx, tx, func(r rowScanner) (Tally, error) {
			var t Tally
			var start int64
			err := r.Scan(&start, &t.Status, &t.Guests, &t.PriceCents)
			t.Start = time.Unix(start, 0).UTC()
			return t, err
		}, `SELECT start_at, status, guests, price_cents FROM bookings INDEXED BY bookings_start
			WHERE start_at >= ?1 AND start_at < ?2 ORDER BY start_at`, from.Unix(), to.Unix())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tally bookings: %w", err)
	}
	return out, nil
}

// SetBookingStatus moves a booking from one of the from statuses to status
// (cancelling it through cancelBooking), records the owner's action, and queues
// what compose renders. ErrStateChanged when the booking is not in one of from.
func (s *Store) SetBookingStatus(ctx context.Context, id string, from []string, status, actor string, now time.Time, compose Composer) (Booking, error) {
	var b Booking
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := findBooking(ctx, tx, "b.id = ?", id)
		if err != nil {
			return err
		}
		if !slices.Contains(from, before.Status) {
			return ErrStateChanged
		}
		if status == StatusCancelled {
			b, err = s.cancelBooking(ctx, tx, before, now)
		} else {
			if _, err := tx.ExecContext(ctx, "UPDATE bookings SET status = ?1, updated_at = ?2 WHERE id = ?3", status, now.Unix(), id); err != nil {
				return fmt.Errorf("set booking status: %w", err)
			}
			b, err = findBooking(ctx, tx, "b.id = ?", id)
		}
		if err != nil {
			return err
		}
		if err := insertAudit(ctx, tx, now, actor, "booking."+status, id, "from "+before.Status); err != nil {
			return err
		}
		return s.queueComposed(ctx, tx, compose, b, now)
	})
	return b, err
}

// QueueBookingEmails queues what compose renders for booking id (a resent
// confirmation, say) and records the owner's action.
func (s *Store) QueueBookingEmails(ctx context.Context, id, actor, action string, now time.Time, compose Composer) (Booking, error) {
	var b Booking
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if b, err = findBooking(ctx, tx, "b.id = ?", id); err != nil {
			return err
		}
		if err := s.queueComposed(ctx, tx, compose, b, now); err != nil {
			return err
		}
		return insertAudit(ctx, tx, now, actor, action, id, "")
	})
	return b, err
}
