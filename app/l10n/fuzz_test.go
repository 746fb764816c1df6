package l10n

import (
	"testing"
)

// Whatever a browser sends as Accept-Language, ?lang= or the cookie, the
// answer is one of the offered languages (Negotiate) or none (Pick), and
// nothing panics.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "de-AT", "*", "en;q=0.5, fr;q=0.9", "de-CH-1996", "x-klingon", "en;q=abc", "zh-Hant-TW;q=0.8,,,", "\xff\xfe", "de;q=0.0000001"} {
		f.Add(s)
	}
	c, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	o := c.NewOffer("de", "en", "fr-CH")
	offered := map[*Lang]bool{}
	for _, l := range o.Langs {
		offered[l] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		if l := o.Negotiate(s); !offered[l] {
			t.Fatalf("Negotiate(%q) = %v, not offered", s, l)
		}
		if l := o.Pick(s); l != nil && !offered[l] {
			t.Fatalf("Pick(%q) = %v, not offered", s, l)
		}
	})
}
