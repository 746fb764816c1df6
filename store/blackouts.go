package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Blackout is a closed period of a room (Room "" = every room).
type Blackout struct {
	ID         int64
	Room       string
	Start, End time.Time
	Reason     string
}

// ListBlackouts returns the blackouts that end after since, by start.
func (s *Store) ListBlackouts(ctx context.Context, since time.Time) ([]Blackout, error) {
	var out []Blackout
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT id, coalesce(room_id, ''), start_at, end_at, reason FROM blackouts WHERE end_at > ? ORDER BY start_at", since.Unix())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b Blackout
			var start, end int64
			if err := rows.Scan(&b.ID, &b.Room, &start, &end, &b.Reason); err != nil {
				return err
			}
			b.Start, b.End = time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC()
			out = append(out, b)
		}
		return rows.Err()
	})
	return out, err
}

// DeleteBlackout removes a blackout and records who did; ErrNotFound if none.
func (s *Store) DeleteBlackout(ctx context.Context, id int64, actor string, now time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM blackouts WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete blackout: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		if err := insertAudit(ctx, tx, now, actor, "blackout.deleted", "", fmt.Sprintf("blackout %d", id)); err != nil {
			return err
		}
		s.afterCommit(func() { s.occupancy.deleteBlackout(id) })
		return nil
	})
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
