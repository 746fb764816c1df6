package web_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"venuebook/store"
)

// Operations tests: rate limits and the client address they key on, the
// booking form's bot traps, security headers on every kind of response, and
// /metrics. The limiter counts in real time, from a key's first request: each
// limit here is per hour, so that a test's handful of requests fall in one
// window however slow the machine (a minute is not much on a loaded one).

// limits is a whole [limits] table; "" switches a limit off. A table of our
// own keeps the helper from writing its test defaults, and names every key so
// that no production default slips in.
type limits struct {
	BookingPerIP, BookingPerEmail, BookingPerNetwork, ReadPerIP string
	LoginPerIP, LoginFailuresPerAccount, LoginLockedPerIP       string
	PermitPerIP                                                 string
	MinFillSeconds                                              int
	TrackedClients                                              int // 0: the default
}

func (l limits) toml() string {
	tracked := ""
	if l.TrackedClients != 0 {
		tracked = fmt.Sprintf("tracked_clients = %d\n", l.TrackedClients)
	}
	return fmt.Sprintf("[limits]\nbooking_per_ip = %q\nbooking_per_email = %q\nbooking_per_network = %q\nread_per_ip = %q\n"+
		"login_per_ip = %q\nlogin_failures_per_account = %q\nlogin_locked_per_ip = %q\npermit_per_ip = %q\nmin_fill_seconds = %d\n%s",
		l.BookingPerIP, l.BookingPerEmail, l.BookingPerNetwork, l.ReadPerIP, l.LoginPerIP, l.LoginFailuresPerAccount, l.LoginLockedPerIP,
		l.PermitPerIP, l.MinFillSeconds, tracked)
}

// from is the header of a request relayed by a proxy for client ip.
func from(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }

// withEmail sets the booking's customer email.
func withEmail(email string) func(map[string]any) {
	return func(b map[string]any) { b["customer"].(map[string]any)["email"] = email }
}

// checkLimitHeaders checks the X-RateLimit-* headers of a counted request.
func checkLimitHeaders(t *testing.T, what string, r response, limit, remaining int) {
	t.Helper()
	if got := r.Header.Get("X-RateLimit-Limit"); got != strconv.Itoa(limit) {
		t.Errorf("%s: X-RateLimit-Limit %q, want %d", what, got, limit)
	}
	if got := r.Header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(remaining) {
		t.Errorf("%s: X-RateLimit-Remaining %q, want %d", what, got, remaining)
	}
	reset, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
	if now := time.Now().Unix(); err != nil || reset < now-1 || reset > now+25*3600 { // the longest window is a day
		t.Errorf("%s: X-RateLimit-Reset %q is not a Unix time within the window", what, r.Header.Get("X-RateLimit-Reset"))
	}
}

// checkLimited checks a 429: the error code (JSON unless page), a Retry-After
// of whole seconds within the window, and the X-RateLimit-* headers.
func checkLimited(t *testing.T, what string, r response, limit int, window time.Duration, page bool) {
	t.Helper()
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("%s: %d %.300s, want 429", what, r.Status, r.Body)
	}
	if page {
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: 429 page is %q", what, r.Header.Get("Content-Type"))
		}
	} else if r.errorCode() != "rate_limited" {
		t.Errorf("%s: code %q, want rate_limited: %s", what, r.errorCode(), r.Body)
	}
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > window+time.Second {
		t.Errorf("%s: Retry-After %q, want whole seconds in [1, %s]", what, r.Header.Get("Retry-After"), window)
	}
	checkLimitHeaders(t, what, r, limit, 0)
}

// bookingsAt are starts far enough apart to be free together in one room.
var bookingsAt = []string{"2026-12-01T09:00:00Z", "2026-12-01T11:00:00Z", "2026-12-01T13:00:00Z", "2026-12-01T15:00:00Z",
	"2026-12-01T17:00:00Z", "2026-12-02T09:00:00Z", "2026-12-02T11:00:00Z", "2026-12-02T13:00:00Z"}

