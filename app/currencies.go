package app

import "venuebook/app/l10n"

// CurrencyMinorUnits returns how many decimal places the minor unit of an
// ISO 4217 currency has (2 for GBP: 4500 is £45.00; 0 for JPY; 3 for KWD),
// and false for a code that is not an ISO 4217 currency. The list is
// CLDR's (github.com/bojanz/currency), replacing a hand-kept table.
func CurrencyMinorUnits(code string) (int, bool) { return l10n.MinorUnits(code) }
