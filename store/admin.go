package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrExists means a row with the same unique key is already there.
var ErrExists = errors.New("already exists")

// Admin is an owner account.
type Admin struct {
	ID           int64
	Email        string
	PasswordHash string
	CreatedAt    time.Time
}

// CreateAdmin adds an owner account; ErrExists when the email is taken.
func (s *Store) CreateAdmin(ctx context.Context, email, passwordHash string, now time.Time) (Admin, error) {
	var a Admin
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO admins (email, password_hash, created_at) VALUES (?, ?, ?)", email, passwordHash, now.Unix())
		if err != nil {
			if isConstraint(err) && strings.Contains(err.Error(), "UNIQUE") {
				return ErrExists
			}
			return fmt.Errorf("create admin: %w", err)
		}
		id, _ := res.LastInsertId()
		a = Admin{ID: id, Email: email, PasswordHash: passwordHash, CreatedAt: now.UTC()}
		return insertAudit(ctx, tx, now, email, "admin.created", "", "")
	})
	return a, err
}

// CountAdmins returns how many owner accounts exist.
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM admins").Scan(&n)
	})
	return n, err
}

// FindAdminByEmail returns the account with this email (any case), or ErrNotFound.
func (s *Store) FindAdminByEmail(ctx context.Context, email string) (Admin, error) {
	var a Admin
	var created int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT id, email, password_hash, created_at FROM admins WHERE email = ?", email).
			Scan(&a.ID, &a.Email, &a.PasswordHash, &created)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Admin{}, ErrNotFound
	}
	a.CreatedAt = time.Unix(created, 0).UTC()
	return a, err
}

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

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID        int64
	At        time.Time
	Actor     string
	Action    string
	BookingID string
	Details   string
}