// booking_per_ip counts every booking attempt from one client, whatever the
// email; another client has its own count.
func TestRateLimitBookingPerIP(t *testing.T) {
	v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1"]`,
		ExtraTOML: limits{BookingPerIP: "3-H"}.toml()})
	client := from("203.0.113.10")
	for i := range 3 {
		r := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[i], withEmail(fmt.Sprintf("guest%d@example.com", i))), client)
		if r.Status != http.StatusCreated {
			t.Fatalf("booking %d: %d %s", i+1, r.Status, r.Body)
		}
		checkLimitHeaders(t, fmt.Sprintf("booking %d", i+1), r, 3, 2-i)
	}
	// A fourth, with an email never seen, is refused and books nothing.
	r := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[3], withEmail("someone.else@example.com")), client)
	checkLimited(t, "4th booking from one IP", r, 3, time.Hour, false)
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 3 {
		t.Errorf("%d bookings, want 3", n)
	}
	// Another client, and the proxy itself (no header), are counted apart.
	if r := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[4]), from("203.0.113.11")); r.Status != http.StatusCreated {
		t.Errorf("another client: %d %s", r.Status, r.Body)
	}
	if r := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[5]), nil); r.Status != http.StatusCreated {
		t.Errorf("the proxy's own address: %d %s", r.Status, r.Body)
	}
	// The first client stays limited, also through the booking form.
	c := formClient(t)
	form := detailsForm(t, v, c, "2026-12-02T11:00:00+00:00")
	form.Set("name", "Ada Lovelace")
	form.Set("email", "ada.form@example.com")
	form.Set("guests", "1")
	req, _ := http.NewRequest("POST", v.URL+"/book/classic-60", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "203.0.113.10")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("form from the limited client: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 5 {
		t.Errorf("%d bookings, want 5", n)
	}
}

// booking_per_email counts bookings for one address in any letter case,
// whoever sends them.
func TestRateLimitBookingPerEmail(t *testing.T) {
	v := newVenue(t, venueOptions{ExtraTOML: limits{BookingPerEmail: "2-H"}.toml()})
	for i, email := range []string{"ada@example.com", "ADA@Example.COM"} {
		r := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[i], withEmail(email)), nil)
		if r.Status != http.StatusCreated {
			t.Fatalf("booking %d for %s: %d %s", i+1, email, r.Status, r.Body)
		}
		checkLimitHeaders(t, email, r, 2, 1-i)
	}
	r := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[2], withEmail("Ada@example.com")), nil)
	checkLimited(t, "third booking for one email", r, 2, time.Hour, false)
	if r := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[3], withEmail("grace@example.com")), nil); r.Status != http.StatusCreated {
		t.Errorf("another email: %d %s", r.Status, r.Body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE lower(customer_email) = 'ada@example.com'"); n != 2 {
		t.Errorf("%d bookings for ada, want 2", n)
	}
}

var stylesheetLink = regexp.MustCompile(`href="(/static/style\.[0-9a-f]+\.css)"`)

// read_per_ip counts pages and API reads; static files, /healthz and /metrics
// are never limited, and neither are writes.
func TestRateLimitReads(t *testing.T) {
	v := newVenue(t, venueOptions{ExtraTOML: limits{ReadPerIP: "5-H"}.toml()})
	home := v.do(t, "GET", "/", nil, nil)
	css := stylesheetLink.FindSubmatch(home.Body)
	if home.Status != 200 || css == nil {
		t.Fatalf("home: %d, stylesheet link %q", home.Status, css)
	}
	checkLimitHeaders(t, "home", home, 5, 4)
	for i, path := range []string{"/api/catalog", "/api/availability?package=classic-60&from=2026-12-01", "/book/classic-60", "/api/catalog"} {
		r := v.do(t, "GET", path, nil, nil)
		if r.Status != 200 {
			t.Fatalf("read %d %s: %d %s", i+2, path, r.Status, r.Body)
		}
		checkLimitHeaders(t, path, r, 5, 3-i)
	}
	checkLimited(t, "6th API read", v.do(t, "GET", "/api/catalog", nil, nil), 5, time.Hour, false)
	checkLimited(t, "6th page", v.do(t, "GET", "/", nil, nil), 5, time.Hour, true)
	for range 3 {
		for _, path := range []string{string(css[1]), "/healthz", "/metrics"} {
			if r := v.do(t, "GET", path, nil, nil); r.Status != 200 || r.Header.Get("X-RateLimit-Limit") != "" {
				t.Errorf("%s after the read limit: %d, X-RateLimit-Limit %q", path, r.Status, r.Header.Get("X-RateLimit-Limit"))
			}
		}
	}
	if r := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[0]), nil); r.Status != http.StatusCreated {
		t.Errorf("a booking after the read limit: %d %s", r.Status, r.Body)
	}
}

