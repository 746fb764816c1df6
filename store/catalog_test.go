package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func venueRules(t *testing.T, db *sql.DB) (gap, maxDur int64) {
	t.Helper()
	if err := db.QueryRow("SELECT cleaning_gap_s, max_duration_s FROM venue_rules WHERE id = 1").Scan(&gap, &maxDur); err != nil {
		t.Fatal(err)
	}
	return gap, maxDur
}

func active(t *testing.T, db *sql.DB, table, id string) int {
	t.Helper()
	var a int
	if err := db.QueryRow("SELECT active FROM "+table+" WHERE id = ?", id).Scan(&a); err != nil {
		t.Fatalf("%s %s: %v", table, id, err)
	}
	return a
}

func TestSyncCatalogWritesTablesAndRules(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	if got := tableDigest(t, db, "rooms"); got != "a|Room A|0|1|\nb|Room B|1|1|\n" {
		t.Errorf("rooms:\n%s", got)
	}
	if got := tableDigest(t, db, "packages"); got != "p60|t1|One hour|3600|5000|4|1|1|\np90|t2|Ninety minutes|5400|7500|6|2|1|\n" {
		t.Errorf("packages:\n%s", got)
	}
	if n := count(t, db, "SELECT count(*) FROM tiers WHERE active = 1"); n != 2 {
		t.Errorf("%d active tiers, want 2", n)
	}
	gap, maxDur := venueRules(t, db)
	if gap != gapSec || maxDur != 90*minute {
		t.Errorf("venue_rules = gap %d, max %d; want %d, %d", gap, maxDur, gapSec, 90*minute)
	}

	// A new gap and a longer package reach venue_rules.
	c := testCatalog()
	c.CleaningGapSec = 15 * minute
	c.Tiers[0].Packages = append(c.Tiers[0].Packages, CatalogPackage{ID: "p180", Name: "Three hours", DurationSec: 3 * hour, PriceCents: 9000, MaxGuests: 4})
	if err := s.SyncCatalog(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	gap, maxDur = venueRules(t, db)
	if gap != 15*minute || maxDur != 3*hour {
		t.Errorf("venue_rules = gap %d, max %d; want %d, %d", gap, maxDur, 15*minute, 3*hour)
	}
	// Syncing the same catalog twice changes nothing.
	before := tableDigest(t, db, "packages") + tableDigest(t, db, "rooms") + tableDigest(t, db, "tiers") + tableDigest(t, db, "venue_rules")
	if err := s.SyncCatalog(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if after := tableDigest(t, db, "packages") + tableDigest(t, db, "rooms") + tableDigest(t, db, "tiers") + tableDigest(t, db, "venue_rules"); after != before {
		t.Errorf("second sync changed the catalog:\n%s\n%s", before, after)
	}
}

func TestSyncCatalogDeactivatesAndReactivates(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	nb := newBooking(at(10, 0), "b")
	nb.TierID, nb.PackageID, nb.End = "t2", "p90", at(11, 30)
	booked, _, err := s.CreateBooking(ctx, nb)
	if err != nil {
		t.Fatal(err)
	}

	// Room b and tier t2 (with p90) leave the catalog.
	c := testCatalog()
	c.Rooms = c.Rooms[:1]
	c.Tiers = c.Tiers[:1]
	if err := s.SyncCatalog(ctx, c); err != nil {
		t.Fatalf("sync without b and t2: %v", err)
	}
	for _, x := range []struct{ table, id string }{{"rooms", "b"}, {"tiers", "t2"}, {"packages", "p90"}} {
		if a := active(t, db, x.table, x.id); a != 0 {
			t.Errorf("%s %s active = %d after removal, want 0 (kept, deactivated)", x.table, x.id, a)
		}
	}
	for _, x := range []struct{ table, id string }{{"rooms", "a"}, {"tiers", "t1"}, {"packages", "p60"}} {
		if a := active(t, db, x.table, x.id); a != 1 {
			t.Errorf("%s %s active = %d, want 1", x.table, x.id, a)
		}
	}
	got, err := s.FindBookingByID(ctx, booked.ID)
	if err != nil {
		t.Fatalf("booking on removed items no longer reads back: %v", err)
	}
	if got != booked {
		t.Errorf("booking changed by the sync:\n got %+v\nwant %+v", got, booked)
	}
	// The overlap rules still hold for the deactivated package's booking.
	if _, maxDur := venueRules(t, db); maxDur != 90*minute {
		t.Errorf("max_duration_s = %d after removing p90 with a 90-minute booking, want %d", maxDur, 90*minute)
	}

	// Re-adding reactivates, with the new names.
	c = testCatalog()
	c.Rooms[1].Name = "Room B renamed"
	if err := s.SyncCatalog(ctx, c); err != nil {
		t.Fatalf("sync re-adding b and t2: %v", err)
	}
	for _, x := range []struct{ table, id string }{{"rooms", "b"}, {"tiers", "t2"}, {"packages", "p90"}} {
		if a := active(t, db, x.table, x.id); a != 1 {
			t.Errorf("%s %s active = %d after re-adding, want 1", x.table, x.id, a)
		}
	}
	var name string
	if err := db.QueryRow("SELECT name FROM rooms WHERE id = 'b'").Scan(&name); err != nil || name != "Room B renamed" {
		t.Errorf("room b name = %q, %v", name, err)
	}
}

func TestSyncCatalogRefusesMovingBookedPackage(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	nb := newBooking(at(10, 0), "a")
	nb.TierID, nb.PackageID, nb.End = "t2", "p90", at(11, 30)
	if _, _, err := s.CreateBooking(ctx, nb); err != nil {
		t.Fatal(err)
	}
	before := tableDigest(t, db, "rooms") + tableDigest(t, db, "tiers") + tableDigest(t, db, "packages") + tableDigest(t, db, "venue_rules")

	// p90 moves from t2 to t1, and the same sync adds a room and changes the gap.
	c := testCatalog()
	c.Rooms = append(c.Rooms, CatalogRoom{ID: "c", Name: "Room C"})
	c.CleaningGapSec = 0
	c.Tiers[0].Packages = append(c.Tiers[0].Packages, c.Tiers[1].Packages[0])
	c.Tiers[1].Packages = nil
	err := s.SyncCatalog(ctx, c)
	if err == nil {
		t.Fatal("moving a booked package to another tier succeeded")
	}
	if !strings.Contains(err.Error(), `"p90"`) {
		t.Errorf("error %q does not name the package p90", err)
	}
	after := tableDigest(t, db, "rooms") + tableDigest(t, db, "tiers") + tableDigest(t, db, "packages") + tableDigest(t, db, "venue_rules")
	if after != before {
		t.Errorf("a failed sync left changes behind:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestSyncCatalogMovesUnbookedPackage(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	c := testCatalog()
	c.Tiers[0].Packages = append(c.Tiers[0].Packages, c.Tiers[1].Packages[0])
	c.Tiers[1].Packages = nil
	if err := s.SyncCatalog(context.Background(), c); err != nil {
		t.Fatalf("moving a package without bookings: %v", err)
	}
	var tier string
	if err := db.QueryRow("SELECT tier_id FROM packages WHERE id = 'p90'").Scan(&tier); err != nil || tier != "t1" {
		t.Errorf("p90 tier = %q, %v; want t1", tier, err)
	}
}

// max_duration_s bounds the overlap look-up, so it must never fall below the
// longest booking in the table, even when the catalog's packages get shorter.
func TestSyncCatalogKeepsMaxDurationOfExistingBookings(t *testing.T) {
	ctx := context.Background()
	c := testCatalog()
	c.Tiers[1].Packages = append(c.Tiers[1].Packages, CatalogPackage{ID: "p24h", Name: "Whole day", DurationSec: 86400, PriceCents: 50000, MaxGuests: 6})
	s := openTestStore(t, &c)
	db := openRaw(t, s)
	nb := newBooking(at(0, 0), "a")
	nb.TierID, nb.PackageID, nb.End = "t2", "p24h", at(24, 0)
	if _, _, err := s.CreateBooking(ctx, nb); err != nil {
		t.Fatal(err)
	}
	c.Tiers[1].Packages[1].DurationSec = hour // the whole-day package becomes one hour
	if err := s.SyncCatalog(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, maxDur := venueRules(t, db); maxDur != 86400 {
		t.Fatalf("max_duration_s = %d, want 86400 (a 24 h booking exists)", maxDur)
	}
	// And the long booking still blocks a start 23 h after its own.
	if _, _, err := s.CreateBooking(ctx, newBooking(at(23, 0), "a")); err != ErrSlotTaken {
		t.Errorf("CreateBooking inside the 24 h booking: err %v, want ErrSlotTaken", err)
	}
	if err := validRaw("a", unixAt(23, 0)).insert(db); err == nil || !strings.Contains(err.Error(), overlapMsg) {
		t.Errorf("raw insert inside the 24 h booking: err %v, want %q", err, overlapMsg)
	}
}

// CheckCatalog finds, read-only, what SyncCatalog refuses: a booked package
// moved to another tier, with the same error; beside an open store and
// after it is closed, leaving the file as it was.
func TestCheckCatalogFindsMovedBookedPackage(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	nb := newBooking(at(10, 0), "a")
	nb.TierID, nb.PackageID, nb.End = "t2", "p90", at(11, 30)
	if _, _, err := s.CreateBooking(ctx, nb); err != nil {
		t.Fatal(err)
	}
	moved := testCatalog()
	moved.Tiers[0].Packages = append(moved.Tiers[0].Packages, moved.Tiers[1].Packages[0])
	moved.Tiers[1].Packages = nil

	check := func(when string) {
		t.Helper()
		if problems, err := CheckCatalog(ctx, s.Path(), testCatalog()); err != nil || len(problems) != 0 {
			t.Errorf("%s: the synced catalog: %v, %v; want no problem", when, problems, err)
		}
		problems, err := CheckCatalog(ctx, s.Path(), moved)
		if err != nil || len(problems) != 1 {
			t.Fatalf("%s: %v, %v; want one problem", when, problems, err)
		}
		var pm *PackageMoveError
		if !errors.As(problems[0], &pm) || *pm != (PackageMoveError{Package: "p90", BookedTier: "t2", ConfigTier: "t1", Bookings: 1}) {
			t.Errorf("%s: problem %#v", when, problems[0])
		}
	}
	check("beside the open store")
	syncErr := s.SyncCatalog(ctx, moved)
	var pm *PackageMoveError
	if !errors.As(syncErr, &pm) || pm.Package != "p90" {
		t.Fatalf("SyncCatalog: %v; want the same *PackageMoveError", syncErr)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before, filesBefore := fileDigest(t, s.Path()), dirNames(t, filepath.Dir(s.Path()))
	check("after the store is closed")
	if after := fileDigest(t, s.Path()); after != before {
		t.Error("CheckCatalog changed the database file")
	}
	if files := dirNames(t, filepath.Dir(s.Path())); files != filesBefore {
		t.Errorf("CheckCatalog left files behind: %s, before %s", files, filesBefore)
	}
	if _, err := CheckCatalog(ctx, filepath.Join(t.TempDir(), "none.db"), moved); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing database: %v, want os.ErrNotExist", err)
	}
}

func fileDigest(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x %d %v", sha256.Sum256(data), st.Size(), st.ModTime())
}

func dirNames(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}
