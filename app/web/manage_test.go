package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// formOn finds the form on page that posts to a path holding pathPart, and
// returns its action (unescaped) and its hidden fields.
func formOn(t *testing.T, page, pathPart string) (string, url.Values) {
	t.Helper()
	for _, m := range regexp.MustCompile(`(?s)<form method="post" action="([^"]+)"(.*?)</form>`).FindAllStringSubmatch(page, -1) {
		action := html.UnescapeString(m[1])
		if !strings.Contains(action, pathPart) {
			continue
		}
		fields := url.Values{}
		for _, h := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(m[2], -1) {
			fields.Set(h[1], html.UnescapeString(h[2]))
		}
		return action, fields
	}
	t.Fatalf("no form posting to %s on the page:\n%s", pathPart, page)
	return "", nil
}

// textOf is page as a reader sees it: tags gone, entities decoded, spaces
// collapsed.
func textOf(page string) string {
	return strings.Join(strings.Fields(html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, ""))), " ")
}

// The customer corrects a mistyped email from the manage page: later emails
// go to the new address, which gets the confirmation now; a wrong address is
// refused with the reason and changes nothing; a booking's email is
// corrected at most three times; the API does the same.
func TestCustomerCorrectsTheirEmail(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{})
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z", func(m map[string]any) {
		m["customer"] = map[string]any{"name": "Ada Lovelace", "email": "ada@gmial.con"}
	})).Booking
	c := formClient(t)
	id, token := managePath(t, b.ManageURL)
	manage := "/b/" + id + "?t=" + url.QueryEscape(token)
	status, page := getPage(t, c, v.URL+manage)
	if status != 200 || !strings.Contains(page, "Wrong email address?") {
		t.Fatalf("manage page: %d", status)
	}
	// Right after booking, the page suggests the likely address.
	_, booked := getPage(t, c, v.URL+manage+"&new=1")
	if !strings.Contains(textOf(booked), "Did you mean ada@gmail.com? Use ada@gmail.com") {
		t.Errorf("the booked page does not suggest the likely address:\n%s", textOf(booked))
	}
	action, fields := formOn(t, page, "/email")
	post := func(email string) (*http.Response, string) {
		f := url.Values{"csrf": {fields.Get("csrf")}, "email": {email}}
		return postForm(t, c, v.URL+action, f)
	}
	resp, body := post("ada@")
	if resp.StatusCode != 400 || !strings.Contains(body, "The email") {
		t.Errorf("a wrong address: %d %s", resp.StatusCode, body)
	}
	if got := v.mustGet(t, b); got.Customer.Email != "ada@gmial.con" {
		t.Errorf("a refused correction changed the email to %q", got.Customer.Email)
	}
	resp, _ = post("ada@gmail.com")
	if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "email_corrected=1") {
		t.Fatalf("correction: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = getPage(t, c, v.URL+resp.Header.Get("Location"))
	if !strings.Contains(page, "We will write to ada@gmail.com") {
		t.Errorf("the page after the correction does not say so:\n%s", page)
	}
	if got := v.mustGet(t, b); got.Customer.Email != "ada@gmail.com" {
		t.Errorf("email after the correction: %q", got.Customer.Email)
	}
	if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ? AND kind = 'confirmation' AND recipient = 'ada@gmail.com' AND ics <> ''", b.ID); n != 1 {
		t.Errorf("%d confirmations with the invite to the corrected address, want 1", n)
	}
	// Later emails (a cancellation here) go to the new address.
	if r := v.do(t, "POST", "/api/bookings/"+id+"/cancel?t="+token, nil, nil); r.Status != 200 {
		t.Fatal(r.Status)
	}
	if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ? AND kind = 'cancellation' AND recipient = 'ada@gmail.com'", b.ID); n != 1 {
		t.Errorf("the cancellation did not go to the corrected address")
	}
	// A cancelled booking's email is not corrected any more.
	if r := v.do(t, "POST", "/api/bookings/"+id+"/email?t="+token, map[string]string{"email": "ada@example.com"}, nil); r.Status != 409 || r.errorCode() != "change_closed" {
		t.Errorf("correcting a cancelled booking: %d %s", r.Status, r.Body)
	}

	// The API, and the limit of three corrections.
	b2 := v.mustBook(t, bookingBody("2026-12-02T09:00:00Z")).Booking
	id2, token2 := managePath(t, b2.ManageURL)
	for i, email := range []string{"a1@example.com", "a2@example.com", "a3@example.com", "a4@example.com"} {
		r := v.do(t, "POST", "/api/bookings/"+id2+"/email?t="+token2, map[string]string{"email": email}, nil)
		if want := map[bool]int{true: 200, false: 409}[i < 3]; r.Status != want {
			t.Errorf("correction %d: %d %s, want %d", i+1, r.Status, r.Body, want)
		}
	}
	if got := v.mustGet(t, b2); got.Customer.Email != "a3@example.com" {
		t.Errorf("after a refused fourth correction the email is %q", got.Customer.Email)
	}
	for _, body := range []any{map[string]any{"email": 5}, map[string]any{"email": "x@example.com", "name": "Eve"}, "nonsense"} {
		if r := v.do(t, "POST", "/api/bookings/"+id2+"/email?t="+token2, body, nil); r.Status != 400 {
			t.Errorf("body %v: %d %s", body, r.Status, r.Body)
		}
	}
	if r := v.do(t, "POST", "/api/bookings/"+id2+"/email?t=wrong", map[string]string{"email": "x@example.com"}, nil); r.Status != 404 {
		t.Errorf("a wrong link: %d", r.Status)
	}
	// Once the booking has started, its email stays.
	v.setNow(time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC))
	b3 := v.mustGet(t, b2)
	if _, page := getPage(t, c, v.URL+"/b/"+id2+"?t="+url.QueryEscape(token2)); strings.Contains(page, "Wrong email address?") || b3.Status != "confirmed" {
		t.Error("a booking under way offers to correct its email")
	}
}

