package store

import (
	"database/sql"
	"regexp"
	"strings"
	"testing"
)

// overlapQuery is the shape of the overlap look-up in freeRoom (bookings.go),
// and with ?1..?3 for NEW.room_id, NEW.start_at, NEW.end_at also that of the
// bookings_no_overlap_* triggers in schema.sql.
const overlapQuery = `SELECT EXISTS (
				SELECT 1 FROM bookings AS b, venue_rules AS r
				WHERE r.id = 1 AND b.room_id = ?1
				  AND b.start_at > ?2 - r.cleaning_gap_s - r.max_duration_s
				  AND b.start_at < ?3 + r.cleaning_gap_s
				  AND ?2 < b.end_at + r.cleaning_gap_s
				  AND b.status <> 'cancelled')
			OR EXISTS (
				SELECT 1 FROM blackouts WHERE (room_id = ?1 OR room_id IS NULL) AND start_at < ?3 AND end_at > ?2)`

// queryPlan returns the detail column of EXPLAIN QUERY PLAN for query.
func queryPlan(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var details []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		details = append(details, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return details
}

// roomStartSearch matches a search of bookings_room_start on the room and a
// start range bounded on both sides (covering or not).
var roomStartSearch = regexp.MustCompile(`^SEARCH (b|bookings) USING (COVERING )?INDEX bookings_room_start \(room_id=\? AND start_at>\? AND start_at<\?\)`)

func assertBookingsByRoomStart(t *testing.T, plan []string) {
	t.Helper()
	var found bool
	for _, d := range plan {
		if strings.HasPrefix(d, "SCAN b") || d == "SCAN bookings" || strings.HasPrefix(d, "SCAN bookings ") {
			t.Errorf("plan scans bookings: %q\nplan:\n%s", d, strings.Join(plan, "\n"))
		}
		if roomStartSearch.MatchString(d) {
			found = true
		}
	}
	if !found {
		t.Errorf("plan does not search bookings by bookings_room_start with a bounded start range:\n%s", strings.Join(plan, "\n"))
	}
}

func TestOverlapQueryUsesRoomStartIndex(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	args := []any{"a", unixAt(10, 0), unixAt(11, 0)}

	// Empty table, no statistics.
	assertBookingsByRoomStart(t, queryPlan(t, db, overlapQuery, args...))

	// Thousands of rows in two rooms, with statistics: the planner must still
	// search a bounded range of the index.
	insertTwoRooms(t, db, 2000)
	if n := count(t, db, "SELECT count(*) FROM bookings"); n != 2000 {
		t.Fatalf("%d bookings, want 2000", n)
	}
	if _, err := db.Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	plan := queryPlan(t, db, overlapQuery, args...)
	assertBookingsByRoomStart(t, plan)
	t.Logf("plan:\n%s", strings.Join(plan, "\n"))

	// Same check for the body of the update trigger, which adds b.id <> NEW.id.
	updateShape := strings.Replace(overlapQuery, "WHERE r.id = 1 AND", "WHERE r.id = 1 AND b.id <> ?4 AND", 1)
	assertBookingsByRoomStart(t, queryPlan(t, db, updateShape, append(args, newID())...))
}

// insertTwoRooms inserts n confirmed hour-long bookings by raw SQL, two at
// each start (rooms a and b) every two hours from day0.
func insertTwoRooms(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	_, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?2 - 1)
		INSERT INTO bookings (id, reference, tier_id, package_id, room_id, start_at, end_at, guests, price_cents, currency,
			customer_name, customer_email, status, created_at, updated_at)
		SELECT printf('%026d', i), printf('VB-%06d', i), 't1', 'p60', CASE i % 2 WHEN 0 THEN 'a' ELSE 'b' END,
			?1 + (i / 2) * 7200, ?1 + (i / 2) * 7200 + 3600, 2, 5000, 'EUR', 'Ada', 'ada@example.com', 'confirmed', ?1, ?1
		FROM n`, day0.Unix(), n)
	if err != nil {
		t.Fatal(err)
	}
}
