package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const embedOrigin = "https://sauna-nord.example"

func embedVenue(t *testing.T) *testVenue {
	return newVenue(t, venueOptions{ExtraTOML: "[embed]\nallowed_origins = [\"" + embedOrigin + "\", \"http://127.0.0.1:9\"]\n"})
}

// Customer pages may be framed by the allowed sites (and no X-Frame-Options
// forbids it); the console, the approver's page, the API and everything else
// stay unframeable, with or without allowed origins.
func TestFramingOnlyForCustomerPages(t *testing.T) {
	v := embedVenue(t)
	plain := newVenue(t, venueOptions{})
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z")).Booking
	manage := b.ManageURL[strings.Index(b.ManageURL, "/b/"):]
	for _, path := range []string{"/", "/book/classic-60", "/book/classic-60?date=2026-12-01", manage} {
		r := v.do(t, "GET", path, nil, nil)
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'self' "+embedOrigin+" http://127.0.0.1:9;") || r.Header.Get("X-Frame-Options") != "" {
			t.Errorf("%s: %d CSP %q, X-Frame-Options %q: the allowed sites may frame it", path, r.Status, csp, r.Header.Get("X-Frame-Options"))
		}
		r = plain.do(t, "GET", path, nil, nil)
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") || r.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s without allowed origins: CSP %q, X-Frame-Options %q", path, r.Header.Get("Content-Security-Policy"), r.Header.Get("X-Frame-Options"))
		}
	}
	for _, path := range []string{"/admin", "/admin/login", "/admin/setup", "/permits/decide?token=x", "/api/catalog", "/api/availability?package=classic-60&from=2026-12-01&to=2026-12-01",
		"/healthz", "/static/style.css", "/embed.js", "/calendar/x.ics", "/api/admin/bookings", "/bookings", "/b", "/bx/1"} {
		r := v.do(t, "GET", path, nil, nil)
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") || r.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: %d CSP %q, X-Frame-Options %q: must stay unframeable", path, r.Status, r.Header.Get("Content-Security-Policy"), r.Header.Get("X-Frame-Options"))
		}
	}
}