// login_per_ip counts sign-in attempts, right or wrong, per client, for the
// API and the console's form alike.
func TestRateLimitLogin(t *testing.T) {
	v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1"]`, ExtraTOML: limits{LoginPerIP: "3-H"}.toml()})
	if _, err := v.Svc.CreateAdmin(context.Background(), "owner@example.com", "front desk 2026"); err != nil {
		t.Fatal(err)
	}
	right := map[string]string{"email": "owner@example.com", "password": "front desk 2026"}
	wrong := map[string]string{"email": "owner@example.com", "password": "guess guess guess"}
	attacker := from("198.51.100.66")
	for i := range 3 {
		r := v.do(t, "POST", "/api/admin/login", wrong, attacker)
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d %s", i+1, r.Status, r.Body)
		}
		checkLimitHeaders(t, "login", r, 3, 2-i)
	}
	checkLimited(t, "4th sign-in, right password", v.do(t, "POST", "/api/admin/login", right, attacker), 3, time.Hour, false)
	form := url.Values{"email": {right["email"]}, "password": {right["password"]}}.Encode()
	r := v.do(t, "POST", "/admin/login", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "198.51.100.66"})
	checkLimited(t, "console form sign-in", r, 3, time.Hour, true)
	if r := v.do(t, "POST", "/api/admin/login", right, from("198.51.100.67")); r.Status != 200 {
		t.Errorf("the owner from another address: %d %s", r.Status, r.Body)
	}
}

// The client address comes from the proxy header only when the peer is a
// trusted proxy; within the header only the entries the proxies added count.
func TestClientAddressAndProxies(t *testing.T) {
	const limit = 3
	readLimit := limits{ReadPerIP: fmt.Sprintf("%d-H", limit)}.toml()
	read := func(t *testing.T, v *testVenue, header map[string]string) response {
		t.Helper()
		return v.do(t, "GET", "/api/catalog", nil, header)
	}
	// allowed checks that the next n reads from header pass and the one after is refused.
	allowed := func(t *testing.T, v *testVenue, header map[string]string, n int) {
		t.Helper()
		for i := range n {
			if r := read(t, v, header); r.Status != 200 {
				t.Fatalf("read %d with %v: %d %s", i+1, header, r.Status, r.Body)
			}
		}
		checkLimited(t, fmt.Sprintf("read %d with %v", n+1, header), read(t, v, header), limit, time.Hour, false)
	}

	t.Run("no trusted proxies: the header changes nothing", func(t *testing.T) {
		v := newVenue(t, venueOptions{ExtraTOML: readLimit})
		for i := range limit {
			if r := read(t, v, from(fmt.Sprintf("198.51.100.%d", i+1))); r.Status != 200 {
				t.Fatalf("read %d: %d", i+1, r.Status)
			}
		}
		checkLimited(t, "a fourth spoofed address", read(t, v, from("198.51.100.200")), limit, time.Hour, false)
		checkLimited(t, "no header", read(t, v, nil), limit, time.Hour, false)
	})

	t.Run("the peer is not a trusted proxy", func(t *testing.T) {
		v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["10.0.0.1", "192.0.2.0/24"]`, ExtraTOML: readLimit})
		read(t, v, from("198.51.100.1"))
		read(t, v, from("198.51.100.2"))
		allowed(t, v, from("198.51.100.3"), 1)
	})

	for _, proxies := range []string{`["127.0.0.1"]`, `["127.0.0.0/8"]`, `["10.0.0.0/8", "127.0.0.1/32", "::1"]`} {
		t.Run("trusted "+proxies, func(t *testing.T) {
			v := newVenue(t, venueOptions{ServerTOML: "trusted_proxies = " + proxies, ExtraTOML: readLimit})
			allowed(t, v, from("198.51.100.1"), limit)
			allowed(t, v, from("198.51.100.2"), limit)
			allowed(t, v, nil, limit) // the proxy's own requests
		})
	}

	t.Run("IPv6 clients are grouped by /64", func(t *testing.T) {
		v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1"]`, ExtraTOML: readLimit})
		for _, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2::ffff", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"} {
			if r := read(t, v, from(ip)); r.Status != 200 {
				t.Fatalf("%s: %d", ip, r.Status)
			}
		}
		checkLimited(t, "another address of the same /64", read(t, v, from("2001:DB8:1:2:0:0:0:2")), limit, time.Hour, false)
		allowed(t, v, from("2001:db8:1:3::1"), limit)
		allowed(t, v, from("198.51.100.1"), limit)
	})

	t.Run("garbage in the header is not believed", func(t *testing.T) {
		v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1"]`, ExtraTOML: readLimit})
		garbage := []string{"not-an-ip", "<script>alert(1)</script>", "999.999.999.999", "1.2.3", "::::::::::", "unknown",
			"198.51.100.1.7", "2001:db8::g", "[2001:db8::1]", "1.2.3.4:80", ", , ,", "%00", strings.Repeat("1.", 3000),
			"198.51.100.1/24", "0x7f.1", "🙂"}
		// Each is served, none gets a bucket of its own: they all count
		// against the peer's address.
		var served int
		for _, g := range garbage {
			r := read(t, v, from(g))
			switch {
			case r.Status == 200:
				served++
			case r.Status == http.StatusTooManyRequests:
			default:
				t.Errorf("header %.40q: %d %.200s", g, r.Status, r.Body)
			}
		}
		if served != limit {
			t.Errorf("%d of %d requests with garbage headers served, want %d (one bucket, the peer's)", served, len(garbage), limit)
		}
		checkLimited(t, "no header after garbage", read(t, v, nil), limit, time.Hour, false)
		allowed(t, v, from("198.51.100.9"), limit)
	})

	t.Run("addresses the client put in front of the proxy's are ignored", func(t *testing.T) {
		// A proxy that appends (nginx's $proxy_add_x_forwarded_for) sends
		// "whatever the client sent, the client's address".
		v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]`, ExtraTOML: readLimit})
		for i := range limit {
			if r := read(t, v, from(fmt.Sprintf("203.0.113.%d, 198.51.100.50", i+1))); r.Status != 200 {
				t.Fatalf("read %d: %d", i+1, r.Status)
			}
		}
		checkLimited(t, "a fourth forged first entry", read(t, v, from("203.0.113.99, 198.51.100.50")), limit, time.Hour, false)
		checkLimited(t, "the client's own address", read(t, v, from("198.51.100.50")), limit, time.Hour, false)
		// Behind two trusted proxies, the client is the entry before them.
		checkLimited(t, "through a second proxy", read(t, v, from("203.0.113.100, 198.51.100.50, 10.1.2.3")), limit, time.Hour, false)
		allowed(t, v, from("garbage, 198.51.100.51, 10.1.2.3"), limit)
		// A header sent twice counts as one list, in order: the client's line first.
		for i := range limit + 1 {
			req, _ := http.NewRequest("GET", v.URL+"/api/catalog", nil)
			req.Header.Add("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", 200+i))
			req.Header.Add("X-Forwarded-For", "198.51.100.52")
			r := send(t, req)
			if i < limit && r.Status != 200 {
				t.Fatalf("two header lines, read %d: %d", i+1, r.Status)
			}
			if i == limit {
				checkLimited(t, "two header lines, forged first", r, limit, time.Hour, false)
			}
		}
	})
}

var formTime = regexp.MustCompile(`name="form_time" value="([^"]*)"`)

