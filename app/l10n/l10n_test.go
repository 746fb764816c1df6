package l10n

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/text/language"
)

func cats(t *testing.T) *Catalogs {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMoneyAsEachLocaleWritesIt(t *testing.T) {
	c := cats(t)
	for _, tc := range []struct {
		lang, cur string
		minor     int64
		want      string
	}{
		{"en", "GBP", 4500, "£45.00"},
		{"en-GB", "GBP", 4500, "£45.00"},
		{"en", "EUR", 3900, "€39.00"},
		{"en", "JPY", 5000, "¥5,000"},
		{"en", "KWD", 1500, "KWD 1.500"},
		{"en", "CHF", 4500, "CHF 45.00"},
		{"en", "EUR", 123456789, "€1,234,567.89"},
		{"de", "EUR", 4500, "45,00 €"},
		{"de", "GBP", 4500, "45,00 £"},
		{"de", "JPY", 5000, "5.000 ¥"},
		{"de", "KWD", 1500, "1,500 KWD"},
		{"de", "CHF", 4500, "45,00 CHF"},
		{"de", "EUR", 123456789, "1.234.567,89 €"},
		{"de-CH", "CHF", 4500, "CHF 45.00"},
		{"de-CH", "CHF", 123456789, "CHF 1'234'567.89"},
		{"de-AT", "EUR", 4500, "€ 45,00"},
		{"fr", "EUR", 4500, "45,00 €"},
		{"fr", "EUR", 123456789, "1 234 567,89 €"},
		{"fr-CH", "CHF", 4500, "45.00 CHF"},
		{"es", "EUR", 4500, "45,00 €"},
		{"nl", "EUR", 4500, "€ 45,00"},
		{"en", "GBP", -4500, "-£45.00"},
		{"en", "GBP", 0, "£0.00"},
	} {
		got := c.Parse(tc.lang).Money(tc.minor, tc.cur)
		if got != tc.want {
			t.Errorf("%s: %d %s = %q, want %q", tc.lang, tc.minor, tc.cur, got, tc.want)
		}
	}
}

func TestMinorUnitsAreISO4217s(t *testing.T) {
	for code, want := range map[string]int{"GBP": 2, "EUR": 2, "JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3, "CLF": 4, "XCG": 2, "ZWG": 2} {
		if got, ok := MinorUnits(code); !ok || got != want {
			t.Errorf("%s: %d %v, want %d", code, got, ok, want)
		}
	}
	for _, code := range []string{"", "gbp", "XYZ", "HRK", "EURO", "€", "US D"} {
		if _, ok := MinorUnits(code); ok || ValidCurrency(code) {
			t.Errorf("%q is taken for a currency", code)
		}
	}
}

func TestNumbers(t *testing.T) {
	c := cats(t)
	for _, tc := range []struct{ lang, int, dec string }{{"en", "12,345", "1.5"}, {"de", "12.345", "1,5"}, {"fr", "12 345", "1,5"}, {"de-CH", "12'345", "1.5"}} {
		l := c.Parse(tc.lang)
		if got := l.Number(12345); got != tc.int {
			t.Errorf("%s: Number %q, want %q", tc.lang, got, tc.int)
		}
		if got := l.Decimal(1.5, 1); got != tc.dec {
			t.Errorf("%s: Decimal %q, want %q", tc.lang, got, tc.dec)
		}
	}
}

func TestDatesAsEachLanguageWritesThem(t *testing.T) {
	c := cats(t)
	at := time.Date(2026, 12, 9, 14, 5, 0, 0, time.UTC)
	for _, tc := range []struct{ lang, pattern, want string }{
		{"en", DateFull, "Wednesday 9 December 2026"},
		{"en", DateShort, "Wed 9 Dec"},
		{"en", TimeOfDay, "14:05"},
		{"de", DateFull, "Mittwoch, 9. Dezember 2026"},
		{"de", DateShort, "Mi., 9. Dez."},
		{"de", MonthYear, "Dezember 2026"},
		{"de-CH", DateFull, "Mittwoch, 9. Dezember 2026"},
		{"en", "d 'of' MMMM, ''yy", "9 of December, '26"},
	} {
		if got := c.Parse(tc.lang).Format(at, tc.pattern); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.lang, tc.pattern, got, tc.want)
		}
	}
}

