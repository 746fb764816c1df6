package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
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

// dayItem is a block of the Day page's grid.
type dayItem struct {
	Kind      string // booking, cleaning, blackout, free
	Status    string // a booking's: status-confirmed, …
	Col       int
	Row, Span int
	On        bool   // shown on a phone
	ID        string // a booking block's id attribute
	Href      string // a free stretch's link
	Text      string // the visible and visually hidden text, spaces squeezed
	HTML      string
}

var (
	dayHeadRe  = regexp.MustCompile(`<div class="room-head gc-(\d+) gr-1 (on|off)">\s*<h2 id="[^"]*">([^<]*)</h2>`)
	dayItemRe  = regexp.MustCompile(`<(?:div|a) class="item (booking|cleaning|blackout|free)( status-[a-z_]+)? gc-(\d+) gr-(\d+) gs-(\d+) (on|off)"(?: id="([^"]*)")?(?: href="([^"]*)")?>`)
	dayStartRe = regexp.MustCompile(`<(?:div|a) class="(?:item|room-head) `)
	dayCancRe  = regexp.MustCompile(`(?s)<ul class="cancelled">(.*?)</ul>`)
	dayLiRe    = regexp.MustCompile(`(?s)<li>(.*?)</li>`)
)

// squeeze is the text of HTML, tags left out and spaces squeezed.
func squeeze(h string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRe.ReplaceAllString(h, " "))), " ")
}

// dayGridItems reads the Day page's grid: per room name, its blocks in the
// order of the page. A block runs from its opening tag to the next block's
// or room's, or to the end of the grid.
func dayGridItems(page string) map[string][]dayItem {
	out := map[string][]dayItem{}
	start := strings.Index(page, `<div class="day-grid `)
	if start < 0 {
		return out
	}
	grid := page[start:]
	if end := strings.Index(grid, "</div>\n</div>\n"); end >= 0 {
		grid = grid[:end]
	}
	names := map[int]string{}
	for _, m := range dayHeadRe.FindAllStringSubmatch(grid, -1) {
		col, _ := strconv.Atoi(m[1])
		names[col] = html.UnescapeString(m[3])
		out[names[col]] = []dayItem{}
	}
	starts := dayStartRe.FindAllStringIndex(grid, -1)
	for i, st := range starts {
		end := len(grid)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		chunk := grid[st[0]:end]
		m := dayItemRe.FindStringSubmatch(chunk)
		if m == nil {
			continue
		}
		it := dayItem{Kind: m[1], Status: strings.TrimSpace(m[2]), On: m[6] == "on", ID: m[7], Href: html.UnescapeString(m[8]), HTML: chunk}
		it.Col, _ = strconv.Atoi(m[3])
		it.Row, _ = strconv.Atoi(m[4])
		it.Span, _ = strconv.Atoi(m[5])
		it.Text = squeeze(chunk)
		out[names[it.Col]] = append(out[names[it.Col]], it)
	}
	return out
}

// dayCancelled reads the Day page's list of cancelled bookings.
func dayCancelled(page string) []string {
	m := dayCancRe.FindStringSubmatch(page)
	if m == nil {
		return nil
	}
	var out []string
	for _, li := range dayLiRe.FindAllStringSubmatch(m[1], -1) {
		out = append(out, squeeze(li[1]))
	}
	return out
}

