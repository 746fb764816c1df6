package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"venuebook/app/l10n"
)

// The JSON API answers its errors in English, byte for byte as before the
// messages moved into the catalogs (programs compare them).
func TestAPIErrorBodiesAreUnchanged(t *testing.T) {
	v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1"]`, ExtraTOML: limits{ReadPerIP: "1-M"}.toml()})
	for _, c := range []struct {
		name         string
		method, path string
		body         any
		header       map[string]string
		status       int
		want         string
	}{
		{"validation_failed with several fields", "POST", "/api/bookings",
			bookingBody("2026-12-01T10:00:00", func(b map[string]any) {
				b["guests"] = 9
				b["tier"] = ""
				b["customer"] = map[string]any{"name": "", "email": "ada@", "phone": "12"}
				b["notes"] = "a\x00b"
				b["parking"] = map[string]any{"vehicle_registration": "x"}
			}), nil, http.StatusBadRequest,
			`{"error":{"code":"validation_failed","message":"some fields need correcting; see fields","fields":{"customer.email":"must be a valid email address","customer.name":"is required","customer.phone":"must be 7 to 15 digits, optionally with +, spaces, dashes and brackets","guests":"must be between 1 and 4","notes":"must not contain control characters","parking":"this venue does not offer parking","start":"is not an RFC 3339 time such as 2026-12-01T09:00:00Z","tier":"is required"}}}`},
		{"slot_unavailable: too soon", "POST", "/api/bookings", bookingBody("2026-11-27T11:00:00Z"), nil, http.StatusConflict,
			`{"error":{"code":"slot_unavailable","message":"2026-11-27T11:00:00+00:00 is too soon: bookings need 2 hours notice","fields":{}}}`},
		{"slot_unavailable: too far ahead", "POST", "/api/bookings", bookingBody("2027-06-01T10:00:00Z"), nil, http.StatusConflict,
			`{"error":{"code":"slot_unavailable","message":"2027-06-01T11:00:00+01:00 is too far ahead: bookings open 90 days in advance","fields":{}}}`},
		{"price_changed", "POST", "/api/bookings", bookingBody("2026-12-01T10:00:00Z", func(b map[string]any) { b["expected_price_cents"] = 4000 }), nil, http.StatusConflict,
			`{"error":{"code":"price_changed","message":"the price of 60 minutes is now 4500 cents, not 4000; confirm the new price to book","fields":{}}}`},
		{"not_found: a booking", "GET", "/api/bookings/nosuch?t=abc", nil, from("203.0.113.1"), http.StatusNotFound,
			`{"error":{"code":"not_found","message":"no booking matches this link","fields":{}}}`},
		{"not_found: a route", "GET", "/api/nosuch", nil, from("203.0.113.2"), http.StatusNotFound,
			`{"error":{"code":"not_found","message":"no such page or endpoint: GET /api/nosuch","fields":{}}}`},
		{"invalid_request: unknown field", "POST", "/api/bookings", bookingBody("2026-12-01T10:00:00Z", func(b map[string]any) { b["colour"] = "red" }), nil, http.StatusBadRequest,
			`{"error":{"code":"invalid_request","message":"unknown field \"colour\" (field names are case-sensitive)","fields":{"colour":"is not a known field"}}}`},
		{"payload_too_large", "POST", "/api/bookings", `{"notes":"` + strings.Repeat("x", 70*1024) + `"}`, nil, http.StatusRequestEntityTooLarge,
			`{"error":{"code":"payload_too_large","message":"the request body is larger than 64 KiB","fields":{}}}`},
		{"rate_limited: first read", "GET", "/api/catalog", nil, from("203.0.113.9"), http.StatusOK, ""},
		{"rate_limited", "GET", "/api/catalog", nil, from("203.0.113.9"), http.StatusTooManyRequests,
			`{"error":{"code":"rate_limited","message":"too many attempts; wait a little and try again","fields":{}}}`},
	} {
		// A body over the limit is answered before it is read, and the
		// connection closed: the client may see the reset first, so it tries
		// again (a few times at most).
		r, err := v.try(c.method, c.path, c.body, c.header)
		for attempt := 0; err != nil && c.status == http.StatusRequestEntityTooLarge && attempt < 5; attempt++ {
			r, err = v.try(c.method, c.path, c.body, c.header)
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
			continue
		}
		if c.want != "" && strings.TrimSpace(string(r.Body)) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, r.Body, c.want)
		}
	}
}

