package store

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// Maintain deletes only expired idempotency keys: a live key still answers its
// retry afterwards, an expired one is gone from the file.
func TestMaintainPrunesExpiredIdempotencyKeys(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	ctx := context.Background()
	ttl := 24 * time.Hour
	old := newBooking(at(10, 0), "a")
	old.IdempotencyKey, old.Fingerprint, old.IdempotencyTTL, old.Now = "old-key-1", strings.Repeat("1", 64), ttl, testNow.Add(-25*time.Hour)
	fresh := newBooking(at(12, 0), "a")
	fresh.IdempotencyKey, fresh.Fingerprint, fresh.IdempotencyTTL, fresh.Now = "fresh-key-1", strings.Repeat("2", 64), ttl, testNow.Add(-time.Hour)
	mustCreate(t, s, old)
	mustCreate(t, s, fresh)

	u, err := s.Maintain(ctx, testNow, ttl)
	if err != nil {
		t.Fatalf("Maintain: %v", err)
	}
	if u.IdempotencyKeysPruned != 1 {
		t.Errorf("pruned %d keys, want 1", u.IdempotencyKeysPruned)
	}
	if n := count(t, db, "SELECT count(*) FROM idempotency_keys WHERE key = 'old-key-1'"); n != 0 {
		t.Errorf("expired key still stored")
	}
	if _, err := s.FindIdempotentBooking(ctx, "fresh-key-1", strings.Repeat("2", 64), testNow, ttl); err != nil {
		t.Errorf("live key after Maintain: %v", err)
	}
	if n := count(t, db, "SELECT count(*) FROM bookings"); n != 2 {
		t.Errorf("%d bookings after Maintain, want 2 (only keys are pruned)", n)
	}
}

// Maintain empties the write-ahead log once no reader holds an old snapshot,
// and leaves the planner statistics that PRAGMA optimize gathers.
func TestMaintainTruncatesWALAndOptimizes(t *testing.T) {
	s := openTestStore(t, nil)
	ctx := context.Background()
	for i := 0; i < 40; i++ {
		mustCreate(t, s, newBooking(at(0, 0).Add(time.Duration(i)*3*time.Hour), "a"))
	}
	wal := s.Path() + "-wal"
	st, err := os.Stat(wal)
	if err != nil || st.Size() == 0 {
		t.Fatalf("the WAL should hold the bookings before upkeep: %v, size %d", err, st.Size())
	}
	u, err := s.Maintain(ctx, testNow, 24*time.Hour)
	if err != nil {
		t.Fatalf("Maintain: %v", err)
	}
	if !u.WALTruncated {
		t.Fatalf("WAL not truncated with no reader active: %+v", u)
	}
	if st, err := os.Stat(wal); err != nil || st.Size() != 0 {
		t.Errorf("WAL after Maintain: %v, size %d, want 0", err, st.Size())
	}
	var stats int
	if err := s.reader.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'bookings'").Scan(&stats); err != nil {
		t.Fatalf("no planner statistics after PRAGMA optimize: %v", err)
	}
	if stats == 0 {
		t.Errorf("PRAGMA optimize left no statistics for bookings")
	}
	// The store still works, and the bookings are all there.
	mustCreate(t, s, newBooking(at(0, 0).Add(200*time.Hour), "a"))
	if err := Verify(ctx, s.Path()); err != nil {
		t.Errorf("Verify after Maintain: %v", err)
	}
}

// A reader holding a snapshot keeps the WAL from being truncated; Maintain says
// so instead of failing, and the next run succeeds.
func TestMaintainWithReaderHoldingSnapshot(t *testing.T) {
	s := openTestStore(t, nil)
	ctx := context.Background()
	mustCreate(t, s, newBooking(at(10, 0), "a"))
	tx, err := s.reader.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM bookings").Scan(&n); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, newBooking(at(14, 0), "a")) // a frame the reader's snapshot predates
	u, err := s.Maintain(ctx, testNow, 24*time.Hour)
	if err != nil {
		t.Fatalf("Maintain with a reader: %v", err)
	}
	if u.WALTruncated {
		t.Errorf("WAL reported truncated while a reader held an older snapshot")
	}
	_ = tx.Rollback()
	if u, err = s.Maintain(ctx, testNow, 24*time.Hour); err != nil || !u.WALTruncated {
		t.Errorf("Maintain after the reader ended: %+v, %v; want truncated", u, err)
	}
}