// fillForm opens the details form for start and fills it in as a person would.
func fillForm(t *testing.T, v *testVenue, c *http.Client, start, email string) url.Values {
	t.Helper()
	status, page := getPage(t, c, v.URL+"/book/classic-60/details?start="+url.QueryEscape(start))
	if status != 200 {
		t.Fatalf("details form: %d", status)
	}
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], strings.ReplaceAll(m[2], "&#43;", "+"))
	}
	m := formTime.FindStringSubmatch(page)
	if m == nil || form.Get("csrf") == "" {
		t.Fatalf("the details form lacks hidden fields: %v", form)
	}
	form.Set("form_time", m[1])
	form.Set("website", "")
	form.Set("name", "Ada Lovelace")
	form.Set("email", email)
	form.Set("guests", "2")
	return form
}

// The booking form's traps for bots: a hidden field people leave empty, and a
// signed time the form was shown, before which it is not accepted.
func TestBookingFormBotTraps(t *testing.T) {
	v := newVenue(t, venueOptions{ExtraTOML: limits{MinFillSeconds: 3}.toml()})
	c := formClient(t)
	bookings := func() int { return v.countRows(t, "SELECT count(*) FROM bookings") }

	// Filled in at once (the clock stands still): refused, kept, booked nothing.
	form := fillForm(t, v, c, "2026-12-01T10:00:00+00:00", "ada@example.com")
	if form.Get("form_time") == "" {
		t.Fatal("form_time is empty: the form is not stamped")
	}
	resp, page := postForm(t, c, v.URL+"/book/classic-60", form)
	if resp.StatusCode != 400 || !strings.Contains(page, "That was quick") || !strings.Contains(page, `value="Ada Lovelace"`) {
		t.Fatalf("instant submit: %d %.2000s", resp.StatusCode, page)
	}
	if n := bookings(); n != 0 {
		t.Fatalf("%d bookings after an instant submit", n)
	}

	// The honeypot filled: refused even after a person's pause.
	v.setNow(testNow.Add(5 * time.Second))
	bot := url.Values{}
	for k, vals := range form {
		bot[k] = vals
	}
	bot.Set("website", "https://spam.example")
	if resp, page := postForm(t, c, v.URL+"/book/classic-60", bot); resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Errorf("honeypot filled: %d %.500s", resp.StatusCode, page)
	}
	if n := bookings(); n != 0 {
		t.Fatalf("%d bookings after the honeypot", n)
	}

	// Forged, replayed from elsewhere, or missing stamps are refused.
	for name, stamp := range map[string]string{
		"forged signature": fmt.Sprintf("%d.%s", testNow.Add(-time.Hour).Unix(), "AAAAAAAAAAAAAAAA"),
		"edited time":      fmt.Sprintf("%d.%s", testNow.Add(-time.Hour).Unix(), strings.SplitN(form.Get("form_time"), ".", 2)[1]),
		"no signature":     strconv.FormatInt(testNow.Add(-time.Hour).Unix(), 10),
		"missing":          "",
		"garbage":          "....",
	} {
		forged := url.Values{}
		for k, vals := range form {
			forged[k] = vals
		}
		forged.Set("form_time", stamp)
		if resp, page := postForm(t, c, v.URL+"/book/classic-60", forged); resp.StatusCode != 400 || !strings.Contains(page, "out of date") {
			t.Errorf("%s stamp: %d %.500s", name, resp.StatusCode, page)
		}
	}
	if n := bookings(); n != 0 {
		t.Fatalf("%d bookings after forged stamps", n)
	}

	// Five seconds after the form was shown, it books.
	resp, _ = postForm(t, c, v.URL+"/book/classic-60", form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/b/") {
		t.Fatalf("submit after 5 s: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := bookings(); n != 1 {
		t.Errorf("%d bookings, want 1", n)
	}
}

