package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// contactTOML gives the test venue a phone, an email and a website.
const contactTOML = `phone = "+44 (0)20 7946 0000"
email = "desk@sauna.example"
website = "https://sauna-nord.example/"`

// footerOf returns the page's footer.
func footerOf(t *testing.T, page string) string {
	t.Helper()
	start, end := strings.Index(page, `<footer class="site">`), strings.Index(page, "</footer>")
	if start < 0 || end < start {
		t.Fatalf("no footer in the page:\n%s", page)
	}
	return page[start:end]
}

// customerPages opens every customer page and the approver's, and returns
// each one's HTML by name.
func customerPages(t *testing.T, v *testVenue) map[string]string {
	t.Helper()
	c := formClient(t)
	pages := map[string]string{}
	get := func(name, path string, want int) {
		t.Helper()
		req, _ := http.NewRequest("GET", v.URL+path, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want {
			t.Fatalf("%s (%s): status %d, want %d", name, path, resp.StatusCode, want)
		}
		pages[name] = string(body)
	}
	get("home", "/", 200)
	get("day", "/book/classic-60?date=2026-12-01", 200)
	get("details", "/book/classic-60/details?start="+url.QueryEscape("2026-12-01T10:00:00+00:00"), 200)
	b := v.mustBook(t, bookingBody("2026-12-02T10:00:00Z", func(m map[string]any) {
		m["parking"] = map[string]any{"vehicle_registration": "AB12CDE"}
	}))
	manage := strings.TrimPrefix(b.Booking.ManageURL, "http://venue.test")
	get("confirmation", manage+"&new=1", 200)
	get("manage", manage, 200)
	get("not found", "/no/such/page", 404)
	var body string
	if err := v.db.QueryRow("SELECT body_text FROM outbox WHERE kind = 'permit_request' ORDER BY id DESC LIMIT 1").Scan(&body); err != nil {
		t.Fatalf("permit request email: %v", err)
	}
	link := regexp.MustCompile(`/permits/decide\?token=[A-Za-z0-9._-]+`).FindString(body)
	if link == "" {
		t.Fatalf("no permit link in:\n%s", body)
	}
	get("approver", link, 200)
	return pages
}

// Every customer page and the approver's show the venue's name, address,
// phone (a tel: link), email (a mailto: link) and website (a link opening
// a new tab without access to this one); the owner's pages do not.
func TestFooterShowsTheVenuesContact(t *testing.T) {
	v := newVenue(t, venueOptions{Parking: true, VenueTOML: contactTOML})
	pages := customerPages(t, v)
	for name, page := range pages {
		footer := footerOf(t, page)
		for _, want := range []string{
			`<p class="venue-name">Test Venue</p>`, `<p>1 Test Street</p>`,
			`<a href="tel:&#43;442079460000">&#43;44 (0)20 7946 0000</a>`,
			`<a href="mailto:desk@sauna.example">desk@sauna.example</a>`,
			`<a href="https://sauna-nord.example/" rel="noopener" target="_blank">sauna-nord.example<span class="visually-hidden"> (opens in a new tab)</span></a>`,
		} {
			if !strings.Contains(footer, want) {
				t.Errorf("%s: the footer lacks %s:\n%s", name, want, footer)
			}
		}
	}
	if page := pages["not found"]; !strings.Contains(page,
		`Need help? Call <a href="tel:&#43;442079460000">&#43;44 (0)20 7946 0000</a> or write to <a href="mailto:desk@sauna.example">desk@sauna.example</a>.`) {
		t.Errorf("the error page does not say how to reach the venue:\n%s", page)
	}

	// The console and its sign-in page are the owner's: no venue contact.
	if _, err := v.Svc.CreateAdmin(context.Background(), ownerEmail, ownerPassword); err != nil {
		t.Fatal(err)
	}
	browser := signInPage(t, v)
	for _, path := range []string{"/admin", "/admin/bookings", "/admin/no-such-page", "/admin/login"} {
		_, page := getPage(t, browser, v.URL+path)
		if footer := footerOf(t, page); strings.Contains(footer, "desk@sauna.example") || strings.Contains(footer, "venue-contact") {
			t.Errorf("%s: the owner's page shows the venue's contact:\n%s", path, footer)
		}
	}
}

// Without phone, email and website the footer shows the name and address
// and nothing else; without an address, the name only.
func TestFooterWithoutContact(t *testing.T) {
	for _, c := range []struct {
		name, address string
		want          []string
	}{
		{"with an address", "", []string{`<p class="venue-name">Test Venue</p>`, `<p>1 Test Street</p>`}},
		{"without an address", "-", []string{`<p class="venue-name">Test Venue</p>`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := newVenue(t, venueOptions{Parking: true, Address: c.address})
			for name, page := range customerPages(t, v) {
				footer := footerOf(t, page)
				for _, want := range c.want {
					if !strings.Contains(footer, want) {
						t.Errorf("%s: the footer lacks %s:\n%s", name, want, footer)
					}
				}
				for _, not := range []string{"<ul>", "<li>", "tel:", "mailto:", "Phone", "Email", "Website", "https://"} {
					if strings.Contains(footer, not) {
						t.Errorf("%s: the footer has %q with no phone, email or website set:\n%s", name, not, footer)
					}
				}
				if c.address == "-" && strings.Count(footer, "<p") != 2 { // the name, and "Booking by venuebook"
					t.Errorf("%s: the footer has more than the name:\n%s", name, footer)
				}
			}
		})
	}
}

// The venue's name, address and website are HTML-escaped in the footer.
func TestFooterEscapesTheVenue(t *testing.T) {
	v := newVenue(t, venueOptions{VenueName: `Sauna "Nord" <Mill & Co>`, Address: `Yard <b>2</b> & "3"`,
		VenueTOML: `website = "https://sauna.example/visit?a=1&b=<2>"`})
	_, page := getPage(t, formClient(t), v.URL+"/")
	footer := footerOf(t, page)
	for _, want := range []string{
		`<p class="venue-name">Sauna &#34;Nord&#34; &lt;Mill &amp; Co&gt;</p>`,
		`<p>Yard &lt;b&gt;2&lt;/b&gt; &amp; &#34;3&#34;</p>`,
		`href="https://sauna.example/visit?a=1&amp;b=%3c2%3e"`,
		`>sauna.example/visit?a=1&amp;b=&lt;2&gt;<span`,
	} {
		if !strings.Contains(footer, want) {
			t.Errorf("the footer lacks %s:\n%s", want, footer)
		}
	}
	if strings.Contains(page, "<b>2</b>") || strings.Contains(page, "<Mill") {
		t.Errorf("unescaped venue text in the page:\n%s", footer)
	}
}

// The error page's "Need help?" follows the contact rule: phone and email,
// else the website, else the address, else mail.from's address.
func TestContactSentenceFallsBack(t *testing.T) {
	cases := []struct {
		name, venue, address, want string
	}{
		{"phone only", `phone = "+44 20 7946 0000"`, "", `Need help? Call <a href="tel:&#43;442079460000">&#43;44 20 7946 0000</a>.`},
		{"email only", `email = "desk@sauna.example"`, "", `Need help? Write to <a href="mailto:desk@sauna.example">desk@sauna.example</a>.`},
		{"website", `website = "https://sauna.example"`, "",
			`Need help? See <a href="https://sauna.example" rel="noopener" target="_blank">sauna.example<span class="visually-hidden"> (opens in a new tab)</span></a>.`},
		{"address", "", "", `Need help? Ask us at 1 Test Street.`},
		{"nothing", "", "-", `Need help? Write to <a href="mailto:bookings@example.com">bookings@example.com</a>.`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newVenue(t, venueOptions{VenueTOML: c.venue, Address: c.address})
			status, page := getPage(t, formClient(t), v.URL+"/book/no-such-package")
			if status != 404 || !strings.Contains(page, c.want) {
				t.Errorf("status %d; the error page lacks %s:\n%s", status, c.want, page)
			}
		})
	}
}

