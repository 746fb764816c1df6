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

	u, err := s.Maintain(ctx, testNow, ttl, 30*24*time.Hour)
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
	u, err := s.Maintain(ctx, testNow, 24*time.Hour, 30*24*time.Hour)
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
	u, err := s.Maintain(ctx, testNow, 24*time.Hour, 30*24*time.Hour)
	if err != nil {
		t.Fatalf("Maintain with a reader: %v", err)
	}
	if u.WALTruncated {
		t.Errorf("WAL reported truncated while a reader held an older snapshot")
	}
	_ = tx.Rollback()
	if u, err = s.Maintain(ctx, testNow, 24*time.Hour, 30*24*time.Hour); err != nil || !u.WALTruncated {
		t.Errorf("Maintain after the reader ended: %+v, %v; want truncated", u, err)
	}
}

// Maintain empties the bodies of mail sent before the retention, keeping what
// was sent, to whom and when; recent mail and mail not sent yet keep theirs.
func TestMaintainPurgesOldMailBodies(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	ctx := context.Background()
	msg := func(b Booking) ([]Message, error) {
		return []Message{{Kind: "confirmation", BookingID: b.ID, Recipient: "grace@example.com", Subject: "Booked",
			Text: "the body", HTML: "<p>the body</p>", ICS: "BEGIN:VCALENDAR", ICSMethod: "PUBLISH"}}, nil
	}
	for i := 0; i < 3; i++ {
		nb := newBooking(at(10+2*i, 0), "a")
		nb.Compose = msg
		mustCreate(t, s, nb)
	}
	claimed, err := s.ClaimDueMessages(ctx, testNow, 10, time.Hour)
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claimed %d, %v", len(claimed), err)
	}
	old, recent := testNow.Add(-40*24*time.Hour), testNow.Add(-24*time.Hour)
	if err := s.MarkMessageSent(ctx, claimed[0].ID, "primary", old); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkMessageSent(ctx, claimed[1].ID, "primary", recent); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkMessageFailed(ctx, claimed[2].ID, "421 try later", testNow, false, old); err != nil {
		t.Fatal(err)
	}
	u, err := s.Maintain(ctx, testNow, 24*time.Hour, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if u.MailBodiesPurged != 1 {
		t.Errorf("purged %d bodies, want 1", u.MailBodiesPurged)
	}
	var text, html, ics, subject, recipient string
	var sentAt int64
	if err := db.QueryRow("SELECT body_text, body_html, ics, subject, recipient, sent_at FROM outbox WHERE id = ?", claimed[0].ID).
		Scan(&text, &html, &ics, &subject, &recipient, &sentAt); err != nil {
		t.Fatal(err)
	}
	if text != "" || html != "" || ics != "" || subject != "Booked" || recipient != "grace@example.com" || sentAt != old.Unix() {
		t.Errorf("old sent message after purge: %q %q %q %q %q %d", text, html, ics, subject, recipient, sentAt)
	}
	if n := count(t, db, "SELECT count(*) FROM outbox WHERE body_text = 'the body'"); n != 2 {
		t.Errorf("%d messages keep their body, want 2 (the recent one and the failed one)", n)
	}
}

// A backup gives back the space the WAL took while it ran.
func TestBackupTruncatesWAL(t *testing.T) {
	s := openTestStore(t, nil)
	for i := 0; i < 30; i++ {
		mustCreate(t, s, newBooking(at(0, 0).Add(time.Duration(i)*3*time.Hour), "a"))
	}
	if st, err := os.Stat(s.Path() + "-wal"); err != nil || st.Size() == 0 {
		t.Fatalf("WAL before the backup: %v", err)
	}
	if _, err := s.Backup(context.Background(), t.TempDir(), 3, testNow); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(s.Path() + "-wal"); err != nil || st.Size() != 0 {
		t.Errorf("WAL after the backup: %v, size %d, want 0", err, st.Size())
	}
}
