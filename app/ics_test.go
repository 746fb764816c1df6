package app

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"venuebook/store"
)

// icsService is a Service with the demo config and no store: ICS needs only the config.
func icsService(t *testing.T, edit func(*Config)) *Service {
	t.Helper()
	cfg := MustDemoConfig(t)
	if edit != nil {
		edit(cfg)
	}
	return &Service{Config: cfg, Rules: RulesFromConfig(cfg)}
}

func icsBooking(t *testing.T) Booking {
	t.Helper()
	return Booking{
		Booking: store.Booking{
			ID: "bk_01HXYZ", Reference: "VB-7K3Q9M", TierID: "classic", PackageID: "classic-60", RoomID: "main",
			Start:  MustInstant(t, "2026-06-01T10:00:00+01:00"),
			End:    MustInstant(t, "2026-06-01T11:00:00+01:00"),
			Guests: 2, PriceCents: 4500, Currency: "GBP",
			CustomerName: "Ada Lovelace", CustomerEmail: "ada@example.com",
			Status: "confirmed", Sequence: 0,
		},
		ManageURL: "http://localhost:8080/b/bk_01HXYZ?t=abc",
	}
}

// icsProperty is one unfolded content line.
type icsProperty struct {
	Name, Params, Value string
}

// MustParseICS checks the RFC 5545 line rules of a calendar object (CRLF
// endings, at most 75 octets per line, folds that never split a UTF-8
// sequence) and returns its unfolded content lines.
func MustParseICS(t *testing.T, data []byte) []icsProperty {
	t.Helper()
	text := string(data)
	if !strings.HasSuffix(text, "\r\n") {
		t.Fatalf("calendar does not end with CRLF: %q", text[max(0, len(text)-20):])
	}
	physical := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
	var logical []string
	for i, line := range physical {
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 75 {
			t.Errorf("line %d is %d octets long (max 75): %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d is not valid UTF-8 on its own (a fold split a character): %q", i+1, line)
		}
		if strings.HasPrefix(line, " ") {
			if len(logical) == 0 {
				t.Fatalf("first line is a continuation")
			}
			logical[len(logical)-1] += line[1:]
			continue
		}
		if line == "" {
			t.Errorf("line %d is empty", i+1)
		}
		logical = append(logical, line)
	}
	props := make([]icsProperty, 0, len(logical))
	for _, l := range logical {
		// The value starts at the first ':' outside a quoted parameter value.
		quoted, colon := false, -1
		for i := 0; i < len(l) && colon < 0; i++ {
			switch l[i] {
			case '"':
				quoted = !quoted
			case ':':
				if !quoted {
					colon = i
				}
			}
		}
		if colon < 0 {
			t.Fatalf("content line without a value: %q", l)
		}
		name, params, _ := strings.Cut(l[:colon], ";")
		props = append(props, icsProperty{Name: name, Params: params, Value: l[colon+1:]})
	}
	return props
}

