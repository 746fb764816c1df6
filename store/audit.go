package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID        int64
	At        time.Time
	Actor     string
	Action    string
	BookingID string
	Details   string
}

func insertAudit(ctx context.Context, tx *sql.Tx, at time.Time, actor, action, bookingID, details string) error {
	if len(details) > 4000 {
		details = details[:4000]
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO audit_log (at, actor, action, booking_id, details) VALUES (?, ?, ?, ?, ?)",
		at.Unix(), actor, action, nullIfEmpty(bookingID), details)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Audit records an owner action that changed nothing else in the database.
func (s *Store) Audit(ctx context.Context, at time.Time, actor, action, bookingID, details string) error {
	return s.write(ctx, func(tx *sql.Tx) error { return insertAudit(ctx, tx, at, actor, action, bookingID, details) })
}

// ListAudit returns the newest audit entries, of one booking when bookingID is set.
func (s *Store) ListAudit(ctx context.Context, bookingID string, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, at, actor, action, coalesce(booking_id, ''), details FROM audit_log
			WHERE ?1 = '' OR booking_id = ?1 ORDER BY id DESC LIMIT ?2`, bookingID, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e AuditEntry
			var at int64
			if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.BookingID, &e.Details); err != nil {
				return err
			}
			e.At = time.Unix(at, 0).UTC()
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}