// send sends req with a client that keeps redirects as answers.
func send(t *testing.T, req *http.Request) response {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// tooLarge announces a body over the limit and reads the answer, which comes
// before any of the body is sent (so the server's close cannot reset a
// connection with unread data on it).
func tooLarge(t *testing.T, v *testVenue) response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(v.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/bookings HTTP/1.1\r\nHost: venue.test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 100<<10)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("413: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// checkSecurityHeaders checks the headers every response must carry.
func checkSecurityHeaders(t *testing.T, what string, r response, https bool) {
	t.Helper()
	csp := r.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		if name, value, _ := strings.Cut(strings.TrimSpace(d), " "); name != "" {
			directives[name] = value
		}
	}
	script, ok := directives["script-src"]
	if !ok {
		script, ok = directives["default-src"]
	}
	if !ok || strings.Contains(script, "'unsafe-inline'") || strings.Contains(script, "'unsafe-eval'") || strings.Contains(script, "*") {
		t.Errorf("%s: scripts not locked down by CSP %q", what, csp)
	}
	if directives["frame-ancestors"] != "'none'" {
		t.Errorf("%s: CSP %q lacks frame-ancestors 'none'", what, csp)
	}
	if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, got)
	}
	if got := r.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("%s: Referrer-Policy %q", what, got)
	}
	hsts := r.Header.Get("Strict-Transport-Security")
	switch {
	case https && !strings.Contains(hsts, "max-age="):
		t.Errorf("%s: no Strict-Transport-Security on https", what)
	case !https && hsts != "":
		t.Errorf("%s: Strict-Transport-Security %q on plain http", what, hsts)
	}
}

