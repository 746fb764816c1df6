package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// openRawPath opens a plain connection pool on the database file at path.
func openRawPath(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", rawDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	db := openRawPath(t, path)
	defer db.Close()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func setUserVersion(t *testing.T, path string, v int) {
	t.Helper()
	db := openRawPath(t, path)
	defer db.Close()
	if _, err := db.Exec("PRAGMA user_version = " + itoa(v)); err != nil {
		t.Fatal(err)
	}
}

func itoa(v int) string { return strconv.Itoa(v) }

func schemaObjects(t *testing.T, path string) string {
	t.Helper()
	db := openRawPath(t, path)
	defer db.Close()
	return tableDigest(t, db, "sqlite_schema")
}

func TestCurrentSchemaVersion(t *testing.T) {
	schema := readSchema(t)
	if schema.Version < 1 {
		t.Fatalf("schema.sql declares version %d", schema.Version)
	}
	// The upgrade steps of this build are consecutive and end at schema.sql's version.
	for i, up := range schema.Upgrades {
		if up.To < 2 || up.To > schema.Version {
			t.Errorf("upgrade %d goes to version %d, outside 2..%d", i, up.To, schema.Version)
		}
		if i > 0 && up.To != schema.Upgrades[i-1].To+1 {
			t.Errorf("upgrade %d goes to version %d after %d", i, up.To, schema.Upgrades[i-1].To)
		}
	}
	if n := len(schema.Upgrades); n > 0 && schema.Upgrades[n-1].To != schema.Version {
		t.Errorf("last upgrade goes to %d, schema.sql is version %d", schema.Upgrades[n-1].To, schema.Version)
	}
	if _, err := CurrentSchema("CREATE TABLE x (a INTEGER);"); err == nil {
		t.Error("CurrentSchema accepted SQL without PRAGMA user_version")
	}
}

func TestOpenFreshDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "venuebook.db")
	s := openStoreAt(t, path)
	if got, want := userVersion(t, path), readSchema(t).Version; got != want {
		t.Fatalf("user_version = %d, want %d", got, want)
	}
	db := openRaw(t, s)
	for _, table := range []string{"settings", "venue_rules", "rooms", "tiers", "packages", "bookings", "parking_permits", "blackouts", "idempotency_keys"} {
		if n := count(t, db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", table); n != 1 {
			t.Errorf("table %s missing", table)
		}
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestOpenAgainIsNoOp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "venuebook.db")
	ctx := context.Background()
	schema := readSchema(t)
	s, err := Open(ctx, path, schema)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureSetting(ctx, "instance_secret", "first"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before := schemaObjects(t, path)

	s2 := openStoreAt(t, path)
	if got := userVersion(t, path); got != schema.Version {
		t.Errorf("user_version = %d after reopening, want %d", got, schema.Version)
	}
	if after := schemaObjects(t, path); after != before {
		t.Errorf("reopening changed the schema:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	got, err := s2.EnsureSetting(ctx, "instance_secret", "second")
	if err != nil || got != "first" {
		t.Errorf("EnsureSetting after reopening = %q, %v; want the first value", got, err)
	}
	if v, err := s2.GetSetting(ctx, "instance_secret"); err != nil || v != "first" {
		t.Errorf("GetSetting = %q, %v", v, err)
	}
	if _, err := s2.GetSetting(ctx, "nope"); err != ErrNotFound {
		t.Errorf("GetSetting(unknown) err = %v, want ErrNotFound", err)
	}
}

func TestOpenRefusesNewerDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "venuebook.db")
	schema := readSchema(t)
	s, err := Open(context.Background(), path, schema)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	setUserVersion(t, path, schema.Version+1)
	before := schemaObjects(t, path)

	s2, err := Open(context.Background(), path, schema)
	if err == nil {
		s2.Close()
		t.Fatal("Open accepted a database of a newer schema version")
	}
	if !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), itoa(schema.Version+1)) {
		t.Errorf("error %q does not say the database is newer (version %d)", err, schema.Version+1)
	}
	if got := userVersion(t, path); got != schema.Version+1 {
		t.Errorf("user_version = %d, want it left at %d", got, schema.Version+1)
	}
	if schemaObjects(t, path) != before {
		t.Error("a refused Open changed the schema")
	}
}

func TestOpenRefusesForeignDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db := openRawPath(t, path)
	if _, err := db.Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := schemaObjects(t, path)

	s, err := Open(context.Background(), path, readSchema(t))
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a database with tables but no schema version")
	}
	if !strings.Contains(err.Error(), "not a venuebook database") {
		t.Errorf("error %q does not say it is not a venuebook database", err)
	}
	if got := userVersion(t, path); got != 0 {
		t.Errorf("user_version = %d, want 0", got)
	}
	if schemaObjects(t, path) != before {
		t.Error("the schema was applied to a foreign database")
	}
}

// The upgrade mechanism is tested with the real schema of this build as the
// old version V (Open needs a venuebook database: it loads the bookings into
// its occupancy mirror) and two made-up steps V+1 and V+2. Each step records
// itself in steps, so the order can be checked, and changes bookings, so the
// data can be followed through.
func toySteps(v int) (up1, up2 Upgrade) {
	up1 = Upgrade{To: v + 1, SQL: `CREATE TABLE steps (seq INTEGER PRIMARY KEY AUTOINCREMENT, step INTEGER NOT NULL);
INSERT INTO steps (step) VALUES (` + itoa(v+1) + `);
ALTER TABLE bookings ADD COLUMN label TEXT NOT NULL DEFAULT '';`}
	up2 = Upgrade{To: v + 2, SQL: `INSERT INTO steps (step) VALUES (` + itoa(v+2) + `);
UPDATE bookings SET label = upper(customer_name);`}
	return up1, up2
}

// upgradeSchema is base brought to version `to` by steps.
func upgradeSchema(base Schema, to int, steps ...Upgrade) Schema {
	return Schema{SQL: "-- not used for an existing database", Version: to, Upgrades: append(append([]Upgrade{}, base.Upgrades...), steps...)}
}

func openSchema(t *testing.T, path string, schema Schema) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, schema)
	if err != nil {
		t.Fatalf("Open version %d: %v", schema.Version, err)
	}
	return s
}

// newOldDatabase creates a database at the current version with one booking.
func newOldDatabase(t *testing.T) (path string, base Schema, booked Booking) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "venuebook.db")
	base = readSchema(t)
	s := openSchema(t, path, base)
	defer s.Close()
	if err := s.SyncCatalog(context.Background(), testCatalog()); err != nil {
		t.Fatal(err)
	}
	booked = mustCreate(t, s, newBooking(at(10, 0), "a"))
	return path, base, booked
}

func TestUpgradePath(t *testing.T) {
	path, base, booked := newOldDatabase(t)
	v := base.Version
	up1, up2 := toySteps(v)

	s := openSchema(t, path, upgradeSchema(base, v+2, up1, up2))
	got, err := s.FindBookingByID(context.Background(), booked.ID)
	if err != nil || !sameBooking(got, booked) {
		t.Errorf("booking after the upgrade = %+v, %v; want %+v", got, err, booked)
	}
	s.Close()
	if uv := userVersion(t, path); uv != v+2 {
		t.Fatalf("user_version = %d after upgrading, want %d", uv, v+2)
	}
	db := openRawPath(t, path)
	rows, err := db.Query("SELECT step FROM steps ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, n)
	}
	rows.Close()
	if len(steps) != 2 || steps[0] != v+1 || steps[1] != v+2 {
		t.Errorf("steps ran as %v, want [%d %d]", steps, v+1, v+2)
	}
	var label string
	if err := db.QueryRow("SELECT label FROM bookings WHERE id = ?", booked.ID).Scan(&label); err != nil {
		t.Fatal(err)
	}
	if label != strings.ToUpper(booked.CustomerName) {
		t.Errorf("label after upgrade = %q, want %q", label, strings.ToUpper(booked.CustomerName))
	}
	db.Close()

	// Opening the upgraded database again runs nothing.
	openSchema(t, path, upgradeSchema(base, v+2, up1, up2)).Close()
	if n := count(t, openRawPath(t, path), "SELECT count(*) FROM steps"); n != 2 {
		t.Errorf("%d step rows after reopening, want 2", n)
	}
}

func TestUpgradeFromMiddleVersion(t *testing.T) {
	path, base, _ := newOldDatabase(t)
	v := base.Version
	up1, up2 := toySteps(v)
	openSchema(t, path, upgradeSchema(base, v+1, up1)).Close()
	if uv := userVersion(t, path); uv != v+1 {
		t.Fatalf("user_version = %d, want %d", uv, v+1)
	}
	openSchema(t, path, upgradeSchema(base, v+2, up1, up2)).Close()
	if uv := userVersion(t, path); uv != v+2 {
		t.Fatalf("user_version = %d, want %d", uv, v+2)
	}
	if n := count(t, openRawPath(t, path), "SELECT count(*) FROM steps WHERE step = ?", v+1); n != 1 {
		t.Errorf("step %d ran %d times, want once", v+1, n)
	}
}

