package l10n

import (
	"strconv"
	"strings"
	"time"

	"github.com/bojanz/currency"
	"github.com/go-playground/locales"
	"github.com/go-playground/locales/cs"
	"github.com/go-playground/locales/da"
	"github.com/go-playground/locales/de"
	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/es"
	"github.com/go-playground/locales/fi"
	"github.com/go-playground/locales/fr"
	"github.com/go-playground/locales/it"
	"github.com/go-playground/locales/nb"
	"github.com/go-playground/locales/nl"
	"github.com/go-playground/locales/nn"
	"github.com/go-playground/locales/pl"
	"github.com/go-playground/locales/pt"
	"github.com/go-playground/locales/sv"
	"golang.org/x/text/language"
)

// ValidCurrency reports whether code is an ISO 4217 currency (CLDR 49's
// list: current codes, withdrawn ones refused).
func ValidCurrency(code string) bool { return code != "" && currency.IsValid(code) }

// MinorUnits is how many decimals code's minor unit has (GBP 2, JPY 0,
// KWD 3), and false for a code ISO 4217 does not know.
func MinorUnits(code string) (int, bool) {
	if !ValidCurrency(code) {
		return 0, false
	}
	d, _ := currency.GetDigits(code)
	return int(d), true
}

// Money writes an amount in code's minor unit as the language writes it:
// 4500 GBP is "£45.00" in en, 4500 EUR "45,00 €" in de, "CHF 45.00" in
// de-CH, 5000 JPY "¥5,000", 1500 KWD "KWD 1.500". CLDR's no-break spaces
// (between number and symbol, and French digit groups) are written as
// plain spaces, as API.md writes them ("45,00 €"); the pages keep a price
// on one line with CSS instead.
func (l *Lang) Money(minor int64, code string) string {
	a, err := currency.NewAmountFromInt64(minor, code)
	if err != nil {
		return strconv.FormatInt(minor, 10) + " " + code
	}
	return plainSpaces.Replace(l.money.Format(a))
}

var plainSpaces = strings.NewReplacer("\u00a0", " ", "\u202f", " ")

// Number writes a whole number with the language's digit grouping.
func (l *Lang) Number(n int64) string {
	a, err := currency.NewAmountFromInt64(n, "JPY")
	if err != nil {
		return strconv.FormatInt(n, 10)
	}
	f := *l.money
	f.CurrencyDisplay = currency.DisplayNone
	return strings.TrimSpace(plainSpaces.Replace(f.Format(a)))
}

// The date and time patterns each catalog holds as format.<name>, in CLDR's
// pattern syntax: EEEE weekday, EEE its abbreviation, d day, MMMM month,
// MMM its abbreviation, MM month number, y year, HH:mm the 24-hour clock,
// 'text' literal.
const (
	DateFull      = "date_full"      // Wednesday 9 December 2026
	DateDayMonth  = "date_day_month" // Wednesday 9 December
	DateMedium    = "date_medium"    // Wed 9 Dec 2026
	DateShort     = "date_short"     // Wed 9 Dec
	DayMonth      = "day_month"      // 9 December
	MonthYear     = "month_year"     // December 2026
	MonthOnly     = "month"          // December
	TimeOfDay     = "time"           // 14:30
	DateTimeShort = "datetime_short" // Wed 9 Dec 2026 14:30
)

var datePatterns = []string{DateFull, DateDayMonth, DateMedium, DateShort, DayMonth, MonthYear, MonthOnly, TimeOfDay, DateTimeShort}

// Format writes t (in its own location) by the language's pattern name.
func (l *Lang) Format(t time.Time, pattern string) string {
	p, ok := l.patterns[pattern]
	if !ok {
		p = pattern
	}
	return formatPattern(t, p, l.names)
}

// Clock is t's time of day, "14:30".
func (l *Lang) Clock(t time.Time) string { return l.Format(t, TimeOfDay) }

// formatPattern interprets a CLDR date pattern.
func formatPattern(t time.Time, p string, names locales.Translator) string {
	var b strings.Builder
	for i := 0; i < len(p); {
		c := p[i]
		if c == '\'' {
			j := strings.IndexByte(p[i+1:], '\'')
			if j < 0 {
				b.WriteString(p[i+1:])
				break
			}
			if j == 0 {
				b.WriteByte('\'')
			}
			b.WriteString(p[i+1 : i+1+j])
			i += j + 2
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b.WriteByte(c)
			i++
			continue
		}
		n := 1
		for i+n < len(p) && p[i+n] == c {
			n++
		}
		i += n
		switch c {
		case 'E', 'c':
			if n >= 4 {
				b.WriteString(names.WeekdayWide(t.Weekday()))
			} else {
				b.WriteString(names.WeekdayAbbreviated(t.Weekday()))
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b.WriteString(names.MonthWide(t.Month()))
			case n == 3:
				b.WriteString(names.MonthAbbreviated(t.Month()))
			default:
				pad(&b, int(t.Month()), n)
			}
		case 'd':
			pad(&b, t.Day(), n)
		case 'y':
			if n == 2 {
				pad(&b, t.Year()%100, 2)
			} else {
				b.WriteString(strconv.Itoa(t.Year()))
			}
		case 'H':
			pad(&b, t.Hour(), n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(&b, h, n)
		case 'm':
			pad(&b, t.Minute(), n)
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("am")
			} else {
				b.WriteString("pm")
			}
		case 'z':
			b.WriteString(t.Format("MST"))
		default:
			b.WriteString(strings.Repeat(string(c), n))
		}
	}
	return b.String()
}

func pad(b *strings.Builder, v, n int) {
	s := strconv.Itoa(v)
	for len(s) < n {
		s = "0" + s
	}
	b.WriteString(s)
}

// names are CLDR's month and weekday names, by base language: a catalog
// for any of these needs no Go; another language needs its line here.
var names = map[string]func() locales.Translator{
	"cs": cs.New, "da": da.New, "de": de.New, "en": en.New, "es": es.New, "fi": fi.New, "fr": fr.New,
	"it": it.New, "nb": nb.New, "nl": nl.New, "nn": nn.New, "no": nb.New, "pl": pl.New, "pt": pt.New, "sv": sv.New,
}

func namesFor(tag language.Tag) locales.Translator {
	if f := names[baseOf(tag)]; f != nil {
		return f()
	}
	return nil
}

// Decimal writes v with digits decimals as the language writes numbers
// ("1.5" in en, "1,5" in de).
func (l *Lang) Decimal(v float64, digits int) string {
	a, err := currency.NewAmount(strconv.FormatFloat(v, 'f', digits, 64), "EUR")
	if err != nil {
		return strconv.FormatFloat(v, 'f', digits, 64)
	}
	f := *l.money
	f.CurrencyDisplay = currency.DisplayNone
	f.MinDigits, f.MaxDigits = uint8(digits), uint8(digits)
	return strings.TrimSpace(plainSpaces.Replace(f.Format(a)))
}