// Security headers on every kind of response: pages, JSON, errors of each
// kind (also those refused before routing), static files, operations
// endpoints, downloads and redirects; HSTS only with an https base_url.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	for _, https := range []bool{true, false} {
		t.Run(fmt.Sprintf("https=%v", https), func(t *testing.T) {
			o := venueOptions{ExtraTOML: limits{BookingPerIP: "1-H"}.toml()}
			if https {
				o.BaseURL = "https://book.venue.test"
			}
			v := newVenue(t, o)
			get := func(path string) response {
				req, _ := http.NewRequest("GET", v.URL+path, nil)
				return send(t, req)
			}
			b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z")).Booking
			id, token := managePath(t, b.ManageURL)
			home := get("/")
			css := stylesheetLink.FindSubmatch(home.Body)
			if css == nil {
				t.Fatal("no stylesheet link on the home page")
			}
			cases := []struct {
				name   string
				r      response
				status int
			}{
				{"page", home, 200},
				{"JSON", get("/api/catalog"), 200},
				{"404 JSON", get("/api/nothing"), 404},
				{"404 page", get("/nothing/here"), 404},
				{"400", get("/api/availability?package=classic-60"), 400},
				{"413 refused before routing", tooLarge(t, v), 413},
				{"429", v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T13:00:00Z"), nil), 429},
				{"401", get("/api/admin/bookings?from=2026-12-01&to=2026-12-02"), 401},
				{"static file", get(string(css[1])), 200},
				{"healthz", get("/healthz"), 200},
				{"metrics", get("/metrics"), 200},
				{"ICS download", get("/api/bookings/" + id + "/calendar.ics?t=" + token), 200},
				{"manage page", get("/b/" + id + "?t=" + token), 200},
				{"303 redirect", get("/admin/bookings"), 303},
			}
			for _, tc := range cases {
				if tc.r.Status != tc.status {
					t.Errorf("%s: %d, want %d: %.200s", tc.name, tc.r.Status, tc.status, tc.r.Body)
				}
				checkSecurityHeaders(t, tc.name, tc.r, https)
			}
			if ct := cases[11].r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
				t.Errorf("ICS download is %q", ct)
			}

			// A 500, as JSON and as a page: the headers, and no internals.
			v.Svc.Store.Close()
			for _, tc := range []struct {
				name string
				r    response
			}{
				{"500 JSON", get("/api/bookings/" + id + "?t=" + token)},
				{"500 page", get("/b/" + id + "?t=" + token)},
			} {
				if tc.r.Status != 500 {
					t.Errorf("%s: %d %.200s", tc.name, tc.r.Status, tc.r.Body)
				}
				checkSecurityHeaders(t, tc.name, tc.r, https)
				body := strings.ToLower(string(tc.r.Body))
				for _, leak := range []string{"sql", "database", "closed", "store", ".go", "goroutine", "panic", v.DBPath} {
					if strings.Contains(body, strings.ToLower(leak)) {
						t.Errorf("%s leaks %q: %.300s", tc.name, leak, tc.r.Body)
					}
				}
			}
		})
	}
}

// scrape fetches /metrics and parses it as the Prometheus text format.
func scrape(t *testing.T, v *testVenue, header map[string]string) map[string]*dto.MetricFamily {
	t.Helper()
	r := v.do(t, "GET", "/metrics", nil, header)
	if r.Status != 200 {
		t.Fatalf("/metrics: %d %s", r.Status, r.Body)
	}
	if f := expfmt.ResponseFormat(r.Header); f.FormatType() != expfmt.TypeTextPlain {
		t.Errorf("/metrics Content-Type %q is not the text format", r.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(string(r.Body)))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, r.Body)
	}
	return families
}

