package app

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// BookingRequest is a customer's booking request as it arrives, before validation.
type BookingRequest struct {
	Tier               string          `json:"tier"`
	Package            string          `json:"package"`
	Start              string          `json:"start"`
	Guests             int             `json:"guests"`
	Customer           CustomerRequest `json:"customer"`
	Notes              string          `json:"notes"`
	ExpectedPriceCents *int64          `json:"expected_price_cents"`
	Parking            *ParkingRequest `json:"parking"`
	// Language is the language the booking is made in, one the venue
	// offers ("de"); its later emails speak it. Empty: the page's or the
	// API request's language (?lang=, Accept-Language), else the venue's.
	Language string `json:"language,omitempty"`
}

type CustomerRequest struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

type ParkingRequest struct {
	VehicleRegistration string `json:"vehicle_registration"`
}

// ValidBooking is a booking request that passed every field rule, normalised.
type ValidBooking struct {
	Tier                *Tier
	Package             *Package
	Start, End          time.Time
	Guests              int
	Name, Email, Phone  string
	Notes               string
	VehicleRegistration string
	PriceCents          int64
}

// ValidateBooking checks every field of req against the catalog and the rules
// of API.md, and normalises them (trimmed text, registration in upper case
// without spaces or dashes). It returns a validation_failed *Error naming every
// field at fault, or price_changed when the client's expected price differs
// from the server's.
func ValidateBooking(c *Config, req BookingRequest) (ValidBooking, error) {
	return validateBooking(c, req, false)
}

// validateBooking is ValidateBooking; atDesk applies the owner's rules of a
// booking taken by phone or at the door: the email is optional when there is
// a phone, and the start must be a whole minute.
func validateBooking(c *Config, req BookingRequest, atDesk bool) (ValidBooking, error) {
	f := fieldErrors{}
	var v ValidBooking

	tierID, pkgID := strings.TrimSpace(req.Tier), strings.TrimSpace(req.Package)
	for i := range c.Tiers {
		if c.Tiers[i].ID == tierID {
			v.Tier = &c.Tiers[i]
		}
	}
	switch {
	case tierID == "":
		f.add("tier", M("errors.field.required"))
	case v.Tier == nil:
		f.add("tier", M("errors.field.not_tier"))
	}
	owner, pkg, ok := c.FindPackage(pkgID)
	switch {
	case pkgID == "":
		f.add("package", M("errors.field.required"))
	case !ok:
		f.add("package", M("errors.field.not_package"))
	case v.Tier != nil && owner.ID != v.Tier.ID:
		f.add("package", M("errors.field.package_tier", "Tier", strconv.Quote(v.Tier.ID)))
	default:
		v.Package = pkg
	}

	if req.Start == "" {
		f.add("start", M("errors.field.required"))
	} else if start, err := ParseInstant(req.Start); err != nil {
		f.addErr("start", err)
	} else if atDesk && (start.Second() != 0 || start.Nanosecond() != 0) {
		f.add("start", M("errors.field.whole_minute"))
	} else if atDesk && (start.Year() < 2001 || start.Year() > 2999) {
		f.add("start", M("errors.field.year_range"))
	} else {
		v.Start = start
		if v.Package != nil {
			v.End = start.Add(time.Duration(v.Package.DurationMinutes) * time.Minute)
		}
	}

	maxGuests := MaxGuestsLimit
	if v.Package != nil {
		maxGuests = v.Package.MaxGuests
	}
	if req.Guests < 1 || req.Guests > maxGuests {
		f.add("guests", M("errors.field.guests", "Max", maxGuests))
	}
	v.Guests = req.Guests

	name, problem := cleanText(req.Customer.Name, 1, 100, false)
	if problem.ID != "" {
		f.add("customer.name", problem)
	}
	v.Name = name

	if atDesk && strings.TrimSpace(req.Customer.Email) == "" {
		if strings.TrimSpace(req.Customer.Phone) == "" {
			f.add("customer.email", M("errors.field.email_or_phone"))
			f.add("customer.phone", M("errors.field.email_or_phone"))
		}
	} else if email, err := ParseEmail(req.Customer.Email); err != nil {
		f.addErr("customer.email", err)
	} else {
		v.Email = email
	}

	phone, err := ParsePhone(req.Customer.Phone)
	if err != nil {
		f.addErr("customer.phone", err)
	}
	v.Phone = phone

	notes, problem := cleanText(req.Notes, 0, 1000, true)
	if problem.ID != "" {
		f.add("notes", problem)
	}
	v.Notes = notes

	if req.Parking != nil {
		if !c.Parking.Enabled {
			f.add("parking", M("errors.field.no_parking"))
		} else if reg, err := ParseRegistration(req.Parking.VehicleRegistration); err != nil {
			f.addErr("parking.vehicle_registration", err)
		} else {
			v.VehicleRegistration = reg
		}
	}
	if req.ExpectedPriceCents != nil && *req.ExpectedPriceCents < 0 {
		f.add("expected_price_cents", M("errors.field.negative"))
	}

	if err := f.err(); err != nil {
		return ValidBooking{}, err
	}
	v.PriceCents = v.Package.PriceCents
	if req.ExpectedPriceCents != nil && *req.ExpectedPriceCents != v.PriceCents {
		return ValidBooking{}, NewError(CodePriceChanged, "errors.booking.price_changed", "Package", v.Package.Name,
			"Price", centsValue(v.PriceCents, c.Venue.Currency), "Expected", centsValue(*req.ExpectedPriceCents, c.Venue.Currency))
	}
	return v, nil
}