// The errors that name a deadline, a length of time, a price or a state keep
// their English API words too.
func TestAPIErrorBodiesWithValuesAreUnchanged(t *testing.T) {
	v := newVenue(t, venueOptions{VenueTOML: "change_cutoff_hours = 48"})
	b := v.mustBook(t, bookingBody("2026-12-01T10:00:00Z")).Booking
	id, token := managePath(t, b.ManageURL)
	other := v.mustBook(t, bookingBody("2026-12-03T10:00:00Z")).Booking
	otherID, otherToken := managePath(t, other.ManageURL)
	for _, c := range []struct {
		name, path string
		body       any
		status     int
		want       string
	}{
		{"price_changed on a move", "/api/bookings/" + otherID + "/reschedule?t=" + otherToken,
			map[string]any{"start": "2026-12-04T10:00:00Z", "expected_price_cents": 4000}, http.StatusConflict,
			`{"error":{"code":"price_changed","message":"the booking's price is £45.00, not £40.00; check it and move again","fields":{}}}`},
		{"validation_failed of a move", "/api/bookings/" + otherID + "/reschedule?t=" + otherToken,
			map[string]any{"start": "tomorrow"}, http.StatusBadRequest,
			`{"error":{"code":"validation_failed","message":"start must be a date and time with its offset, such as 2026-12-09T14:00:00Z","fields":{"start":"is not an RFC 3339 time such as 2026-12-01T09:00:00Z"}}}`},
		{"change_closed: past the cutoff", "/api/bookings/" + id + "/reschedule?t=" + token,
			map[string]any{"start": "2026-12-04T10:00:00Z"}, http.StatusConflict,
			`{"error":{"code":"change_closed","message":"bookings can be moved online until 2026-11-29T10:00:00+00:00 (2 days before the start); please contact the venue","fields":{}}}`},
		{"cancellation_closed: past the cutoff", "/api/bookings/" + id + "/cancel?t=" + token, nil, http.StatusConflict,
			`{"error":{"code":"cancellation_closed","message":"bookings can be cancelled until 1 day before the start; please contact the venue","fields":{}}}`},
		{"cancel", "/api/bookings/" + otherID + "/cancel?t=" + otherToken, nil, http.StatusOK, ""},
		{"cancellation_closed: cancelled", "/api/bookings/" + otherID + "/cancel?t=" + otherToken, nil, http.StatusConflict,
			`{"error":{"code":"cancellation_closed","message":"this booking is cancelled and can no longer be cancelled","fields":{}}}`},
		{"change_closed: cancelled", "/api/bookings/" + otherID + "/email?t=" + otherToken, map[string]any{"email": "new@example.com"}, http.StatusConflict,
			`{"error":{"code":"change_closed","message":"this booking is cancelled and its details can no longer be changed online","fields":{}}}`},
		{"validation_failed of an email", "/api/bookings/" + id + "/email?t=" + token, map[string]any{"email": "new@"}, http.StatusBadRequest,
			`{"error":{"code":"validation_failed","message":"this is not an email address we can write to","fields":{"email":"must be a valid email address"}}}`},
	} {
		if c.name == "change_closed: past the cutoff" {
			v.setNow(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
		}
		r := v.do(t, "POST", c.path, c.body, nil)
		if r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
			continue
		}
		if c.want != "" && strings.TrimSpace(string(r.Body)) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, r.Body, c.want)
		}
	}
}

// pageMessages are the texts of a page's error paragraphs: the details
// form's problems by their fields and the error page's message.
var pageMessages = regexp.MustCompile(`(?s)<p class="error" id="[a-z]+-error">(.*?)</p>|<h1>[^<]*</h1>\s*<p>(.*?)</p>`)

func messagesOf(page string) string {
	var out []string
	for _, m := range pageMessages.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]+m[2]))
	}
	return strings.Join(out, "\n")
}

