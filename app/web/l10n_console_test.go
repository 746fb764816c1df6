package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"venuebook/app/l10n"
	"venuebook/app/mail/smtptest"
)

// The owner's console in the venue's language (venue.language): every page,
// for a venue in German, French and Spanish, holds no English the catalogs
// know, no "{{", no "<no value>" and no catalog id; it says <html lang>,
// writes dates and money as the language does, and stays in the venue's
// language whatever the browser asks for (the console never follows it).

// consoleLang is what a language's console must say.
type consoleLang struct {
	tag string
	// day is the heading of Wednesday 9 December 2026, closedMonday the
	// Day page of a Monday (no opening hours on Mondays), money 45.00 EUR.
	day, closedMonday, money string
	// today is the Day page's heading on that day; wrong the sign-in
	// page's answer to a wrong password.
	today, wrong string
}

var consoleLangs = []consoleLang{
	{tag: "de", day: "Mittwoch, 9. Dezember 2026", closedMonday: "Montags keine Öffnungszeiten.", money: "45,00 €",
		today: "Heute, Mittwoch, 9. Dezember 2026", wrong: "E-Mail-Adresse oder Passwort ist falsch."},
	{tag: "fr", day: "mercredi 9 décembre 2026", closedMonday: "Pas d’horaires d’ouverture le lundi.", money: "45,00 €",
		today: "Aujourd’hui, mercredi 9 décembre 2026", wrong: "L’e-mail ou le mot de passe est incorrect."},
	{tag: "es", day: "miércoles, 9 de diciembre de 2026", closedMonday: "No se abre ningún lunes.", money: "45,00 €",
		today: "Hoy, miércoles, 9 de diciembre de 2026", wrong: "El correo o la contraseña no son correctos."},
}

// newLangVenue is newVenue for a venue whose language is lang (English
// offered too), in euros and in Berlin.
func newLangVenue(t *testing.T, lang string, o venueOptions) *testVenue {
	t.Helper()
	o.VenueTOML += fmt.Sprintf("language = %q\nlanguages = [\"en\"]\n", lang)
	if o.Timezone == "" {
		o.Timezone = "Europe/Berlin"
	}
	o.Currency = "EUR"
	return newVenue(t, o)
}

var (
	pageScriptRe = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>`)
	labelAttrRe  = regexp.MustCompile(`\b(?:aria-label|placeholder|title|alt)="([^"]*)"`)
	ownIDRe      = regexp.MustCompile(`\b(?:console|signin|setup)\.[a-z_]+`)
)

// visibleText is what a page shows and says: its text and the attributes
// people read or hear (aria-label, placeholder, title, alt), entities
// decoded, no-break spaces as spaces.
func visibleText(page string) string {
	page = pageScriptRe.ReplaceAllString(page, " ")
	var b strings.Builder
	for _, m := range labelAttrRe.FindAllStringSubmatch(page, -1) {
		b.WriteString(m[1] + "\n")
	}
	b.WriteString(tagRe.ReplaceAllString(page, " "))
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(html.UnescapeString(b.String()))
}

// consoleChecker checks the pages of one language's console.
type consoleChecker struct {
	t    *testing.T
	v    *testVenue
	cats *l10n.Catalogs
	lang string
	c    *http.Client
}

// page checks a page the console answered with status and returns its
// visible text.
func (k *consoleChecker) page(name string, status int, resp *http.Response, body string) string {
	k.t.Helper()
	if resp.StatusCode != status {
		k.t.Fatalf("%s: %d, want %d\n%s", name, resp.StatusCode, status, body)
	}
	if !strings.Contains(body, `<html lang="`+k.lang+`">`) {
		k.t.Errorf("%s: not <html lang=%q>", name, k.lang)
	}
	for _, bad := range []string{"{{", "}}", "<no value>", "%!"} {
		if strings.Contains(body, bad) {
			k.t.Errorf("%s holds %q", name, bad)
		}
	}
	text := visibleText(body)
	// What is shown as stored (audit entries, queued emails) and the
	// configured backup directory are no words of the page.
	stripped := text
	for _, stored := range k.stored() {
		stripped = strings.ReplaceAll(stripped, stored, "")
	}
	if ids := ownIDRe.FindAllString(stripped, -1); len(ids) > 0 {
		k.t.Errorf("%s shows catalog ids %q", name, ids)
	}
	for id := range k.cats.IDs(l10n.Source) {
		if strings.Contains(id, ".") && strings.Contains(stripped, id) {
			k.t.Errorf("%s shows the catalog id %q", name, id)
		}
	}
	if left := k.cats.EnglishLeftovers(k.lang, stripped); len(left) > 0 {
		k.t.Errorf("%s (%s) holds English: %q", name, k.lang, left)
		if os.Getenv("VENUEBOOK_TEST_LOG") != "" {
			k.t.Log(squeeze(text))
		}
	}
	return text
}

