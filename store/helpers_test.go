package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Test fixtures shared by the store tests. Every test opens real SQLite files in
// t.TempDir(); nothing is mocked.

const (
	hour   = int64(3600)
	minute = int64(60)
	gapSec = 30 * minute // cleaning gap of the test catalog
)

// day0 is midnight UTC of a fixed day far enough ahead that nothing in the
// store treats it as the past; testNow is two days before it.
var (
	day0    = time.Date(2030, 6, 3, 0, 0, 0, 0, time.UTC)
	testNow = day0.Add(-48 * time.Hour)
)

// at returns day0 plus h hours and m minutes.
func at(h, m int) time.Time {
	return day0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// timeSec is n seconds as a Duration.
func timeSec(n int64) time.Duration { return time.Duration(n) * time.Second }

// unixAt is at(h, m) in Unix seconds.
func unixAt(h, m int) int64 { return at(h, m).Unix() }

// testCatalog is the small catalog most tests use: rooms a and b, tier t1 with
// a 60-minute package p60, tier t2 with a 90-minute package p90, and a
// 30-minute cleaning gap.
func testCatalog() Catalog {
	return Catalog{
		Rooms: []CatalogRoom{{ID: "a", Name: "Room A"}, {ID: "b", Name: "Room B"}},
		Tiers: []CatalogTier{
			{ID: "t1", Name: "Tier 1", Packages: []CatalogPackage{{ID: "p60", Name: "One hour", DurationSec: 60 * minute, PriceCents: 5000, MaxGuests: 4}}},
			{ID: "t2", Name: "Tier 2", Packages: []CatalogPackage{{ID: "p90", Name: "Ninety minutes", DurationSec: 90 * minute, PriceCents: 7500, MaxGuests: 6}}},
		},
		CleaningGapSec: gapSec,
	}
}

// readSchema loads ../schema.sql as the current schema of this build.
func readSchema(t testing.TB) Schema {
	t.Helper()
	raw, err := os.ReadFile("../schema.sql")
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	schema, err := CurrentSchema(string(raw))
	if err != nil {
		t.Fatalf("CurrentSchema: %v", err)
	}
	return schema
}

// openStoreAt opens a store at path with the current schema and closes it when
// the test ends.
func openStoreAt(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, readSchema(t))
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

// openTestStore opens a new store in a temporary directory and syncs c into it
// (testCatalog() when c is nil).
func openTestStore(t testing.TB, c *Catalog) *Store {
	t.Helper()
	s := openStoreAt(t, filepath.Join(t.TempDir(), "venuebook.db"))
	cat := testCatalog()
	if c != nil {
		cat = *c
	}
	if err := s.SyncCatalog(context.Background(), cat); err != nil {
		t.Fatalf("SyncCatalog: %v", err)
	}
	return s
}

// rawDSN is the DSN of a second, plain connection pool on the same file.
func rawDSN(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)"
}

// openRaw opens a second raw *sql.DB on the store's file, for inserting rows
// straight with SQL behind the store's back.
func openRaw(t testing.TB, s *Store) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", rawDSN(s.Path()))
	if err != nil {
		t.Fatalf("open raw db: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	var fk int
	if err := db.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("raw db: foreign_keys = %d, %v; want 1", fk, err)
	}
	return db
}

// rawBooking is one bookings row as inserted with raw SQL.
type rawBooking struct {
	ID, Reference       string
	Tier, Package, Room string
	Start, End          int64
	Guests              int
	Price               any // int64 normally; any so a test can try another type
	Currency            string
	Name, Email         string
	Phone, Notes        string
	Status              string
	Sequence            int
	CancelledAt         any
}

// validRaw returns a valid confirmed booking of package p60 in room at
// [start, start+1h).
func validRaw(room string, start int64) rawBooking {
	return rawBooking{
		ID: newID(), Reference: newReference(),
		Tier: "t1", Package: "p60", Room: room,
		Start: start, End: start + hour,
		Guests: 2, Price: int64(5000), Currency: "EUR",
		Name: "Ada Lovelace", Email: "ada@example.com",
		Status: "confirmed",
	}
}

// cancelled returns r as a cancelled row.
func (r rawBooking) cancelled() rawBooking {
	r.Status = "cancelled"
	r.CancelledAt = r.Start - 86400
	return r
}

// rawExecer is *sql.DB or *sql.Tx.
type rawExecer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (r rawBooking) insert(db rawExecer) error {
	_, err := db.ExecContext(context.Background(), `INSERT INTO bookings (id, reference, tier_id, package_id, room_id, start_at, end_at,
			guests, price_cents, currency, customer_name, customer_email, customer_phone, notes, status, sequence,
			created_at, updated_at, cancelled_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Reference, r.Tier, r.Package, r.Room, r.Start, r.End,
		r.Guests, r.Price, r.Currency, r.Name, r.Email, r.Phone, r.Notes, r.Status, r.Sequence,
		testNow.Unix(), testNow.Unix(), r.CancelledAt)
	return err
}

// mustInsert inserts r and fails the test if the database refuses it.
func mustInsert(t testing.TB, db rawExecer, r rawBooking) {
	t.Helper()
	if err := r.insert(db); err != nil {
		t.Fatalf("insert %s %s [%d, %d): %v", r.Room, r.Status, r.Start, r.End, err)
	}
}

// count runs a count(*)-like query and returns the number.
func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// tableDigest is a cheap fingerprint of a table's whole content, so a test can
// show that a refused statement left it unchanged.
func tableDigest(t testing.TB, db *sql.DB, table string) string {
	t.Helper()
	rows, err := db.Query("SELECT * FROM " + table + " ORDER BY rowid")
	if err != nil {
		t.Fatalf("digest %s: %v", table, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("digest %s: %v", table, err)
		}
		for _, v := range vals {
			b.WriteString(strings.ReplaceAll(toString(v), "|", "\\|"))
			b.WriteByte('|')
		}
		b.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("digest %s: %v", table, err)
	}
	return b.String()
}

func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	default:
		return fmt.Sprint(x)
	}
}

// newBooking returns a NewBooking of package p60 (tier t1) at start for rooms.
func newBooking(start time.Time, rooms ...string) NewBooking {
	return NewBooking{
		TierID: "t1", PackageID: "p60", Rooms: rooms,
		Start: start, End: start.Add(time.Hour),
		Guests: 2, PriceCents: 5000, Currency: "EUR",
		CustomerName: "Grace Hopper", CustomerEmail: "grace@example.com",
		Now: testNow,
	}
}
