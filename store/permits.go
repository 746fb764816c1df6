package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Permit statuses (API.md).
const (
	PermitRequested = "requested"
	PermitApproved  = "approved"
	PermitDenied    = "denied"
	PermitExpired   = "expired"
	PermitCancelled = "cancelled"
)

// ErrLinkUsed means a permit link was already used, or superseded by a newer one.
var ErrLinkUsed = errors.New("permit link already used or superseded")

// PermitToken is an issued approval link, with its permit and booking.
type PermitToken struct {
	JTI          string
	PermitID     string
	IssuedAt     time.Time
	ExpiresAt    time.Time
	UsedAt       time.Time // zero while unused
	SupersededAt time.Time // zero while current
	Booking      Booking   // with Permit set
}

// NewPermitToken describes a link to record for a permit.
type NewPermitToken struct {
	JTI       string
	ExpiresAt time.Time
}

func insertPermitToken(ctx context.Context, tx *sql.Tx, permitID string, t NewPermitToken, now time.Time) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO permit_tokens (jti, permit_id, issued_at, expires_at) VALUES (?, ?, ?, ?)",
		t.JTI, permitID, now.Unix(), t.ExpiresAt.Unix())
	if err != nil {
		return fmt.Errorf("record permit link: %w", err)
	}
	return nil
}

// FindPermitToken returns the link with this JWT id, or ErrNotFound.
func (s *Store) FindPermitToken(ctx context.Context, jti string) (PermitToken, error) {
	var pt PermitToken
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		pt, err = findPermitToken(ctx, tx, jti)
		return err
	})
	return pt, err
}

func findPermitToken(ctx context.Context, tx *sql.Tx, jti string) (PermitToken, error) {
	var (
		pt                          PermitToken
		issued, expires, used, supd int64
	)
	err := tx.QueryRowContext(ctx, `SELECT jti, permit_id, issued_at, expires_at, coalesce(used_at, 0), coalesce(superseded_at, 0)
		FROM permit_tokens WHERE jti = ?`, jti).Scan(&pt.JTI, &pt.PermitID, &issued, &expires, &used, &supd)
	if errors.Is(err, sql.ErrNoRows) {
		return PermitToken{}, ErrNotFound
	}
	if err != nil {
		return PermitToken{}, fmt.Errorf("find permit link: %w", err)
	}
	pt.IssuedAt, pt.ExpiresAt = time.Unix(issued, 0).UTC(), time.Unix(expires, 0).UTC()
	if used > 0 {
		pt.UsedAt = time.Unix(used, 0).UTC()
	}
	if supd > 0 {
		pt.SupersededAt = time.Unix(supd, 0).UTC()
	}
	pt.Booking, err = findBooking(ctx, tx, "p.id = ?", pt.PermitID)
	return pt, err
}

// DecidePermit records an approver's decision through link jti, once: in one
// transaction it marks the link used (only if unused and current), moves the
// permit from requested to status, records who decided, when and why, and
// queues the emails compose renders. ErrLinkUsed when the link was used or
// superseded; ErrStateChanged when the permit is no longer requested.
func (s *Store) DecidePermit(ctx context.Context, jti, status, note, decidedBy string, now time.Time, compose Composer) (Booking, error) {
	var b Booking
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE permit_tokens SET used_at = ? WHERE jti = ? AND used_at IS NULL AND superseded_at IS NULL", now.Unix(), jti)
		if err != nil {
			return fmt.Errorf("use permit link: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrLinkUsed
		}
		res, err = tx.ExecContext(ctx, `UPDATE parking_permits SET status = ?1, decided_at = ?2, decided_by = ?3, decision_note = ?4, updated_at = ?2
			WHERE id = (SELECT permit_id FROM permit_tokens WHERE jti = ?5) AND status = 'requested'`, status, now.Unix(), decidedBy, note, jti)
		if err != nil {
			return fmt.Errorf("decide permit: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrStateChanged
		}
		pt, err := findPermitToken(ctx, tx, jti)
		if err != nil {
			return err
		}
		b = pt.Booking
		if err := insertAudit(ctx, tx, now, "approver:"+decidedBy, "permit."+status, b.ID, note); err != nil {
			return err
		}
		return s.queueComposed(ctx, tx, compose, b, now)
	})
	return b, err
}

// ReissuePermitLink supersedes every unused link of a requested permit,
// records a new one and queues the emails compose renders (the approver's new
// link). ErrNotFound for an unknown permit; ErrStateChanged when it is no
// longer requested.
func (s *Store) ReissuePermitLink(ctx context.Context, permitID string, t NewPermitToken, actor string, now time.Time, compose Composer) (Booking, error) {
	var b Booking
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = findBooking(ctx, tx, "p.id = ?", permitID)
		if err != nil {
			return err
		}
		if b.Permit.Status != PermitRequested {
			return ErrStateChanged
		}
		if _, err := tx.ExecContext(ctx, "UPDATE permit_tokens SET superseded_at = ? WHERE permit_id = ? AND used_at IS NULL AND superseded_at IS NULL",
			now.Unix(), permitID); err != nil {
			return fmt.Errorf("supersede permit links: %w", err)
		}
		if err := insertPermitToken(ctx, tx, permitID, t, now); err != nil {
			return err
		}
		if err := insertAudit(ctx, tx, now, actor, "permit.link_reissued", b.ID, ""); err != nil {
			return err
		}
		return s.queueComposed(ctx, tx, compose, b, now)
	})
	return b, err
}

// ExpirePermits marks expired every permit still requested whose booking has
// started, and returns how many.
func (s *Store) ExpirePermits(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE parking_permits SET status = 'expired', updated_at = ?1
			WHERE status = 'requested' AND booking_id IN (SELECT id FROM bookings WHERE start_at <= ?1)`, now.Unix())
		if err != nil {
			return fmt.Errorf("expire permits: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// FindBookingByPermit returns the booking of permit id, or ErrNotFound.
func (s *Store) FindBookingByPermit(ctx context.Context, permitID string) (Booking, error) {
	var b Booking
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = findBooking(ctx, tx, "p.id = ?", permitID)
		return err
	})
	return b, err
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
