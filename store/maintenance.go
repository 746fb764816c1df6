package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Upkeep is what one run of Maintain did.
type Upkeep struct {
	// IdempotencyKeysPruned counts the expired idempotency keys deleted.
	IdempotencyKeysPruned int64
	// WALPages is the write-ahead log's size in pages before the checkpoint;
	// CheckpointedPages how many of them were copied into the database.
	WALPages, CheckpointedPages int
	// WALTruncated is false when a reader still held an old snapshot, so the
	// log could not be emptied this time (the next run tries again).
	WALTruncated bool
}

// Maintain is the nightly upkeep of the file: it deletes idempotency keys older
// than keyTTL (they are never answered again), lets SQLite refresh its query
// planner statistics (PRAGMA optimize), and copies the write-ahead log into the
// database and truncates it (PRAGMA wal_checkpoint(TRUNCATE)), so the WAL does
// not keep the size of its busiest moment.
func (s *Store) Maintain(ctx context.Context, now time.Time, keyTTL time.Duration) (Upkeep, error) {
	var u Upkeep
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE created_at < ?", now.Add(-keyTTL).Unix())
		if err != nil {
			return fmt.Errorf("prune idempotency keys: %w", err)
		}
		u.IdempotencyKeysPruned, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return u, err
	}
	// Neither pragma may run inside a transaction: they run on the writer
	// connection itself, holding it so that no write interleaves.
	err = s.withWriter(ctx, func(conn *sql.Conn) error {
		// 0x10002: analyse every table that would benefit, including ones not
		// queried on this connection (the readers run the queries).
		if _, err := conn.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
			return fmt.Errorf("optimize: %w", err)
		}
		// TRUNCATE waits for readers through the busy handler, holding the
		// writer meanwhile: wait a moment only, and let the next run retry.
		if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 250"); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeoutMS))
		var busy int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &u.WALPages, &u.CheckpointedPages); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		u.WALTruncated = busy == 0
		return nil
	})
	return u, err
}
