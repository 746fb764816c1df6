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
	// cleanStart is true when the file's last run ended with a clean stop
	// (cleanStopKey was set): writes then go on while the check runs, and
	// stop only if it finds damage.
	cleanStart bool
}

// cleanStopKey is the setting a clean stop leaves behind (its time, Unix
// seconds) and the next start removes: its absence at a start means the last
// run was killed, lost its power or never finished its own start-up check.
const cleanStopKey = "clean_stop_at"

// takeCleanStop reads and removes the clean-stop mark: after it, only a
// clean stop of this run sets it again.
func (s *Store) takeCleanStop(ctx context.Context) error {
	if !s.server {
		return nil
	}
	var tables int
	if err := s.writer.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'settings'").Scan(&tables); err != nil {
		return s.classify(fmt.Errorf("read the clean-stop mark: %w", err))
	}
	if tables == 0 {
		return nil // a new file
	}
	var at string
	err := s.writer.QueryRowContext(ctx, "DELETE FROM settings WHERE key = ? RETURNING value", cleanStopKey).Scan(&at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		err = s.classify(fmt.Errorf("read the clean-stop mark: %w", err))
		if errors.Is(err, ErrDiskFull) {
			// The mark cannot go, so it is not trusted: writes wait for the
			// check, as after a crash, and the server still starts.
			return nil
		}
		return err
	}
	s.integrity.cleanStart = true
	return nil
}

// markCleanStop records, as the last write of a clean stop, that the file
// was left whole: unless damage was seen, and only when this run's check
// said the file is intact or this run itself began after a clean stop (a
// check cut short by the stop proves nothing new either way). A mark that
// cannot be written (a full disk) only means the next start holds writes
// until its check is done.
func (s *Store) markCleanStop() {
	if !s.server || s.integrity.damaged.Load() {
		return
	}
	select {
	case <-s.integrity.checked:
		if s.integrity.err != nil && !s.integrity.cleanStart {
			return
		}
	default:
		if !s.integrity.cleanStart {
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.limits.WriteTimeout)
	defer cancel()
	_, _ = s.writer.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
		cleanStopKey, fmt.Sprint(s.now().Unix()))
}

// CleanStart tells whether the last run on this file ended with a clean stop,
// so that writes do not wait for the start-up check.
func (s *Store) CleanStart() bool { return s.integrity.cleanStart }

// startIntegrityCheck runs PRAGMA quick_check (every page of every table and
// index readable and well formed; the full integrity_check is the backups'
// job) on a connection of its own, and waits for it at most
// Limits.IntegrityWait (after a clean stop at most cleanStartWait): a damaged
// file found within it is refused at once; a larger file goes on being
// checked while reads are served, and writes wait for the verdict (answering
// 503 with Retry-After meanwhile) unless the last stop was clean.
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
	wait := max(s.limits.IntegrityWait, 0)
	if s.integrity.cleanStart {
		// Writes will not wait for it: a shorter wait still refuses a
		// small damaged file at once.
		wait = min(wait, cleanStartWait)
	}
	select {
	case <-s.integrity.checked:
		return s.integrity.err
	case <-time.After(wait):
		return nil
	}
}

// cleanStartWait bounds Open's wait for the check after a clean stop (a file
// of some tens of MB is checked within it).
const cleanStartWait = 250 * time.Millisecond

// HoldWritesUntilChecked makes every write from now on wait for the start-up
// check's verdict (and fail with ErrCorrupt if it found damage); after a clean
// stop (CleanStart) writes go on meanwhile and stop only once damage is found.
// The server calls it once its own start-up writes are done, just before it
// serves.
func (s *Store) HoldWritesUntilChecked() { s.integrity.gate.Store(true) }

// IntegrityChecked is closed once the start-up check has finished; then
// IntegrityErr is its verdict.
func (s *Store) IntegrityChecked() <-chan struct{} { return s.integrity.checked }

// IntegrityErr is the start-up check's verdict (valid once IntegrityChecked
// is closed): nil, or an error wrapping ErrCorrupt with SQLite's findings.
func (s *Store) IntegrityErr() error { return s.integrity.err }

// awaitIntegrity holds a write until the start-up check has said the file
// is intact (after a clean stop, only refuses it once damage was found):
// ErrBusy if the check outlasts ctx, ErrCorrupt if it found damage.
func (s *Store) awaitIntegrity(ctx context.Context) error {
	if !s.integrity.gate.Load() {
		return nil
	}
	if s.integrity.cleanStart {
		select {
		case <-s.integrity.checked:
			if errors.Is(s.integrity.err, ErrCorrupt) {
				return s.integrity.err
			}
		default:
		}
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