func TestPlurals(t *testing.T) {
	c := cats(t)
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "1 guest"}, {"en", 2, "2 guests"}, {"en", 0, "0 guests"},
		{"de", 1, "1 Gast"}, {"de", 4, "4 Gäste"},
	} {
		if got := c.Parse(tc.lang).N("guests", tc.n); got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

func TestNegotiation(t *testing.T) {
	c := cats(t)
	o := c.NewOffer("de-CH", "en", "de-CH")
	if len(o.Langs) != 2 {
		t.Fatalf("offer %v: a language given twice is offered once", o.Langs)
	}
	for header, want := range map[string]string{
		"":                          "de-CH",
		"de-AT":                     "de-CH", // same language, another region
		"de":                        "de-CH",
		"*":                         "de-CH", // anything: the venue's own
		"en-US,en;q=0.9":            "en",
		"fr;q=0.9, en;q=0.5":        "en", // French is not offered
		"en;q=0.2, de;q=0.8":        "de-CH",
		"ja":                        "de-CH", // nothing offered: the venue's
		"xx-invalid;;":              "de-CH",
		"en;q=0":                    "de-CH", // q=0 means "not English"
		strings.Repeat("en,", 2000): "de-CH",
	} {
		if got := o.Negotiate(header).String(); got != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, got, want)
		}
	}
	for value, want := range map[string]string{"de": "de-CH", "de-CH": "de-CH", "en": "en", "EN": "en", "en-GB": "en"} {
		if l := o.Pick(value); l == nil || l.String() != want {
			t.Errorf("?lang=%s: %v, want %s", value, l, want)
		}
	}
	for _, value := range []string{"fr", "", "zz", "<script>", "de-CH-" + strings.Repeat("x", 40)} {
		if l := o.Pick(value); l != nil {
			t.Errorf("?lang=%q picks %s, an unoffered language", value, l)
		}
	}
}

func TestCheckRefusesWhatItCannotSpeak(t *testing.T) {
	c := cats(t)
	for _, ok := range []string{"en", "de", "de-CH", "de-AT", "en-GB"} {
		if err := c.Check(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "english", "xx", "de_DE!", "ja", "zz-ZZ"} {
		if err := c.Check(bad); err == nil {
			t.Errorf("%q is accepted", bad)
		}
	}
	_ = language.English
}

// A contributor's catalog with Polish plurals: three forms for whole
// numbers, chosen by CLDR's rule (1 gość, 2–4 goście, 5–21 gości, 22
// goście …), with no Go written for Polish.
func TestPolishPlurals(t *testing.T) {
	fsys := fstest.MapFS{
		"catalog/en.toml": {Data: []byte("[guests]\none = \"{{.Count}} guest\"\nother = \"{{.Count}} guests\"\n")},
		"catalog/pl.toml": {Data: []byte("[guests]\none = \"{{.Count}} gość\"\nfew = \"{{.Count}} goście\"\nmany = \"{{.Count}} gości\"\nother = \"{{.Count}} gościa\"\n")},
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check("pl"); err != nil {
		t.Fatalf("Check(pl): %v", err)
	}
	pl := c.Parse("pl")
	for n, want := range map[int]string{1: "1 gość", 2: "2 goście", 4: "4 goście", 5: "5 gości", 12: "12 gości", 21: "21 gości", 22: "22 goście", 25: "25 gości", 102: "102 goście", 112: "112 gości"} {
		if got := pl.N("guests", n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
	if got := pl.Format(time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC), "d MMMM y"); got != "9 grudnia 2026" {
		t.Errorf("Polish date %q (CLDR's genitive month)", got)
	}
}