// CORS: the public reads and the booking POST answer an allowed origin by
// name, never "*", never with credentials; another origin gets no CORS
// headers, and the console's API none at all.
func TestCORSForAllowedOriginsOnly(t *testing.T) {
	v := embedVenue(t)
	reads := []string{"/api/catalog", "/api/availability?package=classic-60&from=2026-12-01&to=2026-12-02"}
	for _, path := range reads {
		r := v.do(t, "GET", path, nil, map[string]string{"Origin": embedOrigin})
		if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != embedOrigin || !varyHas(r.Header, "Origin") {
			t.Errorf("%s from %s: %d ACAO %q Vary %q", path, embedOrigin, r.Status, r.Header.Get("Access-Control-Allow-Origin"), r.Header.Values("Vary"))
		}
		if r.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%s: credentials allowed", path)
		}
		for _, other := range []string{"https://evil.example", "https://sauna-nord.example.evil.example", "http://sauna-nord.example", "null", ""} {
			r := v.do(t, "GET", path, nil, map[string]string{"Origin": other})
			if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("%s from %q: %d ACAO %q", path, other, r.Status, r.Header.Get("Access-Control-Allow-Origin"))
			}
		}
	}
	// The preflight of a booking from the allowed site, and from another.
	pre := v.do(t, "OPTIONS", "/api/bookings", nil, map[string]string{"Origin": embedOrigin,
		"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, idempotency-key"})
	if pre.Status != 204 || pre.Header.Get("Access-Control-Allow-Origin") != embedOrigin ||
		!strings.Contains(pre.Header.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(pre.Header.Get("Access-Control-Allow-Headers")), "idempotency-key") ||
		pre.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("preflight from %s: %d %v", embedOrigin, pre.Status, pre.Header)
	}
	for _, other := range []string{"https://evil.example", "null"} {
		pre := v.do(t, "OPTIONS", "/api/bookings", nil, map[string]string{"Origin": other, "Access-Control-Request-Method": "POST"})
		if pre.Status == 204 || pre.Status == 200 || pre.Header.Get("Access-Control-Allow-Origin") != "" || pre.Header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("preflight from %s: %d %v", other, pre.Status, pre.Header)
		}
	}
	// The booking itself, and its error answers, carry the header.
	r := v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T09:00:00Z"), map[string]string{"Origin": embedOrigin})
	if r.Status != http.StatusCreated || r.Header.Get("Access-Control-Allow-Origin") != embedOrigin {
		t.Errorf("booking from %s: %d ACAO %q", embedOrigin, r.Status, r.Header.Get("Access-Control-Allow-Origin"))
	}
	r = v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T09:00:00Z"), map[string]string{"Origin": embedOrigin})
	if r.Status != http.StatusConflict || r.Header.Get("Access-Control-Allow-Origin") != embedOrigin {
		t.Errorf("a taken slot from %s: %d ACAO %q (the page must be able to read the error)", embedOrigin, r.Status, r.Header.Get("Access-Control-Allow-Origin"))
	}
	// Never on the console's API, the booking's own API or the pages.
	for _, path := range []string{"/api/admin/bookings", "/api/admin/login", "/api/admin/session", "/", "/api/email-suggestion?email=a@b.c"} {
		for _, method := range []string{"GET", "OPTIONS", "POST"} {
			r := v.do(t, method, path, nil, map[string]string{"Origin": embedOrigin, "Access-Control-Request-Method": "POST"})
			if r.Header.Get("Access-Control-Allow-Origin") != "" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("%s %s: ACAO %q", method, path, r.Header.Get("Access-Control-Allow-Origin"))
			}
		}
	}
	// Without allowed origins nobody gets CORS.
	plain := newVenue(t, venueOptions{})
	if r := plain.do(t, "GET", "/api/catalog", nil, map[string]string{"Origin": embedOrigin}); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("no allowed origins, yet ACAO %q", r.Header.Get("Access-Control-Allow-Origin"))
	}
}

func varyHas(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), name) {
				return true
			}
		}
	}
	return false
}

