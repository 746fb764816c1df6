package store

import (
	"context"
	"database/sql"
	"fmt"
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

func assertBookingsByRoomStart(t *testing.T, plan []string) {
	t.Helper()
	var found bool
	for _, d := range plan {
		if strings.HasPrefix(d, "SCAN b") || d == "SCAN bookings" || strings.HasPrefix(d, "SCAN bookings ") {
			t.Errorf("plan scans bookings: %q\nplan:\n%s", d, strings.Join(plan, "\n"))
		}
		if strings.HasPrefix(d, "SEARCH") && strings.Contains(d, "USING INDEX bookings_room_start (room_id=? AND start_at>? AND start_at<?)") {
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
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2000; i++ {
		room := []string{"a", "b"}[i%2]
		mustInsert(t, tx, validRaw(room, day0.Unix()+int64(i/2)*2*hour))
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
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

// Occupancy's bookings query reads one index range per room too.
func TestOccupancyQueryUsesRoomStartIndex(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	q := `SELECT room_id, start_at, end_at FROM bookings
			WHERE room_id IN (?, ?) AND start_at >= ? AND start_at < ? AND status <> 'cancelled'
			ORDER BY start_at`
	plan := queryPlan(t, db, q, "a", "b", unixAt(0, 0), unixAt(48, 0))
	joined := strings.Join(plan, "\n")
	if !strings.Contains(joined, "USING INDEX bookings_room_start (room_id=? AND start_at>? AND start_at<?)") {
		t.Errorf("occupancy query does not use bookings_room_start:\n%s", joined)
	}
	for _, d := range plan {
		if strings.HasPrefix(d, "SCAN bookings") {
			t.Errorf("occupancy query scans bookings: %s", fmt.Sprint(plan))
		}
	}
}
