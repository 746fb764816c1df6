package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// holdWriter runs a write that blocks the committer until the returned
// release is called, so that the writes sent meanwhile queue up and run as
// one batch; queued(n) waits until n requests wait in the queue.
func holdWriter(t *testing.T, s *Store) (queued func(n int), release func()) {
	t.Helper()
	entered, gate := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.write(context.Background(), func(tx *sql.Tx) error {
			close(entered)
			<-gate
			return nil
		})
	}()
	<-entered
	queued = func(n int) {
		t.Helper()
		for len(s.queue) < n {
			time.Sleep(time.Millisecond) // a condition: the queue's length, not a time
		}
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(gate)
			if err := <-done; err != nil {
				t.Errorf("the holding write: %v", err)
			}
		})
	}
	t.Cleanup(release)
	return queued, release
}

// One batch: each request keeps its own result. The one that fails is
// rolled back to its savepoint (its row is gone) and answered with its own
// error; the others commit, and their after-commit work runs in batch order.
func TestBatchKeepsEachRequestsResult(t *testing.T) {
	s := concurrentStore(t)
	db := openRaw(t, s)
	ctx := context.Background()
	queued, release := holdWriter(t, s)
	batches, writes := s.Batches.Load(), s.BatchedWrites.Load()

	const n = 20
	var (
		wg    sync.WaitGroup
		errs  = make([]error, n)
		order []int
		mu    sync.Mutex
	)
	mine := errors.New("request 7's own refusal")
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.write(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, 'x')", fmt.Sprintf("k%02d", i)); err != nil {
					return err
				}
				switch i {
				case 7:
					return mine // after its insert: the savepoint must undo it
				case 11:
					// A constraint error of SQLite's own, after an insert.
					_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('k11', 'again')")
					return err
				}
				s.afterCommit(func() { mu.Lock(); order = append(order, i); mu.Unlock() })
				return nil
			})
		}()
		queued(i + 1) // in order, so the batch's order is known
	}
	release()
	wg.Wait()

	for i, err := range errs {
		switch i {
		case 7:
			if !errors.Is(err, mine) {
				t.Errorf("request 7: %v, want its own error", err)
			}
		case 11:
			if err == nil || !isConstraint(err) {
				t.Errorf("request 11: %v, want its constraint error", err)
			}
		default:
			if err != nil {
				t.Errorf("request %d: %v", i, err)
			}
		}
	}
	if got := count(t, db, "SELECT count(*) FROM settings WHERE key LIKE 'k__'"); got != n-2 {
		t.Errorf("%d rows committed, want %d", got, n-2)
	}
	for _, k := range []string{"k07", "k11"} {
		if got := count(t, db, "SELECT count(*) FROM settings WHERE key = ?", k); got != 0 {
			t.Errorf("the failed request's row %s was committed", k)
		}
	}
	if b, w := s.Batches.Load()-batches, s.BatchedWrites.Load()-writes; b != 1 || w != n {
		t.Errorf("%d batches holding %d writes, want 1 holding %d", b, w, n)
	}
	for i := 1; i < len(order); i++ {
		if order[i] < order[i-1] {
			t.Fatalf("after-commit work out of batch order: %v", order)
		}
	}
	if len(order) != n-2 {
		t.Errorf("after-commit work ran %d times, want %d", len(order), n-2)
	}
}

// A COMMIT that fails runs every request of the batch again alone: each is
// answered once, committed once.
func TestFailedCommitRunsEachAlone(t *testing.T) {
	s := concurrentStore(t)
	db := openRaw(t, s)
	ctx := context.Background()
	var failed atomic.Bool
	s.failCommit = func(n int) bool { return n > 1 && failed.CompareAndSwap(false, true) } // the first batch's COMMIT only
	queued, release := holdWriter(t, s)
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	var runs atomic.Int32
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.write(ctx, func(tx *sql.Tx) error {
				runs.Add(1)
				_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, 'x')", fmt.Sprintf("c%02d", i))
				return err
			})
		}()
	}
	queued(n)
	release()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	if got := count(t, db, "SELECT count(*) FROM settings WHERE key LIKE 'c__'"); got != n {
		t.Errorf("%d rows, want %d", got, n)
	}
	if r := runs.Load(); r != 2*n {
		t.Errorf("requests ran %d times, want %d (once in the failed batch, once alone)", r, 2*n)
	}
}