// /embed.js is small, has no dependencies, and may be loaded by any site.
func TestEmbedScript(t *testing.T) {
	v := embedVenue(t)
	r := v.do(t, "GET", "/embed.js", nil, nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("/embed.js: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	if n := len(r.Body); n > 8*1024 {
		t.Errorf("/embed.js is %d bytes; a few KB is the promise", n)
	}
	for _, dep := range []string{"import(", "require(", `createElement("script")`, "fetch(", "XMLHttpRequest", "document.cookie", "localStorage"} {
		if strings.Contains(string(r.Body), dep) {
			t.Errorf("/embed.js holds %q: it must load nothing else", dep)
		}
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=300") {
		t.Errorf("Cache-Control %q", cc)
	}
	if r2 := v.do(t, "GET", "/embed.js", nil, map[string]string{"If-None-Match": r.Header.Get("ETag")}); r2.Status != 304 {
		t.Errorf("revalidation: %d", r2.Status)
	}
}

// noCookies is a browser that keeps no cookie at all, as a third-party
// iframe is where cookies are blocked.
func noCookies() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// The customer's whole flow works with no cookie: book, then cancel from
// the manage page. Its forms are still guarded: a forged or day-old token,
// or a post from another site's page, is refused and changes nothing.
func TestCustomerFlowWithoutCookies(t *testing.T) {
	v := embedVenue(t)
	c := noCookies()
	form := detailsForm(t, v, c, "2026-12-01T10:00:00+00:00")
	form.Set("name", "Ada Lovelace")
	form.Set("email", "ada@example.com")
	form.Set("guests", "2")

	post := func(f url.Values, header map[string]string) *http.Response {
		req, _ := http.NewRequest("POST", v.URL+"/book/classic-60", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, val := range header {
			req.Header.Set(k, val)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	forged := url.Values{}
	for k, vals := range form {
		forged[k] = vals
	}
	for _, tok := range []string{"", "x", strings.Repeat("A", 43), form.Get("csrf")[:len(form.Get("csrf"))-2] + "AA"} {
		forged.Set("csrf", tok)
		if resp := post(forged, nil); resp.StatusCode != 403 {
			t.Errorf("token %q: %d", tok, resp.StatusCode)
		}
	}
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "same-site", "Origin": "https://shop.sauna-nord.example"},
		{"Origin": "https://evil.example"}, // a browser that sends no Sec-Fetch-Site
	} {
		if resp := post(form, h); resp.StatusCode != 403 {
			t.Errorf("%v: %d", h, resp.StatusCode)
		}
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 0 {
		t.Fatalf("refused forms booked %d", n)
	}
	// The allowed site's frame posts same-origin; a POST its own page sent
	// (cross-site, from an allowed origin) is allowed too.
	resp := post(form, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "null"})
	if resp.StatusCode != 303 {
		t.Fatalf("a cookieless booking: %d", resp.StatusCode)
	}
	if len(resp.Cookies()) != 0 {
		t.Logf("cookies offered (a comfort only): %v", resp.Cookies())
	}
	status, booked := getPage(t, c, v.URL+resp.Header.Get("Location"))
	if status != 200 || !strings.Contains(booked, "You're booked") {
		t.Fatalf("booked page without cookies: %d", status)
	}
	// Cancel it from its manage page, still without a cookie.
	m := regexp.MustCompile(`action="(/b/[^"]+/cancel\?t=[^"]+)"`).FindStringSubmatch(booked)
	link := regexp.MustCompile(`href="(/b/[^"]+/cancel\?t=[^"]+)"`).FindStringSubmatch(booked)
	if m == nil && link == nil {
		t.Fatalf("no way to cancel on the booked page")
	}
	if m == nil {
		_, asking := getPage(t, c, v.URL+strings.ReplaceAll(link[1], "&amp;", "&"))
		m = regexp.MustCompile(`action="(/b/[^"]+/cancel\?t=[^"]+)"`).FindStringSubmatch(asking)
		booked = asking
	}
	tok := hiddenField.FindStringSubmatch(booked)
	if m == nil || tok == nil {
		t.Fatalf("the cancel form is missing")
	}
	cancelResp, _ := postForm(t, c, v.URL+strings.ReplaceAll(m[1], "&amp;", "&"), url.Values{"csrf": {tok[2]}})
	if cancelResp.StatusCode != 303 {
		t.Fatalf("a cookieless cancellation: %d", cancelResp.StatusCode)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE status = 'cancelled'"); n != 1 {
		t.Errorf("%d cancelled bookings, want 1", n)
	}

	// A form left open for more than a day has expired.
	later := detailsForm(t, v, c, "2026-12-01T12:00:00+00:00")
	later.Set("name", "Grace Hopper")
	later.Set("email", "grace@example.com")
	later.Set("guests", "1")
	v.setNow(v.Svc.Now().Add(25 * time.Hour))
	if resp := post(later, nil); resp.StatusCode != 403 {
		t.Errorf("a day-old form: %d", resp.StatusCode)
	}
}

// /embed.js speaks the venue's language: the button, the frame's name and
// the dialog's close button.
func TestEmbedScriptSpeaksTheVenuesLanguage(t *testing.T) {
	v := newVenue(t, venueOptions{VenueTOML: `language = "de"`, ExtraTOML: "[embed]\nallowed_origins = [\"" + embedOrigin + "\"]\n"})
	r := v.do(t, "GET", "/embed.js", nil, nil)
	for _, want := range []string{`"button":"Jetzt buchen"`, `"title":"Buchung"`, `"close":"Schließen"`} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("/embed.js of a German venue lacks %s", want)
		}
	}
	if strings.Contains(string(r.Body), `"Book now"`) {
		t.Error("/embed.js of a German venue still says Book now")
	}
}
