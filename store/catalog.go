package store

import (
	"context"
	"database/sql"
	"fmt"
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

// SyncCatalog makes the catalog tables match the configuration in one
// transaction: items in it are inserted or updated and active, items no longer
// in it are deactivated (never deleted, since old bookings point at them). It
// also records the cleaning gap and the longest duration for the overlap trigger.
func (s *Store) SyncCatalog(ctx context.Context, c Catalog) error {
	return s.write(ctx, func(tx *sql.Tx) error {
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
