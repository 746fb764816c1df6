package store

import "testing"

// A query written like a phone number looks for the phone's digits; one
// with letters (a reference, a name) does not, so "VB-V7GN94" never finds
// every customer whose phone holds 794.
func TestOnlyPhoneLikeQueriesMatchDigits(t *testing.T) {
	for q, want := range map[string]string{
		"020 7946":          "207946",
		"+44 (20) 7946-09":  "4420794609",
		"0044.20/7946":      "44207946",
		"VB-V7GN94":         "",
		"Müller 123":        "",
		"12":                "",
		"AB12 CDE":          "",
		"guest794@mail.com": "",
	} {
		if _, _, phone := searchTerms(q); phone != want {
			t.Errorf("searchTerms(%q) phone %q, want %q", q, phone, want)
		}
	}
}
