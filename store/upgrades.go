package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// upgrades bring a database written by an older venuebook to the schema of
// schema.sql, one version at a time. A new schema version adds its step here and
// changes schema.sql to the result, so that a new database and an upgraded one
// are the same; TestUpgradePath proves the mechanism.
var upgrades = []Upgrade{
	// 2: an index on bookings by start, for the console's lists, reports and
	// the export at any table size.
	{To: 2, SQL: "CREATE INDEX bookings_start ON bookings (start_at);"},
	// 3: bookings the owner takes (source; an email or a phone), the language
	// a booking was made in, and the search text: three columns added, the
	// email's CHECK loosened in place (SQLite's documented writable_schema
	// procedure: no row changes), and the search text written for every row;
	// the outbox takes the emails of a moved or corrected booking (its kind
	// CHECK loosened the same way).
	{To: 3, SQL: `ALTER TABLE bookings ADD COLUMN source TEXT NOT NULL DEFAULT 'online';
		ALTER TABLE bookings ADD COLUMN language TEXT NOT NULL DEFAULT '';
		ALTER TABLE bookings ADD COLUMN search_text TEXT NOT NULL DEFAULT '';`,
		Go: func(ctx context.Context, tx *sql.Tx, schemaSQL string) error {
			for _, table := range []string{"bookings", "outbox"} {
				if err := replaceTableSQL(ctx, tx, schemaSQL, table); err != nil {
					return err
				}
			}
			return writeSearchText(ctx, tx)
		}},
	// 4: the console's search reads an index holding the search text, not
	// every booking of the dates searched.
	{To: 4, SQL: "CREATE INDEX bookings_search ON bookings (start_at, status, search_text);"},
	// 5: an email's Reply-To (venue.email on the customer's emails) is kept
	// with the rest of the message, so it goes out with every attempt: a
	// column added, and the table restated as schema.sql writes it. (A file
	// older than version 3 already has the column in its definition: step 3
	// restated the outbox as this schema.sql writes it, and its rows read
	// the column's default.)
	{To: 5, Go: func(ctx context.Context, tx *sql.Tx, schemaSQL string) error {
		var has int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'reply_to'").Scan(&has); err != nil {
			return fmt.Errorf("look for outbox.reply_to: %w", err)
		}
		if has == 0 {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE outbox ADD COLUMN reply_to TEXT NOT NULL DEFAULT ''
				CHECK (length(reply_to) <= 254 AND reply_to NOT GLOB '*[' || char(10) || char(13) || ']*')`); err != nil {
				return fmt.Errorf("add outbox.reply_to: %w", err)
			}
		}
		return replaceTableSQL(ctx, tx, schemaSQL, "outbox")
	}},
}

// replaceTableSQL sets the definition of table in sqlite_schema to the one
// schemaSQL gives it, as SQLite documents for changes that leave every row as
// it is (loosening a CHECK, or restating columns ALTER TABLE has added).
func replaceTableSQL(ctx context.Context, tx *sql.Tx, schemaSQL, table string) error {
	start := strings.Index(schemaSQL, "CREATE TABLE "+table+" (")
	end := strings.Index(schemaSQL[max(start, 0):], "\n) STRICT;")
	if start < 0 || end < 0 {
		return fmt.Errorf("schema.sql has no CREATE TABLE %s ( … ) STRICT;", table)
	}
	def := schemaSQL[start : start+end+len("\n) STRICT")]
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&version); err != nil {
		return err
	}
	for _, q := range []string{"PRAGMA writable_schema = ON",
		"UPDATE sqlite_schema SET sql = ?1 WHERE type = 'table' AND name = ?2",
		fmt.Sprintf("PRAGMA schema_version = %d", version+1),
		"PRAGMA writable_schema = OFF"} {
		if _, err := tx.ExecContext(ctx, q, def, table); err != nil && !strings.HasPrefix(q, "PRAGMA") {
			return fmt.Errorf("restate table %s: %w", table, err)
		} else if err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// writeSearchText writes the search text of every booking, in pages.
func writeSearchText(ctx context.Context, tx *sql.Tx) error {
	after := ""
	for {
		rows, err := tx.QueryContext(ctx, `SELECT b.id, b.reference, b.customer_name, b.customer_email, b.customer_phone,
			coalesce(p.vehicle_registration, '') FROM bookings AS b LEFT JOIN parking_permits AS p ON p.booking_id = b.id
			WHERE b.id > ? ORDER BY b.id LIMIT 5000`, after)
		if err != nil {
			return fmt.Errorf("read bookings for their search text: %w", err)
		}
		type row struct{ id, text string }
		var page []row
		for rows.Next() {
			var id, ref, name, email, phone, reg string
			if err := rows.Scan(&id, &ref, &name, &email, &phone, &reg); err != nil {
				rows.Close()
				return err
			}
			page = append(page, row{id, SearchText(ref, name, email, phone, reg)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range page {
			if _, err := tx.ExecContext(ctx, "UPDATE bookings SET search_text = ? WHERE id = ?", r.text, r.id); err != nil {
				return fmt.Errorf("write search text: %w", err)
			}
		}
		if len(page) < 5000 {
			return nil
		}
		after = page[len(page)-1].id
	}
}
