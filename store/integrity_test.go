package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// openServer opens the store at path as the server does (AsServer).
func openServer(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, readSchema(t), AsServer())
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return s
}

// A clean stop leaves a mark that the next start takes: a start after a run
// that was not stopped (here: still open when the next one starts) finds none.
func TestCleanStopMark(t *testing.T) {
	path := filepath.Join(t.TempDir(), "venuebook.db")
	first := openServer(t, path)
	if first.CleanStart() {
		t.Error("a new file: CleanStart, want not (no run ever stopped)")
	}
	<-first.IntegrityChecked()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := openServer(t, path)
	if !second.CleanStart() {
		t.Fatal("after a clean stop: not CleanStart")
	}
	// second never stops (as if killed): the next start must not trust it.
	third := openServer(t, path)
	if third.CleanStart() {
		t.Error("after a run that did not stop: CleanStart")
	}
	<-third.IntegrityChecked()
	third.Close()
	second.Close()

	// A command run beside the server (AsServer not given) neither takes nor
	// leaves the mark.
	cmd := openStoreAt(t, path)
	if cmd.CleanStart() {
		t.Error("a command's store reports CleanStart")
	}
	if _, err := cmd.GetSetting(context.Background(), cleanStopKey); err != nil {
		t.Errorf("the command took the server's clean-stop mark: %v", err)
	}
}

// No mark after a run that saw damage, or whose own check, after an unclean
// start, was cut short by the stop.
func TestNoCleanStopMarkWithoutProof(t *testing.T) {
	path := filepath.Join(t.TempDir(), "venuebook.db")
	s := openServer(t, path)
	<-s.IntegrityChecked()
	s.integrity.damaged.Store(true) // as a query that met a corrupt page does
	s.Close()
	if again := openServer(t, path); again.CleanStart() {
		t.Error("after a run that saw damage: CleanStart")
	} else {
		// again's check never ended (as if the stop cut it short).
		<-again.IntegrityChecked()
		again.integrity.err = context.Canceled
		again.Close()
	}
	if last := openServer(t, path); last.CleanStart() {
		t.Error("after a run whose check was cut short on an unclean start: CleanStart")
	} else {
		<-last.IntegrityChecked()
		last.Close()
	}
}

// While the start-up check runs, writes wait for it after an unclean stop
// and go on after a clean one; damage found then refuses them either way.
func TestWritesAndTheStartUpCheck(t *testing.T) {
	ctx := context.Background()
	for _, clean := range []bool{false, true} {
		s := openServer(t, filepath.Join(t.TempDir(), "venuebook.db"))
		<-s.IntegrityChecked()
		// A check still running: its channel not yet closed.
		s.integrity.checked = make(chan struct{})
		s.integrity.err = nil
		s.integrity.cleanStart = clean
		s.HoldWritesUntilChecked()
		waitCtx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		err := s.SetSetting(waitCtx, "during", "x")
		cancel()
		switch {
		case clean && err != nil:
			t.Errorf("after a clean stop, a write during the check: %v, want it done", err)
		case !clean && !errors.Is(err, ErrBusy):
			t.Errorf("after an unclean stop, a write during the check: %v, want ErrBusy", err)
		}
		s.integrity.err = ErrCorrupt
		close(s.integrity.checked)
		if err := s.SetSetting(ctx, "after", "x"); !errors.Is(err, ErrCorrupt) {
			t.Errorf("clean=%v: a write after damage was found: %v, want ErrCorrupt", clean, err)
		}
		s.integrity.err = nil
		s.Close()
	}
}
