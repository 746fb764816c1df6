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