// Inside the cutoffs the manage page says the booking can no longer be
// cancelled or moved online, with the exact local times, and how to reach the
// venue; the confirmation steps say the same and change nothing.
func TestManagePageInsideTheCutoffs(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{VenueTOML: "phone = \"+44 20 7946 0000\"\nemail = \"desk@venue.test\"\nchange_cutoff_hours = 48"})
	b := v.mustBook(t, bookingBody("2026-11-28T18:00:00Z")).Booking // 32 hours ahead
	c := formClient(t)
	id, token := managePath(t, b.ManageURL)
	manage := v.URL + "/b/" + id + "?t=" + url.QueryEscape(token)
	_, page := getPage(t, c, manage)
	page = textOf(page)
	for _, want := range []string{"Changing the date or time online closed at Thursday 26 November, 18:00 (UK time)",
		"You can cancel free of charge until Friday 27 November, 18:00 (UK time)",
		"To change or cancel it now, contact the venue. Call +44 20 7946 0000 or write to desk@venue.test."} {
		if !strings.Contains(page, want) {
			t.Errorf("manage page (move closed, cancel open) lacks %q", want)
		}
	}
	if strings.Contains(page, "Change date or time ") {
		t.Error("the manage page offers a move past the change cutoff")
	}
	v.setNow(time.Date(2026, 11, 27, 18, 0, 1, 0, time.UTC))
	_, page = getPage(t, c, manage)
	rawPage := page
	page = textOf(page)
	for _, want := range []string{"This booking can no longer be cancelled or moved online.", "Cancelling online closed at Friday 27 November, 18:00 (UK time)",
		"Call +44 20 7946 0000 or write to desk@venue.test."} {
		if !strings.Contains(page, want) {
			t.Errorf("manage page inside both cutoffs lacks %q", want)
		}
	}
	if strings.Contains(rawPage, "Cancel this booking</a>") {
		t.Error("the manage page offers to cancel past the cutoff")
	}
	for _, path := range []string{"/cancel", "/move?start=" + url.QueryEscape("2026-11-29T10:00:00Z")} {
		status, step := getPage(t, c, v.URL+"/b/"+id+path+"&t="+url.QueryEscape(token))
		if strings.Contains(path, "?") == false {
			status, step = getPage(t, c, v.URL+"/b/"+id+path+"?t="+url.QueryEscape(token))
		}
		if status != 200 || !strings.Contains(step, "closed at") || !strings.Contains(step, "desk@venue.test") || strings.Contains(step, "<form method=\"post\"") {
			t.Errorf("%s past the cutoff: %d, want the reason, the venue's address and no form:\n%s", path, status, step)
		}
	}
	if got := v.mustGet(t, b); got.Status != "confirmed" || got.Start != b.Start {
		t.Errorf("the steps changed the booking: %+v", got)
	}
}

// linkOn finds the first href on page holding part, unescaped.
func linkOn(t *testing.T, page, part string) string {
	t.Helper()
	for _, m := range regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if h := html.UnescapeString(m[1]); strings.Contains(h, part) {
			return h
		}
	}
	t.Fatalf("no link holding %q on the page:\n%s", part, page)
	return ""
}

