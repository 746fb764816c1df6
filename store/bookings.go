package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
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
		if nb.Compose != nil {
			msgs, err := nb.Compose(b)
			if err != nil {
				return fmt.Errorf("compose booking emails: %w", err)
			}
			if err := s.queueMessages(ctx, tx, msgs, nb.Now); err != nil {
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

// FindIdempotentBooking returns the booking that a live idempotency key made
// for a request with this fingerprint: ErrNotFound when the key is new or
// expired, ErrIdempotencyConflict when it was used for another request.
func (s *Store) FindIdempotentBooking(ctx context.Context, key, fingerprint string, now time.Time, ttl time.Duration) (Booking, error) {
	var b Booking
	err := s.read(ctx, func(tx *sql.Tx) error {
		var stored, bookingID string
		var createdAt int64
		err := tx.QueryRowContext(ctx, "SELECT fingerprint, booking_id, created_at FROM idempotency_keys WHERE key = ?", key).
			Scan(&stored, &bookingID, &createdAt)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return fmt.Errorf("look up idempotency key: %w", err)
		case ttl > 0 && now.Sub(time.Unix(createdAt, 0)) > ttl:
			return ErrNotFound
		case stored != fingerprint:
			return ErrIdempotencyConflict
		}
		b, err = findBooking(ctx, tx, "b.id = ?", bookingID)
		return err
	})
	return b, err
}

// lookupIdempotencyKey returns the booking a live key created, "" if the key is
// new or expired (an expired key is forgotten here).
func lookupIdempotencyKey(ctx context.Context, tx *sql.Tx, nb NewBooking) (string, error) {
	var fingerprint, bookingID string
	var createdAt int64
	err := tx.QueryRowContext(ctx, "SELECT fingerprint, booking_id, created_at FROM idempotency_keys WHERE key = ?", nb.IdempotencyKey).
		Scan(&fingerprint, &bookingID, &createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up idempotency key: %w", err)
	}
	if nb.IdempotencyTTL > 0 && nb.Now.Sub(time.Unix(createdAt, 0)) > nb.IdempotencyTTL {
		if _, err := tx.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE key = ?", nb.IdempotencyKey); err != nil {
			return "", fmt.Errorf("forget idempotency key: %w", err)
		}
		return "", nil
	}
	if fingerprint != nb.Fingerprint {
		return "", ErrIdempotencyConflict
	}
	return bookingID, nil
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

func (s *Store) insertBooking(ctx context.Context, tx *sql.Tx, nb NewBooking, room string) (Booking, error) {
	now := nb.Now.Unix()
	id := newID()
	var reference string
	for attempt := 0; ; attempt++ {
		reference = newReference()
		var taken int
		if err := tx.StmtContext(ctx, s.hot.referenceTaken).QueryRowContext(ctx, reference).Scan(&taken); err != nil {
			return Booking{}, fmt.Errorf("check reference: %w", err)
		}
		if taken == 0 {
			break
		}
		if attempt > 20 {
			return Booking{}, errors.New("no free booking reference after 20 attempts")
		}
	}
	_, err := tx.StmtContext(ctx, s.hot.insertBooking).ExecContext(ctx,
		id, reference, nb.TierID, nb.PackageID, room, nb.Start.Unix(), nb.End.Unix(), nb.Guests,
		nb.PriceCents, nb.Currency, nb.CustomerName, nb.CustomerEmail, nb.CustomerPhone, nb.Notes, now, now)
	if err != nil {
		if isConstraint(err) && strings.Contains(err.Error(), "overlaps") {
			return Booking{}, ErrSlotTaken
		}
		return Booking{}, fmt.Errorf("insert booking: %w", err)
	}
	if nb.VehicleRegistration != "" {
		permitID := nb.PermitID
		if permitID == "" {
			permitID = newID()
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO parking_permits (id, booking_id, vehicle_registration, status, approver_email, created_at, updated_at)
			VALUES (?, ?, ?, 'requested', ?, ?, ?)`, permitID, id, nb.VehicleRegistration, nb.PermitApprover, now, now)
		if err != nil {
			return Booking{}, fmt.Errorf("insert parking permit: %w", err)
		}
		if nb.PermitLink.JTI != "" {
			if err := insertPermitToken(ctx, tx, permitID, nb.PermitLink, nb.Now); err != nil {
				return Booking{}, err
			}
		}
	}
	return findBooking(ctx, tx, "b.id = ?", id)
}

const bookingColumns = `b.id, b.reference, b.tier_id, b.package_id, b.room_id, b.start_at, b.end_at, b.guests, b.price_cents,
	b.currency, b.customer_name, b.customer_email, b.customer_phone, b.notes, b.status, b.sequence, b.created_at, b.updated_at,
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
		&b.Currency, &b.CustomerName, &b.CustomerEmail, &b.CustomerPhone, &b.Notes, &b.Status, &b.Sequence, &created, &upd,
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
// notBefore, bumps its calendar sequence, cancels its permit request, drops its
// unsent reminder and queues the emails compose renders. It returns
// ErrNotFound, or ErrStateChanged when the booking is no longer confirmed or
// starts before notBefore.
func (s *Store) CancelBooking(ctx context.Context, id string, notBefore, now time.Time, compose Composer) (Booking, error) {
	var b Booking
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE bookings SET status = 'cancelled', cancelled_at = ?1, updated_at = ?1, sequence = sequence + 1
			WHERE id = ?2 AND status = 'confirmed' AND start_at >= ?3`, now.Unix(), id, notBefore.Unix())
		if err != nil {
			return fmt.Errorf("cancel booking: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			if _, err := findBooking(ctx, tx, "b.id = ?", id); err != nil {
				return err
			}
			return ErrStateChanged
		}
		_, err = tx.ExecContext(ctx, `UPDATE parking_permits SET status = 'cancelled', updated_at = ?1
			WHERE booking_id = ?2 AND status IN ('requested', 'approved')`, now.Unix(), id)
		if err != nil {
			return fmt.Errorf("cancel parking permit: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE booking_id = ? AND kind = 'reminder' AND status IN ('queued', 'failed')", id); err != nil {
			return fmt.Errorf("drop reminder: %w", err)
		}
		b, err = findBooking(ctx, tx, "b.id = ?", id)
		if err != nil {
			return err
		}
		if compose != nil {
			msgs, err := compose(b)
			if err != nil {
				return fmt.Errorf("compose cancellation emails: %w", err)
			}
			if err := s.queueMessages(ctx, tx, msgs, now); err != nil {
				return err
			}
		}
		cancelled := b
		s.afterCommit(func() { s.occupancy.removeBooking(cancelled.RoomID, cancelled.Start, cancelled.End) })
		return nil
	})
	return b, err
}

// Interval is a span of time during which a room (or, with Room "", every room) is taken.
type Interval struct {
	Room       string
	Start, End time.Time
}

// AddBlackout closes a room (or every room when room is "") for [start, end),
// and records who did.
func (s *Store) AddBlackout(ctx context.Context, room string, start, end time.Time, reason, actor string, now time.Time) (int64, error) {
	var id int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		var roomArg any
		if room != "" {
			roomArg = room
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO blackouts (room_id, start_at, end_at, reason, created_at) VALUES (?, ?, ?, ?, ?)",
			roomArg, start.Unix(), end.Unix(), reason, now.Unix())
		if err != nil {
			return fmt.Errorf("add blackout: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if err := insertAudit(ctx, tx, now, actor, "blackout.added", "", fmt.Sprintf("blackout %d: room %q, %s to %s, %s",
			id, room, start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), reason)); err != nil {
			return err
		}
		// The mirror holds what the row holds: whole seconds.
		s.afterCommit(func() {
			s.occupancy.setBlackout(id, Interval{Room: room, Start: time.Unix(start.Unix(), 0).UTC(), End: time.Unix(end.Unix(), 0).UTC()})
		})
		return nil
	})
	return id, err
}
