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
	insertTwoRooms(t, db, 2000)
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