// A caller may give up while its request is queued: it gets ErrBusy and its
// write never runs. The others in the queue are unaffected.
func TestGivingUpWhileQueued(t *testing.T) {
	s := openTestStore(t, nil)
	s.limits.WriteWait = 2 * time.Minute
	queued, release := holdWriter(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	ran := atomic.Bool{}
	done := make(chan error, 1)
	go func() {
		done <- s.write(ctx, func(tx *sql.Tx) error { ran.Store(true); return nil })
	}()
	other := make(chan error, 1)
	go func() {
		queued(1)
		other <- s.write(context.Background(), func(tx *sql.Tx) error { return nil })
	}()
	queued(2)
	cancel()
	if err := <-done; !errors.Is(err, ErrBusy) {
		t.Errorf("given up: %v, want ErrBusy", err)
	}
	release()
	if err := <-other; err != nil {
		t.Errorf("the other request: %v", err)
	}
	if ran.Load() {
		t.Error("the abandoned request ran")
	}
}

// Two requests with the same Idempotency-Key in one batch: one booking, and
// both callers get it.
func TestIdempotencyRaceInOneBatch(t *testing.T) {
	s := concurrentStore(t)
	db := openRaw(t, s)
	queued, release := holdWriter(t, s)
	const n = 8
	var wg sync.WaitGroup
	got := make([]Booking, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nb := newBooking(at(10, 0), "a", "b")
			nb.IdempotencyKey, nb.Fingerprint, nb.IdempotencyTTL = "key-same", strings.Repeat("f", 64), time.Hour
			got[i], _, errs[i] = s.CreateBooking(context.Background(), nb)
		}()
	}
	queued(n)
	release()
	wg.Wait()
	for i := range n {
		if errs[i] != nil || got[i].ID != got[0].ID {
			t.Errorf("request %d: %v, booking %s; want %s", i, errs[i], got[i].ID, got[0].ID)
		}
	}
	if c := count(t, db, "SELECT count(*) FROM bookings"); c != 1 {
		t.Errorf("%d bookings, want 1", c)
	}
}

// Hundreds of writers race for each of many starts while batches commit:
// exactly one booking per start and room, none overlapping, and batches
// hold more than one booking (several per fsync).
func TestBatchedBookingsNeverOverlap(t *testing.T) {
	s := concurrentStore(t)
	db := openRaw(t, s)
	batches, writes := s.Batches.Load(), s.BatchedWrites.Load()
	const starts, racers = 50, 16
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for k := range starts {
		for range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				_, _, err := s.CreateBooking(context.Background(), newBooking(at(0, 0).Add(time.Duration(k)*3*time.Hour), "a"))
				if err != nil && !errors.Is(err, ErrSlotTaken) {
					t.Errorf("start %d: %v", k, err)
				}
			}()
		}
	}
	close(gate)
	wg.Wait()
	// Starts three hours apart: exactly one winner each.
	if c := count(t, db, "SELECT count(*) FROM bookings"); c != starts {
		t.Errorf("%d bookings, want %d", c, starts)
	}
	if c := count(t, db, "SELECT count(*) FROM (SELECT start_at FROM bookings GROUP BY start_at HAVING count(*) <> 1)"); c != 0 {
		t.Errorf("%d starts without exactly one winner", c)
	}
	if c := count(t, db, `SELECT count(*) FROM bookings a JOIN bookings b ON a.room_id = b.room_id AND a.id < b.id
		AND a.start_at < b.end_at AND b.start_at < a.end_at WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'`); c != 0 {
		t.Errorf("%d overlapping pairs", c)
	}
	b, w := s.Batches.Load()-batches, s.BatchedWrites.Load()-writes
	t.Logf("%d writes in %d batches", w, b)
	if w != starts*racers {
		t.Errorf("%d writes counted, want %d", w, starts*racers)
	}
}
