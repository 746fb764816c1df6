package store

import (
	"strings"
	"testing"
)

// The export's pages (EachBooking) seek to where the last page ended and read
// in index order: no sort of the remaining range per page, which made a
// year's export quadratic at a million bookings.
func TestExportPagesSeekInIndexOrder(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	_, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999)
		INSERT INTO bookings (id, reference, tier_id, package_id, room_id, start_at, end_at, guests, price_cents, currency,
			customer_name, customer_email, status, created_at, updated_at)
		SELECT printf('%026d', i), printf('VB-%06d', i), 't1', 'p60', CASE i % 2 WHEN 0 THEN 'a' ELSE 'b' END,
			?1 + (i / 2) * 7200, ?1 + (i / 2) * 7200 + 3600, 2, 5000, 'EUR', 'Ada', 'ada@example.com', 'confirmed', ?1, ?1
		FROM n`, day0.Unix())
	if err != nil {
		t.Fatal(err)
	}
	for _, analyzed := range []bool{false, true} {
		if analyzed {
			if _, err := db.Exec("ANALYZE"); err != nil {
				t.Fatal(err)
			}
		}
		plan := queryPlan(t, db, eachBookingSQL, day0.Unix(), day0.Unix()+365*86400, "", day0.Unix()+3600*100, "a", "x", 500)
		joined := strings.Join(plan, "\n")
		// Sorting the bookings of one start ("LAST 2 TERMS") is cheap; a
		// sort of the whole range is not.
		if strings.Contains(joined, "TEMP B-TREE FOR ORDER BY") || !strings.Contains(joined, "INDEX bookings_start (start_at>?") {
			t.Errorf("analyzed=%v: the export page does not seek bookings_start in order:\n%s", analyzed, joined)
		}
		t.Logf("analyzed=%v:\n%s", analyzed, joined)
	}
}