func TestUpgradeMissingStep(t *testing.T) {
	path, base, _ := newOldDatabase(t)
	v := base.Version
	_, up2 := toySteps(v)
	before := schemaObjects(t, path)

	cases := []struct {
		name   string
		schema Schema
	}{
		{"only the last step", upgradeSchema(base, v+2, up2)},
		{"no new steps", upgradeSchema(base, v+2)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(context.Background(), path, tc.schema)
			if err == nil {
				s.Close()
				t.Fatal("Open with a missing upgrade step succeeded")
			}
			// The message names the version where the upgrade stopped.
			if want := "no upgrade step from schema version " + itoa(v) + " to"; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q; want it to contain %q", err, want)
			}
			if uv := userVersion(t, path); uv != v {
				t.Errorf("user_version = %d, want it left at %d", uv, v)
			}
			if schemaObjects(t, path) != before {
				t.Error("schema changed although the upgrade was refused")
			}
		})
	}
}

func TestUpgradeFailingStepRollsBack(t *testing.T) {
	path, base, booked := newOldDatabase(t)
	v := base.Version
	up1, up2 := toySteps(v)
	bad2 := Upgrade{To: v + 2, SQL: `CREATE TABLE half_done (x INTEGER);
UPDATE bookings SET label = 'half';
INSERT INTO no_such_table VALUES (1);`}
	s, err := Open(context.Background(), path, upgradeSchema(base, v+2, up1, bad2))
	if err == nil {
		s.Close()
		t.Fatal("Open with a failing last step succeeded")
	}
	if !strings.Contains(err.Error(), "version "+itoa(v+2)) {
		t.Errorf("error %q does not name version %d", err, v+2)
	}
	// Step v+1 committed on its own; the failed step left nothing behind.
	if uv := userVersion(t, path); uv != v+1 {
		t.Errorf("user_version = %d, want %d", uv, v+1)
	}
	db := openRawPath(t, path)
	if n := count(t, db, "SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'"); n != 0 {
		t.Error("a failed step's table survived")
	}
	if n := count(t, db, "SELECT count(*) FROM bookings WHERE label = 'half'"); n != 0 {
		t.Error("a failed step's update survived")
	}
	db.Close()
	// The fixed step then completes the upgrade.
	s = openSchema(t, path, upgradeSchema(base, v+2, up1, up2))
	if _, err := s.FindBookingByID(context.Background(), booked.ID); err != nil {
		t.Errorf("booking after the fixed upgrade: %v", err)
	}
	s.Close()
	if uv := userVersion(t, path); uv != v+2 {
		t.Errorf("user_version = %d after the fixed upgrade, want %d", uv, v+2)
	}
}

