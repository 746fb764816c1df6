package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// The database is the second line behind the Go code: these tests insert rows
// with raw SQL on a separate connection and show that schema.sql refuses what
// the code must never write.

func TestSchemaRefusesBadBookingRows(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	// One booking already in the table, far from the slots tried below.
	mustInsert(t, db, validRaw("a", unixAt(0, 0)))

	const (
		check = "CHECK constraint failed"
		fk    = "FOREIGN KEY constraint failed"
	)
	cases := []struct {
		name    string
		mutate  func(r *rawBooking)
		wantErr string // substring of the error; "" means the row is valid
	}{
		{"valid row (control)", func(r *rawBooking) {}, ""},
		{"bad status", func(r *rawBooking) { r.Status = "pending" }, check},
		{"empty status", func(r *rawBooking) { r.Status = "" }, check},
		{"status in another case", func(r *rawBooking) { r.Status = "Confirmed" }, check},
		{"negative price", func(r *rawBooking) { r.Price = int64(-1) }, check},
		{"price over 100000000", func(r *rawBooking) { r.Price = int64(100000001) }, check},
		{"price as text (STRICT)", func(r *rawBooking) { r.Price = "fifty" }, "cannot store TEXT value in INTEGER column"},
		{"guests 0", func(r *rawBooking) { r.Guests = 0 }, check},
		{"guests 1001", func(r *rawBooking) { r.Guests = 1001 }, check},
		{"end_at equal to start_at", func(r *rawBooking) { r.End = r.Start }, check},
		{"end_at before start_at", func(r *rawBooking) { r.End = r.Start - hour }, check},
		{"duration 299 s", func(r *rawBooking) { r.End = r.Start + 299 }, check},
		// A cancelled row skips the overlap trigger, so the CHECK itself is what refuses it.
		{"duration 86401 s (cancelled row, CHECK)", func(r *rawBooking) { *r = r.cancelled(); r.End = r.Start + 86401 }, check},
		// A live row meets the trigger's longest-package rule first; either way it is refused.
		{"duration 86401 s (confirmed row)", func(r *rawBooking) { r.End = r.Start + 86401 }, "constraint failed"},
		{"empty customer_name", func(r *rawBooking) { r.Name = "" }, check},
		{"blank customer_name", func(r *rawBooking) { r.Name = "   " }, check},
		{"101-char customer_name", func(r *rawBooking) { r.Name = strings.Repeat("n", 101) }, check},
		{"customer_email without @", func(r *rawBooking) { r.Email = "ada.example.com" }, check},
		{"customer_phone 41 chars", func(r *rawBooking) { r.Phone = strings.Repeat("1", 41) }, check},
		{"notes 1001 chars", func(r *rawBooking) { r.Notes = strings.Repeat("x", 1001) }, check},
		{"reference lower case", func(r *rawBooking) { r.Reference = "VB-abc123" }, check},
		{"reference wrong prefix", func(r *rawBooking) { r.Reference = "XB-ABC123" }, check},
		{"reference too short", func(r *rawBooking) { r.Reference = "VB-ABC12" }, check},
		{"reference too long", func(r *rawBooking) { r.Reference = "VB-ABC1234" }, check},
		{"reference with punctuation", func(r *rawBooking) { r.Reference = "VB-ABC-12" }, check},
		{"currency lower case", func(r *rawBooking) { r.Currency = "eur" }, check},
		{"currency four letters", func(r *rawBooking) { r.Currency = "EURO" }, check},
		{"currency with digit", func(r *rawBooking) { r.Currency = "E1R" }, check},
		{"id not 26 chars", func(r *rawBooking) { r.ID = "short" }, check},
		{"negative sequence", func(r *rawBooking) { r.Sequence = -1 }, check},
		{"cancelled_at on a confirmed booking", func(r *rawBooking) { r.CancelledAt = r.Start - 60 }, check},
		{"package of another tier (composite FK)", func(r *rawBooking) { r.Tier, r.Package = "t1", "p90" }, fk},
		{"unknown package", func(r *rawBooking) { r.Package = "nope" }, fk},
		{"unknown tier", func(r *rawBooking) { r.Tier = "t9" }, fk},
		{"unknown room", func(r *rawBooking) { r.Room = "zz" }, fk},
		{"start_at in milliseconds", func(r *rawBooking) { r.Start *= 1000; r.End = r.Start + hour }, check},
		{"start_at zero", func(r *rawBooking) { r.Start, r.End = 0, hour }, check},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Each case has its own slot, four hours from the next, so that no
			// case can be refused (or accepted) because of another's row.
			r := validRaw("a", unixAt(4+4*i, 0))
			tc.mutate(&r)
			before := tableDigest(t, db, "bookings")
			n := count(t, db, "SELECT count(*) FROM bookings")
			err := r.insert(db)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("valid row refused: %v", err)
				}
				if got := count(t, db, "SELECT count(*) FROM bookings"); got != n+1 {
					t.Fatalf("bookings: %d rows, want %d", got, n+1)
				}
				return
			}
			if err == nil {
				t.Fatalf("bad row accepted: %+v", r)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q; want it to contain %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "overlaps") {
				t.Errorf("refused as an overlap, not for the rule under test: %v", err)
			}
			if after := tableDigest(t, db, "bookings"); after != before {
				t.Errorf("bookings changed by a refused insert:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// Boundary values that are allowed: the CHECKs must not be off by one the other way.
func TestSchemaAcceptsBoundaryBookingRows(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	cases := []struct {
		name   string
		mutate func(r *rawBooking)
	}{
		{"price 0", func(r *rawBooking) { r.Price = int64(0) }},
		{"price 100000000", func(r *rawBooking) { r.Price = int64(100000000) }},
		{"guests 1", func(r *rawBooking) { r.Guests = 1 }},
		{"guests 1000", func(r *rawBooking) { r.Guests = 1000 }},
		{"duration 300 s", func(r *rawBooking) { r.End = r.Start + 300 }},
		{"duration of the longest package", func(r *rawBooking) { r.End = r.Start + 90*minute }},
		{"customer_name 100 chars", func(r *rawBooking) { r.Name = strings.Repeat("n", 100) }},
		{"customer_name 1 char", func(r *rawBooking) { r.Name = "n" }},
		{"notes 1000 chars", func(r *rawBooking) { r.Notes = strings.Repeat("x", 1000) }},
		{"phone 40 chars", func(r *rawBooking) { r.Phone = strings.Repeat("1", 40) }},
		{"reference with every allowed class", func(r *rawBooking) { r.Reference = "VB-A1B2C3" }},
		{"status completed", func(r *rawBooking) { r.Status = "completed" }},
		{"status no_show", func(r *rawBooking) { r.Status = "no_show" }},
		{"status cancelled with cancelled_at", func(r *rawBooking) { *r = r.cancelled() }},
		{"tier t2 with its own package p90", func(r *rawBooking) { r.Tier, r.Package, r.End = "t2", "p90", r.Start+90*minute }},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := validRaw("b", unixAt(4*i, 0))
			tc.mutate(&r)
			if err := r.insert(db); err != nil {
				t.Fatalf("valid row refused: %v", err)
			}
		})
	}
}

