package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

const bookingTotalsSQL = `SELECT tier_id, room_id, status, count(*), sum(guests), sum(price_cents), sum(end_at - start_at)
	FROM bookings WHERE start_at >= ?1 AND start_at < ?2
	GROUP BY tier_id, room_id, status ORDER BY tier_id, room_id, status`

// The page seeks bookings_start from the last page's start (the row value
// alone does not bound the index range) and reads it in order, sorting only
// the bookings that share a start; named, as statistics tempt the planner to
// a skip-scan of bookings_tier_start and a sort of the whole range per page.
var eachBookingSQL = "SELECT " + bookingColumns + ` FROM bookings AS b INDEXED BY bookings_start
	LEFT JOIN parking_permits AS p ON p.booking_id = b.id
	WHERE b.start_at >= max(?1, ?4) AND b.start_at < ?2 AND (?3 = '' OR b.status = ?3)
	  AND (b.start_at, b.room_id, b.id) > (?4, ?5, ?6)
	ORDER BY b.start_at, b.room_id, b.id LIMIT ?7`

// Totals is one group of bookings that start in a period: those of one tier,
// room and status, with their count, guests, price and booked time.
type Totals struct {
	TierID, RoomID, Status string
	Bookings, Guests       int
	PriceCents             int64
	BookedSeconds          int64
}

// BookingTotals sums the bookings starting in [from, to) by tier, room and
// status, in SQL: a year of a busy venue is a few index range scans, never
// its rows in memory.
func (s *Store) BookingTotals(ctx context.Context, from, to time.Time) ([]Totals, error) {
	var out []Totals
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryAll(ctx, tx, func(r rowScanner) (Totals, error) {
			var t Totals
			err := r.Scan(&t.TierID, &t.RoomID, &t.Status, &t.Bookings, &t.Guests, &t.PriceCents, &t.BookedSeconds)
			return t, err
		}, bookingTotalsSQL, from.Unix(), to.Unix())
		if err != nil {
			return fmt.Errorf("booking totals: %w", err)
		}
		return nil
	})
	return out, err
}

// exportPage is how many bookings EachBooking reads per read transaction.
const exportPage = 500

// EachBooking calls fn with every booking matching f (From, To, Status;
// Query and Limit are ignored), by start, room and id. It reads a page at a
// time, each in a short read transaction of its own, so memory stays bounded,
// no snapshot is held for long (checkpoints go on), and no single read limit
// caps how many years can be exported. fn runs between reads.
func (s *Store) EachBooking(ctx context.Context, f BookingFilter, fn func(Booking) error) error {
	afterStart, afterRoom, afterID := f.From.Unix()-1, "", ""
	for {
		var page []Booking
		err := s.read(ctx, func(tx *sql.Tx) error {
			var err error
			page, err = queryAll(ctx, tx, scanBooking, eachBookingSQL,
				f.From.Unix(), f.To.Unix(), f.Status, afterStart, afterRoom, afterID, exportPage)
			return err
		})
		if err != nil {
			return fmt.Errorf("read bookings: %w", err)
		}
		for _, b := range page {
			if err := fn(b); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			return nil
		}
		last := page[len(page)-1]
		afterStart, afterRoom, afterID = last.Start.Unix(), last.RoomID, last.ID
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}