// The move from the manage page without JavaScript: the package's calendar
// and times (links into the move), a confirmation step that changes nothing,
// then the POST; a time taken meanwhile sends the customer back to that day's
// times with a message and moves nothing.
func TestCustomerMovePagesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{})
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z")).Booking
	c := formClient(t)
	id, token := managePath(t, b.ManageURL)
	_, page := getPage(t, c, v.URL+"/b/"+id+"?t="+url.QueryEscape(token))
	picker := linkOn(t, page, "/b/"+id+"/move")
	status, page := getPage(t, c, v.URL+picker)
	if status != 200 || !strings.Contains(page, "Move your booking") || !strings.Contains(page, b.Reference) {
		t.Fatalf("the move picker: %d %s", status, page)
	}
	_, page = getPage(t, c, v.URL+linkOn(t, page, "month=2026-12"))
	status, page = getPage(t, c, v.URL+linkOn(t, page, "date=2026-12-02"))
	if status != 200 || !strings.Contains(page, "Free times on Wednesday 2 December") {
		t.Fatalf("the picker on 2 December: %d %s", status, page)
	}
	confirm := linkOn(t, page, "start=2026-12-02T14%3A00%3A00")
	if !strings.HasPrefix(confirm, "/b/"+id+"/move?t=") {
		t.Fatalf("a time of the picker leads to %q, not to the move's confirmation", confirm)
	}
	status, page = getPage(t, c, v.URL+confirm)
	if status != 200 || !strings.Contains(page, "Move your booking?") || !strings.Contains(page, "Wednesday 2 December 2026, 14:00–15:00") ||
		!strings.Contains(page, "Tuesday 1 December 2026, 09:00–10:00") {
		t.Fatalf("the confirmation step: %d %s", status, page)
	}
	if got := v.mustGet(t, b); got.Start != b.Start {
		t.Fatal("the confirmation step moved the booking")
	}
	action, fields := formOn(t, page, "/move")
	resp, _ := postForm(t, c, v.URL+action, fields)
	if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "moved=1") {
		t.Fatalf("move: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = getPage(t, c, v.URL+resp.Header.Get("Location"))
	if !strings.Contains(page, "Booking moved") || !strings.Contains(page, "Wednesday 2 December 2026, 14:00–15:00") {
		t.Errorf("the page after the move:\n%s", page)
	}
	if got := v.mustGet(t, b); got.Start != "2026-12-02T14:00:00+00:00" {
		t.Errorf("moved to %s", got.Start)
	}

	// Taken between the confirmation and its button.
	_, page = getPage(t, c, v.URL+"/b/"+id+"/move?t="+url.QueryEscape(token)+"&start="+url.QueryEscape("2026-12-03T10:00:00+00:00"))
	action, fields = formOn(t, page, "/move")
	v.mustBook(t, bookingBody("2026-12-03T10:00:00Z", func(m map[string]any) {
		m["customer"] = map[string]any{"name": "Grace Hopper", "email": "grace@example.com"}
	}))
	resp, page = postForm(t, c, v.URL+action, fields)
	if resp.StatusCode != 409 || !strings.Contains(page, "no longer free") || !strings.Contains(page, "Move your booking") {
		t.Errorf("a move into a time taken meanwhile: %d %s", resp.StatusCode, page)
	}
	if got := v.mustGet(t, b); got.Start != "2026-12-02T14:00:00+00:00" {
		t.Errorf("a refused move moved the booking to %s", got.Start)
	}
	// A forged CSRF field is refused.
	fields.Set("csrf", strings.Repeat("0", 32))
	if resp, _ := postForm(t, c, v.URL+action, fields); resp.StatusCode != 403 {
		t.Errorf("a move with a wrong CSRF token: %d", resp.StatusCode)
	}
}

// The details form says what the customer will be able to do once booked,
// with the exact local deadlines for the time chosen, and inside a cutoff
// that it will not be possible online, with how to reach the venue.
func TestDetailsFormSaysTheDeadlines(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{VenueTOML: "phone = \"+44 20 7946 0000\"\nchange_cutoff_hours = 48"})
	c := formClient(t)
	for start, want := range map[string][]string{
		"2026-12-01T09:00:00+00:00": {"You can cancel free of charge until Monday 30 November, 09:00 (UK time).",
			"You can change the date or time online until Sunday 29 November, 09:00 (UK time)."},
		"2026-11-28T18:00:00+00:00": {"You can cancel free of charge until Friday 27 November, 18:00 (UK time).",
			"Its date or time can no longer be changed online.", "Call +44 20 7946 0000."},
		"2026-11-27T15:00:00+00:00": {"This time is soon: once booked, it can no longer be cancelled online.",
			"Its date or time can no longer be changed online.", "Call +44 20 7946 0000."},
	} {
		status, page := getPage(t, c, v.URL+"/book/classic-60/details?start="+url.QueryEscape(start))
		text := textOf(page)
		for _, w := range want {
			if status != 200 || !strings.Contains(text, w) {
				t.Errorf("details for %s: %d, lacks %q", start, status, w)
			}
		}
	}
}
