package app

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// validRequest is a booking request for the demo venue that passes every rule.
func validRequest() BookingRequest {
	return BookingRequest{
		Tier: "classic", Package: "classic-60", Start: "2026-12-01T09:00:00Z", Guests: 2,
		Customer: CustomerRequest{Name: "Ada Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0958"},
	}
}

func int64p(v int64) *int64 { return &v }

func TestValidateBookingFields(t *testing.T) {
	demo := MustDemoConfig(t)
	noParking := *demo
	noParking.Parking.Enabled = false

	tests := []struct {
		name   string
		cfg    *Config
		change func(*BookingRequest)
		fields []string // exactly the field paths at fault; nil = valid
	}{
		{"valid", demo, func(*BookingRequest) {}, nil},
		{"optional fields empty", demo, func(r *BookingRequest) { r.Customer.Phone, r.Notes = "", "" }, nil},
		{"max guests", demo, func(r *BookingRequest) { r.Guests = 4 }, nil},
		{"private tier allows more guests", demo, func(r *BookingRequest) { r.Tier, r.Package, r.Guests = "private", "private-120", 8 }, nil},
		{"name of 100 emoji", demo, func(r *BookingRequest) { r.Customer.Name = strings.Repeat("😀", 100) }, nil},
		{"name of 100 two-byte letters", demo, func(r *BookingRequest) { r.Customer.Name = strings.Repeat("é", 100) }, nil},
		{"name padded to 104 with spaces", demo, func(r *BookingRequest) { r.Customer.Name = "  " + strings.Repeat("a", 100) + "  " }, nil},
		{"notes with newlines and tabs", demo, func(r *BookingRequest) { r.Notes = "line one\nline two\r\n\tindented" }, nil},
		{"notes of 1000 characters", demo, func(r *BookingRequest) { r.Notes = strings.Repeat("ü", 1000) }, nil},
		{"matching expected price", demo, func(r *BookingRequest) { r.ExpectedPriceCents = int64p(4500) }, nil},
		{"parking registration", demo, func(r *BookingRequest) { r.Parking = &ParkingRequest{VehicleRegistration: "ab12 cde"} }, nil},

		{"missing tier", demo, func(r *BookingRequest) { r.Tier = "" }, []string{"tier"}},
		{"unknown tier", demo, func(r *BookingRequest) { r.Tier = "gold" }, []string{"tier"}},
		{"unknown package", demo, func(r *BookingRequest) { r.Package = "classic-45" }, []string{"package"}},
		{"missing package", demo, func(r *BookingRequest) { r.Package = "" }, []string{"package"}},
		{"tier does not own package", demo, func(r *BookingRequest) { r.Tier = "private" }, []string{"package"}},
		{"package of another tier", demo, func(r *BookingRequest) { r.Package = "private-120" }, []string{"package"}},
		{"missing start", demo, func(r *BookingRequest) { r.Start = "" }, []string{"start"}},
		{"start not RFC 3339", demo, func(r *BookingRequest) { r.Start = "2026-12-01 09:00" }, []string{"start"}},
		{"start without offset", demo, func(r *BookingRequest) { r.Start = "2026-12-01T09:00:00" }, []string{"start"}},
		{"no guests", demo, func(r *BookingRequest) { r.Guests = 0 }, []string{"guests"}},
		{"negative guests", demo, func(r *BookingRequest) { r.Guests = -1 }, []string{"guests"}},
		{"one guest over max", demo, func(r *BookingRequest) { r.Guests = 5 }, []string{"guests"}},
		{"empty name", demo, func(r *BookingRequest) { r.Customer.Name = "" }, []string{"customer.name"}},
		{"blank name", demo, func(r *BookingRequest) { r.Customer.Name = " \t " }, []string{"customer.name"}},
		{"name of 101 emoji", demo, func(r *BookingRequest) { r.Customer.Name = strings.Repeat("😀", 101) }, []string{"customer.name"}},
		{"name with newline inside", demo, func(r *BookingRequest) { r.Customer.Name = "Ada\nLovelace" }, []string{"customer.name"}},
		{"name with NUL", demo, func(r *BookingRequest) { r.Customer.Name = "Ada\x00" }, []string{"customer.name"}},
		{"name with tab inside", demo, func(r *BookingRequest) { r.Customer.Name = "Ada\tLovelace" }, []string{"customer.name"}},
		{"name with DEL", demo, func(r *BookingRequest) { r.Customer.Name = "Ada\x7f" }, []string{"customer.name"}},
		{"name with C1 control", demo, func(r *BookingRequest) { r.Customer.Name = "Ada\u0085Lovelace" }, []string{"customer.name"}},
		{"name with line separator", demo, func(r *BookingRequest) { r.Customer.Name = "Ada\u2028Lovelace" }, []string{"customer.name"}},
		{"name with invalid UTF-8", demo, func(r *BookingRequest) { r.Customer.Name = "Ada\xff" }, []string{"customer.name"}},
		{"bad email", demo, func(r *BookingRequest) { r.Customer.Email = "ada@example" }, []string{"customer.email"}},
		{"missing email", demo, func(r *BookingRequest) { r.Customer.Email = "" }, []string{"customer.email"}},
		{"bad phone", demo, func(r *BookingRequest) { r.Customer.Phone = "call me" }, []string{"customer.phone"}},
		{"notes with NUL", demo, func(r *BookingRequest) { r.Notes = "hello\x00" }, []string{"notes"}},
		{"notes with escape", demo, func(r *BookingRequest) { r.Notes = "red \x1b[31m" }, []string{"notes"}},
		{"notes of 1001 characters", demo, func(r *BookingRequest) { r.Notes = strings.Repeat("ü", 1001) }, []string{"notes"}},
		{"negative expected price", demo, func(r *BookingRequest) { r.ExpectedPriceCents = int64p(-1) }, []string{"expected_price_cents"}},
		{"bad registration", demo, func(r *BookingRequest) { r.Parking = &ParkingRequest{VehicleRegistration: "A"} }, []string{"parking.vehicle_registration"}},
		{"empty registration", demo, func(r *BookingRequest) { r.Parking = &ParkingRequest{} }, []string{"parking.vehicle_registration"}},
		{"parking when the venue has none", &noParking, func(r *BookingRequest) { r.Parking = &ParkingRequest{VehicleRegistration: "AB12CDE"} }, []string{"parking"}},
		{"everything wrong at once", demo, func(r *BookingRequest) {
			*r = BookingRequest{Tier: "gold", Package: "nope", Start: "soon", Guests: 0, Notes: "\x00",
				Customer:           CustomerRequest{Name: "", Email: "x", Phone: "1"},
				ExpectedPriceCents: int64p(-5), Parking: &ParkingRequest{VehicleRegistration: "!"}}
		}, []string{"customer.email", "customer.name", "customer.phone", "expected_price_cents", "guests", "notes", "package", "parking.vehicle_registration", "start", "tier"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := validRequest()
			tc.change(&req)
			v, err := ValidateBooking(tc.cfg, req)
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("ValidateBooking: %v", err)
				}
				checkValidBooking(t, v)
				return
			}
			e := MustDomainError(t, err, CodeValidationFailed)
			if got := sortedKeys(e.Fields); !slices.Equal(got, tc.fields) {
				t.Errorf("fields %q; want %q (%v)", got, tc.fields, e.Fields)
			}
			for k, msg := range e.Fields {
				if msg == "" {
					t.Errorf("field %q has no message", k)
				}
			}
		})
	}
}

