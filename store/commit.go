package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
)

// Group commit. Every write goes through one queue, served by one committer
// that runs what is waiting (at most maxBatch, never waiting for more) in one
// BEGIN IMMEDIATE transaction, each request in its own SAVEPOINT, then one
// COMMIT: several bookings per fsync. Each request keeps its own rules,
// result and error: one that fails is rolled back to its savepoint and
// answered with its error while the others commit. When the batch itself
// fails (COMMIT, or a savepoint SQLite dropped with the transaction), every
// request of it runs again alone, in its own transaction. A request is
// answered only after the COMMIT that holds it returned (synchronous=FULL):
// an acknowledged write is on disk, as before group commit. The occupancy
// mirror and the other after-commit work change after the COMMIT, in batch
// order. A caller may give up only while its request is still queued.

// maxBatch bounds a batch: a long batch would hold its first request's
// answer back for the last one's work.
const maxBatch = 64

// Request states.
const (
	reqQueued int32 = iota
	reqRunning
	reqAbandoned
)

// writeReq is one write waiting for, or run by, the committer.
type writeReq struct {
	fn    func(tx *sql.Tx) error
	state atomic.Int32
	// err and pending are the request's result: its error, and what to do
	// once its batch has committed (its afterCommit calls).
	err     error
	pending []func()
	done    chan struct{}
}

// errClosed answers a write sent after Close.
var errClosed = errors.New("store closed")

// write runs fn in the single writer's transaction, as one request of a
// batch. fn must touch nothing but tx and afterCommit: a failed batch runs it
// again. It waits for the integrity check when that holds writes, and at
// most the write wait for the committer to take the request (ErrBusy past
// it); once taken, it waits for the answer.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	waitCtx, cancelWait := context.WithTimeout(ctx, s.limits.WriteWait)
	defer cancelWait()
	if err := s.awaitIntegrity(waitCtx); err != nil {
		return s.classify(err)
	}
	s.commitOnce.Do(s.startCommitter)
	r := &writeReq{fn: fn, done: make(chan struct{})}
	select {
	case <-s.stopping:
		return errClosed
	default:
	}
	select {
	case s.queue <- r:
	case <-s.stopping:
		return errClosed
	case <-waitCtx.Done():
		return fmt.Errorf("%w: waiting for the writer: %v", ErrBusy, waitCtx.Err())
	}
	select {
	case <-r.done:
	case <-s.committed:
		// The committer has stopped (Close): a request it never took is
		// answered here.
		if r.state.CompareAndSwap(reqQueued, reqAbandoned) {
			return errClosed
		}
		<-r.done
	case <-waitCtx.Done():
		if r.state.CompareAndSwap(reqQueued, reqAbandoned) {
			return fmt.Errorf("%w: waiting for the writer: %v", ErrBusy, waitCtx.Err())
		}
		<-r.done // taken: its answer is on its way
	}
	return s.classify(r.err)
}

func (s *Store) startCommitter() {
	s.queue = make(chan *writeReq, 4*maxBatch)
	s.committed = make(chan struct{})
	go s.commitLoop()
}

// stopCommitter answers what is queued and stops the committer (Close).
func (s *Store) stopCommitter() {
	s.commitOnce.Do(s.startCommitter)
	s.stopOnce.Do(func() { close(s.stopping) })
	<-s.committed
}

func (s *Store) commitLoop() {
	defer close(s.committed)
	batch := make([]*writeReq, 0, maxBatch)
	for {
		batch = batch[:0]
		select {
		case r := <-s.queue:
			batch = append(batch, r)
		case <-s.stopping:
			// Answer what came before the stop, then leave.
			for {
				select {
				case r := <-s.queue:
					s.runBatch([]*writeReq{r})
				default:
					return
				}
			}
		}
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-s.queue:
				batch = append(batch, r)
			default:
				break more
			}
		}
		s.runBatch(batch)
	}
}

