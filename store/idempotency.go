package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

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
