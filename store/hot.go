package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// hotStatements are the statements every booking runs, prepared once on the
// writer connection: preparing them anew each time was a quarter of a
// booking's cost. A transaction uses them through tx.StmtContext.
type hotStatements struct {
	freeRoom      *sql.Stmt
	insertBooking *sql.Stmt
	insertOutbox  *sql.Stmt
}

// freeRoomSQL tells whether a room is taken during [?2, ?3) by an active
// booking (cleaning gap included, the look-up bounded below by the longest
// booking) or by a blackout of it or of every room.
const freeRoomSQL = `SELECT EXISTS (
				SELECT 1 FROM bookings AS b, venue_rules AS r
				WHERE r.id = 1 AND b.room_id = ?1
				  AND b.start_at > ?2 - r.cleaning_gap_s - r.max_duration_s
				  AND b.start_at < ?3 + r.cleaning_gap_s
				  AND ?2 < b.end_at + r.cleaning_gap_s
				  AND b.status <> 'cancelled')
			OR EXISTS (
				SELECT 1 FROM blackouts WHERE (room_id = ?1 OR room_id IS NULL) AND start_at < ?3 AND end_at > ?2)`

const insertBookingSQL = `INSERT INTO bookings (id, reference, tier_id, package_id, room_id, start_at, end_at, guests,
			price_cents, currency, customer_name, customer_email, customer_phone, notes, status, sequence, created_at, updated_at,
			source, language, search_text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'confirmed', 0, ?, ?, ?, ?, ?)`

const insertOutboxSQL = `INSERT INTO outbox (kind, booking_id, recipient, subject, body_text, body_html, ics, ics_method,
				message_id, status, attempts, next_attempt_at, created_at, updated_at, reply_to)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)`

func (h *hotStatements) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{{&h.freeRoom, freeRoomSQL}, {&h.insertBooking, insertBookingSQL}, {&h.insertOutbox, insertOutboxSQL}} {
		stmt, err := db.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("prepare %.40q: %w", p.query, err)
		}
		*p.dst = stmt
	}
	return nil
}

func (h *hotStatements) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{h.freeRoom, h.insertBooking, h.insertOutbox} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}
