package app

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// formulaPiece returns the first piece of s that a spreadsheet splitting on
// any of , ; tab or a line break would read as a formula, or "".
func formulaPiece(s string) string {
	for _, piece := range strings.FieldsFunc(s, func(c rune) bool { return strings.ContainsRune(csvSeparators, c) }) {
		p := strings.TrimLeft(piece, ` "`)
		if p != "" && strings.ContainsRune("=+-@", rune(p[0])) {
			// A number too large for a float64 is still a number.
			if _, err := strconv.ParseFloat(strings.TrimSpace(p), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
				return piece
			}
		}
	}
	return ""
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"Ada Lovelace":       "Ada Lovelace",
		"=1+2":               "'=1+2",
		"Ada;=1+2":           "Ada;'=1+2",
		"Ada,=1+2":           "Ada,'=1+2",
		"note\n=2+2":         "note\n'=2+2",
		"note\r\n@SUM(A1)":   "note\r\n'@SUM(A1)",
		"a\t+1 555":          "a\t'+1 555",
		"+44 20 7946 0958":   "'+44 20 7946 0958",
		"-5":                 "-5",
		"+1.5":               "+1.5",
		"x; -3":              "x; -3",
		`say "=1"`:           `say "=1"`,
		`a;"=HYPERLINK(x)"`:  `a;'"=HYPERLINK(x)"`,
		"a; =1":              "a;' =1",
		"":                   "",
		"Müller-Lüdenscheid": "Müller-Lüdenscheid",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// Whatever a cell holds, its safe form starts no formula however it is split,
// and only apostrophes were added.
func FuzzCSVSafe(f *testing.F) {
	for _, s := range []string{"=1", "a;=1", "x\n@y", "+44 1", "-5", ` "=x`, "a\t-b;c,+d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		got := csvSafe(cell)
		if p := formulaPiece(got); p != "" {
			t.Fatalf("csvSafe(%q) = %q: piece %q starts a formula", cell, got, p)
		}
		if strings.ReplaceAll(got, "'", "") != strings.ReplaceAll(cell, "'", "") {
			t.Fatalf("csvSafe(%q) = %q changed more than apostrophes", cell, got)
		}
	})
}