// value returns the value of the family's only series.
func value(t *testing.T, families map[string]*dto.MetricFamily, name string) float64 {
	t.Helper()
	f := families[name]
	if f == nil || len(f.GetMetric()) != 1 {
		t.Fatalf("%s: want one series, got %v", name, f)
	}
	m := f.GetMetric()[0]
	switch f.GetType() {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	}
	t.Fatalf("%s is a %s", name, f.GetType())
	return 0
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// signIn creates an owner and signs in through the API; it returns a client
// holding the session cookie and the CSRF token.
func signIn(t *testing.T, v *testVenue) (*http.Client, string) {
	t.Helper()
	if _, err := v.Svc.CreateAdmin(context.Background(), "owner@example.com", "front desk 2026"); err != nil {
		t.Fatal(err)
	}
	c := formClient(t)
	req, _ := http.NewRequest("POST", v.URL+"/api/admin/login", strings.NewReader(`{"email":"owner@example.com","password":"front desk 2026"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	(response{Body: body}).json(t, &out)
	if resp.StatusCode != 200 || out.CSRF == "" {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	return c, out.CSRF
}

// /metrics: every name of API.md with its type, counters that move, route
// patterns (never ids or tokens) as labels, a histogram with buckets, and the
// time of the last backup.
func TestMetrics(t *testing.T) {
	v := newVenue(t, venueOptions{})
	v.do(t, "GET", "/api/catalog", nil, nil) // so the HTTP families have a series
	before := scrape(t, v, nil)
	want := map[string]dto.MetricType{
		"venuebook_http_requests_total":                   dto.MetricType_COUNTER,
		"venuebook_http_request_duration_seconds":         dto.MetricType_HISTOGRAM,
		"venuebook_bookings_created_total":                dto.MetricType_COUNTER,
		"venuebook_booking_conflicts_total":               dto.MetricType_COUNTER,
		"venuebook_outbox_messages":                       dto.MetricType_GAUGE,
		"venuebook_emails_sent_total":                     dto.MetricType_COUNTER,
		"venuebook_backup_last_success_timestamp_seconds": dto.MetricType_GAUGE,
	}
	for name, typ := range want {
		if f := before[name]; f == nil || f.GetType() != typ {
			t.Errorf("%s: %v, want a %s", name, f.GetType(), typ)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if got := value(t, before, "venuebook_backup_last_success_timestamp_seconds"); got != 0 {
		t.Errorf("last backup %v before any backup", got)
	}

	// A booking, a conflict for its slot, and reads of it by its manage token.
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z")).Booking
	if r := v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T09:00:00Z", withEmail("grace@example.com")), nil); r.Status != 409 {
		t.Fatalf("conflict: %d %s", r.Status, r.Body)
	}
	id, token := managePath(t, b.ManageURL)
	for _, path := range []string{"/api/bookings/" + id + "?t=" + token, "/b/" + id + "?t=" + token,
		"/api/bookings/" + id + "/calendar.ics?t=" + token, "/api/bookings/" + id + "?t=wrong" + token[5:], "/no/such/" + token} {
		v.do(t, "GET", path, nil, nil)
	}
	after := scrape(t, v, nil)
	for name, delta := range map[string]float64{"venuebook_bookings_created_total": 1, "venuebook_booking_conflicts_total": 1} {
		if got := value(t, after, name) - value(t, before, name); got != delta {
			t.Errorf("%s moved by %v, want %v", name, got, delta)
		}
	}
	statuses := map[string]float64{}
	for _, m := range after["venuebook_outbox_messages"].GetMetric() {
		l := labels(m)
		if len(l) != 1 || l["status"] == "" {
			t.Errorf("venuebook_outbox_messages labels %v, want only status", l)
		}
		statuses[l["status"]] = m.GetGauge().GetValue()
	}
	if statuses["queued"] < 1 {
		t.Errorf("outbox by status %v: the confirmation is not counted as queued", statuses)
	}

	seen := map[string]bool{}
	for _, m := range after["venuebook_http_requests_total"].GetMetric() {
		l := labels(m)
		if len(l) != 3 || l["method"] == "" || l["route"] == "" || l["status"] == "" {
			t.Errorf("http_requests_total labels %v, want method, route and status", l)
		}
		if l["route"] != "other" && !strings.HasPrefix(l["route"], "/") {
			t.Errorf("route label %q is not a pattern", l["route"])
		}
		seen[l["method"]+" "+l["route"]+" "+l["status"]] = true
	}
	for _, s := range []string{"POST /api/bookings 201", "POST /api/bookings 409", "GET /api/bookings/:id 200",
		"GET /api/bookings/:id 404", "GET /b/:id 200", "GET /api/bookings/:id/calendar.ics 200", "GET /api/catalog 200", "GET other 404"} {
		if !seen[s] {
			t.Errorf("no http_requests_total series %q in %v", s, seen)
		}
	}
	for name, f := range after {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), id) || strings.Contains(l.GetValue(), token) || strings.Contains(l.GetValue(), token[5:]) {
					t.Errorf("%s label %s=%q holds a booking id or token", name, l.GetName(), l.GetValue())
				}
			}
		}
	}

	var histograms int
	for _, m := range after["venuebook_http_request_duration_seconds"].GetMetric() {
		l := labels(m)
		if l["method"] == "" || l["route"] == "" {
			t.Errorf("duration labels %v", l)
		}
		h := m.GetHistogram()
		buckets := h.GetBucket()
		if len(buckets) < 5 || h.GetSampleCount() == 0 {
			t.Errorf("histogram %v: %d buckets, %d samples", l, len(buckets), h.GetSampleCount())
			continue
		}
		var prev uint64
		for _, bk := range buckets {
			if bk.GetCumulativeCount() < prev || bk.GetCumulativeCount() > h.GetSampleCount() {
				t.Errorf("histogram %v: buckets not cumulative: %v", l, buckets)
				break
			}
			prev = bk.GetCumulativeCount()
		}
		histograms++
	}
	if histograms == 0 {
		t.Error("no duration histograms")
	}

	// A backup from the console API sets the time of the last success.
	c, csrf := signIn(t, v)
	if r := ownerDo(t, v, c, "POST", "/api/admin/backups", csrf); r.Status != http.StatusCreated {
		t.Fatalf("backup: %d %s", r.Status, r.Body)
	}
	if got := value(t, scrape(t, v, nil), "venuebook_backup_last_success_timestamp_seconds"); got < float64(testNow.Unix()) {
		t.Errorf("last backup %v after a backup, want a Unix time", got)
	}
}

// With server.metrics_token set, /metrics answers only its bearer.
func TestMetricsToken(t *testing.T) {
	const token = "metrics-token-0123456789abcdef"
	v := newVenue(t, venueOptions{ServerTOML: fmt.Sprintf("metrics_token = %q", token)})
	for name, header := range map[string]map[string]string{
		"no header":      nil,
		"wrong token":    {"Authorization": "Bearer " + token + "x"},
		"prefix":         {"Authorization": "Bearer " + token[:10]},
		"basic":          {"Authorization": "Basic " + token},
		"token in query": nil,
	} {
		path := "/metrics"
		if name == "token in query" {
			path += "?token=" + token
		}
		r := v.do(t, "GET", path, nil, header)
		if r.Status != 401 || r.errorCode() != "unauthorized" || strings.Contains(string(r.Body), "venuebook_") {
			t.Errorf("%s: %d %.200s", name, r.Status, r.Body)
		}
	}
	families := scrape(t, v, map[string]string{"Authorization": "Bearer " + token})
	if families["venuebook_bookings_created_total"] == nil {
		t.Error("no venuebook_bookings_created_total with the token")
	}
}

// ownerDo sends a console API request with the session of c and, unless
// empty, the CSRF token.
func ownerDo(t *testing.T, v *testVenue, c *http.Client, method, path, csrf string) response {
	t.Helper()
	req, _ := http.NewRequest(method, v.URL+path, nil)
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// The owner takes a backup from the console API, sees it listed, and
// downloads a file that verifies; no other name reaches a file.
func TestConsoleBackups(t *testing.T) {
	v := newVenue(t, venueOptions{})
	v.mustBook(t, bookingBody("2026-12-01T09:00:00Z"))
	c, csrf := signIn(t, v)
	if r := ownerDo(t, v, c, "POST", "/api/admin/backups", ""); r.Status != http.StatusForbidden {
		t.Errorf("backup without the CSRF token: %d %s", r.Status, r.Body)
	}
	r := ownerDo(t, v, c, "POST", "/api/admin/backups", csrf)
	var created struct {
		Backup struct {
			Name  string `json:"name"`
			Bytes int64  `json:"bytes"`
			URL   string `json:"url"`
		} `json:"backup"`
	}
	r.json(t, &created)
	if r.Status != http.StatusCreated || !store.ValidBackupName(created.Backup.Name) || created.Backup.Bytes == 0 {
		t.Fatalf("backup: %d %s", r.Status, r.Body)
	}
	if r := ownerDo(t, v, c, "GET", "/api/admin/backups", ""); r.Status != 200 || !strings.Contains(string(r.Body), created.Backup.Name) {
		t.Errorf("list: %d %s", r.Status, r.Body)
	}
	r = ownerDo(t, v, c, "GET", created.Backup.URL, "")
	if r.Status != 200 || int64(len(r.Body)) != created.Backup.Bytes || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d, %d bytes, %v", r.Status, len(r.Body), r.Header)
	}
	checkSecurityHeaders(t, "backup download", r, false)
	file := filepath.Join(t.TempDir(), created.Backup.Name)
	if err := os.WriteFile(file, r.Body, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := store.Verify(context.Background(), file); err != nil {
		t.Errorf("the downloaded backup: %v", err)
	}
	for _, name := range []string{"..%2Fvenuebook.db", "..%2F..%2Fvenuebook.db", "venuebook-x.db", "venuebook-20991231T000000Z.db",
		"%2Fetc%2Fpasswd", ".." + created.Backup.Name} {
		if r := ownerDo(t, v, c, "GET", "/api/admin/backups/"+name, ""); r.Status != 404 {
			t.Errorf("download %s: %d %.100s", name, r.Status, r.Body)
		}
	}
	if r := v.do(t, "GET", created.Backup.URL, nil, nil); r.Status != 401 {
		t.Errorf("download without a session: %d", r.Status)
	}
}