// stored are the texts the console shows as stored: the audit log's
// actions and details, the outbox's subjects and errors (the mail's own
// words), and the backup directory.
func (k *consoleChecker) stored() []string {
	rows, err := k.v.db.Query(`SELECT action FROM audit_log UNION SELECT details FROM audit_log WHERE details != ''
		UNION SELECT subject FROM outbox UNION SELECT last_error FROM outbox WHERE last_error != '' UNION SELECT ?`, k.v.Svc.Config.Backup.Dir)
	if err != nil {
		k.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			k.t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		k.t.Fatal(err)
	}
	// Longest first: a detail may hold an action.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// get fetches path and checks it (200); it returns the page and its text.
func (k *consoleChecker) get(path string, header ...string) (string, string) {
	k.t.Helper()
	req, err := http.NewRequest("GET", k.v.URL+path, nil)
	if err != nil {
		k.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := k.c.Do(req)
	if err != nil {
		k.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw), k.page("GET "+path, 200, resp, string(raw))
}

// post submits a form; a 303 is followed (and the page it leads to
// checked), any other answer is checked as a page with that status.
func (k *consoleChecker) post(path string, form url.Values, status int) (string, string) {
	k.t.Helper()
	resp, body := postForm(k.t, k.c, k.v.URL+path, form)
	if status == 303 {
		if resp.StatusCode != 303 {
			k.t.Fatalf("POST %s: %d, want 303\n%s", path, resp.StatusCode, body)
		}
		return k.get(resp.Header.Get("Location"))
	}
	return body, k.page("POST "+path, status, resp, body)
}

// has fails unless text says each of want.
func (k *consoleChecker) has(name, text string, want ...string) {
	k.t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			k.t.Errorf("%s lacks %q:\n%s", name, w, squeeze(text))
		}
	}
}