// icsValue returns the value of the only property called name.
func icsValue(t *testing.T, props []icsProperty, name string) string {
	t.Helper()
	var found []string
	for _, p := range props {
		if p.Name == name {
			found = append(found, p.Value)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s properties; want 1", len(found), name)
	}
	return found[0]
}

// icsUnescape reverses RFC 5545 TEXT escaping; it fails on a lone backslash
// or an unescaped ';' or ','.
func icsUnescape(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ';', ',':
			t.Errorf("unescaped %q in TEXT value %q", c, s)
		case '\\':
			if i+1 == len(s) {
				t.Errorf("TEXT value ends with a lone backslash: %q", s)
				return b.String()
			}
			i++
			switch s[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			case '\\', ';', ',':
				b.WriteByte(s[i])
			default:
				t.Errorf("bad escape \\%c in %q", s[i], s)
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func TestICSContent(t *testing.T) {
	svc := icsService(t, nil)
	b := icsBooking(t)
	b.Sequence = 3
	stamp := MustInstant(t, "2026-05-20T08:15:30+01:00")
	props := MustParseICS(t, svc.ICS(b, MethodPublish, stamp))

	if props[0].Name != "BEGIN" || props[0].Value != "VCALENDAR" || props[len(props)-1].Name != "END" || props[len(props)-1].Value != "VCALENDAR" {
		t.Errorf("calendar is not wrapped in BEGIN/END:VCALENDAR: first %+v last %+v", props[0], props[len(props)-1])
	}
	want := map[string]string{
		"VERSION":  "2.0",
		"METHOD":   "PUBLISH",
		"UID":      "booking-bk_01HXYZ@localhost",
		"DTSTAMP":  "20260520T071530Z",
		"DTSTART":  "20260601T090000Z",
		"DTEND":    "20260601T100000Z",
		"SEQUENCE": "3",
		"STATUS":   "CONFIRMED",
		"URL":      "http://localhost:8080/b/bk_01HXYZ?t=abc",
		"SUMMARY":  `Demo Venue: Classic\, 60 minutes`,
		"LOCATION": `1 Example Street\, London`,
	}
	for name, v := range want {
		if got := icsValue(t, props, name); got != v {
			t.Errorf("%s = %q; want %q", name, got, v)
		}
	}
	for _, name := range []string{"PRODID", "DESCRIPTION", "ORGANIZER"} {
		icsValue(t, props, name)
	}
	// DTSTART/DTEND are the booking's instants.
	for name, instant := range map[string]time.Time{"DTSTART": b.Start, "DTEND": b.End} {
		got, err := time.Parse("20060102T150405Z", icsValue(t, props, name))
		if err != nil || !got.Equal(instant) {
			t.Errorf("%s = %v (%v); want %v", name, got, err, instant)
		}
	}
	desc := icsUnescape(t, icsValue(t, props, "DESCRIPTION"))
	if !strings.Contains(desc, "VB-7K3Q9M") || !strings.Contains(desc, b.ManageURL) || !strings.Contains(desc, "\n") {
		t.Errorf("DESCRIPTION %q lacks the reference, the manage link or its line break", desc)
	}
	if got := icsValue(t, props, "ORGANIZER"); got != "mailto:bookings@example.com" {
		t.Errorf("ORGANIZER = %q", got)
	}
	// The event sits inside one VEVENT.
	var nesting []string
	for _, p := range props {
		switch p.Name {
		case "BEGIN":
			nesting = append(nesting, p.Value)
		case "END":
			if len(nesting) == 0 || nesting[len(nesting)-1] != p.Value {
				t.Fatalf("END:%s does not close %v", p.Value, nesting)
			}
			nesting = nesting[:len(nesting)-1]
		case "UID", "DTSTART", "SUMMARY":
			if strings.Join(nesting, "/") != "VCALENDAR/VEVENT" {
				t.Errorf("%s outside VEVENT (in %v)", p.Name, nesting)
			}
		}
	}
}

func TestICSStableUIDAndSequence(t *testing.T) {
	svc := icsService(t, nil)
	b := icsBooking(t)
	first := MustParseICS(t, svc.ICS(b, MethodPublish, MustInstant(t, "2026-05-20T08:00:00Z")))

	changed := b
	changed.Sequence = 1
	changed.Start = changed.Start.Add(time.Hour)
	changed.End = changed.End.Add(time.Hour)
	second := MustParseICS(t, svc.ICS(changed, MethodPublish, MustInstant(t, "2026-05-21T08:00:00Z")))

	cancelled := changed
	cancelled.Sequence = 2
	cancelled.Status = "cancelled"
	third := MustParseICS(t, svc.ICS(cancelled, MethodCancel, MustInstant(t, "2026-05-22T08:00:00Z")))

	uid := icsValue(t, first, "UID")
	for i, props := range [][]icsProperty{second, third} {
		if got := icsValue(t, props, "UID"); got != uid {
			t.Errorf("calendar %d: UID %q; want the same %q for the same booking", i+2, got, uid)
		}
	}
	if icsValue(t, first, "SEQUENCE") != "0" || icsValue(t, second, "SEQUENCE") != "1" || icsValue(t, third, "SEQUENCE") != "2" {
		t.Errorf("SEQUENCE not the booking's: %s, %s, %s", icsValue(t, first, "SEQUENCE"), icsValue(t, second, "SEQUENCE"), icsValue(t, third, "SEQUENCE"))
	}
	if icsValue(t, third, "METHOD") != "CANCEL" || icsValue(t, third, "STATUS") != "CANCELLED" {
		t.Errorf("cancellation: METHOD %s STATUS %s", icsValue(t, third, "METHOD"), icsValue(t, third, "STATUS"))
	}
	// A cancelled booking sent with PUBLISH is still shown as cancelled.
	pub := MustParseICS(t, svc.ICS(cancelled, MethodPublish, MustInstant(t, "2026-05-22T08:00:00Z")))
	if icsValue(t, pub, "STATUS") != "CANCELLED" {
		t.Errorf("cancelled booking published with STATUS %s", icsValue(t, pub, "STATUS"))
	}

	other := b
	other.ID = "bk_OTHER"
	if got := icsValue(t, MustParseICS(t, svc.ICS(other, MethodPublish, time.Time{})), "UID"); got == uid {
		t.Errorf("two bookings share UID %q", got)
	}
}

func TestICSEscapingAndFolding(t *testing.T) {
	// Characters of 2, 3 and 4 bytes, so that fold points fall inside them.
	multi := strings.Repeat("ü€😀", 25)
	tests := []struct {
		name     string
		venue    string
		address  string
		wantSumm string // unescaped SUMMARY
	}{
		{"special characters", `Sauna; Steam, Co\Ltd`, "1 Example Street\nLondon; UK", `Sauna; Steam, Co\Ltd: Classic, 60 minutes`},
		{"long multibyte name", multi[:len(multi)-len("😀")], strings.Repeat("Straße ", 40), multi[:len(multi)-len("😀")] + ": Classic, 60 minutes"},
		{"CRLF and CR in address", "Venue", "a\r\nb\rc", "Venue: Classic, 60 minutes"},
		{"quote in name", `The "Best" Sauna`, "x", `The "Best" Sauna: Classic, 60 minutes`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := icsService(t, func(c *Config) {
				c.Venue.Name = tc.venue
				c.Venue.Address = tc.address
			})
			b := icsBooking(t)
			b.ManageURL = "http://localhost:8080/b/" + strings.Repeat("x", 120) + "?t=" + strings.Repeat("y", 43)
			props := MustParseICS(t, svc.ICS(b, MethodPublish, time.Time{}))
			if got := icsUnescape(t, icsValue(t, props, "SUMMARY")); got != tc.wantSumm {
				t.Errorf("SUMMARY unescapes to %q; want %q", got, tc.wantSumm)
			}
			wantAddr := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(tc.address)
			if got := icsUnescape(t, icsValue(t, props, "LOCATION")); got != wantAddr {
				t.Errorf("LOCATION unescapes to %q; want %q", got, wantAddr)
			}
			if got := icsValue(t, props, "URL"); got != b.ManageURL {
				t.Errorf("URL = %q; want %q", got, b.ManageURL)
			}
			for _, p := range props {
				if p.Name == "ORGANIZER" && strings.Count(p.Params, `"`) != 2 {
					t.Errorf("ORGANIZER parameter %q must be one quoted value", p.Params)
				}
			}
		})
	}
}

// TestICSWriterFolding checks the folding rule at its exact boundaries.
func TestICSWriterFolding(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // physical lines
	}{
		{"short", "A:b", []string{"A:b"}},
		{"exactly 75", strings.Repeat("a", 75), []string{strings.Repeat("a", 75)}},
		{"76 folds", strings.Repeat("a", 76), []string{strings.Repeat("a", 75), " a"}},
		{"continuation holds 74", strings.Repeat("a", 75+74+1), []string{strings.Repeat("a", 75), " " + strings.Repeat("a", 74), " a"}},
		{"2-byte char straddles 75", strings.Repeat("a", 74) + "éz", []string{strings.Repeat("a", 74), " éz"}},
		{"4-byte char straddles 75", strings.Repeat("a", 73) + "😀z", []string{strings.Repeat("a", 73), " 😀z"}},
		{"4-byte char ends at 75", strings.Repeat("a", 71) + "😀z", []string{strings.Repeat("a", 71) + "😀", " z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var w icsWriter
			w.line(tc.in)
			if got, want := w.String(), strings.Join(tc.want, "\r\n")+"\r\n"; got != want {
				t.Errorf("folded\n  %q\nwant\n  %q", got, want)
			}
		})
	}
}