// runBatch takes the requests whose callers still wait, runs them as one
// transaction, and answers each; a batch that fails as a whole runs each
// request again alone.
func (s *Store) runBatch(batch []*writeReq) {
	live := batch[:0]
	for _, r := range batch {
		if r.state.CompareAndSwap(reqQueued, reqRunning) {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		return
	}
	s.Batches.Add(1)
	s.BatchedWrites.Add(int64(len(live)))
	err := s.commit(live)
	if err == nil {
		return
	}
	if len(live) == 1 {
		live[0].err = err
		live[0].pending = nil
		close(live[0].done)
		return
	}
	for _, r := range live {
		r.err, r.pending = nil, nil
		if err := s.commit([]*writeReq{r}); err != nil {
			r.err = err
			close(r.done)
		}
	}
}

// commit runs reqs in one transaction and, when it commits, runs their
// after-commit work in order and answers them. An error is the batch's own
// (begin, a savepoint, the commit): then no request is answered.
func (s *Store) commit(reqs []*writeReq) error {
	return s.withWriterConn(func(conn *sql.Conn) error {
		// The transaction's context is no caller's: a caller that gives up
		// must not roll back the others' batch.
		txCtx, cancelTx := context.WithTimeout(context.Background(), s.limits.WriteTimeout)
		defer cancelTx()
		tx, err := conn.BeginTx(txCtx, nil)
		if err != nil {
			if isBusy(err) {
				return fmt.Errorf("%w: %v", ErrBusy, err)
			}
			return fmt.Errorf("begin: %w", err)
		}
		alone := len(reqs) == 1
		for _, r := range reqs {
			s.pending = s.pending[:0]
			if !alone {
				if _, err := tx.ExecContext(txCtx, "SAVEPOINT request"); err != nil {
					_ = tx.Rollback()
					return fmt.Errorf("savepoint: %w", err)
				}
			}
			ferr := r.fn(tx)
			switch {
			case ferr != nil && alone:
				_ = tx.Rollback()
				r.err, r.pending = ferr, nil
				s.pending = s.pending[:0]
				close(r.done)
				return nil
			case ferr != nil:
				// SQLite may have ended the whole transaction (a full disk, an
				// I/O error): then the savepoint is gone and the batch fails.
				if _, err := tx.ExecContext(txCtx, "ROLLBACK TO request"); err != nil {
					_ = tx.Rollback()
					return fmt.Errorf("roll back to savepoint after %v: %w", ferr, err)
				}
				r.err, r.pending = ferr, nil
			default:
				r.err, r.pending = nil, append([]func(){}, s.pending...)
			}
			if !alone {
				if _, err := tx.ExecContext(txCtx, "RELEASE request"); err != nil {
					_ = tx.Rollback()
					return fmt.Errorf("release savepoint: %w", err)
				}
			}
		}
		s.pending = s.pending[:0]
		if err := s.commitTx(tx, len(reqs)); err != nil {
			return err
		}
		// Still holding the writer, so mirrors change in commit order.
		for _, r := range reqs {
			for _, f := range r.pending {
				f()
			}
			r.pending = nil
			close(r.done)
		}
		return nil
	})
}

// commitTx is tx.Commit of a batch of n; tests make it fail (failCommit).
func (s *Store) commitTx(tx *sql.Tx, n int) error {
	if f := s.failCommit; f != nil && f(n) {
		_ = tx.Rollback()
		return errors.New("commit: injected failure")
	}
	if err := tx.Commit(); err != nil {
		if isBusy(err) {
			return fmt.Errorf("%w: %v", ErrBusy, err)
		}
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// withWriterConn runs fn holding the writer connection, however long the
// wait (the committer, whose callers bound their own wait).
func (s *Store) withWriterConn(fn func(conn *sql.Conn) error) error {
	conn, err := s.writer.Conn(context.Background())
	if err != nil {
		return fmt.Errorf("writer connection: %w", err)
	}
	defer conn.Close()
	return fn(conn)
}
