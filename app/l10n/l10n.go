// Package l10n speaks the venue's languages: the message catalogs (one TOML
// file per language in catalog/, built into the binary, with CLDR plural
// rules), choosing a
// language from what a customer asks for, and money and dates written as
// each language writes them (CLDR).
//
// Libraries, and why: github.com/nicksnyder/go-i18n/v2 reads the catalogs at
// start-up (a language is a file, no Go and no code generation) and knows
// the plural rules of every CLDR language (Polish one/few/many);
// golang.org/x/text/language negotiates (BCP 47, Accept-Language with
// q-values, de-AT finding de); github.com/bojanz/currency formats money from
// CLDR 49 and knows ISO 4217's minor units (JPY 0, KWD 3);
// github.com/go-playground/locales gives CLDR's month and weekday names.
// A catalog holds its language's date patterns in CLDR's pattern syntax
// (format.date_full = "EEEE, d. MMMM y"), so a contributor corrects the date
// order where they correct the words.
package l10n

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/bojanz/currency"
	"github.com/go-playground/locales"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Source is the language every other catalog is checked against.
const Source = "en"

// Catalogs are the languages venuebook ships, loaded from assets/i18n.
type Catalogs struct {
	bundle *i18n.Bundle
	// ids are the message ids of each catalog, by base language ("de").
	ids map[string]map[string]bool
	// plural are the ids of the source catalog's plural messages.
	plural map[string]bool
	// texts are the messages' texts by catalog and id (plural forms joined).
	texts map[string]map[string]string

	mu    sync.Mutex
	langs map[language.Tag]*Lang
}

//go:embed catalog/*.toml
var builtIn embed.FS

var (
	defaultOnce sync.Once
	defaultCats *Catalogs
	defaultErr  error
)

// Default is the catalogs built into the binary (catalog/*.toml).
func Default() (*Catalogs, error) {
	defaultOnce.Do(func() { defaultCats, defaultErr = Load(builtIn) })
	return defaultCats, defaultErr
}

// Load reads every catalog/<lang>.toml of fsys. The source catalog
// (en.toml) must be there.
func Load(fsys fs.FS) (*Catalogs, error) {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(fsys, "catalog/*.toml")
	if err != nil {
		return nil, err
	}
	c := &Catalogs{bundle: bundle, ids: map[string]map[string]bool{}, plural: map[string]bool{}, texts: map[string]map[string]string{}, langs: map[language.Tag]*Lang{}}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".toml")
		tag, err := language.Parse(base)
		if err != nil || tag.String() != base {
			return nil, fmt.Errorf("%s: the file name is not a language (en.toml, de.toml, pt-BR.toml)", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		file, err := bundle.ParseMessageFileBytes(body, name)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", name, err)
		}
		ids, texts := map[string]bool{}, map[string]string{}
		for _, m := range file.Messages {
			ids[m.ID] = true
			var forms []string
			for _, f := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
				if f != "" {
					forms = append(forms, f)
				}
			}
			texts[m.ID] = strings.Join(forms, "\n")
			if base == Source && (m.One != "" || m.Few != "" || m.Many != "") {
				c.plural[m.ID] = true
			}
		}
		c.ids[base], c.texts[base] = ids, texts
	}
	if c.ids[Source] == nil {
		return nil, fmt.Errorf("no catalog catalog/%s.toml", Source)
	}
	return c, nil
}

