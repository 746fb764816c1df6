package app

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"venuebook/store"
)

// Counters are the domain's figures for /metrics, counted since start-up.
type Counters struct {
	BookingsCreated  atomic.Int64
	BookingConflicts atomic.Int64
}

// BackupStatus is what the console and /metrics show of backups.
type BackupStatus struct {
	LastSuccess time.Time
	LastAttempt time.Time
	LastError   string
}

type backupState struct {
	mu     sync.Mutex
	status BackupStatus
}

// Backup takes a verified backup into backup.dir, keeps the newest
// backup.keep, and records the outcome (actor "" = the scheduled job).
func (s *Service) Backup(ctx context.Context, actor string) (store.BackupFile, error) {
	began := s.Now()
	f, err := s.Store.Backup(ctx, s.Config.Backup.Dir, s.Config.Backup.Keep, began)
	s.backups.mu.Lock()
	s.backups.status.LastAttempt = began
	if err != nil {
		s.backups.status.LastError = err.Error()
	} else {
		s.backups.status.LastError = ""
		s.backups.status.LastSuccess = s.Now()
	}
	s.backups.mu.Unlock()
	if err != nil {
		s.Log.Error("backup failed", "err", err, "dir", s.Config.Backup.Dir)
		return store.BackupFile{}, err
	}
	s.Log.Info("backup done", "file", f.Path, "bytes", f.Size, "duration_ms", s.Now().Sub(began).Milliseconds())
	if actor != "" {
		if err := s.Store.Audit(ctx, s.Now(), actor, "backup.created", "", f.Name); err != nil {
			return f, err
		}
	}
	return f, nil
}

// BackupStatus returns the outcome of the last backups of this process.
func (s *Service) BackupStatus() BackupStatus {
	s.backups.mu.Lock()
	defer s.backups.mu.Unlock()
	return s.backups.status
}

// Backups lists the backups in backup.dir, newest first.
func (s *Service) Backups() ([]store.BackupFile, error) {
	return store.ListBackups(s.Config.Backup.Dir)
}

// FindBackup returns the backup named name; not_found for any other name.
func (s *Service) FindBackup(name string) (store.BackupFile, error) {
	if store.ValidBackupName(name) {
		list, err := s.Backups()
		if err != nil {
			return store.BackupFile{}, err
		}
		for _, f := range list {
			if f.Name == name {
				return f, nil
			}
		}
	}
	return store.BackupFile{}, NewError(CodeNotFound, "errors.owner.no_backup")
}

// MailBodyRetention is how long the text of a sent email is kept; after it,
// the outbox keeps what was sent, to whom and when, and drops the body (most
// of the file's size after some years).
const MailBodyRetention = 30 * 24 * time.Hour

// MaintenanceSchedule runs the nightly upkeep at 04:30 venue time: after the
// default backup, and outside the 01:00–03:00 hours a clock change can skip.
const MaintenanceSchedule = "30 4 * * *"

// Maintain is the nightly upkeep of the database file: expired idempotency keys
// are deleted, bodies of mail sent more than MailBodyRetention ago dropped, the
// query planner's statistics refreshed and the write-ahead log truncated
// (store.Maintain).
func (s *Service) Maintain(ctx context.Context) (store.Upkeep, error) {
	began := time.Now()
	u, err := s.Store.Maintain(ctx, s.Now(), IdempotencyTTL, MailBodyRetention)
	if err != nil {
		s.Log.Error("maintenance failed", "err", err)
		return u, err
	}
	s.Log.Info("maintenance done", "idempotency_keys_pruned", u.IdempotencyKeysPruned, "mail_bodies_purged", u.MailBodiesPurged, "wal_pages", u.WALPages,
		"wal_truncated", u.WALTruncated, "duration_ms", time.Since(began).Milliseconds())
	return u, nil
}