// TestConsoleInLanguages renders every console page for a German, a French
// and a Spanish venue: sign-in and setup (with their refusals), the Day page
// (today, another day with a blackout, a day without opening hours, a
// closed day, a date that is none), the bookings list and its search, a
// booking in each state, the desk's new-booking and change forms with their
// refusals, blackouts, permits, email, backups, reports, jobs and calendar,
// and the audit log.
func TestConsoleInLanguages(t *testing.T) {
	t.Parallel()
	cats, err := l10n.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range consoleLangs {
		t.Run(want.tag, func(t *testing.T) {
			t.Parallel()
			v := newLangVenue(t, want.tag, venueOptions{Rooms: 2, Parking: true, Week: map[string]string{"mon": ""}})
			k := &consoleChecker{t: t, v: v, cats: cats, lang: want.tag, c: formClient(t)}
			ctx := context.Background()

			// The first account, made with the setup link; a short
			// password is refused first.
			link, err := v.Svc.SetupLink(ctx)
			if err != nil || link == "" {
				t.Fatalf("setup link %q: %v", link, err)
			}
			token := strings.TrimPrefix(link, "http://venue.test/admin/setup?token=")
			k.get("/admin/setup?token=" + url.QueryEscape(token))
			k.post("/admin/setup", url.Values{"token": {token}, "email": {ownerEmail}, "password": {"short"}}, 400)
			if resp, body := postForm(t, k.c, v.URL+"/admin/setup", url.Values{"token": {token}, "email": {ownerEmail}, "password": {ownerPassword}}); resp.StatusCode != 303 {
				t.Fatalf("setup: %d\n%s", resp.StatusCode, body)
			}

			// Signing in, a wrong password first.
			k.get("/admin/login")
			_, text := k.post("/admin/login", url.Values{"email": {ownerEmail}, "password": {"wrong password"}, "next": {"/admin"}}, 401)
			k.has("wrong password", text, want.wrong)
			if resp, _ := postForm(t, k.c, v.URL+"/admin/login", url.Values{"email": {ownerEmail}, "password": {ownerPassword}, "next": {"/admin"}}); resp.StatusCode != 303 {
				t.Fatalf("sign-in: %d", resp.StatusCode)
			}
			o := consoleLogin(t, v, ownerEmail, ownerPassword)

			// Wednesday 9 December 2026, Berlin: two bookings at 14:00 (one
			// with a parking permit and notes), one cancelled, a blackout
			// in room 2; one more the next day.
			grace := bookAs(t, v, "2026-12-09T13:00:00Z", "Grace Hopper", "grace@example.com", withParking("GH 1906"), func(m map[string]any) {
				m["notes"] = "Bitte eine ruhige Ecke"
			}).Booking
			ada := bookAs(t, v, "2026-12-09T13:00:00Z", "Ada Lovelace", "ada@example.com").Booking
			dan := bookAs(t, v, "2026-12-09T15:00:00Z", "Dan Dee", "dan@example.com").Booking
			next := bookAs(t, v, "2026-12-10T10:00:00Z", "Alan Turing", "alan@example.com").Booking
			o.setStatus(t, dan.ID, "cancelled")
			mustBlackout(t, v, "room2", "2026-12-09T17:00:00Z", "2026-12-09T19:00:00Z", "Heizungsreparatur")
			// 16:30 on that day (signed in again): both have started; Ada's
			// is completed.
			v.setNow(time.Date(2026, 12, 9, 15, 30, 0, 0, time.UTC))
			k.c = signInPage(t, v)
			o = consoleLogin(t, v, ownerEmail, ownerPassword)
			o.setStatus(t, ada.ID, "completed")

			// The Day page.
			_, text = k.get("/admin")
			k.has("today's Day page", text, want.today, "90,00 €", "GH1906", "Heizungsreparatur", "16:30")
			_, text = k.get("/admin?date=2026-12-10")
			k.has("another Day page", text, "Alan Turing")
			if strings.Contains(text, want.today) {
				t.Error("another day is headed as today")
			}
			_, text = k.get("/admin?date=2026-12-14")
			k.has("a Monday", text, want.closedMonday)
			k.get("/admin?date=2026-12-25")
			k.get("/admin?date=9.12.2026")
			k.get("/admin?date=2026-12-09&done=completed#b-" + ada.ID)

			// The bookings list, searched; its bulk cancellation.
			_, text = k.get("/admin/bookings?from=2026-12-01&to=2026-12-31")
			k.has("the bookings list", text, "Grace Hopper", "Alan Turing", "1–4")
			_, text = k.get("/admin/bookings?q=Hopper&from=2026-12-01&to=2026-12-31&status=confirmed")
			k.has("a search", text, "Grace Hopper")
			k.get("/admin/bookings?q=nobody")
			csrf := formCSRF(t, k, "/admin/bookings")
			_, text = k.post("/admin/bookings/cancel", url.Values{"csrf": {csrf}, "from": {"2026-12-01"}, "to": {"2026-12-31"}}, 303)
			if !strings.Contains(text, "Grace Hopper") {
				t.Error("after cancelling nothing, the list is not shown again")
			}
			eve := bookAs(t, v, "2026-12-11T10:00:00Z", "Eve Example", "eve@example.com").Booking
			kj := bookAs(t, v, "2026-12-12T10:00:00Z", "Katherine Johnson", "kj@example.com", withParking("KJ 1918")).Booking
			k.post("/admin/bookings/cancel", url.Values{"csrf": {csrf}, "ids": {eve.ID, dan.ID}, "notify": {"1"}, "q": {"e"}}, 303)

			// A booking in each state; the actions' confirmations.
			_, text = k.get("/admin/bookings/" + grace.ID)
			k.has("Grace's booking", text, want.money, "GH1906", grace.Reference)
			k.get("/admin/bookings/" + ada.ID + "?done=completed")
			k.get("/admin/bookings/" + dan.ID + "?done=cancelled")
			for _, done := range []string{"confirmed", "no_show", "created", "changed", "resent"} {
				k.get("/admin/bookings/" + grace.ID + "?done=" + done)
			}

			// The desk: a new booking, refused, taken; a change, refused.
			_, text = k.get("/admin/bookings/new?date=2026-12-10&start=18:00&room=room1")
			k.has("the new-booking form", text, want.money)
			deskCSRF := csrf
			k.post("/admin/bookings/new", url.Values{"csrf": {deskCSRF}, "package": {"classic-60"}, "date": {"2026-12-10"}, "time": {"25:00"},
				"guests": {"zwei"}, "name": {""}, "price": {"viel"}}, 400)
			k.post("/admin/bookings/new", url.Values{"csrf": {deskCSRF}, "package": {"classic-60"}, "date": {"2026-12-10"}, "time": {"11:00"},
				"room": {next.Room}, "guests": {"2"}, "name": {"Hedy Lamarr"}, "phone": {"+49 30 1234567"}}, 409)
			_, text = k.post("/admin/bookings/new", url.Values{"csrf": {deskCSRF}, "package": {"classic-60"}, "date": {"2026-12-10"}, "time": {"18:00"},
				"room": {"room1"}, "guests": {"2"}, "name": {"Hedy Lamarr"}, "phone": {"+49 30 1234567"}, "price": {"45,00"}}, 303)
			k.has("the desk's booking", text, "Hedy Lamarr", want.money)
			k.get("/admin/bookings/" + next.ID + "/change")
			k.post("/admin/bookings/"+next.ID+"/change", url.Values{"csrf": {deskCSRF}, "date": {"2026-12-10"}, "time": {"11:00"},
				"guests": {"0"}, "name": {"Alan Turing"}, "email": {"kein-email"}, "price": {"-3"}}, 400)

			// Blackouts: the list, one that covers a booking, a refusal.
			k.get("/admin/blackouts")
			_, text = k.post("/admin/blackouts", url.Values{"csrf": {deskCSRF}, "start_date": {"2026-12-10"}, "room": {""}, "reason": {"Betriebsausflug"}}, 303)
			k.has("a blackout over a booking", text, next.Reference, "Betriebsausflug")
			k.post("/admin/blackouts", url.Values{"csrf": {deskCSRF}, "start_date": {"2026-12-11"}, "start_time": {"18:00"}, "end_date": {"2026-12-11"},
				"end_time": {"10:00"}}, 400)
			k.post("/admin/blackouts", url.Values{"csrf": {deskCSRF}, "start_date": {"kein Datum"}}, 400)

			// Permits: pending, then approved.
			k.get("/admin/permits")
			k.get("/admin/permits?status=requested")
			var permit string
			for _, p := range o.permits(t, "requested") {
				if p.BookingID == kj.ID {
					permit = p.ID
				}
			}
			k.post("/admin/permits/"+permit+"/decision", url.Values{"csrf": {deskCSRF}, "decision": {"approve"}, "note": {"Stellplatz 4"}}, 303)
			k.get("/admin/permits?status=approved")

			// Email, backups, reports, jobs and calendar, the audit log.
			k.get("/admin/mail")
			_, text = k.get("/admin/mail?status=queued")
			k.has("the queued email", text, "grace@example.com")
			k.get("/admin/backups")
			_, text = k.post("/admin/backups", url.Values{"csrf": {deskCSRF}}, 303)
			k.has("the backups after one", text, "venuebook-")
			_, text = k.get("/admin/reports?from=2026-12-01&to=2026-12-31")
			k.has("the reports", text, "225,00 €")
			k.get("/admin/settings")
			k.post("/admin/settings/calendar-feed", url.Values{"csrf": {deskCSRF}}, 303)
			k.get("/admin/audit")

			// The console stays in the venue's language when the browser
			// asks for English.
			for _, path := range []string{"/admin?lang=en", "/admin/bookings?lang=en", "/admin/login?lang=en"} {
				_, text := k.get(path, "Accept-Language", "en-GB,en;q=0.9")
				if path == "/admin?lang=en" {
					k.has(path+" with Accept-Language: en", text, want.today)
				}
			}
			if c := k.c.Jar.Cookies(&url.URL{Scheme: "http", Host: strings.TrimPrefix(v.URL, "http://")}); strings.Contains(fmt.Sprint(c), "vb_lang") {
				t.Errorf("the console set a language cookie: %v", c)
			}
		})
	}
}