// GET /api/catalog carries the venue's phone, email and website ("" when unset).
func TestCatalogCarriesTheVenuesContact(t *testing.T) {
	for _, c := range []struct {
		name, venue                 string
		phone, email, website, addr string
	}{
		{"set", contactTOML, "+44 (0)20 7946 0000", "desk@sauna.example", "https://sauna-nord.example/", "1 Test Street"},
		{"unset", "", "", "", "", "1 Test Street"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := newVenue(t, venueOptions{VenueTOML: c.venue})
			r := v.do(t, "GET", "/api/catalog", nil, nil)
			var got struct {
				Venue map[string]any `json:"venue"`
			}
			r.json(t, &got)
			for key, want := range map[string]string{"phone": c.phone, "email": c.email, "website": c.website, "address": c.addr} {
				if v, ok := got.Venue[key]; !ok || v != want {
					t.Errorf("catalog venue.%s = %v (present %v), want %q", key, v, ok, want)
				}
			}
		})
	}
}

// GET /api/email-suggestion answers app.SuggestEmail's suggestion, or null,
// and is not cached.
func TestEmailSuggestionEndpoint(t *testing.T) {
	v := newVenue(t, venueOptions{})
	for email, want := range map[string]any{"ada@gmial.con": "ada@gmail.com", "Ada@Hotmial.co.uk": "Ada@hotmail.co.uk",
		"ada@gmail.com": nil, "ada@example.com": nil, "": nil, "not an address": nil} {
		r := v.do(t, "GET", "/api/email-suggestion?email="+url.QueryEscape(email), nil, nil)
		var got struct {
			Suggestion any `json:"suggestion"`
		}
		r.json(t, &got)
		if r.Status != 200 || got.Suggestion != want || !strings.Contains(string(r.Body), `"suggestion":`) {
			t.Errorf("%q: %d %s, want suggestion %v", email, r.Status, r.Body, want)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%q: Cache-Control %q", email, cc)
		}
	}
}

