package l10n

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"
)

// Every catalog says every message of the English one, with the same
// fields, every plural form its language needs, and nothing English lacks
// (an id English lacks is a typo, or a message nothing shows).
func TestEveryCatalogIsComplete(t *testing.T) {
	c := cats(t)
	if len(c.Languages()) < 4 {
		t.Errorf("catalogs %v: English, German and at least two more are shipped", c.Languages())
	}
	for _, lang := range c.Languages() {
		if lang == Source {
			continue
		}
		l := c.Parse(lang)
		for id := range c.IDs(Source) {
			if !c.Has(lang, id) {
				t.Errorf("%s.toml lacks %q (English: %q)", lang, id, c.Text(Source, id))
				continue
			}
			en, own := Placeholders(c.Text(Source, id)), Placeholders(c.Text(lang, id))
			if !c.IsPlural(id) && !reflect.DeepEqual(uniq(en), uniq(own)) {
				t.Errorf("%s.toml %q has fields %v, English %v", lang, id, own, en)
			}
			if c.IsPlural(id) {
				// Every count must find its form: 0–200, the teens and
				// hundreds where Polish and others change form.
				for n := 0; n <= 200; n++ {
					got := l.N(id, n, "Name", "x")
					if got == id || got == "" {
						t.Errorf("%s.toml %q has no plural form for %d", lang, id, n)
						break
					}
				}
			}
		}
		for id := range c.IDs(lang) {
			if !c.Has(Source, id) {
				t.Errorf("%s.toml has %q, which en.toml lacks", lang, id)
			}
		}
	}
}

func uniq(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// A message never shows a field's markup or "<no value>": every field a
// message uses is one the program fills (checked for the date patterns and
// the messages the tests render; here: no catalog leaves a {{ unclosed).
func TestNoCatalogBreaksItsFields(t *testing.T) {
	c := cats(t)
	for _, lang := range c.Languages() {
		for id := range c.IDs(lang) {
			text := c.Text(lang, id)
			if strings.Count(text, "{{") != strings.Count(text, "}}") {
				t.Errorf("%s.toml %q: unbalanced {{ }} in %q", lang, id, text)
			}
		}
		l := c.For(language.MustParse(lang))
		at := time.Date(2026, 12, 9, 14, 5, 0, 0, time.UTC)
		for _, p := range datePatterns {
			if got := l.Format(at, p); got == "" || strings.ContainsAny(got, "{}") {
				t.Errorf("%s: date pattern %s gives %q", lang, p, got)
			}
		}
	}
}

func TestEnglishLeftoversAreFound(t *testing.T) {
	c := cats(t)
	de := "<p>Zum Inhalt springen</p><p>Booking by venuebook</p><li>Website</li>"
	got := c.EnglishLeftovers("de", de)
	if !reflect.DeepEqual(got, []string{"Booking by venuebook"}) {
		t.Errorf("leftovers %q, want the powered-by line only (Website is German too)", got)
	}
	if got := c.EnglishLeftovers("de", "/tmp/TestBookingByVenuebookLanguage/db: Mittwoch, 9. Dezember 2026"); got != nil {
		t.Errorf("leftovers in German: %q", got)
	}
}
