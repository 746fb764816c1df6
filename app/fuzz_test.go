package app

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
	"venuebook/store"
)

func FuzzParseInstant(f *testing.F) {
	for _, s := range []string{
		"2026-12-01T09:00:00Z", "2026-06-01T10:00:00+01:00", "2026-06-02T00:00:00+14:00", "2026-12-01T09:00:00.123456789-05:30",
		"0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2026-12-01T09:00:00", "2026-02-29T00:00:00Z", "", "tomorrow",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseInstant(s)
		if err != nil {
			if !ts.IsZero() {
				t.Errorf("ParseInstant(%q) failed but returned %v", s, ts)
			}
			return
		}
		if len(s) > 40 {
			t.Errorf("ParseInstant accepted %d bytes; the cap is 40", len(s))
		}
		back := ts.Format(time.RFC3339Nano)
		again, err := ParseInstant(back)
		if err != nil {
			t.Fatalf("ParseInstant(%q) = %v, but its RFC3339Nano form %q does not parse: %v", s, ts, back, err)
		}
		if !again.Equal(ts) {
			t.Errorf("round trip %q → %q → %v; want %v", s, back, again, ts)
		}
		_, off1 := ts.Zone()
		_, off2 := again.Zone()
		if off1 != off2 {
			t.Errorf("round trip changed the offset from %d to %d", off1, off2)
		}
	})
}

func FuzzParseHours(f *testing.F) {
	for _, s := range []string{
		"", "09:00-21:00", "00:00-24:00", "09:00-12:00,13:00-21:00", " 09:00 - 12:00 , 12:00 - 13:00 ", "09:00-13:00,12:00-21:00",
		"24:00-24:00", "23:59-24:00", "9:00-5:00", "09:00-21:00,", "-", ",", "00:00-00:01,00:01-00:02",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ranges, err := ParseHours(s)
		if err != nil {
			if ranges != nil {
				t.Errorf("ParseHours(%q) failed but returned %v", s, ranges)
			}
			return
		}
		if strings.TrimSpace(s) == "" {
			if ranges != nil {
				t.Errorf("ParseHours(%q) = %v; want closed (nil)", s, ranges)
			}
			return
		}
		if len(ranges) == 0 {
			t.Fatalf("ParseHours(%q) accepted non-blank text as closed", s)
		}
		parts := make([]string, len(ranges))
		for i, r := range ranges {
			if r.Start < 0 || r.End > 1440 || r.End <= r.Start {
				t.Errorf("range %d %+v outside 0..1440 or not ending after its start", i, r)
			}
			if i > 0 && r.Start < ranges[i-1].End {
				t.Errorf("range %d %+v overlaps or precedes range %d %+v", i, r, i-1, ranges[i-1])
			}
			parts[i] = fmt.Sprintf("%02d:%02d-%02d:%02d", r.Start/60, r.Start%60, r.End/60, r.End%60)
		}
		// The canonical spelling of the ranges parses to the same ranges.
		canon := strings.Join(parts, ",")
		again, err := ParseHours(canon)
		if err != nil || !slices.Equal(again, ranges) {
			t.Errorf("canonical %q of %q parses to %v, %v; want %v", canon, s, again, err, ranges)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-12-01", "2028-02-29", "2026-02-29", "0000-01-01", "9999-12-31", "2026-1-01", "+026-01-01", "2026-12-01T00:00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Errorf("ParseDate(%q).String() = %q", s, d.String())
		}
		if d.Month < time.January || d.Month > time.December || d.Day < 1 || d.Day > 31 {
			t.Errorf("ParseDate(%q) = %+v out of range", s, d)
		}
		if next := d.AddDays(1); !d.Before(next) || d.DaysUntil(next) != 1 || next.AddDays(-1) != d {
			t.Errorf("day arithmetic broken around %s: next %s", d, next)
		}
	})
}

var registrationPattern = regexp.MustCompile(`^[A-Z0-9]{2,10}$`)

// validationFields are the field paths API.md names for a booking request.
var validationFields = []string{
	"tier", "package", "start", "guests", "customer.name", "customer.email", "customer.phone",
	"notes", "expected_price_cents", "parking", "parking.vehicle_registration",
}

