package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"testing"
	"time"

	"venuebook/app"
)

// The day at a glance: GET /api/admin/day and the console's Day page.

// dayVenue is a New York venue open around the clock, with a 30-minute
// classic-60 (so that 23:30 can be booked), and its owner signed in.
func dayVenue(t *testing.T) (*testVenue, *ownerClient) {
	t.Helper()
	v := newVenue(t, venueOptions{Rooms: 2, Parking: true, Timezone: "America/New_York", Hours: "00:00-24:00", PackageMins: 30,
		ExtraTOML: consoleLimits("")})
	addOwner(t, v, ownerEmail, ownerPassword)
	return v, consoleLogin(t, v, ownerEmail, ownerPassword)
}

// mustBlackout adds a blackout as the owner would.
func mustBlackout(t *testing.T, v *testVenue, room, start, end, reason string) int64 {
	t.Helper()
	b, err := v.Svc.AddBlackout(context.Background(), app.BlackoutRequest{Start: start, End: end, Room: room, Reason: reason}, ownerEmail)
	if err != nil {
		t.Fatalf("blackout %s: %v", reason, err)
	}
	return b.ID
}

// setStatus changes a booking's status through the console API.
func (o *ownerClient) setStatus(t *testing.T, id, status string) {
	t.Helper()
	if r := o.do(t, "POST", "/api/admin/bookings/"+id+"/status", map[string]any{"status": status, "notify": false}, nil); r.Status != 200 {
		t.Fatalf("status %s of %s: %d %s", status, id, r.Status, r.Body)
	}
}