func TestSchemaRefusesBadPermitAndBlackoutRows(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	b := validRaw("a", unixAt(10, 0))
	mustInsert(t, db, b)
	now := testNow.Unix()

	permit := func(id, booking, reg, status string) error {
		_, err := db.Exec(`INSERT INTO parking_permits (id, booking_id, vehicle_registration, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, id, booking, reg, status, now, now)
		return err
	}
	blackout := func(room any, start, end int64) error {
		_, err := db.Exec(`INSERT INTO blackouts (room_id, start_at, end_at, created_at) VALUES (?, ?, ?, ?)`, room, start, end, now)
		return err
	}
	refused := []struct {
		name string
		do   func() error
	}{
		{"permit registration lower case", func() error { return permit(newID(), b.ID, "ab12cd", "requested") }},
		{"permit registration with space", func() error { return permit(newID(), b.ID, "AB 12CD", "requested") }},
		{"permit registration 1 char", func() error { return permit(newID(), b.ID, "A", "requested") }},
		{"permit registration 11 chars", func() error { return permit(newID(), b.ID, "ABCDEFGHIJK", "requested") }},
		{"permit bad status", func() error { return permit(newID(), b.ID, "AB12CD", "maybe") }},
		{"permit for unknown booking", func() error { return permit(newID(), newID(), "AB12CD", "requested") }},
		{"blackout end before start", func() error { return blackout(nil, unixAt(12, 0), unixAt(11, 0)) }},
		{"blackout empty", func() error { return blackout(nil, unixAt(12, 0), unixAt(12, 0)) }},
		{"blackout unknown room", func() error { return blackout("zz", unixAt(12, 0), unixAt(13, 0)) }},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			pb, bb := tableDigest(t, db, "parking_permits"), tableDigest(t, db, "blackouts")
			if err := tc.do(); err == nil {
				t.Fatal("bad row accepted")
			}
			if tableDigest(t, db, "parking_permits") != pb || tableDigest(t, db, "blackouts") != bb {
				t.Error("table changed by a refused insert")
			}
		})
	}
	// Controls.
	if err := permit(newID(), b.ID, "AB12CD", "requested"); err != nil {
		t.Fatalf("valid permit refused: %v", err)
	}
	if err := permit(newID(), b.ID, "XY99ZZ", "requested"); err == nil {
		t.Error("second permit for one booking accepted")
	}
	if err := blackout(nil, unixAt(12, 0), unixAt(13, 0)); err != nil {
		t.Fatalf("valid all-rooms blackout refused: %v", err)
	}
	if err := blackout("b", unixAt(12, 0), unixAt(13, 0)); err != nil {
		t.Fatalf("valid room blackout refused: %v", err)
	}
}

// overlapMsg and reactivateMsg are the messages of schema.sql's triggers.
const (
	overlapMsg    = "booking overlaps another booking in the same room"
	tooLongMsg    = "booking longer than the longest package"
	reactivateMsg = "a cancelled booking cannot be reactivated"
)

// withRawTx runs fn in a transaction on db that is always rolled back, so each
// case starts from the same table.
func withRawTx(t *testing.T, db *sql.DB, fn func(tx *sql.Tx)) {
	t.Helper()
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	defer tx.Rollback()
	fn(tx)
}

func rawSpan(room string, h1, m1, h2, m2 int) rawBooking {
	r := validRaw(room, unixAt(h1, m1))
	r.End = unixAt(h2, m2)
	return r
}

func TestOverlapTriggerOnInsert(t *testing.T) {
	s := openTestStore(t, nil) // gap 30 min, longest package 90 min
	db := openRaw(t, s)
	existing := rawSpan("a", 10, 0, 11, 0)

	cases := []struct {
		name     string
		existing []rawBooking
		row      rawBooking
		refused  bool
	}{
		{"same slot same room", []rawBooking{existing}, rawSpan("a", 10, 0, 11, 0), true},
		{"overlaps the end", []rawBooking{existing}, rawSpan("a", 10, 30, 11, 30), true},
		{"overlaps the start", []rawBooking{existing}, rawSpan("a", 9, 30, 10, 30), true},
		{"inside", []rawBooking{existing}, rawSpan("a", 10, 15, 10, 45), true},
		{"around", []rawBooking{existing}, rawSpan("a", 9, 45, 11, 15), true},
		{"starts inside the gap after (11:29)", []rawBooking{existing}, rawSpan("a", 11, 29, 12, 29), true},
		{"starts one second before the gap edge", []rawBooking{existing}, validRaw("a", unixAt(11, 30)-1), true},
		{"starts exactly at the gap edge (11:30)", []rawBooking{existing}, rawSpan("a", 11, 30, 12, 30), false},
		{"ends inside the gap before (09:31)", []rawBooking{existing}, rawSpan("a", 8, 31, 9, 31), true},
		{"ends exactly at the gap edge before (09:30)", []rawBooking{existing}, rawSpan("a", 8, 30, 9, 30), false},
		{"right after with no gap (11:00)", []rawBooking{existing}, rawSpan("a", 11, 0, 12, 0), true},
		{"another room", []rawBooking{existing}, rawSpan("b", 10, 0, 11, 0), false},
		{"a cancelled booking does not block", []rawBooking{existing.cancelled()}, rawSpan("a", 10, 0, 11, 0), false},
		{"a cancelled overlapping row may be inserted", []rawBooking{existing}, rawSpan("a", 10, 0, 11, 0).cancelled(), false},
		{"a completed booking blocks", []rawBooking{withStatus(existing, "completed")}, rawSpan("a", 10, 30, 11, 30), true},
		{"a no_show booking blocks", []rawBooking{withStatus(existing, "no_show")}, rawSpan("a", 10, 30, 11, 30), true},
		{"a completed row is checked too", []rawBooking{existing}, withStatus(rawSpan("a", 10, 30, 11, 30), "completed"), true},
		{"between two bookings, gaps exact", []rawBooking{rawSpan("a", 8, 0, 9, 0), rawSpan("a", 11, 0, 12, 0)}, rawSpan("a", 9, 30, 10, 30), false},
		{"between two bookings, one minute short", []rawBooking{rawSpan("a", 8, 0, 9, 0), rawSpan("a", 11, 0, 12, 0)}, rawSpan("a", 9, 30, 10, 31), true},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			withRawTx(t, db, func(tx *sql.Tx) {
				for _, e := range tc.existing {
					e.ID, e.Reference = newID(), newReference()
					mustInsert(t, tx, e)
				}
				r := tc.row
				r.ID, r.Reference = newID(), newReference()
				err := r.insert(tx)
				switch {
				case tc.refused && err == nil:
					t.Fatalf("overlapping row [%v, %v) in %s accepted", r.Start-day0.Unix(), r.End-day0.Unix(), r.Room)
				case tc.refused && !strings.Contains(err.Error(), overlapMsg):
					t.Fatalf("refused for another reason: %v", err)
				case !tc.refused && err != nil:
					t.Fatalf("row refused: %v", err)
				}
			})
		})
	}
}

func withStatus(r rawBooking, status string) rawBooking {
	r.Status = status
	return r
}

func TestOverlapTriggerOnUpdate(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)

	cases := []struct {
		name    string
		x, y    rawBooking // two bookings; the update runs on y
		update  string     // SET clause for y
		args    []any
		wantErr string // "" when the update is allowed
	}{
		{"move start onto x", rawSpan("a", 10, 0, 11, 0), rawSpan("a", 13, 0, 14, 0),
			"start_at = ?, end_at = ?", []any{unixAt(10, 30), unixAt(11, 30)}, overlapMsg},
		{"move start into x's gap", rawSpan("a", 10, 0, 11, 0), rawSpan("a", 13, 0, 14, 0),
			"start_at = ?, end_at = ?", []any{unixAt(11, 29), unixAt(12, 29)}, overlapMsg},
		{"move start to the gap edge", rawSpan("a", 10, 0, 11, 0), rawSpan("a", 13, 0, 14, 0),
			"start_at = ?, end_at = ?", []any{unixAt(11, 30), unixAt(12, 30)}, ""},
		{"move start only (end kept)", rawSpan("a", 10, 0, 11, 0), rawSpan("a", 11, 45, 12, 30),
			"start_at = ?", []any{unixAt(11, 15)}, overlapMsg},
		{"extend end into x's gap", rawSpan("a", 13, 0, 14, 0), rawSpan("a", 11, 30, 12, 0),
			"end_at = ?", []any{unixAt(12, 31)}, overlapMsg},
		{"change room onto x", rawSpan("a", 10, 0, 11, 0), rawSpan("b", 10, 30, 11, 30),
			"room_id = 'a'", nil, overlapMsg},
		{"change room to a free room", rawSpan("a", 10, 0, 11, 0), rawSpan("b", 13, 0, 14, 0),
			"room_id = 'a'", nil, ""},
		{"edit notes of a booking (no time change)", rawSpan("a", 10, 0, 11, 0), rawSpan("a", 11, 30, 12, 30),
			"notes = 'late arrival'", nil, ""},
		{"mark completed", rawSpan("a", 10, 0, 11, 0), rawSpan("a", 11, 30, 12, 30),
			"status = 'completed'", nil, ""},
		{"cancel", rawSpan("a", 10, 0, 11, 0), rawSpan("a", 11, 30, 12, 30),
			"status = 'cancelled', cancelled_at = 1", nil, ""},
		{"un-cancel a free booking", rawSpan("a", 10, 0, 11, 0), rawSpan("a", 14, 0, 15, 0).cancelled(),
			"status = 'confirmed', cancelled_at = NULL", nil, reactivateMsg},
		{"un-cancel an overlapping booking", rawSpan("a", 10, 0, 11, 0), rawSpan("a", 10, 0, 11, 0).cancelled(),
			"status = 'confirmed', cancelled_at = NULL", nil, "constraint failed"},
		{"cancelled row may move onto x", rawSpan("a", 10, 0, 11, 0), rawSpan("a", 14, 0, 15, 0).cancelled(),
			"start_at = ?, end_at = ?", []any{unixAt(10, 0), unixAt(11, 0)}, ""},
		{"lengthen past the longest package", rawSpan("b", 10, 0, 11, 0), rawSpan("a", 13, 0, 14, 0),
			"end_at = start_at + ?", []any{90*minute + 1}, tooLongMsg},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			withRawTx(t, db, func(tx *sql.Tx) {
				mustInsert(t, tx, tc.x)
				mustInsert(t, tx, tc.y)
				_, err := tx.Exec("UPDATE bookings SET "+tc.update+" WHERE id = ?", append(tc.args, tc.y.ID)...)
				if tc.wantErr == "" {
					if err != nil {
						t.Fatalf("update refused: %v", err)
					}
					return
				}
				if err == nil {
					t.Fatal("update accepted")
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %q; want %q", err, tc.wantErr)
				}
				var status string
				var start, end int64
				var room string
				if err := tx.QueryRow("SELECT status, start_at, end_at, room_id FROM bookings WHERE id = ?", tc.y.ID).Scan(&status, &start, &end, &room); err != nil {
					t.Fatal(err)
				}
				if status != tc.y.Status || start != tc.y.Start || end != tc.y.End || room != tc.y.Room {
					t.Errorf("refused update changed the row: %s %d %d %s", status, start, end, room)
				}
			})
		})
	}
}

func TestTriggerRefusesBookingLongerThanMaxDuration(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	var maxDur int64
	if err := db.QueryRow("SELECT max_duration_s FROM venue_rules WHERE id = 1").Scan(&maxDur); err != nil {
		t.Fatal(err)
	}
	if maxDur != 90*minute {
		t.Fatalf("max_duration_s = %d, want %d", maxDur, 90*minute)
	}
	r := validRaw("a", unixAt(10, 0))
	r.End = r.Start + maxDur + 1
	if err := r.insert(db); err == nil || !strings.Contains(err.Error(), tooLongMsg) {
		t.Fatalf("booking of %d s with max_duration_s %d: err %v, want %q", maxDur+1, maxDur, err, tooLongMsg)
	}
	r.End = r.Start + maxDur
	if err := r.insert(db); err != nil {
		t.Fatalf("booking of exactly max_duration_s refused: %v", err)
	}
}

// The trigger's look-up is bounded below by start - gap - max_duration. The
// bound must be tight enough to use the index but never miss a booking that
// started long before and still runs: a 24 h package shows it.
func TestOverlapBoundFindsLongEarlierBooking(t *testing.T) {
	cat := testCatalog()
	cat.Tiers[1].Packages = append(cat.Tiers[1].Packages, CatalogPackage{ID: "p24h", Name: "Whole day", DurationSec: 86400, PriceCents: 50000, MaxGuests: 6})
	s := openTestStore(t, &cat)
	db := openRaw(t, s)
	var maxDur int64
	if err := db.QueryRow("SELECT max_duration_s FROM venue_rules").Scan(&maxDur); err != nil || maxDur != 86400 {
		t.Fatalf("max_duration_s = %d, %v; want 86400", maxDur, err)
	}
	long := validRaw("a", unixAt(0, 0))
	long.Tier, long.Package, long.End = "t2", "p24h", long.Start+86400
	mustInsert(t, db, long)
	longEnd := long.End

	cases := []struct {
		name    string
		start   int64
		refused bool
	}{
		{"23 h after its start", unixAt(23, 0), true},
		{"inside the gap after it", longEnd + gapSec - 60, true},
		{"one second before the gap edge (start - bound + 1)", longEnd + gapSec - 1, true},
		{"exactly at the gap edge", longEnd + gapSec, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			withRawTx(t, db, func(tx *sql.Tx) {
				err := validRaw("a", tc.start).insert(tx)
				if tc.refused && (err == nil || !strings.Contains(err.Error(), overlapMsg)) {
					t.Fatalf("trigger: err %v, want %q", err, overlapMsg)
				}
				if !tc.refused && err != nil {
					t.Fatalf("trigger refused a free slot: %v", err)
				}
			})
			// The store's own check (freeRoom) uses the same bound; it must
			// see the conflict itself, not leave it to the trigger: with
			// rooms [a b] a conflict in a sends the booking to b.
			start := day0.Add(timeSec(tc.start - day0.Unix()))
			b, _, err := s.CreateBooking(context.Background(), newBooking(start, "a", "b"))
			if err != nil {
				t.Fatalf("CreateBooking: %v", err)
			}
			if want := map[bool]string{true: "b", false: "a"}[tc.refused]; b.RoomID != want {
				t.Errorf("CreateBooking took room %s, want %s", b.RoomID, want)
			}
			if _, err := s.CancelBooking(context.Background(), b.ID, testNow, testNow, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The outbox refuses a Reply-To with a line break (a header it would add)
// or longer than an address can be; none ("") and an address are fine.
func TestSchemaRefusesBadReplyTo(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	insert := func(id int, replyTo string) error {
		_, err := db.Exec(`INSERT INTO outbox (kind, recipient, subject, body_text, body_html, message_id, status, attempts,
			next_attempt_at, created_at, updated_at, reply_to) VALUES ('confirmation', 'ada@example.com', 's', '', '', ?, 'queued', 0, 0, 0, 0, ?)`,
			fmt.Sprintf("vb.reply-%d@venue.test", id), replyTo)
		return err
	}
	for i, bad := range []string{"desk@venue.example\r\nBcc: evil@example.com", "desk@venue.example\nBcc: evil@example.com",
		"desk@venue.example\r", strings.Repeat("a", 250) + "@x.io"} {
		if err := insert(i, bad); err == nil {
			t.Errorf("Reply-To %q accepted", bad)
		}
	}
	for i, good := range []string{"", "desk@venue.example"} {
		if err := insert(100+i, good); err != nil {
			t.Errorf("Reply-To %q refused: %v", good, err)
		}
	}
}