func insertAudit(ctx context.Context, tx *sql.Tx, at time.Time, actor, action, bookingID, details string) error {
	if len(details) > 4000 {
		details = details[:4000]
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO audit_log (at, actor, action, booking_id, details) VALUES (?, ?, ?, ?, ?)",
		at.Unix(), actor, action, nullIfEmpty(bookingID), details)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Audit records an owner action that changed nothing else in the database.
func (s *Store) Audit(ctx context.Context, at time.Time, actor, action, bookingID, details string) error {
	return s.write(ctx, func(tx *sql.Tx) error { return insertAudit(ctx, tx, at, actor, action, bookingID, details) })
}

// ListAudit returns the newest audit entries, of one booking when bookingID is set.
func (s *Store) ListAudit(ctx context.Context, bookingID string, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, at, actor, action, coalesce(booking_id, ''), details FROM audit_log
			WHERE ?1 = '' OR booking_id = ?1 ORDER BY id DESC LIMIT ?2`, bookingID, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e AuditEntry
			var at int64
			if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.BookingID, &e.Details); err != nil {
				return err
			}
			e.At = time.Unix(at, 0).UTC()
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// BookingFilter selects bookings for the console.
type BookingFilter struct {
	From, To time.Time // start in [From, To)
	Status   string    // "" = any
	Query    string    // reference, name or email contains it (any case)
	Limit    int
}

// ListBookings returns the bookings matching f, by start.
func (s *Store) ListBookings(ctx context.Context, f BookingFilter) ([]Booking, error) {
	if f.Limit <= 0 {
		f.Limit = -1 // SQLite: no limit
	}
	var out []Booking
	err := s.read(ctx, func(tx *sql.Tx) error {
		q := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.Query) + "%"
		var err error
		out, err = queryAll(ctx, tx, scanBooking, "SELECT "+bookingColumns+` FROM bookings AS b LEFT JOIN parking_permits AS p ON p.booking_id = b.id
			WHERE b.start_at >= ?1 AND b.start_at < ?2 AND (?3 = '' OR b.status = ?3)
			  AND (?4 = '' OR b.reference LIKE ?5 ESCAPE '\' OR b.customer_name LIKE ?5 ESCAPE '\' OR b.customer_email LIKE ?5 ESCAPE '\')
			ORDER BY b.start_at, b.room_id LIMIT ?6`, f.From.Unix(), f.To.Unix(), f.Status, f.Query, q, f.Limit)
		if err != nil {
			return fmt.Errorf("list bookings: %w", err)
		}
		return nil
	})
	return out, err
}

// SetBookingStatus moves a booking from one of the from statuses to status
// (bumping its calendar sequence when it is cancelled), records the owner's
// action, and queues what compose renders. ErrStateChanged when the booking is
// not in one of from.
func (s *Store) SetBookingStatus(ctx context.Context, id string, from []string, status, actor string, now time.Time, compose Composer) (Booking, error) {
	var b Booking
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := findBooking(ctx, tx, "b.id = ?", id)
		if err != nil {
			return err
		}
		allowed := false
		for _, f := range from {
			allowed = allowed || before.Status == f
		}
		if !allowed {
			return ErrStateChanged
		}
		query := "UPDATE bookings SET status = ?1, updated_at = ?2 WHERE id = ?3"
		if status == "cancelled" {
			query = "UPDATE bookings SET status = ?1, updated_at = ?2, cancelled_at = ?2, sequence = sequence + 1 WHERE id = ?3"
		}
		if _, err := tx.ExecContext(ctx, query, status, now.Unix(), id); err != nil {
			return fmt.Errorf("set booking status: %w", err)
		}
		if status == "cancelled" {
			if _, err := tx.ExecContext(ctx, `UPDATE parking_permits SET status = 'cancelled', updated_at = ?1
				WHERE booking_id = ?2 AND status IN ('requested', 'approved')`, now.Unix(), id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE booking_id = ? AND kind = 'reminder' AND status IN ('queued', 'failed')", id); err != nil {
				return err
			}
		}
		if b, err = findBooking(ctx, tx, "b.id = ?", id); err != nil {
			return err
		}
		if err := insertAudit(ctx, tx, now, actor, "booking."+status, id, "from "+before.Status); err != nil {
			return err
		}
		if compose != nil {
			msgs, err := compose(b)
			if err != nil {
				return err
			}
			if err := s.queueMessages(ctx, tx, msgs, now); err != nil {
				return err
			}
		}
		if status == "cancelled" {
			cancelled := b
			s.afterCommit(func() { s.occupancy.removeBooking(cancelled.RoomID, cancelled.Start, cancelled.End) })
		}
		return nil
	})
	return b, err
}

// QueueBookingEmails queues what compose renders for booking id (a resent
// confirmation, say) and records the owner's action.
func (s *Store) QueueBookingEmails(ctx context.Context, id, actor, action string, now time.Time, compose Composer) (Booking, error) {
	var b Booking
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if b, err = findBooking(ctx, tx, "b.id = ?", id); err != nil {
			return err
		}
		msgs, err := compose(b)
		if err != nil {
			return err
		}
		if err := s.queueMessages(ctx, tx, msgs, now); err != nil {
			return err
		}
		return insertAudit(ctx, tx, now, actor, action, id, "")
	})
	return b, err
}

// Blackout is a closed period of a room (Room "" = every room).
type Blackout struct {
	ID         int64
	Room       string
	Start, End time.Time
	Reason     string
}

// ListBlackouts returns the blackouts that end after since, by start.
func (s *Store) ListBlackouts(ctx context.Context, since time.Time) ([]Blackout, error) {
	var out []Blackout
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT id, coalesce(room_id, ''), start_at, end_at, reason FROM blackouts WHERE end_at > ? ORDER BY start_at", since.Unix())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b Blackout
			var start, end int64
			if err := rows.Scan(&b.ID, &b.Room, &start, &end, &b.Reason); err != nil {
				return err
			}
			b.Start, b.End = time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC()
			out = append(out, b)
		}
		return rows.Err()
	})
	return out, err
}

// DeleteBlackout removes a blackout and records who did; ErrNotFound if none.
func (s *Store) DeleteBlackout(ctx context.Context, id int64, actor string, now time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM blackouts WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete blackout: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		if err := insertAudit(ctx, tx, now, actor, "blackout.deleted", "", fmt.Sprintf("blackout %d", id)); err != nil {
			return err
		}
		s.afterCommit(func() { s.occupancy.deleteBlackout(id) })
		return nil
	})
}

// RetryMessage puts a failed or dead message back in the queue, due now.
func (s *Store) RetryMessage(ctx context.Context, id int64, actor string, now time.Time) (OutboxMessage, error) {
	var m OutboxMessage
	err := s.write(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = ?1, updated_at = ?1
			WHERE id = ?2 AND status IN ('failed', 'dead') RETURNING `+outboxColumns, now.Unix(), id)
		var err error
		m, err = scanOutbox(row)
		if errors.Is(err, sql.ErrNoRows) {
			var exists int
			if tx.QueryRowContext(ctx, "SELECT count(*) FROM outbox WHERE id = ?", id).Scan(&exists); exists == 0 {
				return ErrNotFound
			}
			return ErrStateChanged
		}
		if err != nil {
			return err
		}
		if s.OnMailQueued != nil {
			s.afterCommit(s.OnMailQueued)
		}
		return insertAudit(ctx, tx, now, actor, "mail.retried", m.BookingID, fmt.Sprintf("message %d to %s", id, m.Recipient))
	})
	return m, err
}

// ListPermits returns the permit requests with status ("" = all), pending first,
// then by booking start.
func (s *Store) ListPermits(ctx context.Context, status string, limit int) ([]Booking, error) {
	var out []Booking
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryAll(ctx, tx, scanBooking, "SELECT "+bookingColumns+` FROM parking_permits AS p JOIN bookings AS b ON b.id = p.booking_id
			WHERE ?1 = '' OR p.status = ?1 ORDER BY (p.status = 'requested') DESC, b.start_at LIMIT ?2`, status, limit)
		return err
	})
	return out, err
}