// A page shows an error in its own language: the details form's problem by
// its field, and the error page's message; the API keeps its English
// whatever language the request asks for.
func TestErrorsOnPagesSpeakThePageLanguage(t *testing.T) {
	v := newVenue(t, venueOptions{VenueTOML: `languages = ["de", "fr", "es"]`})
	cats, err := l10n.Default()
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]struct{ email, guests, noExperience, noPage string }{
		"de": {"Bitte geben Sie eine gültige E-Mail-Adresse an.", "Bitte wählen Sie zwischen 1 und 4 Personen.",
			"Dieses Angebot gibt es nicht. Bitte wählen Sie eines auf der Startseite.", "Diese Seite oder diesen Endpunkt gibt es nicht: GET /nosuch/page"},
		"fr": {"Veuillez indiquer une adresse e-mail valide.", "Veuillez choisir entre 1 et 4 personnes.",
			"Cette prestation n’existe pas. Veuillez en choisir une sur la page d’accueil.", "Cette page ou ce point d’accès n’existe pas : GET /nosuch/page"},
		"es": {"Indique una dirección de correo electrónico válida, por favor.", "Elija entre 1 y 4 personas, por favor.",
			"Esta experiencia no existe. Elija una en la página de inicio, por favor.", "Esta página o punto de acceso no existe: GET /nosuch/page"},
	}
	for lang, w := range words {
		c := formClient(t)
		form := detailsForm(t, v, c, "2026-12-01T10:00:00+00:00")
		form.Set("lang", lang)
		form.Set("name", "Ada Lovelace")
		form.Set("email", "ada@")
		form.Set("guests", "9")
		resp, page := postForm(t, c, v.URL+"/book/classic-60", form)
		shown := messagesOf(page)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `<html lang="`+lang+`"`) {
			t.Fatalf("%s: the form with a bad email: %d %s", lang, resp.StatusCode, page)
		}
		for _, want := range []string{w.email, w.guests} {
			if !strings.Contains(shown, want) {
				t.Errorf("%s: the form does not say %q; it says %q", lang, want, shown)
			}
		}
		if strings.Contains(page, "must be a valid email address") || strings.Contains(page, "must be between 1 and") {
			t.Errorf("%s: the form shows the English problems: %q", lang, shown)
		}

		for path, want := range map[string]string{"/book/nosuch?lang=" + lang: w.noExperience, "/nosuch/page?lang=" + lang: w.noPage} {
			status, page := getPage(t, c, v.URL+path)
			shown := messagesOf(page)
			if status != http.StatusNotFound || !strings.Contains(page, `<html lang="`+lang+`"`) || !strings.Contains(shown, want) {
				t.Errorf("%s: GET %s: %d, says %q, want %q", lang, path, status, shown, want)
			}
			if left := cats.EnglishLeftovers(lang, shown); len(left) > 0 {
				t.Errorf("%s: GET %s: English %q", lang, path, left)
			}
		}
		if left := cats.EnglishLeftovers(lang, shown); len(left) > 0 || strings.Contains(shown, "{{") || strings.Contains(shown, "<no value>") {
			t.Errorf("%s: the form's problems %q: English %q", lang, shown, left)
		}
	}

	// The API answers English to every language.
	body := bookingBody("2026-12-01T10:00:00Z", func(b map[string]any) { b["customer"].(map[string]any)["email"] = "ada@" })
	for _, path := range []string{"/api/bookings?lang=de", "/api/bookings"} {
		r := v.do(t, "POST", path, body, map[string]string{"Accept-Language": "de-DE,de;q=0.9"})
		want := `{"error":{"code":"validation_failed","message":"some fields need correcting; see fields","fields":{"customer.email":"must be a valid email address"}}}`
		if got := strings.TrimSpace(string(r.Body)); got != want {
			t.Errorf("POST %s in German:\n got %s\nwant %s", path, got, want)
		}
	}
	if r := v.do(t, "GET", "/api/nosuch?lang=fr", nil, map[string]string{"Accept-Language": "fr"}); !strings.Contains(string(r.Body), `"message":"no such page or endpoint: GET /api/nosuch"`) {
		t.Errorf("an unknown endpoint in French: %s", r.Body)
	}
}
