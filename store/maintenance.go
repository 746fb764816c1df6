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
	// MailBodiesPurged counts the sent messages whose bodies were dropped.
	MailBodiesPurged int64
}

// purgeBatch is how many messages one purge transaction empties, so that the
// writer is never held for long even on the first run over years of mail.
const purgeBatch = 2000

// Maintain is the nightly upkeep of the file: it deletes idempotency keys older
// than keyTTL (they are never answered again), empties the bodies of messages
// sent before now-mailRetention (keeping what was sent, to whom and when: kind,
// recipient, subject, Message-ID, times), lets SQLite refresh its query planner
// statistics (PRAGMA optimize), and copies the write-ahead log into the
// database and truncates it, so the WAL does not keep the size of its busiest
// moment.
func (s *Store) Maintain(ctx context.Context, now time.Time, keyTTL, mailRetention time.Duration) (Upkeep, error) {
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
	// In batches by id, each batch its own short transaction, so the first run
	// over years of mail never holds the writer for long nor rescans.
	cutoff := now.Add(-mailRetention).Unix()
	for after := int64(0); ; {
		var n, last int64
		err := s.write(ctx, func(tx *sql.Tx) error {
			// Walk the table by id ("+status": not the status index, which
			// without statistics would sort every sent message per batch).
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0), count(*) FROM (SELECT id FROM outbox
				WHERE id > ?1 AND +status = 'sent' AND sent_at < ?2 ORDER BY id LIMIT ?3)`, after, cutoff, purgeBatch).Scan(&last, &n); err != nil {
				return fmt.Errorf("purge sent mail bodies: %w", err)
			}
			res, err := tx.ExecContext(ctx, `UPDATE outbox SET body_text = '', body_html = '', ics = ''
				WHERE id > ?1 AND id <= ?2 AND status = 'sent' AND sent_at < ?3 AND (body_text <> '' OR body_html <> '' OR ics <> '')`,
				after, last, cutoff)
			if err != nil {
				return fmt.Errorf("purge sent mail bodies: %w", err)
			}
			purged, err := res.RowsAffected()
			u.MailBodiesPurged += purged
			return err
		})
		if err != nil {
			return u, err
		}
		if n < purgeBatch {
			break
		}
		after = last
	}
	err = s.withWriter(ctx, func(conn *sql.Conn) error {
		// 0x10002: analyse every table that would benefit, including ones not
		// queried on this connection (the readers run the queries).
		if _, err := conn.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
			return fmt.Errorf("optimize: %w", err)
		}
		return nil
	})
	if err != nil {
		return u, err
	}
	u.WALPages, u.CheckpointedPages, u.WALTruncated, err = s.TruncateWAL(ctx)
	return u, err
}

// TruncateWAL copies the write-ahead log into the database and empties it
// (PRAGMA wal_checkpoint(TRUNCATE)), holding the writer so that no write
// interleaves. truncated is false when a reader still held an old snapshot
// after a short wait; the log is then left for the next try.
func (s *Store) TruncateWAL(ctx context.Context) (walPages, checkpointed int, truncated bool, err error) {
	err = s.withWriter(ctx, func(conn *sql.Conn) error {
		// TRUNCATE waits for readers through the busy handler, holding the
		// writer meanwhile: wait a moment only, and let the next run retry.
		if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 250"); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeoutMS))
		var busy int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &walPages, &checkpointed); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		truncated = busy == 0
		return nil
	})
	return walPages, checkpointed, truncated, err
}