// formCSRF is the csrf field of the console page at path.
func formCSRF(t *testing.T, k *consoleChecker, path string) string {
	t.Helper()
	page, _ := k.get(path)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field on %s", path)
	}
	return html.UnescapeString(m[1])
}

// TestConsoleMailRelaysInLanguages: the Email page's warnings in each
// language: a relay down, a relay that refuses the login (of a configured
// user, and without one), each with and without a fallback relay.
func TestConsoleMailRelaysInLanguages(t *testing.T) {
	t.Parallel()
	cats, err := l10n.Default()
	if err != nil {
		t.Fatal(err)
	}
	// relay is a [mail.<name>] table: port 0 a closed port, user "" no
	// login; the relay at an open port wants "venue-mail" and another
	// password.
	relay := func(t *testing.T, name string, open bool, user string) string {
		if !open {
			return fmt.Sprintf("[mail.%s]\nhost = \"127.0.0.1\"\nport = %d\ntls = \"none\"\n", name, smtptest.ClosedPort(t))
		}
		ca := smtptest.NewCA(t)
		srv := smtptest.New(t, smtptest.WithSTARTTLS(ca), smtptest.WithAuth("venue-mail", "the right password"))
		return fmt.Sprintf("[mail.%s]\nhost = \"127.0.0.1\"\nport = %d\ntls = \"starttls\"\nca_file = %q\nusername = %q\npassword = \"a wrong one\"\n",
			name, srv.Port, ca.WriteFile(t, t.TempDir()), user)
	}
	for _, want := range consoleLangs {
		t.Run(want.tag, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name      string
				relays    func(t *testing.T) string
				warnings  []string
				withoutID string
			}{
				{"down, the fallback refuses the login", func(t *testing.T) string {
					return relay(t, "primary", false, "") + relay(t, "fallback", true, "venue-mail")
				}, []string{`id="relay-down"`, `id="relay-login-refused"`}, ""},
				{"no user for a relay that asks for one", func(t *testing.T) string { return relay(t, "primary", true, "") },
					[]string{`id="relay-login-refused"`}, `id="relay-down"`},
				{"down, no fallback", func(t *testing.T) string { return relay(t, "primary", false, "") },
					[]string{`id="relay-down"`}, `id="relay-login-refused"`},
			} {
				t.Run(tc.name, func(t *testing.T) {
					v := newLangVenue(t, want.tag, venueOptions{ExtraTOML: tc.relays(t)})
					addOwner(t, v, ownerEmail, ownerPassword)
					bookAs(t, v, "2026-12-09T13:00:00Z", "Grace Hopper", "grace@example.com")
					for range 2 {
						if _, err := v.main.Mail.DeliverDue(context.Background()); err != nil {
							t.Fatal(err)
						}
					}
					k := &consoleChecker{t: t, v: v, cats: cats, lang: want.tag, c: signInPage(t, v)}
					page, _ := k.get("/admin/mail")
					for _, id := range tc.warnings {
						if !strings.Contains(page, id) {
							t.Errorf("the Email page lacks %s:\n%s", id, squeeze(visibleText(page)))
						}
					}
					if tc.withoutID != "" && strings.Contains(page, tc.withoutID) {
						t.Errorf("the Email page shows %s", tc.withoutID)
					}
					k.get("/admin/mail?status=queued")
					k.get("/admin/mail?status=failed")
				})
			}
		})
	}
}