// A database made by the first schema (testdata/schema-v1.sql, as released)
// is upgraded by this build's steps to exactly the schema a new database gets,
// its bookings kept.
func TestUpgradeFromVersion1(t *testing.T) {
	raw, err := os.ReadFile("testdata/schema-v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	v1, err := CurrentSchema(string(raw))
	if err != nil || v1.Version != 1 {
		t.Fatalf("schema-v1.sql: version %d, %v", v1.Version, err)
	}
	// Written as the first release wrote it: this build's code no longer
	// runs on a version 1 file, so its rows go in by SQL.
	dir := t.TempDir()
	old := filepath.Join(dir, "old.db")
	raw1 := openRawPath(t, old)
	if _, err := raw1.Exec(v1.SQL); err != nil {
		t.Fatal(err)
	}
	if _, err := raw1.Exec(`INSERT INTO rooms (id, name) VALUES ('a', 'Room A');
		INSERT INTO tiers (id, name) VALUES ('t1', 'Classic');
		INSERT INTO packages (id, tier_id, name, duration_s, price_cents, max_guests) VALUES ('p60', 't1', 'An hour', 3600, 5000, 4)`); err != nil {
		t.Fatal(err)
	}
	row := validRaw("a", at(10, 0).Unix())
	row.Name, row.Phone = "Jürgen Müller", "+49 30 1234567"
	if err := row.insert(raw1); err != nil {
		t.Fatal(err)
	}
	raw1.Close()

	current := readSchema(t)
	s := openSchema(t, old, current)
	got, err := s.FindBookingByID(context.Background(), row.ID)
	if err != nil || got.Reference != row.Reference || got.CustomerName != row.Name || got.Source != SourceOnline || got.Language != "" {
		t.Errorf("booking after the upgrade = %+v, %v; want the row written by version 1, source online", got, err)
	}
	for _, q := range []string{"MÜLLER", "jürgen", "030 1234", strings.ToLower(row.Reference)} {
		found, err := s.ListBookings(context.Background(), BookingFilter{From: at(0, 0), To: at(23, 0), Query: q})
		if err != nil || len(found) != 1 {
			t.Errorf("search %q after the upgrade: %d bookings (%v), want the upgraded one", q, len(found), err)
		}
	}
	s.Close()
	fresh := filepath.Join(dir, "fresh.db")
	openSchema(t, fresh, current).Close()
	if a, b := schemaDefinitions(t, old), schemaDefinitions(t, fresh); a != b {
		t.Errorf("upgraded schema differs from a new database's:\nupgraded:\n%s\nnew:\n%s", a, b)
	}
	if uv := userVersion(t, old); uv != current.Version {
		t.Errorf("user_version %d, want %d", uv, current.Version)
	}
}

// schemaDefinitions lists the file's tables, indexes and triggers with their
// SQL, by name: what a schema is, whatever the pages it sits on.
func schemaDefinitions(t *testing.T, path string) string {
	t.Helper()
	db := openRawPath(t, path)
	defer db.Close()
	rows, err := db.Query("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, tbl, sql string
		if err := rows.Scan(&typ, &name, &tbl, &sql); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s on %s: %s\n", typ, name, tbl, sql)
	}
	return b.String()
}

// A version-4 file (outbox without reply_to) takes the column at version 5:
// its queued messages keep everything and have no Reply-To, a new message
// keeps its own, and the schema ends as a new database's.
func TestUpgradeFromVersion4AddsReplyTo(t *testing.T) {
	current := readSchema(t)
	line := regexp.MustCompile(`(?m)^\s*-- The Reply-To of a customer's email.*\n\s*reply_to .*\n`)
	v4SQL := line.ReplaceAllString(current.SQL, "")
	v4SQL = strings.Replace(v4SQL, "PRAGMA user_version = "+itoa(current.Version)+";", "PRAGMA user_version = 4;", 1)
	if v4SQL == current.SQL || strings.Contains(v4SQL, "reply_to") || current.Version != 5 {
		t.Fatalf("cannot make the version-4 schema from schema.sql (version %d)", current.Version)
	}
	dir := t.TempDir()
	old := filepath.Join(dir, "old.db")
	raw := openRawPath(t, old)
	if _, err := raw.Exec(v4SQL); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO outbox (kind, recipient, subject, body_text, body_html, message_id, status, attempts,
		next_attempt_at, created_at, updated_at) VALUES ('confirmation', 'ada@example.com', 'Booked', 'text', '', 'vb.v4@venue.test', 'queued', 0, 0, 0, 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	s := openSchema(t, old, current)
	if err := s.QueueMessages(context.Background(), []Message{{Kind: "confirmation", Recipient: "grace@example.com", Subject: "Booked",
		Text: "text", ReplyTo: "desk@venue.example"}}, testNow); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.ListOutbox(context.Background(), "", 10)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("outbox after the upgrade: %d rows, %v", len(msgs), err)
	}
	replyTo := map[string]string{}
	for _, m := range msgs {
		replyTo[m.Recipient] = m.ReplyTo
		if m.Recipient == "ada@example.com" && (m.MessageID != "vb.v4@venue.test" || m.Text != "text" || m.Status != MailQueued) {
			t.Errorf("the version-4 message changed: %+v", m)
		}
	}
	if replyTo["ada@example.com"] != "" || replyTo["grace@example.com"] != "desk@venue.example" {
		t.Errorf("Reply-To after the upgrade: %v", replyTo)
	}
	s.Close()
	fresh := filepath.Join(dir, "fresh.db")
	openSchema(t, fresh, current).Close()
	if a, b := schemaDefinitions(t, old), schemaDefinitions(t, fresh); a != b {
		t.Errorf("upgraded schema differs from a new database's:\nupgraded:\n%s\nnew:\n%s", a, b)
	}
}
