package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"venuebook/app/l10n"
	"venuebook/store"
)

var otherLanguages = []string{"de", "fr", "es"}

func catalogs(t testing.TB) *l10n.Catalogs {
	t.Helper()
	c, err := l10n.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// errorIDs are the catalog's error messages, sorted.
func errorIDs(c *l10n.Catalogs) []string {
	var ids []string
	for id := range c.IDs(l10n.Source) {
		if strings.HasPrefix(id, "errors.") {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// checkWords fails when text, in lang, is not all its own: English of the
// catalogs, a field left as markup or unfilled, or a message id.
func checkWords(t *testing.T, c *l10n.Catalogs, lang, what, text string) {
	t.Helper()
	if left := c.EnglishLeftovers(lang, text); len(left) > 0 {
		t.Errorf("%s in %s: English %q in %q", what, lang, left, text)
	}
	if strings.Contains(text, "{{") || strings.Contains(text, "<no value>") || regexp.MustCompile(`\berrors\.[a-z_]+\.`).MatchString(text) {
		t.Errorf("%s in %s: %q", what, lang, text)
	}
	if strings.TrimSpace(text) == "" {
		t.Errorf("%s in %s is empty", what, lang)
	}
}

// Every error message renders in every other language with all its fields
// filled, and nothing English left; a plural message for one and for many.
func TestEveryErrorMessageSpeaksEveryLanguage(t *testing.T) {
	c := catalogs(t)
	ids := errorIDs(c)
	if len(ids) < 100 {
		t.Fatalf("only %d error messages in en.toml", len(ids))
	}
	for _, id := range ids {
		var pairs []any
		var want []string
		for _, p := range l10n.Placeholders(c.Text(l10n.Source, id)) {
			name := strings.TrimSuffix(strings.TrimPrefix(p, "{{."), "}}")
			if name == "Count" || (len(pairs) > 0 && pairs[len(pairs)-2] == name) {
				continue
			}
			value := "«" + strings.ToLower(name) + "»"
			pairs, want = append(pairs, name, value), append(want, value)
		}
		counts := []int{-1}
		if c.IsPlural(id) {
			counts = []int{1, 2, 5, 21, 1000000}
		}
		for _, lang := range otherLanguages {
			l := c.Parse(lang)
			for _, n := range counts {
				m := M(id, pairs...)
				if n >= 0 {
					m = M(id, append(pairs, "Count", n)...)
				}
				got := m.Localize(l)
				checkWords(t, c, lang, id, got)
				for _, w := range want {
					if !strings.Contains(got, w) {
						t.Errorf("%s in %s: %q lacks its field %s", id, lang, got, w)
					}
				}
				if n >= 0 && !strings.Contains(got, fmt.Sprint(n)) {
					t.Errorf("%s in %s for %d: %q", id, lang, n, got)
				}
			}
		}
	}
}

// The Go code names only ids the catalog has, and the catalog holds no
// error message the code never gives (an id built from a status, such as
// "errors.state."+status, counts by its prefix).
func TestErrorIDsOfTheCodeAreTheCatalogs(t *testing.T) {
	c := catalogs(t)
	files, _ := filepath.Glob("*.go")
	web, _ := filepath.Glob("web/*.go")
	literal := regexp.MustCompile(`"(errors\.[a-z0-9_.]+)"`)
	used := map[string]bool{}
	var prefixes []string
	for _, f := range append(files, web...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(body), -1) {
			id := m[1]
			if strings.HasSuffix(id, "_") || strings.HasSuffix(id, ".") {
				prefixes = append(prefixes, id)
				continue
			}
			used[id] = true
			if !c.Has(l10n.Source, id) {
				t.Errorf("%s names %q, which en.toml lacks", f, id)
			}
		}
	}
	for _, id := range errorIDs(c) {
		if used[id] || strings.HasPrefix(id, "errors.duration.") {
			continue
		}
		found := false
		for _, p := range prefixes {
			found = found || strings.HasPrefix(id, p)
		}
		if !found {
			t.Errorf("en.toml has %q, which no code gives", id)
		}
	}
	for _, status := range []string{store.StatusCancelled, store.StatusCompleted, store.StatusNoShow} {
		if m, ok := stateWords(status).(Msg); !ok || !c.Has(l10n.Source, m.ID) {
			t.Errorf("no state words for %s", status)
		}
	}
	for _, status := range []string{store.StatusCompleted, store.StatusNoShow} {
		for _, p := range []string{"errors.owner.too_early_", "errors.owner.confirmed_only_"} {
			if !c.Has(l10n.Source, p+status) {
				t.Errorf("en.toml lacks %s", p+status)
			}
		}
	}
}

// A validation error keeps its English for the API and writes every field's
// problem in another language for a page; the values it names (a price, a
// time) are written as that language writes them.
func TestServiceErrorsInEveryLanguage(t *testing.T) {
	c := catalogs(t)
	cfg := MustParseConfig(t, "[venue]\ncurrency = \"GBP\"\n"+catalogTOML)
	_, err := ValidateBooking(cfg, BookingRequest{Tier: "classic", Package: "classic-60", Start: "tomorrow", Guests: 9,
		Customer: CustomerRequest{Name: " ", Email: "ada@", Phone: "12"}, Notes: "a\x00b"})
	e := ErrorOf(err)
	wantEnglish := map[string]string{
		"start":          "is not an RFC 3339 time such as 2026-12-01T09:00:00Z",
		"guests":         "must be between 1 and 4",
		"customer.name":  "is required",
		"customer.email": "must be a valid email address",
		"customer.phone": "must be 7 to 15 digits, optionally with +, spaces, dashes and brackets",
		"notes":          "must not contain control characters",
	}
	if e.Code != CodeValidationFailed || e.Message != "some fields need correcting; see fields" || fmt.Sprint(e.Fields) != fmt.Sprint(wantEnglish) {
		t.Fatalf("validation error %+v", e)
	}
	de := c.Parse("de")
	if got := e.FieldIn(de, "customer.email"); got != "Bitte geben Sie eine gültige E-Mail-Adresse an." {
		t.Errorf("German email problem %q", got)
	}
	if got := e.FieldIn(de, "guests"); got != "Bitte wählen Sie zwischen 1 und 4 Personen." {
		t.Errorf("German guests problem %q", got)
	}
	if got := e.FieldIn(de, "tier"); got != "" {
		t.Errorf("a field without a problem: %q", got)
	}
	if got := e.In(c.Parse("en")); got != e.Message {
		t.Errorf("English %q, API %q", got, e.Message)
	}
	for _, lang := range otherLanguages {
		l := c.Parse(lang)
		checkWords(t, c, lang, "validation", e.In(l))
		for field := range wantEnglish {
			checkWords(t, c, lang, field, e.FieldIn(l, field))
		}
	}

	four := int64(4000)
	_, err = ValidateBooking(cfg, BookingRequest{Tier: "classic", Package: "classic-60", Start: "2026-12-01T10:00:00Z", Guests: 2,
		Customer: CustomerRequest{Name: "Ada", Email: "ada@example.com"}, ExpectedPriceCents: &four})
	e = ErrorOf(err)
	if e.Message != "the price of 60 minutes is now 4500 cents, not 4000; confirm the new price to book" {
		t.Errorf("price_changed %q", e.Message)
	}
	if got, want := e.In(de), "Der Preis für 60 minutes beträgt jetzt 45,00 £ statt 40,00 £. Bitte bestätigen Sie den neuen Preis, um zu buchen."; got != want {
		t.Errorf("German price_changed\n got %q\nwant %q", got, want)
	}

	loc, _ := time.LoadLocation("Europe/Berlin")
	s := &Service{Config: cfg, Rules: Rules{Location: loc, MinNotice: 2 * time.Hour, MaxAdvance: 1}}
	start := time.Date(2026, 12, 9, 13, 0, 0, 0, time.UTC)
	for _, c2 := range []struct {
		err     error
		english string
		german  string
	}{
		{s.slotError(start, "errors.slot.too_soon", "Notice", durationMsg(s.Rules.MinNotice)),
			"2026-12-09T14:00:00+01:00 is too soon: bookings need 2 hours notice",
			"Der Termin am Mi., 9. Dez. 2026, 14:00 ist zu kurzfristig: Buchungen sind mindestens 2 Stunden im Voraus möglich."},
		{s.slotError(start, "errors.slot.too_far", "Count", s.Rules.MaxAdvance),
			"2026-12-09T14:00:00+01:00 is too far ahead: bookings open 1 day in advance",
			"Der Termin am Mi., 9. Dez. 2026, 14:00 liegt zu weit in der Zukunft: Buchungen sind höchstens 1 Tag im Voraus möglich."},
		{NewError(CodeCancellationClosed, "errors.booking.cancel_state", "State", stateWords(store.StatusNoShow)),
			"this booking is no_show and can no longer be cancelled",
			"Diese Buchung ist als nicht erschienen vermerkt und kann nicht mehr storniert werden."},
		{NewError(CodeChangeClosed, "errors.booking.details_state", "State", bookingStateWords(store.Booking{Status: store.StatusConfirmed, Start: start}, start)),
			"this booking is under way or over and its details can no longer be changed online",
			"Diese Buchung ist bereits im Gange oder vorbei; ihre Angaben können online nicht mehr geändert werden."},
		{NewError(CodeInvalidRequest, "errors.range.reversed", "To", dateValue(Date{2026, 12, 1}), "From", dateValue(Date{2026, 12, 9})),
			"to (2026-12-01) is before from (2026-12-09)",
			"Das Enddatum (Di., 1. Dez. 2026) liegt vor dem Anfangsdatum (Mi., 9. Dez. 2026)."},
		{NewError(CodeCancellationClosed, "errors.booking.cancel_cutoff", "Cutoff", durationMsg(time.Minute)),
			"bookings can be cancelled until 1 minute before the start; please contact the venue",
			"Buchungen können bis 1 Minute vor Beginn storniert werden. Bitte wenden Sie sich direkt an uns."},
	} {
		e := ErrorOf(c2.err)
		if e.Message != c2.english {
			t.Errorf("English %q, want %q", e.Message, c2.english)
		}
		if got := e.In(de); got != c2.german {
			t.Errorf("German\n got %q\nwant %q", got, c2.german)
		}
		for _, lang := range otherLanguages {
			checkWords(t, c, lang, e.Message, e.In(c.Parse(lang)))
		}
	}
}

// A parser's problem is a Msg: its Error is the English (check-config and
// the command line print it), and a wrapped one keeps its words; any other
// error keeps its text in every language.
func TestMsgIsAnError(t *testing.T) {
	c := catalogs(t)
	_, err := ParseEmail("ada@")
	if err == nil || err.Error() != "must be a valid email address" {
		t.Fatalf("ParseEmail: %v", err)
	}
	wrapped := fmt.Errorf("mail.owner_email: %w", err)
	if got := MsgOf(wrapped).Localize(c.Parse("fr")); got != "Veuillez indiquer une adresse e-mail valide." {
		t.Errorf("a wrapped Msg in French: %q", got)
	}
	if _, err := ParseDate("2026-13-01"); err == nil || err.Error() != `"2026-13-01" is not a date YYYY-MM-DD` {
		t.Errorf("ParseDate: %v", err)
	}
	if err := CheckPassword("short"); err == nil || err.Error() != "must be at least 8 characters" {
		t.Errorf("CheckPassword: %v", err)
	}
	raw := MsgOf(errors.New("disk I/O error"))
	if got := raw.Localize(c.Parse("de")); got != "disk I/O error" {
		t.Errorf("a foreign error in German: %q", got)
	}
	plain := &Error{Code: CodeInternal, Message: "built by hand"}
	if plain.In(c.Parse("de")) != "built by hand" || plain.FieldIn(c.Parse("de"), "x") != "" {
		t.Errorf("an Error without a Msg: %q", plain.In(c.Parse("de")))
	}
}