func FuzzValidateBooking(f *testing.F) {
	text, err := os.ReadFile(demoConfigPath)
	if err != nil {
		f.Fatal(err)
	}
	cfg, err := ParseConfig(text, demoConfigPath, "", noEnv)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("Ada Lovelace", "ada@example.com", "+44 20 7946 0958", "", "AB12 CDE", 2)
	f.Add("  Ada \n", " ada@example.com ", "", "line\r\nline\ttab", "ab-12-cde", 4)
	f.Add(strings.Repeat("😀", 100), "a@b.c", "1234567", strings.Repeat("x", 1000), "A1", 1)
	f.Add(strings.Repeat("😀", 101), "A <a@b.c>", "123456", "\x00", "A", 0)
	f.Add("Ada\u2028", "a@b", "++1", "\u0085", "ÄB", 5)
	f.Add("\xff", "\xff@x.com", "(020) 7946-0958", "\xff", "\xff", -1)
	f.Fuzz(func(t *testing.T, name, email, phone, notes, reg string, guests int) {
		req := BookingRequest{
			Tier: "classic", Package: "classic-60", Start: "2026-12-01T09:00:00Z", Guests: guests,
			Customer: CustomerRequest{Name: name, Email: email, Phone: phone},
			Notes:    notes,
			Parking:  &ParkingRequest{VehicleRegistration: reg},
		}
		v, err := ValidateBooking(cfg, req)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeValidationFailed || len(e.Fields) == 0 {
				t.Fatalf("error %v; want validation_failed with fields", err)
			}
			for k := range e.Fields {
				if !slices.Contains(validationFields, k) {
					t.Errorf("unknown field path %q", k)
				}
			}
			return
		}
		if n := utf8.RuneCountInString(v.Name); n < 1 || n > 100 || !utf8.ValidString(v.Name) {
			t.Errorf("accepted name %q of %d characters", v.Name, n)
		}
		if v.Name != strings.TrimSpace(v.Name) {
			t.Errorf("name %q not trimmed", v.Name)
		}
		if strings.IndexFunc(v.Name, unicode.IsControl) >= 0 {
			t.Errorf("accepted name %q with a control character", v.Name)
		}
		if n := utf8.RuneCountInString(v.Notes); n > 1000 || !utf8.ValidString(v.Notes) {
			t.Errorf("accepted notes of %d characters", n)
		}
		if strings.IndexFunc(v.Notes, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0 {
			t.Errorf("accepted notes %q with a control character", v.Notes)
		}
		if len(v.Email) > 254 || v.Email == "" || strings.IndexFunc(v.Email, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			t.Errorf("accepted email %q (%d bytes)", v.Email, len(v.Email))
		}
		if again, err := ParseEmail(v.Email); err != nil || again != v.Email {
			t.Errorf("accepted email %q is not stable: %q, %v", v.Email, again, err)
		}
		if !registrationPattern.MatchString(v.VehicleRegistration) {
			t.Errorf("accepted registration %q from %q", v.VehicleRegistration, reg)
		}
		if v.Phone != "" {
			digits := 0
			for _, r := range v.Phone {
				if r >= '0' && r <= '9' {
					digits++
				}
			}
			if digits < 7 || digits > 15 {
				t.Errorf("accepted phone %q with %d digits", v.Phone, digits)
			}
		}
		if v.Guests < 1 || v.Guests > v.Package.MaxGuests {
			t.Errorf("accepted %d guests", v.Guests)
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	demo, err := os.ReadFile(demoConfigPath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(demo))
	f.Add(catalogTOML)
	f.Add("[venue.hours]\nmon = \"09:00-12:00,13:00-21:00\"\n" + catalogTOML)
	f.Add("[venue]\ntimezone = \"Pacific/Kiritimati\"\nslot_step_minutes = 5\n" + catalogTOML)
	f.Add("[[closures]]\nstart = \"2026-12-25\"\n" + catalogTOML)
	f.Add("[venue]\ncolour = 1\n")
	f.Add("[[tiers]]\nid = \"a\"\n[[tiers.packages]]\nduration_minutes = 99999\n")
	f.Add("")
	f.Add("[backup]\nschedule = \"@every 1h\"\n" + catalogTOML)
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := ParseConfig([]byte(text), "fuzz.toml", "", noEnv)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error %T %v; want a *ConfigError with problems", err, err)
			}
			if cfg != nil {
				t.Errorf("config returned with an error")
			}
			return
		}
		if cfg.Location == nil {
			t.Fatal("valid config without a Location")
		}
		if len(cfg.Rooms) == 0 || len(cfg.Tiers) == 0 {
			t.Errorf("valid config with %d rooms and %d tiers", len(cfg.Rooms), len(cfg.Tiers))
		}
		rooms := map[string]bool{}
		for _, r := range cfg.Rooms {
			if rooms[r.ID] {
				t.Errorf("duplicate room %q", r.ID)
			}
			rooms[r.ID] = true
		}
		packages := map[string]bool{}
		for _, tier := range cfg.Tiers {
			if len(tier.Packages) == 0 {
				t.Errorf("tier %q without packages", tier.ID)
			}
			for _, r := range cfg.TierRooms(&tier) {
				if !rooms[r] {
					t.Errorf("tier %q uses unknown room %q", tier.ID, r)
				}
			}
			for _, p := range tier.Packages {
				if packages[p.ID] {
					t.Errorf("duplicate package %q", p.ID)
				}
				packages[p.ID] = true
				if p.DurationMinutes < MinDurationMinutes || p.DurationMinutes > MaxDurationMinutes {
					t.Errorf("package %q lasts %d minutes", p.ID, p.DurationMinutes)
				}
				if time.Duration(p.DurationMinutes)*time.Minute > MaxBookingLength {
					t.Errorf("package %q longer than MaxBookingLength", p.ID)
				}
				if p.PriceCents < 0 || p.PriceCents > MaxPriceCents || p.MaxGuests < 1 || p.MaxGuests > MaxGuestsLimit {
					t.Errorf("package %q: price %d, max guests %d", p.ID, p.PriceCents, p.MaxGuests)
				}
				if owner, _, ok := cfg.FindPackage(p.ID); !ok || owner.ID != tier.ID {
					t.Errorf("FindPackage(%q) does not find it in tier %q", p.ID, tier.ID)
				}
			}
		}
		for wd, ranges := range cfg.Venue.Week {
			for i, r := range ranges {
				if r.Start < 0 || r.End > 1440 || r.End <= r.Start || (i > 0 && r.Start < ranges[i-1].End) {
					t.Errorf("Week[%v] range %d is %+v", time.Weekday(wd), i, r)
				}
			}
		}
		for i, c := range cfg.Closures {
			if c.To.Before(c.From) || c.From.String() != c.Start {
				t.Errorf("closure %d: %+v", i, c)
			}
		}
		r := RulesFromConfig(cfg)
		if r.SlotStep < 5*time.Minute || r.Gap < 0 || r.MinNotice < 0 || r.MaxAdvance < 1 {
			t.Errorf("rules out of range: %+v", r)
		}
		if cfg.Parking.LinkTTL <= 0 || cfg.Mail.RetryBase <= 0 || cfg.Mail.ReminderBefore < 0 {
			t.Errorf("durations: link_ttl %v, retry_base %v, reminder_before %v", cfg.Parking.LinkTTL, cfg.Mail.RetryBase, cfg.Mail.ReminderBefore)
		}
		for _, rate := range []string{cfg.Limits.BookingPerIP, cfg.Limits.BookingPerEmail, cfg.Limits.ReadPerIP, cfg.Limits.LoginPerIP, cfg.Limits.EmailPerRecipient} {
			if _, err := ParseRate(rate); err != nil {
				t.Errorf("valid config holds bad rate %q", rate)
			}
		}
		// A day's starts on a valid config are always real starts on that date.
		d := Date{2026, time.October, 25}
		for _, s := range r.DayStarts(d, time.Duration(cfg.Tiers[0].Packages[0].DurationMinutes)*time.Minute) {
			if DateOf(s, r.Location) != d {
				t.Errorf("start %s is not on %s", FormatInstant(s, r.Location), d)
			}
		}
	})
}

// FuzzDecodeCursor: any cursor text is refused with invalid_request or read
// into a page mark that encodes back to the same text.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(store.PageMark{Start: time.Unix(1796000000, 0), Room: "room.1", ID: "01jabcdefghjkmnpqrstvwxyz0"}))
	f.Add("")
	f.Add("MTIz")
	f.Fuzz(func(t *testing.T, c string) {
		m, err := decodeCursor(c)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeInvalidRequest {
				t.Fatalf("cursor %q: %v", c, err)
			}
			return
		}
		if back := encodeCursor(m); back != c {
			if _, err := decodeCursor(back); err != nil {
				t.Fatalf("cursor %q read as %+v, which encodes to the unreadable %q", c, m, back)
			}
		}
	})
}