// signInPage signs in through the console's sign-in form, as a browser
// without JavaScript does, and returns that browser.
func signInPage(t *testing.T, v *testVenue) *http.Client {
	t.Helper()
	browser := formClient(t)
	resp, _ := postForm(t, browser, v.URL+"/admin/login", url.Values{"email": {ownerEmail}, "password": {ownerPassword}, "next": {"/admin"}})
	if resp.StatusCode != 303 {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	return browser
}

// statusForm returns the fields of the form in block that posts status to
// booking id's status.
func statusForm(t *testing.T, block, id, status string) url.Values {
	t.Helper()
	open := `<form method="post" action="/admin/bookings/` + id + `/status">`
	for _, part := range strings.Split(block, open)[1:] {
		form := part[:strings.Index(part, "</form>")]
		if strings.Contains(form, `<input type="hidden" name="status" value="`+status+`">`) {
			v := url.Values{}
			for _, m := range inputRe.FindAllStringSubmatch(form, -1) {
				v.Add(m[1], html.UnescapeString(m[2]))
			}
			return v
		}
	}
	t.Fatalf("no form posting status %s to %s in %s", status, id, block)
	return nil
}

// findItem returns the first block of kind whose text holds text.
func findItem(t *testing.T, items []dayItem, kind, text string) dayItem {
	t.Helper()
	for _, it := range items {
		if it.Kind == kind && strings.Contains(it.Text, text) {
			return it
		}
	}
	t.Fatalf("no %s block with %q in %+v", kind, text, items)
	return dayItem{}
}

// kinds lists the blocks as "kind from" (the first time in its text).
func kinds(items []dayItem) []string {
	clockRe := regexp.MustCompile(`[0-9]{2}:[0-9]{2}`)
	var out []string
	for _, it := range items {
		out = append(out, it.Kind+" "+clockRe.FindString(it.Text))
	}
	return out
}

// TestConsoleDayPage: the Day page without JavaScript, on a busy day (today:
// bookings as blocks placed by their times, cleaning gaps, a blackout, free
// time as new-booking links from now on, the now line, the totals, one-tap
// Completed / No-show / Undo), on an empty day, on a past day and on a closed
// day, and the room switch a phone uses.
func TestConsoleDayPage(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{Rooms: 2, Parking: true, ExtraTOML: consoleLimits("")})
	addOwner(t, v, ownerEmail, ownerPassword)
	// Friday 27 November 2026 in London; now is 10:00 (GMT = UTC).
	ann := bookAs(t, v, "2026-11-27T12:00:00Z", "Ann Able", "ann@example.com", withParking("AB12CDE"), func(m map[string]any) {
		m["notes"] = "Birthday party: please have the big table ready, and candles, and a cake knife, thank you so much"
	}).Booking
	ben := bookAs(t, v, "2026-11-27T12:00:00Z", "Ben Bo", "ben@example.com").Booking
	cat := bookAs(t, v, "2026-11-27T15:00:00Z", "Cat Cee", "cat@example.com", withPackage("private", "private-120", 12000, 5)).Booking
	dan := bookAs(t, v, "2026-11-27T17:00:00Z", "Dan Dee", "dan@example.com").Booking
	if ann.Room != "room2" || ben.Room != "room1" || cat.Room != "room1" || dan.Room != "room2" {
		t.Fatalf("rooms %s %s %s %s", ann.Room, ben.Room, cat.Room, dan.Room)
	}
	mustBlackout(t, v, "room1", "2026-11-27T18:00:00Z", "2026-11-27T19:00:00Z", "Boiler service")
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	o.setStatus(t, dan.ID, "cancelled")
	v.setNow(time.Date(2026, 11, 27, 13, 2, 0, 0, time.UTC))
	o.setStatus(t, ben.ID, "completed")
	browser := signInPage(t, v)
	get := func(t *testing.T, path string) string {
		t.Helper()
		status, page := getPage(t, browser, v.URL+path)
		if status != 200 {
			t.Fatalf("GET %s: %d", path, status)
		}
		return page
	}

	t.Run("a busy day", func(t *testing.T) {
		page := get(t, "/admin")
		if !strings.Contains(page, "<h1>Today, Friday 27 November 2026</h1>") {
			t.Errorf("heading: %s", page)
		}
		// Three bookings (Dan's is cancelled), 9 guests; to collect: Ann's
		// and Cat's (confirmed) and Ben's (completed).
		totals := squeeze(page[strings.Index(page, `<ul class="totals"`):])
		if !strings.HasPrefix(totals, "3 bookings 9 guests £210.00 to collect at the venue") {
			t.Errorf("totals: %.80s", totals)
		}
		if strings.Contains(page, "Nothing is booked") {
			t.Error("a busy day says nothing is booked")
		}
		grid := dayGridItems(page)
		// The axis is the opening hours, 09:00 to 21:00: a row per 5 minutes
		// after the header's, so 12:00 is row 2 + 36.
		if !strings.Contains(page, `<div class="hour gc-1 gr-2 gs-12" aria-hidden="true">09:00</div>`) ||
			!strings.Contains(page, `<div class="hour gc-1 gr-134 gs-12" aria-hidden="true">20:00</div>`) || strings.Contains(page, ">21:00</div>") {
			t.Error("the time axis is not 09:00 to 21:00")
		}
		if got, want := kinds(grid["Room 1"]), []string{"booking 12:00", "cleaning 13:00", "free 13:30", "booking 15:00", "cleaning 17:00", "blackout 18:00", "free 19:00"}; !slices.Equal(got, want) {
			t.Errorf("Room 1: %q, want %q", got, want)
		}
		// Room 2: the past is not offered, nor the time Dan's cancelled
		// booking had.
		if got, want := kinds(grid["Room 2"]), []string{"booking 12:00", "cleaning 13:00", "free 13:30"}; !slices.Equal(got, want) {
			t.Errorf("Room 2: %q, want %q", got, want)
		}
		a := findItem(t, grid["Room 2"], "booking", "Ann Able")
		if a.Row != 38 || a.Span != 12 || a.Col != 3 || a.Status != "status-confirmed" || a.ID != "b-"+ann.ID {
			t.Errorf("Ann's block %+v", a)
		}
		for _, want := range []string{"12:00–13:00 Confirmed", "Ann Able · 2 guests", "Parking AB12CDE: requested",
			"Birthday party: please have the big table ready, and…", ann.Reference} {
			if !strings.Contains(a.Text, want) {
				t.Errorf("Ann's block lacks %q: %s", want, a.Text)
			}
		}
		if !strings.Contains(a.HTML, `<a href="/admin/bookings/`+ann.ID+`">Ann Able</a>`) {
			t.Errorf("Ann's block does not link to her booking: %s", a.HTML)
		}
		// Started and confirmed: Completed and No-show, each a form back to
		// this day.
		for _, status := range []string{"completed", "no_show"} {
			f := statusForm(t, a.HTML, ann.ID, status)
			if f.Get("back") != "/admin?date=2026-11-27&room=room1" || len(f.Get("csrf")) < 32 {
				t.Errorf("%s form %v", status, f)
			}
		}
		if strings.Contains(a.HTML, "Undo") {
			t.Error("Undo offered on a confirmed booking")
		}
		b := findItem(t, grid["Room 1"], "booking", "Ben Bo")
		if b.Status != "status-completed" || !strings.Contains(b.Text, "12:00–13:00 Completed") || strings.Contains(b.Text, "No-show") {
			t.Errorf("Ben's block %+v", b)
		}
		undo := statusForm(t, b.HTML, ben.ID, "confirmed")
		if strings.Count(b.HTML, "<form") != 1 || undo.Get("back") != "/admin?date=2026-11-27&room=room1" || !strings.Contains(b.Text, "Undo Completed: Ben Bo, 12:00") {
			t.Errorf("Ben's Undo form %v in %s", undo, b.Text)
		}
		c := findItem(t, grid["Room 1"], "booking", "Cat Cee")
		if c.Row != 74 || c.Span != 24 || strings.Contains(c.HTML, "<form") || !strings.Contains(c.Text, "Cat Cee · 5 guests") {
			t.Errorf("Cat's block (not started: no buttons) %+v", c)
		}
		if g := findItem(t, grid["Room 1"], "cleaning", "Cleaning 17:00–17:30"); g.Row != 98 || g.Span != 6 {
			t.Errorf("Cat's cleaning gap %+v", g)
		}
		if bo := findItem(t, grid["Room 1"], "blackout", "Boiler service"); bo.Text != "Blackout 18:00–19:00: Boiler service" || bo.Row != 110 || bo.Span != 12 {
			t.Errorf("blackout %+v", bo)
		}
		// Free time: each stretch long enough for the shortest package (and
		// the gap before a booking) is a link to a new booking there. 17:30
		// to 18:00 is too short.
		free := map[string]string{}
		for room, items := range grid {
			for _, it := range items {
				if it.Kind == "free" {
					free[room+" "+strings.TrimPrefix(strings.Fields(it.Text)[1], "")] = it.Href
				}
			}
		}
		want := map[string]string{
			"Room 1 13:30–15:00": "/admin/bookings/new?date=2026-11-27&start=13:30&room=room1",
			"Room 1 19:00–21:00": "/admin/bookings/new?date=2026-11-27&start=19:00&room=room1",
			"Room 2 13:30–21:00": "/admin/bookings/new?date=2026-11-27&start=13:30&room=room2",
		}
		if !maps.Equal(free, want) {
			t.Errorf("free links %v, want %v", free, want)
		}
		if f := findItem(t, grid["Room 2"], "free", "13:30"); f.Text != "Free 13:30–21:00 + New booking in Room 2 from 13:30" {
			t.Errorf("free link text %q", f.Text)
		}
		// Now, 13:02, is in the row of 13:00.
		if !strings.Contains(page, `<div class="now-line gr-50"><span><span class="now-word">Now </span>13:02</span></div>`) {
			t.Error("no now line at 13:02")
		}
		if got := dayCancelled(page); !slices.Equal(got, []string{"17:00–18:00 · Room 2 · Dan Dee · " + dan.Reference + " · Cancelled"}) {
			t.Errorf("cancelled %q", got)
		}
		// On a phone the first room is shown; the others are left out.
		for room, items := range grid {
			for _, it := range items {
				if it.On != (room == "Room 1") {
					t.Errorf("%s %s: on=%v", room, it.Kind, it.On)
				}
			}
		}
	})

	t.Run("one tap from the grid", func(t *testing.T) {
		page := get(t, "/admin?date=2026-11-27")
		a := findItem(t, dayGridItems(page)["Room 2"], "booking", "Ann Able")
		form := statusForm(t, a.HTML, ann.ID, "no_show")
		resp, _ := postForm(t, browser, v.URL+"/admin/bookings/"+ann.ID+"/status", form)
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/admin?date=2026-11-27&room=room1&done=no_show#b-"+ann.ID {
			t.Fatalf("no-show from the grid: %d to %q", resp.StatusCode, loc)
		}
		page = get(t, "/admin?date=2026-11-27&room=room1&done=no_show")
		a = findItem(t, dayGridItems(page)["Room 2"], "booking", "Ann Able")
		if !strings.Contains(page, "Marked as a no-show.") || a.Status != "status-no_show" || !strings.Contains(a.Text, "12:00–13:00 No-show") ||
			!strings.Contains(a.Text, "Undo No-show: Ann Able, 12:00") {
			t.Errorf("after the no-show: %s", a.Text)
		}
		// A no-show has nothing to collect: 4500 + 12000 left.
		if totals := squeeze(page[strings.Index(page, `<ul class="totals"`):]); !strings.HasPrefix(totals, "3 bookings 9 guests £165.00 to collect") {
			t.Errorf("totals after the no-show: %.80s", totals)
		}
		// A back field that is not a Day page is not followed.
		cForm := url.Values{"csrf": form["csrf"], "status": {"cancelled"}, "back": {"//evil.example/admin?date=2026-11-27"}}
		resp, _ = postForm(t, browser, v.URL+"/admin/bookings/"+cat.ID+"/status", cForm)
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/admin/bookings/"+cat.ID+"?done=cancelled" {
			t.Errorf("a foreign back field: %d to %q", resp.StatusCode, loc)
		}
	})

	t.Run("the phone's room switch", func(t *testing.T) {
		page := get(t, "/admin?date=2026-11-27&room=room2")
		tabs := page[strings.Index(page, `<nav class="room-tabs" aria-label="Rooms">`):]
		tabs = tabs[:strings.Index(tabs, "</nav>")]
		if !strings.Contains(tabs, `<a href="/admin?date=2026-11-27&amp;room=room1">Room 1 <span class="count">(1)</span></a>`) ||
			!strings.Contains(tabs, `<a href="/admin?date=2026-11-27&amp;room=room2" aria-current="page">Room 2 <span class="count">(1)</span></a>`) {
			t.Errorf("room tabs: %s", tabs)
		}
		for room, items := range dayGridItems(page) {
			for _, it := range items {
				if it.On != (room == "Room 2") {
					t.Errorf("with room=room2, %s %s: on=%v", room, it.Kind, it.On)
				}
			}
		}
		for _, want := range []string{`href="/admin?date=2026-11-26&amp;room=room2" class="nav"`, `href="/admin?date=2026-11-28&amp;room=room2" class="nav"`,
			`<input type="hidden" name="room" value="room2">`, `name="back" value="/admin?date=2026-11-27&amp;room=room2"`} {
			if !strings.Contains(page, want) {
				t.Errorf("with room=room2 the page lacks %s", want)
			}
		}
		// An unknown room shows the first.
		page = get(t, "/admin?date=2026-11-27&room=nope")
		if !strings.Contains(page, `<a href="/admin?date=2026-11-27&amp;room=room1" aria-current="page">`) || strings.Contains(page, "room=nope") {
			t.Error("an unknown room is not replaced by the first")
		}
	})

	t.Run("an empty day", func(t *testing.T) {
		page := get(t, "/admin?date=2026-11-28")
		if !strings.Contains(page, "Nothing is booked on this day. Choose a free time below to add a booking.") ||
			!strings.HasPrefix(squeeze(page[strings.Index(page, `<ul class="totals"`):]), "0 bookings 0 guests £0.00 to collect") {
			t.Error("the empty day does not say so")
		}
		if strings.Contains(page, "now-line") {
			t.Error("a now line on another day than today")
		}
		grid := dayGridItems(page)
		for _, room := range []string{"room1", "room2"} {
			items := grid["Room "+strings.TrimPrefix(room, "room")]
			if len(items) != 1 || items[0].Kind != "free" || items[0].Href != "/admin/bookings/new?date=2026-11-28&start=09:00&room="+room ||
				items[0].Row != 2 || items[0].Span != 144 {
				t.Errorf("%s on an empty day: %+v", room, items)
			}
		}
		if !strings.Contains(page, `<p>Nothing booked</p>`) {
			t.Error("the rooms do not say nothing is booked")
		}
	})

	t.Run("a past day", func(t *testing.T) {
		page := get(t, "/admin?date=2026-11-26")
		if strings.Contains(page, `class="item free`) || strings.Contains(page, "now-line") {
			t.Error("a past day offers free time or a now line")
		}
		if !strings.Contains(page, `<a href="/admin?date=2026-11-27" class="today-link">Back to today</a>`) {
			t.Error("no way back to today")
		}
	})

	t.Run("a closed day", func(t *testing.T) {
		page := get(t, "/admin?date=2026-12-25")
		if !strings.Contains(page, "Closed all day: Christmas.") || strings.Contains(page, `class="day-grid`) || !strings.Contains(page, "Nothing is booked on this day.") {
			t.Error("Christmas does not say it is closed")
		}
	})

	t.Run("a bad date", func(t *testing.T) {
		page := get(t, "/admin?date=27.11.2026")
		if !strings.Contains(page, `&#34;27.11.2026&#34; is not a date (YYYY-MM-DD); this is today.`) || !strings.Contains(page, "Today, Friday 27 November 2026") {
			t.Error("a bad date is not reported")
		}
	})
}