// checkValidBooking asserts the invariants every accepted booking holds.
func checkValidBooking(t *testing.T, v ValidBooking) {
	t.Helper()
	if v.Tier == nil || v.Package == nil {
		t.Fatalf("valid booking without tier or package: %+v", v)
	}
	if !slices.ContainsFunc(v.Tier.Packages, func(p Package) bool { return p.ID == v.Package.ID }) {
		t.Errorf("tier %q does not own package %q", v.Tier.ID, v.Package.ID)
	}
	if got := v.End.Sub(v.Start); got != time.Duration(v.Package.DurationMinutes)*time.Minute {
		t.Errorf("End-Start = %v; want the package's %d minutes", got, v.Package.DurationMinutes)
	}
	if v.PriceCents != v.Package.PriceCents {
		t.Errorf("price %d; want the package's %d", v.PriceCents, v.Package.PriceCents)
	}
	if v.Guests < 1 || v.Guests > v.Package.MaxGuests {
		t.Errorf("guests %d outside 1..%d", v.Guests, v.Package.MaxGuests)
	}
	if v.Name != strings.TrimSpace(v.Name) || v.Name == "" {
		t.Errorf("name %q not trimmed or empty", v.Name)
	}
}

func TestValidateBookingNormalises(t *testing.T) {
	demo := MustDemoConfig(t)
	req := BookingRequest{
		Tier: " classic ", Package: " classic-90 ", Start: "2026-12-01T10:00:00+01:00", Guests: 3,
		Customer: CustomerRequest{Name: "  Ada Lovelace \n", Email: "  ada@example.com ", Phone: " (020) 7946-0958 "},
		Notes:    "  first line\r\nsecond line  ",
		Parking:  &ParkingRequest{VehicleRegistration: " ab12-cde "},
	}
	v, err := ValidateBooking(demo, req)
	if err != nil {
		t.Fatal(err)
	}
	checkValidBooking(t, v)
	want := ValidBooking{
		Tier: v.Tier, Package: v.Package,
		Start: MustInstant(t, "2026-12-01T09:00:00Z"), End: MustInstant(t, "2026-12-01T10:30:00Z"),
		Guests: 3, Name: "Ada Lovelace", Email: "ada@example.com", Phone: "(020) 7946-0958",
		Notes: "first line\nsecond line", VehicleRegistration: "AB12CDE", PriceCents: 6000,
	}
	if v.Tier.ID != "classic" || v.Package.ID != "classic-90" {
		t.Errorf("tier %q package %q", v.Tier.ID, v.Package.ID)
	}
	if !v.Start.Equal(want.Start) || !v.End.Equal(want.End) {
		t.Errorf("start %v end %v; want %v %v", v.Start, v.End, want.Start, want.End)
	}
	v.Start, v.End, want.Start, want.End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if v != want {
		t.Errorf("ValidateBooking =\n  %+v\nwant\n  %+v", v, want)
	}
}

