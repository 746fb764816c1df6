package l10n

import (
	"golang.org/x/text/language"
)

// Offer is the languages a venue offers its customers: venue.language
// first, then venue.languages.
type Offer struct {
	Langs   []*Lang
	matcher language.Matcher
}

// NewOffer is the offer of tags (already checked with Check), the first
// being the venue's language; a tag given twice is offered once.
func (c *Catalogs) NewOffer(tags ...string) *Offer {
	o := &Offer{}
	var offered []language.Tag
	seen := map[language.Tag]bool{}
	for _, s := range tags {
		t, err := language.Parse(s)
		if err != nil || seen[t] {
			continue
		}
		seen[t] = true
		offered = append(offered, t)
		o.Langs = append(o.Langs, c.For(t))
	}
	if len(offered) == 0 {
		offered = []language.Tag{language.English}
		o.Langs = []*Lang{c.For(language.English)}
	}
	o.matcher = language.NewMatcher(offered)
	return o
}

// Default is the venue's own language.
func (o *Offer) Default() *Lang { return o.Langs[0] }

// Pick is the offered language a ?lang= value or the language cookie names
// ("de" finds an offered "de-CH"), or nil when it names none that is offered.
func (o *Offer) Pick(value string) *Lang {
	if value == "" || len(value) > 35 {
		return nil
	}
	t, err := language.Parse(value)
	if err != nil {
		return nil
	}
	for _, l := range o.Langs {
		if l.Tag == t {
			return l
		}
	}
	_, i, conf := o.matcher.Match(t)
	if conf < language.High {
		return nil
	}
	return o.Langs[i]
}

// Negotiate is the offered language that best serves an Accept-Language
// header (q-values honoured, "de-AT" served by "de", "*" or nothing
// offered: the venue's language).
func (o *Offer) Negotiate(acceptLanguage string) *Lang {
	if acceptLanguage == "" || len(acceptLanguage) > 1024 {
		return o.Default()
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return o.Default()
	}
	_, i, conf := o.matcher.Match(tags...)
	if conf == language.No {
		return o.Default()
	}
	return o.Langs[i]
}
