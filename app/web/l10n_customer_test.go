package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"venuebook/app/l10n"
)

// The customer's pages and the approver's in German, French and Spanish:
// every page, in every state, with no word of the English catalog left,
// no template or catalog id showing, and money and dates as each language
// writes them.

// newEuroVenue is newVenue with the venue's prices in euros.
func newEuroVenue(t testing.TB, o venueOptions) *testVenue {
	t.Helper()
	o.Currency = "EUR"
	return newVenue(t, o)
}

func speakingVenue(t testing.TB, lang string) *testVenue {
	t.Helper()
	return newEuroVenue(t, venueOptions{Parking: true, Week: map[string]string{"mon": "", "tue": "09:00-10:00"},
		VenueTOML: `language = "` + lang + `"` + "\nlanguages = [\"en\"]\n" + `phone = "+44 20 7946 0000"` + "\n" + `email = "hello@venue.test"`})
}

// pageChecker checks the pages of one language.
type pageChecker struct {
	t    *testing.T
	cats *l10n.Catalogs
	lang string
	ids  []string
}

func newPageChecker(t *testing.T, lang string) *pageChecker {
	t.Helper()
	cats, err := l10n.Default()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range cats.IDs("en") {
		if strings.Contains(id, ".") { // "guests" is also a field's name
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return &pageChecker{t: t, cats: cats, lang: lang, ids: ids}
}

var (
	markupRe   = regexp.MustCompile(`(?s)<[^>]*>`)
	wordAttrRe = regexp.MustCompile(`(?:aria-label|title|alt|placeholder|abbr|data-did-you-mean|data-use)="([^"]*)"`)
)

// check fails the test for what a page in the checker's language must not
// hold, and for each of want it lacks (want is matched against the page's
// text, entities decoded).
func (p *pageChecker) check(name, body string, want ...string) {
	p.t.Helper()
	if !strings.Contains(body, `<html lang="`+p.lang+`">`) {
		p.t.Errorf("%s [%s]: no <html lang=%q>: %.200s", name, p.lang, p.lang, body)
	}
	text := html.UnescapeString(body)
	for _, bad := range []string{"{{", "}}", "<no value>", "%!"} {
		if strings.Contains(text, bad) {
			p.t.Errorf("%s [%s]: holds %q", name, p.lang, bad)
		}
	}
	// What people read: the text between the tags, and the attributes
	// that are words (not class names or field names).
	words := markupRe.ReplaceAllString(body, " ")
	for _, m := range wordAttrRe.FindAllStringSubmatch(body, -1) {
		words += "\n" + m[1]
	}
	words = html.UnescapeString(words)
	for _, id := range p.ids {
		if i := strings.Index(words, id); i >= 0 && !isWordChar(words, i+len(id)) && (i == 0 || !isWordChar(words, i-1)) {
			p.t.Errorf("%s [%s]: shows the catalog id %q", name, p.lang, id)
		}
	}
	if left := p.cats.EnglishLeftovers(p.lang, words); len(left) > 0 {
		p.t.Errorf("%s [%s]: English left: %q", name, p.lang, left)
	}
	visible := html.UnescapeString(markupRe.ReplaceAllString(body, " "))
	visible = strings.Join(strings.Fields(visible), " ")
	if dir := os.Getenv("VENUEBOOK_PAGE_TEXT"); dir != "" { // the pages' words, for a reader to check
		_ = os.MkdirAll(filepath.Join(dir, p.lang), 0o755)
		_ = os.WriteFile(filepath.Join(dir, p.lang, strings.NewReplacer(" ", "-", ",", "", "/", "-").Replace(name)+".txt"), []byte(visible+"\n"), 0o644)
	}
	for _, w := range want {
		if !strings.Contains(visible, w) && !strings.Contains(text, w) {
			p.t.Errorf("%s [%s]: lacks %q in:\n%s", name, p.lang, w, visible)
		}
	}
}

func isWordChar(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// client is a browser without JavaScript or cookies of its own beyond
// the jar: it sends Accept: text/html and no Accept-Language.
type pageClient struct {
	t *testing.T
	v *testVenue
	c *http.Client
}

func (pc pageClient) get(path string, want int) string {
	pc.t.Helper()
	req, _ := http.NewRequest("GET", pc.v.URL+path, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := pc.c.Do(req)
	if err != nil {
		pc.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		pc.t.Fatalf("GET %s: %d, want %d:\n%s", path, resp.StatusCode, want, body)
	}
	return string(body)
}

// post sends a form and returns the status, the Location and the page.
func (pc pageClient) post(path string, form url.Values) (int, string, string) {
	pc.t.Helper()
	resp, body := postForm(pc.t, pc.c, pc.v.URL+path, form)
	return resp.StatusCode, resp.Header.Get("Location"), body
}

// hiddenFields are a page's form's hidden fields (the first form whose
// action holds action).
func hiddenFields(t *testing.T, page, action string) url.Values {
	t.Helper()
	_, form := formOn(t, page, action)
	return form
}

var permitTokenRe = regexp.MustCompile(`/permits/decide\?token=([A-Za-z0-9._-]+)`)

// permitTokens are the tokens of the approver's emails about bookingID, oldest first.
func permitTokens(t *testing.T, v *testVenue, bookingID string) []string {
	t.Helper()
	rows, err := v.db.Query("SELECT body_text FROM outbox WHERE kind = 'permit_request' AND booking_id = ? ORDER BY id", bookingID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		if m := permitTokenRe.FindStringSubmatch(body); m != nil {
			out = append(out, m[1])
		}
	}
	if len(out) == 0 {
		t.Fatalf("no permit link for booking %s", bookingID)
	}
	return out
}

// langWords are what a language's pages must show: the date of Wednesday
// 9 December 2026 in full, and 45 euros.
var langWords = map[string]struct{ Date, Money string }{
	"de": {"Mittwoch, 9. Dezember 2026", "45,00 €"},
	"fr": {"mercredi 9 décembre 2026", "45,00 €"},
	"es": {"miércoles, 9 de diciembre de 2026", "45,00 €"},
	"en": {"Wednesday 9 December 2026", "€45.00"},
}

// TestCustomerPagesInEveryLanguage renders every customer page and the
// approver's, in every state, in German, French and Spanish (and English,
// for the same checks).
func TestCustomerPagesInEveryLanguage(t *testing.T) {
	for _, lang := range []string{"de", "fr", "es", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			customerPagesIn(t, lang)
		})
	}
}

func customerPagesIn(t *testing.T, lang string) {
	v := speakingVenue(t, lang)
	p := newPageChecker(t, lang)
	w := langWords[lang]
	pc := pageClient{t: t, v: v, c: formClient(t)}

	p.check("home", pc.get("/", 200), w.Money)
	p.check("day with times", pc.get("/book/classic-60?date=2026-12-09", 200), w.Date, w.Money, "14:00")
	p.check("day, Christmas", pc.get("/book/classic-60?date=2026-12-25", 200), "Christmas")
	p.check("day, closed Monday", pc.get("/book/classic-60?date=2026-12-07", 200))
	p.check("day, too long for Tuesday", pc.get("/book/private-120?date=2026-12-08", 200))
	p.check("day, past", pc.get("/book/classic-60?date=2026-11-20", 200))
	p.check("day, not bookable yet", pc.get("/book/classic-60?date=2027-03-10", 200))
	p.check("month without times", pc.get("/book/classic-60?month=2027-03", 200))
	p.check("day, no such time", pc.get("/book/classic-60/details?start=nonsense", 400))

	// Tuesday 8 December's one time, booked: the day is full.
	v.mustBook(t, bookingBody("2026-12-08T09:00:00Z", func(m map[string]any) {
		m["customer"].(map[string]any)["email"] = "tuesday@example.com"
	}))
	p.check("day, full", pc.get("/book/classic-60?date=2026-12-08", 200))

	start := "2026-12-09T14:00:00Z"
	details := pc.get("/book/classic-60/details?start="+url.QueryEscape(start), 200)
	p.check("details", details, w.Date, w.Money)
	if !strings.Contains(details, `name="lang" value="`+lang+`"`) {
		t.Errorf("[%s] the details form does not carry its language", lang)
	}
	form := detailsForm(t, v, pc.c, start)
	form.Set("name", "")
	form.Set("email", "ada@gmial.con")
	form.Set("guests", "9")
	st, _, page := pc.post("/book/classic-60", form)
	if st != 400 {
		t.Fatalf("[%s] details with errors: %d", lang, st)
	}
	p.check("details with errors", page, "ada@gmail.com")

	// Someone else takes the time meanwhile: the day page says so.
	form = detailsForm(t, v, pc.c, "2026-12-10T10:00:00Z")
	v.mustBook(t, bookingBody("2026-12-10T10:00:00Z", func(m map[string]any) {
		m["customer"].(map[string]any)["email"] = "quick@example.com"
	}))
	form.Set("name", "Ada Lovelace")
	form.Set("email", "ada@example.com")
	form.Set("guests", "2")
	st, _, page = pc.post("/book/classic-60", form)
	if st != 409 {
		t.Fatalf("[%s] a taken time: %d", lang, st)
	}
	p.check("day, time just taken", page)

	form = detailsForm(t, v, pc.c, start)
	form.Set("name", "Ada Lovelace")
	form.Set("email", "ada@gmial.con") // a likely typo: the booked page suggests the fix
	form.Set("guests", "2")
	form.Set("registration", "AB12 CDE")
	st, loc, _ := pc.post("/book/classic-60", form)
	if st != 303 || !strings.HasPrefix(loc, "/b/") {
		t.Fatalf("[%s] booking: %d %q", lang, st, loc)
	}
	booked := pc.get(loc, 200)
	p.check("booked", booked, w.Date, w.Money, "ada@gmail.com", "AB12CDE")
	id, token := managePath(t, "/b/"+strings.TrimPrefix(loc, "/b/"))
	token, _, _ = strings.Cut(token, "&")
	manage := "/b/" + id + "?t=" + url.QueryEscape(token)
	p.check("manage", pc.get(manage, 200), w.Date, w.Money)
	cancelPage := pc.get("/b/"+id+"/cancel?t="+url.QueryEscape(token), 200)
	p.check("cancel", cancelPage, w.Date)
	p.check("move picker", pc.get("/b/"+id+"/move?t="+url.QueryEscape(token)+"&date=2026-12-11", 200), w.Date, w.Money)
	moveTo := "2026-12-11T15:00:00Z"
	moveConfirm := pc.get("/b/"+id+"/move?t="+url.QueryEscape(token)+"&start="+url.QueryEscape(moveTo), 200)
	p.check("move confirm", moveConfirm, w.Date, w.Money)

	// The approver's page: the request, then decided, then used.
	tokens := permitTokens(t, v, id)
	permit := "/permits/decide?token=" + tokens[0]
	p.check("permit request", pc.get(permit, 200), w.Date, "AB12CDE")
	st, _, page = pc.post("/permits/decide", url.Values{"token": {tokens[0]}, "decision": {"approve"}, "note": {""}})
	if st != 200 {
		t.Fatalf("[%s] permit decision: %d", lang, st)
	}
	p.check("permit decided", page, "AB12CDE")
	p.check("permit link used", pc.get(permit, 409))
	st, _, page = pc.post("/permits/decide", url.Values{"token": {tokens[0]}, "decision": {"maybe"}, "note": {""}})
	p.check("permit, no decision", page)
	p.check("booked, permit approved", pc.get(manage, 200), "AB12CDE")

	// The customer's steps, each answered in their language.
	email := hiddenFields(t, booked, "/email")
	email.Set("email", "ada@example.org")
	st, loc, _ = pc.post("/b/"+id+"/email?t="+url.QueryEscape(token), email)
	if st != 303 {
		t.Fatalf("[%s] correcting the email: %d", lang, st)
	}
	p.check("email corrected", pc.get(loc, 200), "ada@example.org")
	email.Set("email", "not an address")
	st, _, page = pc.post("/b/"+id+"/email?t="+url.QueryEscape(token), email)
	if st != 400 {
		t.Fatalf("[%s] a wrong email: %d", lang, st)
	}
	p.check("email refused", page)
	move := hiddenFields(t, moveConfirm, "/move")
	st, loc, _ = pc.post("/b/"+id+"/move?t="+url.QueryEscape(token), move)
	if st != 303 {
		t.Fatalf("[%s] moving: %d", lang, st)
	}
	p.check("moved", pc.get(loc, 200))
	st, loc, _ = pc.post("/b/"+id+"/cancel?t="+url.QueryEscape(token), hiddenFields(t, cancelPage, "/cancel"))
	if st != 303 {
		t.Fatalf("[%s] cancelling: %d", lang, st)
	}
	p.check("cancelled", pc.get(loc, 200))

	// A booking inside the cutoffs: nothing can be changed online.
	soon := v.mustBook(t, bookingBody("2026-11-28T09:00:00Z", func(m map[string]any) {
		m["customer"].(map[string]any)["email"] = "soon@example.com"
		m["expected_price_cents"] = 4500
	})).Booking
	sid, stoken := managePath(t, soon.ManageURL)
	p.check("details, soon", pc.get("/book/classic-60/details?start="+url.QueryEscape("2026-11-27T14:00:00Z"), 200))
	p.check("manage, inside the cutoffs", pc.get("/b/"+sid+"?t="+url.QueryEscape(stoken), 200))
	p.check("cancel, inside the cutoff", pc.get("/b/"+sid+"/cancel?t="+url.QueryEscape(stoken), 200))
	p.check("move, inside the cutoff", pc.get("/b/"+sid+"/move?t="+url.QueryEscape(stoken), 200))

	p.check("not found", pc.get("/no/such/page", 404))

	// Links that cannot decide: replaced by a newer one, expired.
	other := v.mustBook(t, bookingBody("2026-12-02T10:00:00Z", func(m map[string]any) {
		m["customer"].(map[string]any)["email"] = "grace@example.com"
		m["parking"] = map[string]any{"vehicle_registration": "XY99ZZZ"}
	})).Booking
	var permitID string
	if err := v.db.QueryRow("SELECT id FROM parking_permits WHERE booking_id = ?", other.ID).Scan(&permitID); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Svc.ReissuePermitLink(context.Background(), permitID, "owner:owner@venue.test"); err != nil {
		t.Fatal(err)
	}
	tokens = permitTokens(t, v, other.ID)
	p.check("permit link replaced", pc.get("/permits/decide?token="+tokens[0], 409))
	v.setNow(testNow.Add(100 * time.Hour))
	p.check("permit link expired", pc.get("/permits/decide?token="+tokens[len(tokens)-1], 410))
}

// TestNoticeAndClosuresInWords: the minimum notice, the booking window and
// a closure over several days, in each language's words.
func TestNoticeAndClosuresInWords(t *testing.T) {
	want := map[string][]string{
		"de": {"Online-Buchungen sind bis 90 Minuten vor Beginn möglich.", "Geschlossen vom 24. bis 26. Dezember: Christmas.", "Ruhetage: montags und dienstags."},
		"fr": {"Les réservations en ligne ferment 90 minutes avant le début.", "Fermé du 24 au 26 décembre\u00a0: Christmas.", "Fermé le lundi et le mardi."},
		"es": {"Las reservas en línea se cierran 90 minutos antes del inicio.", "Cerrado del 24 al 26 de diciembre: Christmas.", "Cerrado los lunes y los martes."},
		"en": {"Online bookings close 90 minutes before the start.", "Closed 24–26 December: Christmas.", "Closed on Mondays and Tuesdays."},
	}
	for lang, words := range want {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			v := newEuroVenue(t, venueOptions{NoticeMin: 90, NoClosures: true, Week: map[string]string{"mon": "", "tue": ""}, Hours: "09:00-12:00",
				VenueTOML: `language = "` + lang + `"`, ExtraTOML: "[[closures]]\nstart = \"2026-12-24\"\nend = \"2026-12-26\"\nreason = \"Christmas\"\n"})
			v.setNow(time.Date(2026, 11, 27, 10, 45, 0, 0, time.UTC)) // 11:00 is inside the notice, the last time of the day
			p := newPageChecker(t, lang)
			pc := pageClient{t: t, v: v, c: formClient(t)}
			p.check("today, too late", pc.get("/book/classic-60?date=2026-11-27", 200), words[0])
			p.check("December", pc.get("/book/classic-60?date=2026-12-24", 200), words[1], words[2])
		})
	}
}