// TestConsoleDayPageAxis: the time axis widens to a booking outside the
// opening hours (here: hours changed after it was booked), and a booking
// running past midnight keeps the next day's first minutes taken.
func TestConsoleDayPageAxis(t *testing.T) {
	t.Parallel()
	t.Run("a booking outside the hours", func(t *testing.T) {
		v := newVenue(t, venueOptions{ExtraTOML: consoleLimits("")})
		late := bookAs(t, v, "2026-11-28T20:00:00Z", "Lou Late", "lou@example.com").Booking // 20:00–21:00
		v.close(t)
		v = newVenue(t, venueOptions{Hours: "10:00-18:00", DatabasePath: v.DBPath, ExtraTOML: consoleLimits("")})
		addOwner(t, v, ownerEmail, ownerPassword)
		_, page := getPage(t, signInPage(t, v), v.URL+"/admin?date=2026-11-28")
		if !strings.Contains(page, `gr-2 gs-12" aria-hidden="true">10:00</div>`) || !strings.Contains(page, `>20:00</div>`) || strings.Contains(page, `>09:00</div>`) {
			t.Error("the axis is not 10:00 to 21:00")
		}
		items := dayGridItems(page)["Room 1"]
		if got, want := kinds(items), []string{"free 10:00", "booking 20:00"}; !slices.Equal(got, want) {
			t.Errorf("blocks %q, want %q (the gap after 21:00 is past the axis)", got, want)
		}
		if b := findItem(t, items, "booking", "Lou Late"); b.Row != 2+120 || b.Span != 12 || b.ID != "b-"+late.ID {
			t.Errorf("the late booking's block %+v", b)
		}
		if f := findItem(t, items, "free", "10:00"); f.Text != "Free 10:00–18:00 + New booking in Room 1 from 10:00" {
			t.Errorf("free time %q", f.Text)
		}
	})
	t.Run("past midnight", func(t *testing.T) {
		v, _ := dayVenue(t)                                                 // New York, open around the clock, 30-minute classic
		bookAs(t, v, "2026-12-02T04:30:00Z", "Lee Late", "lee@example.com") // 23:30 on 1 December, room2
		bookAs(t, v, "2026-12-02T04:00:00Z", "Ray Room", "ray@example.com") // 23:00, room1
		_, page := getPage(t, signInPage(t, v), v.URL+"/admin?date=2026-12-01")
		if !strings.Contains(page, `>00:00</div>`) || !strings.Contains(page, `>23:00</div>`) {
			t.Error("the axis of an all-day venue is not 00:00 to 24:00")
		}
		grid := dayGridItems(page)
		if b := findItem(t, grid["Room 2"], "booking", "Lee Late"); b.Row != 2+282 || b.Span != 6 {
			t.Errorf("23:30 block %+v", b)
		}
		if f := grid["Room 2"][len(grid["Room 2"])-2]; f.Kind != "free" || f.Text != "Free 00:00–23:30 + New booking in Room 2 from 00:00" {
			t.Errorf("room2's free time before 23:30: %+v", f)
		}
		_, page = getPage(t, signInPage(t, v), v.URL+"/admin?date=2026-12-02")
		grid = dayGridItems(page)
		// Lee's booking ends at midnight; its cleaning gap runs to 00:30.
		if got, want := kinds(grid["Room 2"]), []string{"cleaning 00:00", "free 00:30"}; !slices.Equal(got, want) {
			t.Errorf("2 December, room2: %q, want %q", got, want)
		}
		if f := findItem(t, grid["Room 2"], "free", "00:30"); f.Href != "/admin/bookings/new?date=2026-12-02&start=00:30&room=room2" {
			t.Errorf("free link %q", f.Href)
		}
		// Ray's booking ends at 23:30, its gap at midnight: room1 is free from 00:00.
		if got, want := kinds(grid["Room 1"]), []string{"free 00:00"}; !slices.Equal(got, want) {
			t.Errorf("2 December, room1: %q, want %q", got, want)
		}
		if !strings.Contains(page, "Nothing is booked on this day.") {
			t.Error("2 December has no bookings of its own")
		}
	})
}
