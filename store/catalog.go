package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
)

// Catalog is what the configuration says the venue sells, in config order.
type Catalog struct {
	Rooms          []CatalogRoom
	Tiers          []CatalogTier
	CleaningGapSec int64
}

type CatalogRoom struct{ ID, Name string }

type CatalogTier struct {
	ID, Name, Description string
	Packages              []CatalogPackage
}

type CatalogPackage struct {
	ID, Name    string
	DurationSec int64
	PriceCents  int64
	MaxGuests   int
}

const catalogFingerprintKey = "catalog_fingerprint"

// catalogFingerprint identifies a catalog's content.
func catalogFingerprint(c Catalog) string {
	data, _ := json.Marshal(c)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// SyncCatalog makes the catalog tables match the configuration in one
// transaction: items in it are inserted or updated and active, items no longer
// in it are deactivated (never deleted, since old bookings point at them). It
// also records the cleaning gap and the longest duration for the overlap trigger.
//
// A package that has bookings under another tier than c gives it is refused
// (a *PackageMoveError, before anything changes): bookings keep their tier.
//
// A catalog the database already holds is not written again (its fingerprint
// is kept in settings), so a server whose config did not change starts even on
// a full disk, and serves reads.
func (s *Store) SyncCatalog(ctx context.Context, c Catalog) error {
	fingerprint := catalogFingerprint(c)
	if stored, err := s.GetSetting(ctx, catalogFingerprintKey); err == nil && stored == fingerprint {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if moves, err := bookedPackageMoves(ctx, tx, c); err != nil {
			return err
		} else if len(moves) > 0 {
			return fmt.Errorf("sync catalog: %w", errors.Join(moves...))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?1, ?2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, catalogFingerprintKey, fingerprint); err != nil {
			return fmt.Errorf("sync catalog: %w", err)
		}
		for _, stmt := range []string{"UPDATE rooms SET active = 0", "UPDATE tiers SET active = 0", "UPDATE packages SET active = 0"} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("sync catalog: %w", err)
			}
		}
		for i, r := range c.Rooms {
			_, err := tx.ExecContext(ctx, `INSERT INTO rooms (id, name, position, active) VALUES (?, ?, ?, 1)
				ON CONFLICT (id) DO UPDATE SET name = excluded.name, position = excluded.position, active = 1`, r.ID, r.Name, i)
			if err != nil {
				return fmt.Errorf("sync room %q: %w", r.ID, err)
			}
		}
		pos := 0
		for i, t := range c.Tiers {
			_, err := tx.ExecContext(ctx, `INSERT INTO tiers (id, name, description, position, active) VALUES (?, ?, ?, ?, 1)
				ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, position = excluded.position, active = 1`,
				t.ID, t.Name, t.Description, i)
			if err != nil {
				return fmt.Errorf("sync tier %q: %w", t.ID, err)
			}
			for _, p := range t.Packages {
				pos++
				_, err := tx.ExecContext(ctx, `INSERT INTO packages (id, tier_id, name, duration_s, price_cents, max_guests, position, active)
					VALUES (?, ?, ?, ?, ?, ?, ?, 1)
					ON CONFLICT (id) DO UPDATE SET tier_id = excluded.tier_id, name = excluded.name, duration_s = excluded.duration_s,
						price_cents = excluded.price_cents, max_guests = excluded.max_guests, position = excluded.position, active = 1`,
					p.ID, t.ID, p.Name, p.DurationSec, p.PriceCents, p.MaxGuests, pos)
				if err != nil {
					if isConstraint(err) {
						return fmt.Errorf("sync package %q: it has bookings under another tier; give the package in tier %q a new id: %w", p.ID, t.ID, err)
					}
					return fmt.Errorf("sync package %q: %w", p.ID, err)
				}
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE venue_rules SET cleaning_gap_s = ?,
			max_duration_s = max(300, coalesce((SELECT max(duration_s) FROM packages), 300),
			                          coalesce((SELECT max(end_at - start_at) FROM bookings), 300))
			WHERE id = 1`, c.CleaningGapSec)
		if err != nil {
			return fmt.Errorf("sync venue rules: %w", err)
		}
		return nil
	})
}

// PackageMoveError means the configuration puts a package in another tier
// than its bookings have. Bookings keep their tier, so the package cannot
// move; the moved one needs a new id.
type PackageMoveError struct {
	Package    string
	BookedTier string // the tier of its bookings
	ConfigTier string // the tier the configuration gives it
	Bookings   int
}

func (e *PackageMoveError) Error() string {
	return fmt.Sprintf("package %q has %d booking(s) under tier %q, but the configuration puts it in tier %q: bookings keep their tier, so give the package in tier %q a new id (or leave it in %q)",
		e.Package, e.Bookings, e.BookedTier, e.ConfigTier, e.ConfigTier, e.BookedTier)
}

// bookedPackageMoves returns, in catalog order, a *PackageMoveError for each
// package of c that has bookings under another tier than c gives it. It only
// reads, so it runs in a write transaction (SyncCatalog) or a read-only one
// (CheckCatalog).
func bookedPackageMoves(ctx context.Context, tx *sql.Tx, c Catalog) ([]error, error) {
	var moves []error
	for _, t := range c.Tiers {
		for _, p := range t.Packages {
			var tier string
			var n int
			err := tx.QueryRowContext(ctx, `SELECT tier_id, count(*) FROM bookings WHERE package_id = ? AND tier_id <> ?
				GROUP BY tier_id ORDER BY count(*) DESC, tier_id LIMIT 1`, p.ID, t.ID).Scan(&tier, &n)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("check package %q: %w", p.ID, err)
			}
			moves = append(moves, &PackageMoveError{Package: p.ID, BookedTier: tier, ConfigTier: t.ID, Bookings: n})
		}
	}
	return moves, nil
}

// CheckCatalog reports what SyncCatalog would refuse if c were synced into the
// database at path — packages moved away from the tier of their bookings — as
// *PackageMoveError values, without changing the database: it opens the file
// read-only, beside a running server or not, and never applies the schema.
func CheckCatalog(ctx context.Context, path string, c Catalog) ([]error, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	// Without a write-ahead log beside it (no server running, none crashed)
	// the file is read as immutable: a read-only connection would otherwise
	// create -wal and -shm files it cannot remove, owned by whoever runs the
	// check, which the server's user might then be unable to open. With a
	// log there (a server running), those files exist already.
	mode := "mode=ro&immutable=1"
	if _, err := os.Stat(path + "-wal"); err == nil {
		mode = "mode=ro"
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+mode+"&_pragma=query_only(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("open %s read-only: %w", path, err)
	}
	defer tx.Rollback()
	return bookedPackageMoves(ctx, tx, c)
}
