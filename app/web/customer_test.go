package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// formClient is a browser without JavaScript: it keeps cookies and does not
// follow redirects, so each answer can be checked.
func formClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func getPage(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var hiddenField = regexp.MustCompile(`name="(csrf|idempotency|start|price_cents)" value="([^"]*)"`)

// detailsForm opens the details form for start and returns its hidden fields.
func detailsForm(t *testing.T, v *testVenue, c *http.Client, start string) url.Values {
	t.Helper()
	status, page := getPage(t, c, v.URL+"/book/classic-60/details?start="+url.QueryEscape(start))
	if status != 200 {
		t.Fatalf("details form: %d", status)
	}
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], strings.ReplaceAll(m[2], "&#43;", "+"))
	}
	if form.Get("csrf") == "" || form.Get("idempotency") == "" {
		t.Fatalf("details form lacks hidden fields: %v", form)
	}
	return form
}

func TestBookingPagesWithoutJavaScript(t *testing.T) {
	v := newVenue(t, venueOptions{Parking: true})
	c := formClient(t)

	status, home := getPage(t, c, v.URL+"/")
	if status != 200 || !strings.Contains(home, `href="/book/classic-60"`) || !strings.Contains(home, "£45.00") {
		t.Fatalf("home: %d", status)
	}
	status, day := getPage(t, c, v.URL+"/book/classic-60?date=2026-12-01")
	if status != 200 || !strings.Contains(day, ">09:00</a>") || !strings.Contains(day, `aria-current="date"`) {
		t.Fatalf("day: %d %s", status, day)
	}
	// Christmas is a link that says why it has no times, never a free day.
	if !strings.Contains(day, `<a href="/book/classic-60?date=2026-12-25" class="day closed" data-nav="day"><span class="visually-hidden">Friday 25 December, closed: Christmas</span>`) {
		t.Error("Christmas is not shown as closed")
	}

	// A missing or wrong CSRF token is refused and books nothing.
	form := detailsForm(t, v, c, "2026-12-01T10:00:00+00:00")
	form.Set("name", "Ada Lovelace")
	form.Set("email", "ada@example.com")
	form.Set("guests", "2")
	form.Set("registration", "ab12 cde")
	bad := url.Values{}
	for k, vals := range form {
		bad[k] = vals
	}
	bad.Set("csrf", strings.Repeat("0", 32))
	if resp, _ := postForm(t, c, v.URL+"/book/classic-60", bad); resp.StatusCode != 403 {
		t.Errorf("wrong CSRF token: %d", resp.StatusCode)
	}
	// Another site's page posting the form is refused, token or not.
	crossSite, _ := http.NewRequest("POST", v.URL+"/book/classic-60", strings.NewReader(form.Encode()))
	crossSite.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	crossSite.Header.Set("Origin", "https://evil.example")
	crossSite.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := formClient(t).Do(crossSite); err != nil || resp.StatusCode != 403 {
		t.Errorf("a cross-site POST: %v %v", resp, err)
	}

	// A field error re-renders the form with the message by the field and what was typed.
	wrong := url.Values{}
	for k, vals := range form {
		wrong[k] = vals
	}
	wrong.Set("email", "ada@")
	resp, page := postForm(t, c, v.URL+"/book/classic-60", wrong)
	if resp.StatusCode != 400 || !strings.Contains(page, `id="email-error"`) || !strings.Contains(page, `value="Ada Lovelace"`) {
		t.Fatalf("invalid email: %d %s", resp.StatusCode, page)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 0 {
		t.Fatalf("%d bookings after refused forms", n)
	}

	// The form books, redirects to the confirmation, and a double submit books once.
	resp, _ = postForm(t, c, v.URL+"/book/classic-60", form)
	again, _ := postForm(t, c, v.URL+"/book/classic-60", form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/b/") || again.Header.Get("Location") != loc {
		t.Fatalf("submit: %d %q, again %d %q", resp.StatusCode, loc, again.StatusCode, again.Header.Get("Location"))
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 1 {
		t.Fatalf("%d bookings after a double submit", n)
	}
	status, confirmation := getPage(t, c, v.URL+loc)
	if status != 200 || !strings.Contains(confirmation, "You're booked") || !strings.Contains(confirmation, "AB12CDE") ||
		!strings.Contains(confirmation, "Cancel this booking") {
		t.Fatalf("confirmation: %d %s", status, confirmation)
	}

	// Someone else takes the next slot between viewing and submitting.
	form2 := detailsForm(t, v, c, "2026-12-01T15:00:00+00:00")
	form2.Set("name", "Grace Hopper")
	form2.Set("email", "grace@example.com")
	form2.Set("guests", "1")
	v.mustBook(t, bookingBody("2026-12-01T15:00:00Z"))
	resp, page = postForm(t, c, v.URL+"/book/classic-60", form2)
	if resp.StatusCode != 409 || !strings.Contains(page, "just taken") || !strings.Contains(page, `class="slot"`) {
		t.Fatalf("taken slot: %d %s", resp.StatusCode, page)
	}
	status, refill := getPage(t, c, v.URL+"/book/classic-60/details?start="+url.QueryEscape("2026-12-01T17:00:00+00:00"))
	if status != 200 || !strings.Contains(refill, `value="Grace Hopper"`) || !strings.Contains(refill, `value="grace@example.com"`) {
		t.Errorf("the next form does not keep what was typed: %d", status)
	}

	// Cancel from the manage page asks first (that page changes nothing),
	// then frees the slot.
	ask := regexp.MustCompile(`href="(/b/[^"]+/cancel\?t=[^"]+)"`).FindStringSubmatch(confirmation)
	if ask == nil {
		t.Fatalf("no link to cancel on the manage page")
	}
	status, asking := getPage(t, c, v.URL+strings.ReplaceAll(ask[1], "&amp;", "&"))
	if status != 200 || !strings.Contains(asking, "Cancel this booking?") || !strings.Contains(asking, "No, keep my booking") {
		t.Fatalf("the cancel confirmation: %d %s", status, asking)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE status = 'cancelled'"); n != 0 {
		t.Fatal("opening the cancel confirmation cancelled the booking")
	}
	csrf := hiddenField.FindStringSubmatch(asking)
	action := regexp.MustCompile(`action="(/b/[^"]+/cancel\?t=[^"]+)"`).FindStringSubmatch(asking)
	if csrf == nil || action == nil {
		t.Fatalf("no cancel form")
	}
	resp, _ = postForm(t, c, v.URL+strings.ReplaceAll(action[1], "&amp;", "&"), url.Values{"csrf": {csrf[2]}})
	if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "cancelled=1") {
		t.Fatalf("cancel: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE status = 'cancelled'"); n != 1 {
		t.Errorf("cancelled = %d", n)
	}
	_, day = getPage(t, c, v.URL+"/book/classic-60?date=2026-12-01")
	if !strings.Contains(day, ">10:00</a>") {
		t.Error("the cancelled slot is not offered again")
	}

	// Static files carry their hash and are cached for a year.
	css := regexp.MustCompile(`href="(/static/style\.[0-9a-f]+\.css)"`).FindStringSubmatch(home)
	if css == nil {
		t.Fatal("no hashed stylesheet link")
	}
	r := v.do(t, "GET", css[1], nil, nil)
	if r.Status != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") || r.Header.Get("ETag") == "" {
		t.Errorf("stylesheet: %d %v", r.Status, r.Header)
	}
}