func TestValidateBookingPriceChanged(t *testing.T) {
	demo := MustDemoConfig(t)
	for _, expected := range []int64{0, 4499, 4501, 6000} {
		req := validRequest()
		req.ExpectedPriceCents = int64p(expected)
		_, err := ValidateBooking(demo, req)
		e := MustDomainError(t, err, CodePriceChanged)
		if len(e.Fields) != 0 {
			t.Errorf("expected %d: price_changed carries fields %v", expected, e.Fields)
		}
		if !strings.Contains(e.Message, "4500") {
			t.Errorf("expected %d: message %q does not give the current price", expected, e.Message)
		}
	}
	// A field error wins over a price check: the price is only compared for a valid request.
	req := validRequest()
	req.ExpectedPriceCents = int64p(1)
	req.Guests = 0
	_, err := ValidateBooking(demo, req)
	MustDomainError(t, err, CodeValidationFailed)
}

// emailOfLength builds a valid-looking address of exactly n bytes with a local
// part of local bytes.
func emailOfLength(t *testing.T, local, n int) string {
	t.Helper()
	domainLen := n - local - 1 - len(".com")
	var labels []string
	for domainLen > 0 {
		l := min(domainLen, 63)
		if domainLen-l == 1 { // avoid a trailing empty label
			l--
		}
		labels = append(labels, strings.Repeat("d", l))
		domainLen -= l + 1
	}
	s := strings.Repeat("l", local) + "@" + strings.Join(labels, ".") + ".com"
	if len(s) != n {
		t.Fatalf("built %d-byte address; want %d", len(s), n)
	}
	return s
}

