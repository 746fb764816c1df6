package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var (
	// ErrCorrupt means the database file is damaged: restore a backup.
	ErrCorrupt = errors.New("the database file is damaged")
	// ErrDiskFull means a write found no space on the disk; reads still work
	// and nothing acknowledged is lost: writes succeed again once there is room.
	ErrDiskFull = errors.New("the disk is full")
)

// integrityState records what the store knows of its file's health.
type integrityState struct {
	damaged atomic.Bool
	// checked is closed when the start-up quick_check has finished; err is
	// its verdict (nil: intact). Once gate is set (HoldWritesUntilChecked),
	// writes wait for the verdict.
	checked chan struct{}
	err     error
	gate    atomic.Bool
	cancel  context.CancelFunc
}

// startIntegrityCheck runs PRAGMA quick_check (every page of every table and
// index readable and well formed; the full integrity_check is the backups'
// job) on a connection of its own, and waits for it at most
// Limits.IntegrityWait: a damaged file found within it is refused at once; a
// larger file goes on being checked while reads are served, and writes wait
// for the verdict (answering 503 with Retry-After meanwhile).
func (s *Store) startIntegrityCheck(ctx context.Context) error {
	s.integrity.checked = make(chan struct{})
	checkCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.integrity.cancel = cancel
	go func() {
		defer close(s.integrity.checked)
		s.integrity.err = s.quickCheck(checkCtx)
		if s.integrity.err != nil && errors.Is(s.integrity.err, ErrCorrupt) {
			s.integrity.damaged.Store(true)
		}
	}()
	select {
	case <-s.integrity.checked:
		return s.integrity.err
	case <-time.After(max(s.limits.IntegrityWait, 0)):
		return nil
	}
}

// HoldWritesUntilChecked makes every write from now on wait for the start-up
// check's verdict (and fail with ErrCorrupt if it found damage). The server
// calls it once its own start-up writes are done, just before it serves.
func (s *Store) HoldWritesUntilChecked() { s.integrity.gate.Store(true) }

// IntegrityChecked is closed once the start-up check has finished; then
// IntegrityErr is its verdict.
func (s *Store) IntegrityChecked() <-chan struct{} { return s.integrity.checked }

// IntegrityErr is the start-up check's verdict (valid once IntegrityChecked
// is closed): nil, or an error wrapping ErrCorrupt with SQLite's findings.
func (s *Store) IntegrityErr() error { return s.integrity.err }

// awaitIntegrity holds a write until the start-up check has said the file
// is intact: ErrBusy if the check outlasts ctx, ErrCorrupt if it found damage.
func (s *Store) awaitIntegrity(ctx context.Context) error {
	if !s.integrity.gate.Load() {
		return nil
	}
	select {
	case <-s.integrity.checked:
	case <-ctx.Done():
		return fmt.Errorf("%w: the database is still being checked after start-up", ErrBusy)
	}
	if errors.Is(s.integrity.err, ErrCorrupt) {
		return s.integrity.err
	}
	return nil
}

// stopIntegrityCheck ends a check still running and waits for it.
func (s *Store) stopIntegrityCheck() {
	if s.integrity.cancel != nil {
		s.integrity.cancel()
		<-s.integrity.checked
	}
}

// quickCheck runs PRAGMA quick_check on a read-only connection of its own
// and returns ErrCorrupt with SQLite's first findings when it finds damage.
func (s *Store) quickCheck(ctx context.Context) error {
	db, err := sql.Open("sqlite", dsn(s.path, "query_only(1)"))
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check(20)")
	if err != nil {
		return s.classify(fmt.Errorf("check %s: %w", s.path, err))
	}
	defer rows.Close()
	var findings []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return s.classify(err)
		}
		findings = append(findings, line)
	}
	if err := rows.Err(); err != nil {
		return s.classify(fmt.Errorf("check %s: %w", s.path, err))
	}
	if len(findings) == 1 && findings[0] == "ok" {
		return nil
	}
	return fmt.Errorf("%w: %s: PRAGMA quick_check found: %s", ErrCorrupt, s.path, strings.Join(findings, "; "))
}

// classify marks err with ErrCorrupt or ErrDiskFull when SQLite or the file
// system says so, and remembers damage for Healthy.
func (s *Store) classify(err error) error {
	switch {
	case err == nil || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrDiskFull):
		return err
	case isCorrupt(err):
		s.integrity.damaged.Store(true)
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	case isDiskFull(err):
		return fmt.Errorf("%w: %v", ErrDiskFull, err)
	}
	return err
}

func isCorrupt(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqlite3.SQLITE_CORRUPT || code == sqlite3.SQLITE_NOTADB
	}
	return false
}

func isDiskFull(err error) bool {
	var se *sqlite.Error
	// SQLITE_IOERR_SHMSIZE: the -shm file could not grow (ENOSPC on its mmap).
	if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_FULL || se.Code() == sqlite3.SQLITE_IOERR_SHMSIZE) {
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}

// Health is what /healthz and /metrics tell of the database file.
type Health struct {
	// Intact is false once a check or a query found the file damaged.
	Intact bool
	// Checking is true while the start-up check still runs.
	Checking bool
	// DiskFreeBytes is the space left to the database's directory; valid
	// when DiskKnown (statfs may fail, for example on some network mounts).
	DiskFreeBytes uint64
	DiskKnown     bool
}

// Health reports the file's integrity as last seen and the disk space left.
func (s *Store) Health() Health {
	h := Health{Intact: !s.integrity.damaged.Load()}
	select {
	case <-s.integrity.checked:
	default:
		h.Checking = true
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(s.path), &st); err == nil {
		h.DiskFreeBytes, h.DiskKnown = st.Bavail*uint64(st.Bsize), true
	}
	return h
}