// The language switch: ?lang= answers in that language and remembers it in
// a cookie; the cookie alone then chooses; Accept-Language finds an
// offered language (de-AT is served German); a language not offered is
// ignored; a form's lang field answers in its language without any cookie.
func TestLanguageSwitch(t *testing.T) {
	v := newEuroVenue(t, venueOptions{Parking: true, VenueTOML: `language = "en"` + "\nlanguages = [\"de\", \"fr\", \"es\"]"})
	get := func(path string, header map[string]string) response {
		t.Helper()
		h := map[string]string{"Accept": "text/html"}
		for k, val := range header {
			h[k] = val
		}
		r := v.do(t, "GET", path, nil, h)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d", path, r.Status)
		}
		return r
	}
	htmlLang := func(r response) string {
		m := regexp.MustCompile(`<html lang="([^"]*)">`).FindSubmatch(r.Body)
		if m == nil {
			return ""
		}
		return string(m[1])
	}
	langCookie := func(r response) string {
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name == "vb_lang" {
				return c.Value
			}
		}
		return ""
	}

	r := get("/book/classic-60?date=2026-12-09&lang=fr", nil)
	if htmlLang(r) != "fr" || langCookie(r) != "fr" {
		t.Errorf("?lang=fr: <html lang=%q>, vb_lang cookie %q; want fr, fr", htmlLang(r), langCookie(r))
	}
	newPageChecker(t, "fr").check("day via ?lang=fr", string(r.Body), "mercredi 9 décembre 2026")
	// The switch: each offered language in its own name, this one current,
	// the others linking to this page (its date kept) in theirs.
	body := string(r.Body)
	for _, want := range []string{
		`<nav class="languages" aria-label="Langue">`,
		`<span aria-current="true" lang="fr">français</span>`,
		`<a href="/book/classic-60?date=2026-12-09&amp;lang=de" lang="de" hreflang="de">Deutsch</a>`,
		`<a href="/book/classic-60?date=2026-12-09&amp;lang=en" lang="en" hreflang="en">English</a>`,
		`<a href="/book/classic-60?date=2026-12-09&amp;lang=es" lang="es" hreflang="es">español</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the language switch lacks %s", want)
		}
	}

	if r := get("/", map[string]string{"Cookie": "vb_lang=fr"}); htmlLang(r) != "fr" || langCookie(r) != "" {
		t.Errorf("cookie vb_lang=fr: <html lang=%q>, set cookie %q; want fr and none set", htmlLang(r), langCookie(r))
	}
	if r := get("/", map[string]string{"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"}); htmlLang(r) != "de" {
		t.Errorf("Accept-Language de-AT: <html lang=%q>, want de", htmlLang(r))
	}
	if r := get("/", map[string]string{"Accept-Language": "ja, es;q=0.8"}); htmlLang(r) != "es" {
		t.Errorf("Accept-Language ja, es;q=0.8: <html lang=%q>, want es", htmlLang(r))
	}
	if r := get("/?lang=ja", nil); htmlLang(r) != "en" || langCookie(r) != "" {
		t.Errorf("?lang=ja (not offered): <html lang=%q>, cookie %q; want en and none", htmlLang(r), langCookie(r))
	}
	if r := get("/?lang=ja", map[string]string{"Cookie": "vb_lang=de"}); htmlLang(r) != "de" {
		t.Errorf("?lang=ja with cookie de: <html lang=%q>, want de", htmlLang(r))
	}

	// A form's lang field, no language cookie: the answer is Spanish; on a
	// redirect, the next page is too.
	c := formClient(t)
	form := detailsForm(t, v, c, "2026-12-09T14:00:00Z")
	for _, ck := range c.Jar.Cookies(mustURL(t, v.URL)) {
		if ck.Name == "vb_lang" {
			t.Fatalf("the details form set a language cookie %q", ck.Value)
		}
	}
	form.Set("lang", "es")
	form.Set("email", "ada@example.com")
	form.Set("guests", "2")
	resp, page := postForm(t, c, v.URL+"/book/classic-60", form) // no name: it comes back
	if resp.StatusCode != 400 || !strings.Contains(page, `<html lang="es">`) {
		t.Fatalf("a form with lang=es: %d %.300s", resp.StatusCode, page)
	}
	newPageChecker(t, "es").check("details back in Spanish", page, "miércoles, 9 de diciembre de 2026", "45,00 €")
	noCookies := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form.Set("name", "Ada Lovelace")
	form.Set("registration", "AB12CDE")
	req, _ := http.NewRequest("POST", v.URL+"/book/classic-60", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", "vb_csrf="+form.Get("csrf"))
	res, err := noCookies.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != 303 || !strings.Contains(loc, "lang=es") {
		t.Fatalf("booking with lang=es: %d %q", res.StatusCode, loc)
	}
	if r := get(loc, nil); htmlLang(r) != "es" {
		t.Errorf("the confirmation after lang=es: <html lang=%q>", htmlLang(r))
	} else {
		newPageChecker(t, "es").check("confirmation in Spanish", string(r.Body), "miércoles, 9 de diciembre de 2026", "45,00 €")
	}
	// The approver's form, no cookies at all.
	id, _ := managePath(t, "http://x"+loc)
	tokens := permitTokens(t, v, id)
	r = v.do(t, "GET", "/permits/decide?token="+tokens[0], nil, map[string]string{"Accept-Language": "fr"})
	if htmlLang(r) != "fr" || !strings.Contains(string(r.Body), `name="lang" value="fr"`) {
		t.Errorf("the approver's page for Accept-Language fr: <html lang=%q>", htmlLang(r))
	}
	r = v.do(t, "POST", "/permits/decide", "token="+url.QueryEscape(tokens[0])+"&decision=deny&note=&lang=de",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "fr"})
	if r.Status != 200 || htmlLang(r) != "de" {
		t.Errorf("the approver's decision with lang=de: %d <html lang=%q>", r.Status, htmlLang(r))
	}
	newPageChecker(t, "de").check("permit decided in German", string(r.Body), "Parkgenehmigung abgelehnt")
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestBrowserGermanPagesFit: the German pages at 390 px, JavaScript on,
// with the language switch: nothing scrolls sideways, axe finds nothing
// serious, and each step is a screenshot (VENUEBOOK_SCREENSHOTS=dir keeps them).
func TestBrowserGermanPagesFit(t *testing.T) {
	v := newEuroVenue(t, venueOptions{Parking: true, Week: map[string]string{"mon": ""}, VenueName: "Saunahaus am Stadtpark",
		VenueTOML: `language = "de"` + "\nlanguages = [\"en\", \"fr\", \"es\"]\n" + `phone = "+49 30 1234567"` + "\n" + `email = "hallo@saunahaus.example"` + "\n" +
			`website = "https://saunahaus-am-stadtpark.example/"`})
	b := newBrowser(t, v, browserOptions{})
	fits := func(name string) {
		t.Helper()
		b.shot(name)
		b.noHorizontalScroll(name, 390)
		b.axe(name)
	}
	// The browser asks for English (Accept-Language), which is offered: the
	// switch's ?lang=de chooses German, and its cookie keeps it.
	if st := b.open("/?lang=de"); st != 200 {
		t.Fatalf("home: %d", st)
	}
	if h := b.text("h1"); h != "Saunahaus am Stadtpark buchen" {
		t.Errorf("home heading %q", h)
	}
	fits("home")
	// The switch, by keyboard: Tab past the skip link, the venue's name and
	// English to français, whose focus shows; Enter gives the French page.
	tabs := 0
	for ; tabs < 10 && !evalAs[bool](b, `document.activeElement.matches('nav.languages a[lang="fr"]')`); tabs++ {
		b.run("Tab", chromedp.KeyEvent(kb.Tab))
	}
	if tabs != 4 {
		t.Errorf("%d Tabs to français, want 4 (skip link, venue, English, français)", tabs)
	}
	if ring := evalAs[string](b, `getComputedStyle(document.activeElement).outlineStyle`); ring == "none" {
		t.Error("the focused language has no outline")
	}
	b.shot("switch-focused")
	if st := b.load("Enter", chromedp.KeyEvent(kb.Enter)); st != 200 || evalAs[string](b, `document.documentElement.lang`) != "fr" {
		t.Errorf("Enter on français: %d, <html lang=%q>", st, evalAs[string](b, `document.documentElement.lang`))
	}
	b.shot("home-fr")
	if st := b.open("/?lang=de"); st != 200 {
		t.Fatalf("home: %d", st)
	}
	if st := b.open("/book/classic-60?date=2026-12-07"); st != 200 {
		t.Fatalf("closed day: %d", st)
	}
	fits("day-closed")
	if st := b.open("/book/classic-60?date=2026-12-25"); st != 200 {
		t.Fatalf("Christmas: %d", st)
	}
	fits("day-christmas")
	if st := b.open("/book/classic-60?date=2026-12-09"); st != 200 {
		t.Fatalf("day: %d", st)
	}
	fits("day")
	if st := b.click(slotSel("2026-12-09T14:00:00+00:00")); st != 200 {
		t.Fatalf("details: %d", st)
	}
	fits("details")
	b.fillDetails("", "ada@gmial.con", "4", "B-AB 1234")
	if st := b.click("form.details button[type=submit]"); st != 400 {
		t.Fatalf("details with errors: %d", st)
	}
	fits("details-errors")
	b.fillDetails("Adelheid Müller-Lüdenscheidt", "adelheid.mueller-luedenscheidt@beispiel-unternehmen.example", "2", "")
	if st := b.click("form.details button[type=submit]"); st != 200 {
		t.Fatalf("booking: %d at %s", st, b.location())
	}
	if h := b.text("h1"); h != "Vielen Dank für Ihre Buchung" {
		t.Errorf("booked heading %q", h)
	}
	fits("booked")
	manage := b.location()
	manage = manage[:strings.Index(manage, "&new=1")]
	if st := b.open(strings.TrimPrefix(manage, v.URL)); st != 200 {
		t.Fatalf("manage: %d", st)
	}
	fits("manage")
	if st := b.click(`a.button.danger`); st != 200 {
		t.Fatalf("cancel: %d", st)
	}
	fits("cancel")
	if st := b.open(strings.Replace(strings.TrimPrefix(manage, v.URL), "?t=", "/move?t=", 1) + "&date=2026-12-10"); st != 200 {
		t.Fatalf("move picker: %d", st)
	}
	fits("move-picker")
	if st := b.click(slotSel("2026-12-10T15:00:00+00:00")); st != 200 {
		t.Fatalf("move confirm: %d", st)
	}
	fits("move-confirm")
}

// A booking's status reads as words on its page, in English too: "no-show",
// never the code "no_show".
func TestBookingStatusInWords(t *testing.T) {
	for lang, want := range map[string]string{"en": ">no-show<", "de": ">nicht erschienen<", "fr": ">non honorée<", "es": ">no se presentó<"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			v := newVenue(t, venueOptions{VenueTOML: `language = "` + lang + `"`})
			b := v.mustBook(t, bookingBody("2026-12-01T10:00:00Z")).Booking
			v.setNow(time.Date(2026, 12, 1, 11, 30, 0, 0, time.UTC))
			if _, err := v.Svc.SetBookingStatus(context.Background(), b.ID, "no_show", false, "owner:owner@venue.test"); err != nil {
				t.Fatal(err)
			}
			page := pageClient{t: t, v: v, c: formClient(t)}.get(strings.TrimPrefix(b.ManageURL, "http://venue.test"), 200)
			if !strings.Contains(page, `<dd class="status status-no_show">`+want[1:]) {
				t.Errorf("the status of a no-show reads %q", regexp.MustCompile(`<dd class="status[^"]*">[^<]*`).FindString(page))
			}
			newPageChecker(t, lang).check("no-show", page)
		})
	}
}