// cleanText trims s and checks its length in characters; control characters
// are refused, except newlines and tabs where multiline allows them (CRLF is
// folded to LF). The problem, if any, has an ID.
func cleanText(s string, minLen, maxLen int, multiline bool) (string, Msg) {
	if !utf8.ValidString(s) {
		return "", M("errors.field.not_utf8")
	}
	if multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	s = strings.TrimSpace(s)
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' || isBidiControl(r) {
			return "", M("errors.field.control")
		}
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n < minLen && minLen == 1:
		return "", M("errors.field.required")
	case n < minLen || n > maxLen:
		return "", M("errors.field.length", "Min", minLen, "Max", maxLen)
	}
	return s, Msg{}
}

// isBidiControl reports the characters that reorder text when shown (they can
// make a name read differently in the owner's console than it is stored).
func isBidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// ParseEmail trims and checks an email address: a bare address (no display
// name) of at most 254 characters, a local part of at most 64, and a domain of
// dot-separated labels with a top-level domain.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	invalid := M("errors.field.email")
	if s == "" {
		return "", M("errors.field.required")
	}
	if len(s) > 254 || !utf8.ValidString(s) {
		return "", invalid
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || unicode.IsControl(r) || unicode.IsSpace(r) {
			return "", invalid
		}
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", invalid
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if at < 1 || len(local) > 64 || strings.HasPrefix(local, "\"") {
		return "", invalid
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", invalid
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return "", invalid
		}
		for _, r := range l {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
				return "", invalid
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.IndexFunc(tld, unicode.IsLetter) < 0 {
		return "", invalid
	}
	return s, nil
}

// ParsePhone checks an optional phone number: 7 to 15 digits, with an optional
// leading "+" and spaces, dashes and brackets between. "" is allowed.
func ParsePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > 40 {
		return "", M("errors.field.phone")
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", M("errors.field.phone")
		}
	}
	if digits < 7 || digits > 15 {
		return "", M("errors.field.phone")
	}
	return s, nil
}

// ParseRegistration normalises a vehicle registration (spaces and dashes
// removed, upper case) and checks it is 2 to 10 letters and digits.
func ParseRegistration(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-':
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
		default:
			return "", M("errors.field.registration")
		}
		if b.Len() > 10 {
			break
		}
	}
	if n := b.Len(); n < 2 || n > 10 {
		return "", M("errors.field.registration")
	}
	return b.String(), nil
}