// keysOf returns the sorted keys of a JSON object.
func keysOf(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// TestConsoleDayAPI: GET /api/admin/day answers a local date's bookings and
// blackouts per room, in config order and start order, with the booking
// JSON of the other admin endpoints, and the day's totals; the local date,
// not the UTC one, decides which day a booking belongs to.
func TestConsoleDayAPI(t *testing.T) {
	t.Parallel()
	v, o := dayVenue(t)
	// 1 December 2026 in New York is 05:00Z to 05:00Z the next day (EST, -05:00).
	ada := bookAs(t, v, "2026-12-01T15:00:00Z", "Ada Able", "ada@example.com", withParking("AB12CDE")).Booking // 10:00 room2 (classic prefers it)
	bea := bookAs(t, v, "2026-12-01T15:00:00Z", "Bea Bell", "bea@example.com").Booking                         // 10:00 room1
	cy := bookAs(t, v, "2026-12-01T17:00:00Z", "Cy Coe", "cy@example.com").Booking                             // 12:00, cancelled below
	dee := bookAs(t, v, "2026-12-01T19:00:00Z", "Dee Dow", "dee@example.com", withPackage("private", "private-120", 12000, 5)).Booking
	eve := bookAs(t, v, "2026-12-01T22:00:00Z", "Eve Ezra", "eve@example.com").Booking  // 17:00, a no-show below
	late := bookAs(t, v, "2026-12-02T04:30:00Z", "Lee Late", "lee@example.com").Booking // 23:30 on 1 December
	nov := bookAs(t, v, "2026-12-01T03:00:00Z", "Nia Nov", "nia@example.com").Booking   // 22:00 on 30 November
	dec2 := bookAs(t, v, "2026-12-02T05:00:00Z", "Zed Two", "zed@example.com").Booking  // 00:00 on 2 December
	if ada.Room != "room2" || bea.Room != "room1" || cy.Room != "room2" || dee.Room != "room1" || eve.Room != "room2" || late.Room != "room2" {
		t.Fatalf("rooms: %s %s %s %s %s %s", ada.Room, bea.Room, cy.Room, dee.Room, eve.Room, late.Room)
	}
	plumber := mustBlackout(t, v, "room1", "2026-12-01T11:00:00-05:00", "2026-12-01T13:00:00-05:00", "Plumber")
	deepClean := mustBlackout(t, v, "", "2026-11-30T20:00:00-05:00", "2026-12-01T08:00:00-05:00", "Deep clean")
	mustBlackout(t, v, "", "2026-11-30T21:00:00-05:00", "2026-12-01T00:00:00-05:00", "Ends at midnight")
	mustBlackout(t, v, "room2", "2026-12-02T00:00:00-05:00", "2026-12-02T01:00:00-05:00", "Starts at midnight")
	o.setStatus(t, cy.ID, "cancelled")
	v.setNow(time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)) // 20:00 on 1 December
	o = consoleLogin(t, v, ownerEmail, ownerPassword)      // the session of days ago has ended
	o.setStatus(t, dee.ID, "completed")
	o.setStatus(t, eve.ID, "no_show")

	// The bookings as GET /api/admin/bookings renders them, by id.
	rendered := map[string]json.RawMessage{}
	var list struct {
		Bookings []json.RawMessage `json:"bookings"`
	}
	o.getJSON(t, "/api/admin/bookings?from=2026-11-30&to=2026-12-02", &list)
	for _, raw := range list.Bookings {
		var b apiBooking
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatal(err)
		}
		rendered[b.ID] = raw
	}

	type dayRoom struct {
		ID        string            `json:"id"`
		Name      string            `json:"name"`
		Bookings  []json.RawMessage `json:"bookings"`
		Blackouts []map[string]any  `json:"blackouts"`
	}
	type dayAnswer struct {
		Date   string    `json:"date"`
		Rooms  []dayRoom `json:"rooms"`
		Totals struct {
			Bookings       int   `json:"bookings"`
			Guests         int   `json:"guests"`
			ToCollectCents int64 `json:"to_collect_cents"`
		} `json:"totals"`
	}
	getDay := func(t *testing.T, date string) (dayAnswer, map[string]any) {
		t.Helper()
		r := o.do(t, "GET", "/api/admin/day?date="+date, nil, nil)
		if r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("day %s: %d %q %s", date, r.Status, r.Header.Get("Cache-Control"), r.Body)
		}
		var got dayAnswer
		var raw map[string]any
		r.json(t, &got)
		r.json(t, &raw)
		return got, raw
	}
	// ids returns the ids of a room's bookings, checking each is rendered
	// byte for byte as GET /api/admin/bookings renders it.
	ids := func(t *testing.T, r dayRoom) []string {
		t.Helper()
		out := []string{}
		for _, raw := range r.Bookings {
			var b apiBooking
			if err := json.Unmarshal(raw, &b); err != nil {
				t.Fatal(err)
			}
			if string(raw) != string(rendered[b.ID]) {
				t.Errorf("booking %s is rendered\n%s\nbut the bookings list renders\n%s", b.ID, raw, rendered[b.ID])
			}
			out = append(out, b.ID)
		}
		return out
	}

	t.Run("a busy day", func(t *testing.T) {
		got, raw := getDay(t, "2026-12-01")
		if k := keysOf(raw); !slices.Equal(k, []string{"date", "rooms", "totals"}) {
			t.Errorf("keys %v", k)
		}
		if k := keysOf(raw["totals"].(map[string]any)); !slices.Equal(k, []string{"bookings", "guests", "to_collect_cents"}) {
			t.Errorf("totals keys %v", k)
		}
		for _, r := range raw["rooms"].([]any) {
			if k := keysOf(r.(map[string]any)); !slices.Equal(k, []string{"blackouts", "bookings", "id", "name"}) {
				t.Errorf("room keys %v", k)
			}
		}
		if got.Date != "2026-12-01" || len(got.Rooms) != 2 || got.Rooms[0].ID != "room1" || got.Rooms[0].Name != "Room 1" || got.Rooms[1].ID != "room2" {
			t.Fatalf("day %+v", got)
		}
		// Start order; the cancelled booking is there, with its status; the
		// booking at 23:30 local (04:30Z the next day) belongs here, the one
		// at 22:00 on 30 November (03:00Z on 1 December) does not.
		if got, want := ids(t, got.Rooms[0]), []string{bea.ID, dee.ID}; !slices.Equal(got, want) {
			t.Errorf("room1 bookings %v, want %v", got, want)
		}
		if got, want := ids(t, got.Rooms[1]), []string{ada.ID, cy.ID, eve.ID, late.ID}; !slices.Equal(got, want) {
			t.Errorf("room2 bookings %v, want %v", got, want)
		}
		var statuses []string
		for _, raw := range got.Rooms[1].Bookings {
			var b apiBooking
			_ = json.Unmarshal(raw, &b)
			statuses = append(statuses, b.Status)
		}
		if want := []string{"confirmed", "cancelled", "no_show", "confirmed"}; !slices.Equal(statuses, want) {
			t.Errorf("room2 statuses %v, want %v", statuses, want)
		}
		// Blackouts overlapping the local day, of the room or of every room,
		// as the blackout API writes instants; those that only touch
		// midnight are not of the day.
		wantBlackouts := map[string][]map[string]any{
			"room1": {{"id": float64(deepClean), "start": "2026-11-30T20:00:00-05:00", "end": "2026-12-01T08:00:00-05:00", "reason": "Deep clean"},
				{"id": float64(plumber), "start": "2026-12-01T11:00:00-05:00", "end": "2026-12-01T13:00:00-05:00", "reason": "Plumber"}},
			"room2": {{"id": float64(deepClean), "start": "2026-11-30T20:00:00-05:00", "end": "2026-12-01T08:00:00-05:00", "reason": "Deep clean"}},
		}
		for _, r := range got.Rooms {
			if fmt.Sprint(r.Blackouts) != fmt.Sprint(wantBlackouts[r.ID]) {
				t.Errorf("%s blackouts %v, want %v", r.ID, r.Blackouts, wantBlackouts[r.ID])
			}
		}
		// Five bookings are not cancelled (13 guests); the confirmed and the
		// completed are to collect: 4500 × 3 + 12000. The no-show's is not.
		if got.Totals.Bookings != 5 || got.Totals.Guests != 13 || got.Totals.ToCollectCents != 25500 {
			t.Errorf("totals %+v, want 5 bookings, 13 guests, 25500 to collect", got.Totals)
		}
	})

	t.Run("the local days around it", func(t *testing.T) {
		got, _ := getDay(t, "2026-11-30")
		if ids := append(ids(t, got.Rooms[0]), ids(t, got.Rooms[1])...); !slices.Equal(ids, []string{nov.ID}) {
			t.Errorf("30 November: %v, want only %s", ids, nov.ID)
		}
		got, _ = getDay(t, "2026-12-02")
		if ids := append(ids(t, got.Rooms[0]), ids(t, got.Rooms[1])...); !slices.Equal(ids, []string{dec2.ID}) {
			t.Errorf("2 December: %v, want only %s (the booking running from 23:30 the day before is not of this day)", ids, dec2.ID)
		}
		if len(got.Rooms[1].Blackouts) != 1 || got.Rooms[1].Blackouts[0]["reason"] != "Starts at midnight" || len(got.Rooms[0].Blackouts) != 0 {
			t.Errorf("2 December blackouts %v %v", got.Rooms[0].Blackouts, got.Rooms[1].Blackouts)
		}
		if got.Totals.Bookings != 1 || got.Totals.Guests != 2 || got.Totals.ToCollectCents != 4500 {
			t.Errorf("2 December totals %+v", got.Totals)
		}
	})

	t.Run("an empty day", func(t *testing.T) {
		_, raw := getDay(t, "2026-12-10")
		want := `{"date":"2026-12-10","rooms":[{"blackouts":[],"bookings":[],"id":"room1","name":"Room 1"},` +
			`{"blackouts":[],"bookings":[],"id":"room2","name":"Room 2"}],"totals":{"bookings":0,"guests":0,"to_collect_cents":0}}`
		if b, _ := json.Marshal(raw); string(b) != want {
			t.Errorf("empty day %s, want %s", b, want)
		}
	})

	t.Run("the years dates take elsewhere", func(t *testing.T) {
		for _, date := range []string{"0000-01-01", "9999-12-31"} {
			if got, _ := getDay(t, date); got.Date != date || len(got.Rooms) != 2 || got.Totals.Bookings != 0 {
				t.Errorf("%s: %+v", date, got)
			}
		}
	})

	t.Run("bad dates", func(t *testing.T) {
		before := consoleState(t, v)
		for _, q := range []string{"", "?date=", "?date=tomorrow", "?date=2026-13-01", "?date=2026-02-30", "?date=2026-1-01",
			"?date=2026-12-01T00:00", "?date=10000-01-01", "?date=-2026-12-01", "?date=%2B2026-12-01", "?date=99999999-12-01", "?date=2026-12-01%00"} {
			r := o.do(t, "GET", "/api/admin/day"+q, nil, nil)
			wantAPIError(t, "GET /api/admin/day"+q, r, 400, "validation_failed")
			if r.errorFields()["date"] == "" {
				t.Errorf("%s: fields %v do not name date", q, r.errorFields())
			}
		}
		if after := consoleState(t, v); after != before {
			t.Error("bad dates changed the database")
		}
	})

	t.Run("not signed in", func(t *testing.T) {
		wantAPIError(t, "no session", sendAs(t, noRedirects, v.URL, "GET", "/api/admin/day?date=2026-12-01", nil, nil), 401, "unauthorized")
		wantAPIError(t, "a bad session", sendAs(t, noRedirects, v.URL, "GET", "/api/admin/day?date=2026-12-01", nil,
			map[string]string{"Cookie": "vb_session=" + url.QueryEscape(o.cookie.Value+"x")}), 401, "unauthorized")
	})
}