func TestParseEmail(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "" = invalid
	}{
		{"plain", "ada@example.com", "ada@example.com"},
		{"trimmed", "  ada@example.com\t", "ada@example.com"},
		{"subdomain and plus", "a.b+tag@mail.example.co.uk", "a.b+tag@mail.example.co.uk"},
		{"one-letter TLD", "a@b.c", "a@b.c"},
		{"digits and hyphen in domain", "x@my-host1.example.org", "x@my-host1.example.org"},
		{"254 bytes", emailOfLength(t, 64, 254), emailOfLength(t, 64, 254)},
		{"255 bytes", emailOfLength(t, 64, 255), ""},
		{"local part of 65", emailOfLength(t, 65, 100), ""},
		{"empty", "", ""},
		{"spaces only", "   ", ""},
		{"no at", "ada.example.com", ""},
		{"nothing before at", "@example.com", ""},
		{"nothing after at", "ada@", ""},
		{"no TLD", "ada@example", ""},
		{"localhost", "ada@localhost", ""},
		{"numeric TLD", "ada@10.0.0.1", ""},
		{"display name", "A <a@b.c>", ""},
		{"quoted display name", `"Ada" <ada@example.com>`, ""},
		{"angle brackets", "<ada@example.com>", ""},
		{"two at signs", "ada@@example.com", ""},
		{"space inside", "ada lovelace@example.com", ""},
		{"newline inside", "ada\n@example.com", ""},
		{"empty label", "ada@example..com", ""},
		{"trailing dot", "ada@example.com.", ""},
		{"leading hyphen label", "ada@-example.com", ""},
		{"trailing hyphen label", "ada@example-.com", ""},
		{"underscore in domain", "ada@exa_mple.com", ""},
		{"domain literal", "ada@[127.0.0.1]", ""},
		{"quoted local part", `"ada"@example.com`, ""},
		{"comment", "ada@example.com (Ada)", ""},
		{"two addresses", "a@b.com,c@d.com", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseEmail(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Errorf("ParseEmail(%q) = %q; want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParsePhone(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"empty is allowed", "", true},
		{"international with spaces", "+44 20 7946 0958", true},
		{"dashes", "020-7946-0958", true},
		{"brackets", "(020) 7946 0958", true},
		{"US style", "+1 (555) 123-4567", true},
		{"7 digits", "1234567", true},
		{"15 digits", "123456789012345", true},
		{"15 digits with plus", "+123456789012345", true},
		{"6 digits", "123456", false},
		{"16 digits", "1234567890123456", false},
		{"plus alone", "+", false},
		{"plus in the middle", "12+34567", false},
		{"two pluses", "++441234567", false},
		{"letters", "phone me", false},
		{"extension", "020 7946 0958 ext 2", false},
		{"dots", "020.7946.0958", false},
		{"fullwidth digits", "１２３４５６７８", false},
		{"newline", "0207946\n0958", false},
		{"too long with separators", "1" + strings.Repeat(" ", 40) + "234567", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePhone(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParsePhone(%q) = %q, %v; want ok=%v", tc.in, got, err, tc.ok)
			}
			if tc.ok && got != strings.TrimSpace(tc.in) {
				t.Errorf("ParsePhone(%q) = %q; want it trimmed", tc.in, got)
			}
		})
	}
}

func TestParseRegistration(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = invalid
	}{
		{"ab12 cde", "AB12CDE"},
		{"AB12CDE", "AB12CDE"},
		{"ab-12-cde", "AB12CDE"},
		{"  a1  ", "A1"},
		{"ABCDEFGHIJ", "ABCDEFGHIJ"},
		{"AB 12 CD EF GH", "AB12CDEFGH"},
		{"A", ""},
		{"", ""},
		{" - ", ""},
		{"ABCDEFGHIJK", ""},
		{"ÄB12", ""},
		{"AB_12", ""},
		{"AB.12", ""},
		{"AB12\x00", ""},
		{"AB\t12", ""},
		{strings.Repeat("A", 50), ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRegistration(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Errorf("ParseRegistration(%q) = %q; want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseRegistration(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}
