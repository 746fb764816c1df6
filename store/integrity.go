package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"

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
}

// checkIntegrity runs PRAGMA quick_check (every page and index entry is
// readable and well formed; the full integrity_check is the backups' job) and
// returns ErrCorrupt with SQLite's first findings when it finds damage.
func (s *Store) checkIntegrity(ctx context.Context) error {
	rows, err := s.writer.QueryContext(ctx, "PRAGMA quick_check(20)")
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
	s.integrity.damaged.Store(true)
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
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}

// Health is what /healthz and /metrics tell of the database file.
type Health struct {
	// Intact is false once a check or a query found the file damaged.
	Intact bool
	// DiskFreeBytes is the space left to the database's directory.
	DiskFreeBytes uint64
}

// Health reports the file's integrity as last seen and the disk space left.
func (s *Store) Health() Health {
	h := Health{Intact: !s.integrity.damaged.Load()}
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(s.path), &st); err == nil {
		h.DiskFreeBytes = st.Bavail * uint64(st.Bsize)
	}
	return h
}