// Without JavaScript a likely typo never blocks the booking: it is booked
// as typed. A form that comes back (another field wrong) says "Did you
// mean …?" under the email field.
func TestEmailTypoDoesNotBlockTheForm(t *testing.T) {
	v := newVenue(t, venueOptions{})
	c := formClient(t)
	form := detailsForm(t, v, c, "2026-12-01T10:00:00+00:00")
	form.Set("name", "Ada Lovelace")
	form.Set("email", "ada@gmial.con")
	form.Set("guests", "9") // more than the package allows
	resp, page := postForm(t, c, v.URL+"/book/classic-60", form)
	if resp.StatusCode != 400 || !strings.Contains(page, `<p class="suggestion" id="email-suggestion" aria-live="polite">Did you mean <strong>ada@gmail.com</strong>?</p>`) ||
		!strings.Contains(page, `aria-describedby="email-suggestion"`) {
		t.Fatalf("the form that came back: %d, lacks the suggestion:\n%s", resp.StatusCode, page)
	}
	form = detailsForm(t, v, c, "2026-12-01T10:00:00+00:00")
	form.Set("name", "Ada Lovelace")
	form.Set("email", "ada@gmial.con")
	form.Set("guests", "2")
	resp, _ = postForm(t, c, v.URL+"/book/classic-60", form)
	if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "&new=1") {
		t.Fatalf("booking with a likely typo: %d %q, want the confirmation", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE customer_email = 'ada@gmial.con'"); n != 1 {
		t.Errorf("%d bookings as typed, want 1", n)
	}
	// A right address gets no suggestion.
	form.Set("email", "ada@example.com")
	form.Set("guests", "9")
	if _, page := postForm(t, c, v.URL+"/book/classic-60", form); strings.Contains(page, "Did you mean") || strings.Contains(page, `aria-describedby="email-suggestion"`) {
		t.Errorf("a suggestion for ada@example.com:\n%s", page)
	}
}