// Languages lists the catalogs, by base language, sorted.
func (c *Catalogs) Languages() []string {
	var out []string
	for l := range c.ids {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// IDs returns the message ids of a catalog (nil for none).
func (c *Catalogs) IDs(lang string) map[string]bool { return c.ids[lang] }

// IsPlural reports whether the source catalog's message id has plural forms.
func (c *Catalogs) IsPlural(id string) bool { return c.plural[id] }

// catalogOf is the catalog that speaks tag: its own file (pt-BR) if there is
// one, else its base language's (de for de-CH); "" for none.
func (c *Catalogs) catalogOf(tag language.Tag) string {
	if c.ids[tag.String()] != nil {
		return tag.String()
	}
	base, _ := tag.Base()
	if c.ids[base.String()] != nil {
		return base.String()
	}
	return ""
}

// Check says why a configured language tag (venue.language,
// venue.languages) cannot be used: not BCP 47, or no catalog speaks it.
func (c *Catalogs) Check(tag string) error {
	t, err := language.Parse(tag)
	if err != nil {
		return fmt.Errorf("%q is not a language tag (BCP 47, such as \"en\", \"de\" or \"de-CH\")", tag)
	}
	if c.catalogOf(t) == "" {
		return fmt.Errorf("%q is not a language venuebook speaks; it speaks %s (add app/l10n/catalog/%s.toml to add it)",
			tag, strings.Join(c.Languages(), ", "), baseOf(t))
	}
	if namesFor(t) == nil {
		return fmt.Errorf("%q has a catalog but no month and weekday names are built in for it", tag)
	}
	return nil
}

func baseOf(t language.Tag) string { b, _ := t.Base(); return b.String() }

// Lang is one language as the pages and emails speak it: its messages, and
// money and dates as its region writes them (de-CH: "CHF 45.00").
type Lang struct {
	// Tag is the language as configured ("de-CH").
	Tag      language.Tag
	catalog  string
	loc      *i18n.Localizer
	money    *currency.Formatter
	names    locales.Translator
	patterns map[string]string
	// plain keeps the messages asked for without values or count, as the
	// catalog (which never changes) gives them: most of a page's words.
	plain sync.Map // id → string
}

// For returns tag's language (cached). A tag no catalog speaks gets the
// source language's words with its own money and dates.
func (c *Catalogs) For(tag language.Tag) *Lang {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l := c.langs[tag]; l != nil {
		return l
	}
	cat := c.catalogOf(tag)
	if cat == "" {
		cat = Source
	}
	l := &Lang{Tag: tag, catalog: cat, loc: i18n.NewLocalizer(c.bundle, cat, Source),
		money: currency.NewFormatter(currency.NewLocale(tag.String())), names: namesFor(tag), patterns: map[string]string{}}
	if l.names == nil {
		l.names = namesFor(language.English)
	}
	for _, p := range datePatterns {
		l.patterns[p] = l.T("format." + p)
	}
	c.langs[tag] = l
	return l
}

// Parse is For of a tag written as text ("de-CH"); an invalid tag is the
// source language.
func (c *Catalogs) Parse(tag string) *Lang {
	t, err := language.Parse(tag)
	if err != nil {
		t = language.English
	}
	return c.For(t)
}

// String is the tag ("de-CH").
func (l *Lang) String() string { return l.Tag.String() }

// Catalog is the catalog the language's words come from ("de").
func (l *Lang) Catalog() string { return l.catalog }

// Name is the language's name in itself ("Deutsch", "français").
func (l *Lang) Name() string {
	n := display.Self.Name(l.Tag)
	if n == "" {
		return l.Tag.String()
	}
	return n
}

// T is the message id, its {{.Name}} fields filled from pairs of name and
// value: T("booked.title", "Venue", v). A message missing from the catalog
// falls back to English (the catalog test keeps that from happening), and
// an id no catalog has is returned as it is.
func (l *Lang) T(id string, pairs ...any) string {
	return l.localize(id, nil, pairs)
}

// N is T of a plural message, its form chosen by count (also {{.Count}}).
func (l *Lang) N(id string, count int, pairs ...any) string {
	return l.localize(id, count, pairs)
}

func (l *Lang) localize(id string, count any, pairs []any) string {
	if count == nil && len(pairs) == 0 {
		if s, ok := l.plain.Load(id); ok {
			return s.(string)
		}
		s := l.localizeData(id, nil, nil)
		l.plain.Store(id, s)
		return s
	}
	return l.localizeData(id, count, pairs)
}

func (l *Lang) localizeData(id string, count any, pairs []any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		k, _ := pairs[i].(string)
		data[k] = pairs[i+1]
	}
	if count != nil {
		data["Count"] = count
	}
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil && s == "" {
		return id
	}
	return s
}

// HTML is T for messages that hold markup, such as a link around words:
// the catalog's text is trusted, every value is escaped unless it is
// already template.HTML.
func (l *Lang) HTML(id string, pairs ...any) template.HTML {
	escaped := make([]any, len(pairs))
	for i, v := range pairs {
		switch x := v.(type) {
		case template.HTML:
			escaped[i] = string(x)
		case string:
			escaped[i] = template.HTMLEscapeString(x)
		default:
			escaped[i] = template.HTMLEscapeString(fmt.Sprint(x))
		}
		if i%2 == 0 {
			escaped[i] = v
		}
	}
	return template.HTML(l.localize(id, nil, escaped))
}

// Has reports whether the language's own catalog holds id.
func (c *Catalogs) Has(lang, id string) bool { return c.ids[lang][id] }
