package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

func TestConnectionPragmas(t *testing.T) {
	s := openTestStore(t, nil)
	ctx := context.Background()
	pragma := func(db *sql.DB, name string) string {
		t.Helper()
		var v string
		if err := db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	for _, c := range []struct {
		db        *sql.DB
		who, name string
		want      string
	}{
		{s.writer, "writer", "journal_mode", "wal"},
		{s.writer, "writer", "synchronous", "2"}, // FULL
		{s.writer, "writer", "foreign_keys", "1"},
		{s.writer, "writer", "busy_timeout", "5000"},
		{s.reader, "reader", "foreign_keys", "1"},
		{s.reader, "reader", "query_only", "1"},
		{s.reader, "reader", "busy_timeout", "5000"},
	} {
		if got := pragma(c.db, c.name); got != c.want {
			t.Errorf("%s: PRAGMA %s = %s, want %s", c.who, c.name, got, c.want)
		}
	}
	if _, err := s.reader.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('x', 'y')"); err == nil {
		t.Error("the reader pool accepted a write")
	}
	if s.writer.Stats().MaxOpenConnections != 1 {
		t.Errorf("writer allows %d connections, want 1", s.writer.Stats().MaxOpenConnections)
	}
}

// The database file lands at exactly the path given, whatever characters it has.
func TestOpenPathWithSpecialCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my venue #1 %20 ?x=y&z")
	path := filepath.Join(dir, "venue book.db")
	s := openStoreAt(t, path)
	if err := s.SyncCatalog(context.Background(), testCatalog()); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, newBooking(at(10, 0), "a"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("directory %q: %v", dir, err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %q (directory holds %q): %v", path, names, err)
	}
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
}

// A writer held by one transaction makes another give up after WriteWait with ErrBusy.
func TestWriteWaitGivesErrBusy(t *testing.T) {
	s := openTestStore(t, nil)
	ctx := context.Background()
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.write(ctx, func(tx *sql.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	// The writer stays held until release, so this short wait runs out
	// however fast or slow the machine is.
	s.limits.WriteWait = 20 * time.Millisecond
	_, _, err := s.CreateBooking(ctx, newBooking(at(10, 0), "a"))
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("holding write: %v", err)
	}
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("CreateBooking while the writer is held: err %v, want ErrBusy", err)
	}
	// Once free, the writer serves again (a wait that must not run out).
	s.limits.WriteWait = 2 * time.Minute
	mustCreate(t, s, newBooking(at(10, 0), "a"))
}

// A failed write function rolls its transaction back.
func TestWriteRollsBackOnError(t *testing.T) {
	s := openTestStore(t, nil)
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec("INSERT INTO settings (key, value) VALUES ('k', 'v')"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	if _, err := s.GetSetting(ctx, "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("setting of a failed write exists: err %v", err)
	}
}

func TestNewIDAndReference(t *testing.T) {
	idRE := regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{26}$`)
	seenID, seenRef := map[string]bool{}, map[string]bool{}
	for range 2000 {
		id, ref := newID(), newReference()
		if !idRE.MatchString(id) {
			t.Fatalf("newID() = %q", id)
		}
		if !referenceRE.MatchString(ref) {
			t.Fatalf("newReference() = %q", ref)
		}
		if seenID[id] {
			t.Fatalf("newID repeated %q", id)
		}
		seenID[id], seenRef[ref] = true, true
	}
	// 2000 draws from 25^6 ≈ 2.4e8 references: a handful of repeats at most.
	if len(seenRef) < 1990 {
		t.Errorf("only %d distinct references in 2000", len(seenRef))
	}
	// encodeBase32 of all-zero and all-one bytes.
	if got := encodeBase32(make([]byte, 16), 26); got != "00000000000000000000000000" {
		t.Errorf("encodeBase32(zeros) = %q", got)
	}
	ones := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if got := encodeBase32(ones, 26); got != "zzzzzzzzzzzzzzzzzzzzzzzzzw" {
		t.Errorf("encodeBase32(ones) = %q", got)
	}
}

// write begins with BEGIN IMMEDIATE: the write lock is held from the start of
// the transaction, before any statement writes, so a read-then-write never
// meets SQLITE_BUSY halfway. Meanwhile readers still read (WAL).
func TestWriteHoldsWriteLockFromBegin(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	booked := mustCreate(t, s, newBooking(at(10, 0), "a"))
	// A second connection that does not wait for locks.
	other, err := sql.Open("sqlite", "file:"+s.Path()+"?_pragma=busy_timeout(0)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.write(ctx, func(tx *sql.Tx) error {
			close(holding) // nothing written yet
			<-release
			return nil
		})
	}()
	<-holding
	_, insertErr := other.Exec("INSERT INTO settings (key, value) VALUES ('other', 'x')")
	got, readErr := s.FindBookingByID(ctx, booked.ID)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if insertErr == nil || !isBusy(insertErr) {
		t.Errorf("insert from another connection during a store write: err %v, want SQLITE_BUSY", insertErr)
	}
	if readErr != nil || got.ID != booked.ID {
		t.Errorf("read during a store write: %v", readErr)
	}
	// Once the write ends, the other connection can write.
	if _, err := other.Exec("INSERT INTO settings (key, value) VALUES ('other', 'x')"); err != nil {
		t.Errorf("insert after the store write: %v", err)
	}
}
