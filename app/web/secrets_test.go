package web_test

import (
	"bytes"
	"html"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log sink several goroutines may write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The logs hold no secret a URL carries: not the calendar feed's token (in
// its path), nor a manage token or a setup token (in query strings), whatever
// the request's outcome.
func TestLogsHoldNoSecrets(t *testing.T) {
	logs := &syncBuffer{}
	v := newVenue(t, venueOptions{LogTo: logs, ExtraTOML: consoleLimits("")})
	addOwner(t, v, ownerEmail, ownerPassword)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z")).Booking
	id, manageToken := managePath(t, b.ManageURL)
	var feed map[string]string
	o.getJSON(t, "/api/admin/calendar-feed", &feed)
	m := regexp.MustCompile(`/calendar/([A-Za-z0-9_-]+)\.ics$`).FindStringSubmatch(feed["url"])
	if m == nil {
		t.Fatalf("feed URL %q", feed["url"])
	}
	feedToken := m[1]
	for _, path := range []string{
		"/calendar/" + feedToken + ".ics",  // 200
		"/calendar/" + feedToken + "x.ics", // 404
		"/b/" + id + "?t=" + manageToken,   // the manage page
		"/api/bookings/" + id + "?t=" + manageToken,
		"/api/bookings/" + id + "/calendar.ics?t=" + manageToken,
	} {
		v.do(t, "GET", path, nil, nil)
	}
	out := logs.String()
	if !strings.Contains(out, `"path":"/calendar/[secret]"`) {
		t.Errorf("the feed's requests are not logged with the token left out:\n%s", out)
	}
	for name, secret := range map[string]string{"feed token": feedToken, "manage token": manageToken} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds the %s %q", name, secret)
		}
	}
}

// Without server.metrics_token, /metrics answers only this machine: a client
// behind the (trusted) reverse proxy is refused, a scraper on the host is not.
func TestMetricsWithoutTokenOnlyForThisMachine(t *testing.T) {
	v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1", "::1"]`})
	r := v.do(t, "GET", "/metrics", nil, map[string]string{"X-Forwarded-For": "203.0.113.9"})
	if r.Status != http.StatusForbidden || r.errorCode() != "forbidden" || strings.Contains(string(r.Body), "venuebook_") {
		t.Errorf("metrics for a client through the proxy: %d %.200s", r.Status, r.Body)
	}
	r = v.do(t, "GET", "/metrics", nil, map[string]string{"X-Forwarded-For": "127.0.0.1"})
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "venuebook_bookings_created_total") {
		t.Errorf("metrics for this machine: %d %.200s", r.Status, r.Body)
	}
	if r := v.do(t, "GET", "/metrics", nil, nil); r.Status != http.StatusOK {
		t.Errorf("metrics straight from this machine: %d", r.Status)
	}

	// A proxy on this machine that trusted_proxies does not name: its
	// clients all come from loopback, so a forwarded request is refused.
	bare := newVenue(t, venueOptions{})
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-IP"} {
		r := bare.do(t, "GET", "/metrics", nil, map[string]string{h: "203.0.113.9"})
		if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "trusted_proxies") {
			t.Errorf("metrics through an unnamed proxy (%s): %d %.200s", h, r.Status, r.Body)
		}
	}
	if r := bare.do(t, "GET", "/metrics", nil, nil); r.Status != http.StatusOK {
		t.Errorf("metrics straight from this machine without trusted_proxies: %d", r.Status)
	}
}

// A customer's email address is a mailto: link to that address alone: one
// that carries "?cc=" cannot add a recipient to the owner's reply.
func TestConsoleMailtoCannotAddRecipients(t *testing.T) {
	v := newVenue(t, venueOptions{ExtraTOML: consoleLimits("")})
	addOwner(t, v, ownerEmail, ownerPassword)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	const hostile = "x?cc=a%40evil.example&bcc=b@example.com"
	r := v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T09:00:00Z", func(m map[string]any) {
		m["customer"].(map[string]any)["email"] = hostile
	}), nil)
	if r.Status != http.StatusCreated {
		t.Fatalf("booking with %q: %d %s", hostile, r.Status, r.Body)
	}
	var b bookingResponse
	r.json(t, &b)
	page := o.do(t, "GET", "/admin/bookings/"+b.Booking.ID, nil, nil)
	links := regexp.MustCompile(`href="(mailto:[^"]*)"`).FindAllStringSubmatch(string(page.Body), -1)
	if len(links) == 0 {
		t.Fatalf("no mailto link on the booking page")
	}
	for _, l := range links {
		href := html.UnescapeString(l[1])
		if strings.ContainsAny(strings.TrimPrefix(href, "mailto:"), "?&#") {
			t.Errorf("mailto link %q can carry headers", href)
		}
		if href != "mailto:x%3Fcc%3Da%2540evil.example%26bcc%3Db@example.com" {
			t.Errorf("mailto link %q", href)
		}
	}
}

// The booking page's "Day view" link opens the booking's own day (its local
// date, also just after midnight UTC in a zone ahead of it), not today.
func TestConsoleBookingLinksToItsDay(t *testing.T) {
	v := newVenue(t, venueOptions{ExtraTOML: consoleLimits(""), Timezone: "Pacific/Auckland", Hours: "00:00-24:00"})
	addOwner(t, v, ownerEmail, ownerPassword)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	// 2026-12-01T11:00Z is 2 December 00:00 in Auckland.
	b := v.mustBook(t, bookingBody("2026-12-01T11:00:00Z")).Booking
	page := o.do(t, "GET", "/admin/bookings/"+b.ID, nil, nil)
	m := regexp.MustCompile(`href="(/admin\?date=[^"]*)"[^>]*>← Day view`).FindStringSubmatch(string(page.Body))
	if m == nil {
		t.Fatalf("no Day view link on the booking page")
	}
	if m[1] != "/admin?date=2026-12-02" {
		t.Errorf("Day view link %q, want /admin?date=2026-12-02", m[1])
	}
	day := o.do(t, "GET", html.UnescapeString(m[1]), nil, nil)
	if day.Status != http.StatusOK || !strings.Contains(string(day.Body), b.Reference) {
		t.Errorf("the linked day (%d) does not show booking %s", day.Status, b.Reference)
	}
}
