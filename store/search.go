package store

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// fold is Unicode full case folding (so "MÜLLER", "Müller" and "müller", or
// "STRASSE" and "Straße", are one), after NFC normalisation.
var fold = cases.Fold()

// foldText is s as the search compares it.
func foldText(s string) string { return fold.String(norm.NFC.String(s)) }

// digits keeps the decimal digits of s: "+44 20 7946 0958" → "442079460958".
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// SearchText is what the console's search matches for a booking: its
// reference, customer name, email and vehicle registration case-folded (the
// registration also without spaces and dashes, as people type it either
// way), and the digits of the phone, separated by a character no query holds.
func SearchText(reference, name, email, phone, registration string) string {
	reg := foldText(registration)
	bare := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return r
	}, reg)
	return strings.Join([]string{foldText(reference), foldText(name), foldText(email), reg, bare, digits(phone)}, "\x1f")
}

// searchTerms is what a query looks for in the search text: the query
// case-folded, that without spaces and dashes, and, when it is written like
// a phone number (digits, spaces, "+", "-", ".", "/" and brackets only) with
// three digits or more, its digits without a leading trunk zero (so that
// "020 7946" finds "+44 20 7946 0958", while a reference such as
// "VB-V7GN94" is not taken for the digits 794); "" for none.
func searchTerms(query string) (text, bare, phone string) {
	query = strings.TrimSpace(query)
	if query == "" {
		return "", "", ""
	}
	if d := strings.TrimLeft(digits(query), "0"); len(d) >= 3 && phoneLike(query) {
		phone = d
	}
	text = foldText(query)
	// "AB12 CDE" finds the registration AB12CDE.
	if b := strings.NewReplacer(" ", "", "-", "").Replace(text); b != text && b != "" {
		bare = b
	}
	return text, bare, phone
}

// phoneLike reports whether a query is written like a phone number.
func phoneLike(query string) bool {
	for _, r := range query {
		if !(r >= '0' && r <= '9' || strings.ContainsRune(" +-./()", r)) {
			return false
		}
	}
	return true
}
