package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is a signed-in owner's session.
type Session struct {
	IDHash    string
	AdminID   int64
	Email     string
	CSRFToken string
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
}

// CreateSession stores a new session (by the hash of its id) and records the
// login; sessions past their expiry or idle since before idleSince are deleted.
func (s *Store) CreateSession(ctx context.Context, sess Session, now, idleSince time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, admin_id, csrf_token, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, sess.IDHash, sess.AdminID, sess.CSRFToken, now.Unix(), now.Unix(), sess.ExpiresAt.Unix())
		if err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE admins SET last_login_at = ? WHERE id = ?", now.Unix(), sess.AdminID); err != nil {
			return err
		}
		// Sessions past their time are deleted as new ones come.
		_, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", now.Unix(), idleSince.Unix())
		return err
	})
}

// FindSession returns the session with this id hash that is neither past its
// absolute expiry nor idle since before idleSince; ErrNotFound otherwise.
func (s *Store) FindSession(ctx context.Context, idHash string, now, idleSince time.Time) (Session, error) {
	var sess Session
	var created, seen, expires int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT s.id_hash, s.admin_id, a.email, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at
			FROM sessions AS s JOIN admins AS a ON a.id = s.admin_id
			WHERE s.id_hash = ? AND s.expires_at > ? AND s.last_seen_at > ?`, idHash, now.Unix(), idleSince.Unix()).
			Scan(&sess.IDHash, &sess.AdminID, &sess.Email, &sess.CSRFToken, &created, &seen, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	sess.CreatedAt, sess.LastSeen, sess.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(seen, 0).UTC(), time.Unix(expires, 0).UTC()
	return sess, err
}

// TouchSession records activity on a session.
func (s *Store) TouchSession(ctx context.Context, idHash string, now time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", now.Unix(), idHash)
		return err
	})
}

// DeleteSession ends one session; DeleteAdminSessions every session of an owner.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = ?", idHash)
		return err
	})
}

func (s *Store) DeleteAdminSessions(ctx context.Context, adminID int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE admin_id = ?", adminID)
		return err
	})
}