// TestConsoleDayAPIRoomGone: a room taken out of the config keeps its
// bookings on their day, after the configured rooms, named by its id.
func TestConsoleDayAPIRoomGone(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{Rooms: 2, ExtraTOML: consoleLimits("")})
	b := bookAs(t, v, "2026-12-01T10:00:00Z", "Ann Able", "ann@example.com").Booking
	if b.Room != "room2" {
		t.Fatalf("classic booking in %s", b.Room)
	}
	bookAs(t, v, "2026-12-01T10:00:00Z", "Ben Bo", "ben@example.com")
	v.close(t)
	v = newVenue(t, venueOptions{Rooms: 1, DatabasePath: v.DBPath, ExtraTOML: consoleLimits("")})
	addOwner(t, v, ownerEmail, ownerPassword)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	var got struct {
		Rooms []struct {
			ID       string       `json:"id"`
			Name     string       `json:"name"`
			Bookings []apiBooking `json:"bookings"`
		} `json:"rooms"`
		Totals struct {
			Bookings int `json:"bookings"`
		} `json:"totals"`
	}
	o.getJSON(t, "/api/admin/day?date=2026-12-01", &got)
	if len(got.Rooms) != 2 || got.Rooms[0].ID != "room1" || got.Rooms[1].ID != "room2" || got.Rooms[1].Name != "room2" ||
		len(got.Rooms[1].Bookings) != 1 || got.Rooms[1].Bookings[0].ID != b.ID || got.Totals.Bookings != 2 {
		t.Errorf("day after room2 left the config: %+v", got)
	}
}