// TestBrowserConsoleGerman: the Day page and the bookings list of a German
// venue in chromium at 1280 px and 390 px, with long German words (names,
// notes, a blackout's reason, the buttons' words): no blocks drawn over each
// other, no text overflowing a booking, no sideways scrolling on the phone,
// axe clean. Screenshots are kept (VENUEBOOK_SCREENSHOTS).
func TestBrowserConsoleGerman(t *testing.T) {
	v := newLangVenue(t, "de", venueOptions{Rooms: 3, Parking: true})
	addOwner(t, v, ownerEmail, ownerPassword)
	// Friday 27 November 2026, Berlin.
	bookAs(t, v, "2026-11-27T12:00:00Z", "Maximiliane Wolkenstein-Rautenberg", "max@example.com", withParking("M-AB 1234"), func(m map[string]any) {
		m["notes"] = "Geburtstagsüberraschung; bitte Rollstuhlzugang und Handtuchwärmervorbereitung"
	})
	ada := bookAs(t, v, "2026-11-27T12:00:00Z", "Ada Lovelace", "ada@example.com").Booking
	bookAs(t, v, "2026-11-27T12:00:00Z", "Katharina Oberhuber-Schwarzenegger", "kj@example.com", withPackage("classic", "classic-90", 6000, 3))
	bookAs(t, v, "2026-11-27T14:30:00Z", "Friedrich-Wilhelm Großkopf", "fw@example.com", withPackage("private", "private-120", 12000, 8))
	dan := bookAs(t, v, "2026-11-27T17:00:00Z", "Dan Dee", "dan@example.com").Booking
	bookAs(t, v, "2026-11-28T09:00:00Z", "Hannelore Müller-Lüdenscheidt", "hm@example.com")
	mustBlackout(t, v, "room3", "2026-11-27T15:00:00Z", "2026-11-27T17:00:00Z", "Heizungsreparatur im Untergeschoss")
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	o.setStatus(t, dan.ID, "cancelled")
	// 14:10 in Berlin: the 13:00 bookings have started; one is completed.
	v.setNow(time.Date(2026, 11, 27, 13, 10, 0, 0, time.UTC))
	o = consoleLogin(t, v, ownerEmail, ownerPassword)
	o.setStatus(t, ada.ID, "completed")

	b := newBrowser(t, v, browserOptions{Width: 1280, Height: 900})
	b.signIn(ownerEmail, ownerPassword)
	day := func(name string, width, columns int) {
		t.Helper()
		l := b.dayLayout()
		if l.Columns != columns || l.Blocks == 0 || len(l.Overlaps) > 0 || len(l.Clipped) > 0 {
			t.Errorf("%s: %d columns (want %d), %d blocks, overlapping %q, text overflowing %q", name, l.Columns, columns, l.Blocks, l.Overlaps, l.Clipped)
		}
		if !strings.Contains(b.text("main"), "Heute, Freitag, 27. November 2026") {
			t.Errorf("%s: %q", name, b.text("h1"))
		}
		if width < 640 {
			b.noHorizontalScroll(name, width)
		}
		b.shot(fmt.Sprintf("de-day-%s-%d", name, width))
		b.axe(fmt.Sprintf("German day %s at %d px", name, width))
	}
	list := func(width int) {
		t.Helper()
		if status := b.open("/admin/bookings?from=2026-11-01&to=2026-12-31&q=e"); status != 200 {
			t.Fatalf("bookings list: %d", status)
		}
		if !strings.Contains(b.text("main"), "Wolkenstein-Rautenberg") {
			t.Errorf("bookings list at %d px: %q", width, b.text("main"))
		}
		if width < 640 {
			b.noHorizontalScroll("German bookings list", width)
		}
		b.shot(fmt.Sprintf("de-bookings-%d", width))
		b.axe(fmt.Sprintf("German bookings list at %d px", width))
	}

	b.open("/admin")
	day("busy", 1280, 3)
	list(1280)

	b.run("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait))
	b.open("/admin")
	day("busy", 390, 1)
	for _, room := range []string{"room2", "room3"} {
		if status := b.click(`nav.room-tabs a[href$="room=` + room + `"]`); status != 200 {
			t.Fatalf("%s tab: %d", room, status)
		}
		day(room, 390, 1)
	}
	list(390)

	// The other pages on the phone.
	for _, path := range []string{"/admin/bookings/" + ada.ID, "/admin/bookings/new", "/admin/bookings/" + ada.ID + "/change", "/admin/blackouts",
		"/admin/permits", "/admin/mail?status=queued", "/admin/reports?from=2026-11-01&to=2026-11-30", "/admin/settings", "/admin/backups", "/admin/audit"} {
		if status := b.open(path); status != 200 {
			t.Errorf("%s: %d", path, status)
			continue
		}
		b.noHorizontalScroll("German "+path, 390)
		name, _, _ := strings.Cut(strings.Trim(strings.TrimPrefix(path, "/admin/"), "/"), "?")
		b.shot("de-" + strings.NewReplacer("/", "-", ada.ID, "booking").Replace(name) + "-390")
	}
}
