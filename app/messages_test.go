package app

import (
	"html"
	"os"
	"strings"
	"testing"
	"time"

	"venuebook/store"
)

// mailService is a Service with the demo config (edited), the real mail
// templates and a clock pinned at now; no store: composing needs none.
func mailService(t *testing.T, now time.Time, edit func(*Config)) *Service {
	t.Helper()
	cfg := MustDemoConfig(t)
	cfg.Venue.Phone, cfg.Venue.Email, cfg.Venue.Website = "+44 20 7946 0000", "desk@sauna.example", "https://sauna.example"
	if edit != nil {
		edit(cfg)
	}
	mt, err := parseMailTemplates(os.DirFS("../assets"))
	if err != nil {
		t.Fatal(err)
	}
	return &Service{Config: cfg, Rules: RulesFromConfig(cfg), Now: func() time.Time { return now }, mail: mt}
}

// mailBooking is a confirmed booking on Wednesday 9 December 2026,
// 14:00–15:00 in London (GMT), with a parking permit decided.
func mailBooking(t *testing.T, s *Service, start string) Booking {
	t.Helper()
	st := MustInstant(t, start)
	return s.withLinks(store.Booking{
		ID: "bk_01HXYZ", Reference: "VB-7K3Q9M", TierID: "classic", PackageID: "classic-60", RoomID: "main",
		Start: st, End: st.Add(time.Hour), Guests: 2, PriceCents: 4500, Currency: "GBP",
		CustomerName: "Ada Lovelace", CustomerEmail: "ada@example.com", CustomerPhone: "+44 20 7946 0958",
		Status: store.StatusConfirmed,
		Permit: &store.Permit{ID: "pm_1", Status: store.PermitApproved, VehicleRegistration: "AB12CDE", ApproverEmail: "parking@example.com"},
	})
}

const dec9At14 = "2026-12-09T14:00:00Z"

// The customer's emails carry the venue's phone, email and website, as
// text and as links, and reply to venue.email; the owner's and the
// approver's carry none of it and keep replying to mail.from.
func TestCustomerEmailsCarryTheVenuesContact(t *testing.T) {
	s := mailService(t, MustInstant(t, "2026-12-01T10:00:00Z"), nil)
	b := mailBooking(t, s, dec9At14)
	for _, kind := range mailKinds {
		t.Run(kind, func(t *testing.T) {
			var m store.Message
			var err error
			if kind == KindPermitRequest {
				var msgs []store.Message
				msgs, err = s.permitRequestEmails(b.Booking, "token", s.Now())
				if err == nil {
					m = msgs[0]
				}
			} else {
				m, err = s.render(kind, "someone@example.com", b)
			}
			if err != nil {
				t.Fatal(err)
			}
			m.HTML = html.UnescapeString(m.HTML)
			texts := []string{"+44 20 7946 0000", "desk@sauna.example", "https://sauna.example"}
			links := []string{`href="tel:+442079460000"`, `href="mailto:desk@sauna.example"`, `href="https://sauna.example"`}
			if !ToCustomer(kind) {
				if m.ReplyTo != "" {
					t.Errorf("Reply-To %q on the %s email", m.ReplyTo, kind)
				}
				for _, w := range append(texts, links...) {
					if strings.Contains(m.Text, w) || strings.Contains(m.HTML, w) {
						t.Errorf("the %s email carries the venue's %q", kind, w)
					}
				}
				return
			}
			if m.ReplyTo != "desk@sauna.example" {
				t.Errorf("Reply-To %q, want desk@sauna.example", m.ReplyTo)
			}
			for _, w := range texts {
				if !strings.Contains(m.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, m.Text)
				}
				if !strings.Contains(m.HTML, w) {
					t.Errorf("HTML lacks %q:\n%s", w, m.HTML)
				}
			}
			for _, w := range links {
				if !strings.Contains(m.HTML, w) {
					t.Errorf("HTML lacks the link %s:\n%s", w, m.HTML)
				}
			}
		})
	}

	// Without venue.email there is no Reply-To: replies go to mail.from.
	s = mailService(t, s.Now(), func(c *Config) { c.Venue.Email = "" })
	m, err := s.render(KindConfirmation, "ada@example.com", mailBooking(t, s, dec9At14))
	if err != nil {
		t.Fatal(err)
	}
	if m.ReplyTo != "" || strings.Contains(m.Text, "Email:") {
		t.Errorf("without venue.email: Reply-To %q, text:\n%s", m.ReplyTo, m.Text)
	}
}

// "How to reach the venue" is never a dead end: phone and email when set,
// else the website, else the address, else a reply (to mail.from).
func TestEmailContactFallsBack(t *testing.T) {
	cases := []struct {
		name                           string
		phone, email, website, address string
		want                           string
	}{
		{"phone and email", "+44 20 7946 0000", "desk@sauna.example", "https://sauna.example", "1 High Street",
			"please call +44 20 7946 0000 or write to desk@sauna.example."},
		{"phone only", "+44 20 7946 0000", "", "https://sauna.example", "1 High Street", "please call +44 20 7946 0000."},
		{"email only", "", "desk@sauna.example", "https://sauna.example", "1 High Street", "please write to desk@sauna.example."},
		{"website", "", "", "https://sauna.example/contact", "1 High Street", "please see https://sauna.example/contact."},
		{"address", "", "", "", "1 High Street, London", "please ask us at 1 High Street, London."},
		{"nothing", "", "", "", "", "please reply to this email."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mailService(t, MustInstant(t, "2026-12-01T10:00:00Z"), func(cfg *Config) {
				cfg.Venue.Phone, cfg.Venue.Email, cfg.Venue.Website, cfg.Venue.Address = c.phone, c.email, c.website, c.address
			})
			b := mailBooking(t, s, dec9At14)
			b.Status = store.StatusCancelled
			m, err := s.render(KindCancellation, "ada@example.com", b)
			if err != nil {
				t.Fatal(err)
			}
			if want := "If this is a surprise, " + c.want; !strings.Contains(m.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, m.Text)
			}
			if want := "If this is a surprise, " + c.want; !strings.Contains(html.UnescapeString(m.HTML), want) {
				t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
			}
			if strings.Contains(m.Text, "cancel free of charge") || strings.Contains(m.Text, "no longer be cancelled") {
				t.Errorf("a cancelled booking's email speaks of cancelling it:\n%s", m.Text)
			}
		})
	}
}

// The confirmation, the reminder and the change email say until when the
// booking can be cancelled and moved online, as exact local times with the
// zone in words, and, past those, that it cannot and how to reach the venue.
// With moving switched off (change_cutoff_hours = -1) nothing promises a move.
func TestEmailCancelAndMoveWords(t *testing.T) {
	const reach = "please call +44 20 7946 0000 or write to desk@sauna.example."
	cases := []struct {
		name          string
		now, start    string
		cancel, move  int // cutoff hours
		zone          string
		want, notWant string
	}{
		{name: "both open, one deadline", now: "2026-12-01T10:00:00Z", start: dec9At14, cancel: 24, move: 24,
			want: "You can cancel free of charge, or move your booking to another time, until Tuesday 8 December, 14:00 (UK time), from the link above."},
		{name: "both open, two deadlines", now: "2026-12-01T10:00:00Z", start: dec9At14, cancel: 24, move: 48,
			want: "You can cancel free of charge until Tuesday 8 December, 14:00 (UK time), and move your booking to another time until " +
				"Monday 7 December, 14:00 (UK time), from the link above."},
		{name: "made inside the cutoffs", now: "2026-12-09T10:00:00Z", start: dec9At14, cancel: 24, move: 24,
			want: "Your booking can no longer be cancelled or moved online. To change or cancel it, " + reach, notWant: "until"},
		{name: "the cutoff's last second", now: "2026-12-08T14:00:00Z", start: dec9At14, cancel: 24, move: 24,
			want: "You can cancel free of charge, or move your booking to another time, until Tuesday 8 December, 14:00 (UK time)"},
		{name: "a second past the cutoff", now: "2026-12-08T14:00:01Z", start: dec9At14, cancel: 24, move: 24,
			want: "Your booking can no longer be cancelled or moved online."},
		{name: "moving closed, cancelling open", now: "2026-12-08T09:00:00Z", start: dec9At14, cancel: 24, move: 48,
			want: "You can cancel free of charge until Tuesday 8 December, 14:00 (UK time), from the link above. " +
				"To move your booking to another time, " + reach, notWant: "move your booking to another time until"},
		{name: "cancelling closed, moving open", now: "2026-12-08T20:00:00Z", start: dec9At14, cancel: 24, move: 12,
			want: "Your booking can no longer be cancelled online, but you can move it to another time until " +
				"Wednesday 9 December, 02:00 (UK time), from the link above. To cancel it, " + reach},
		{name: "moving switched off", now: "2026-12-01T10:00:00Z", start: dec9At14, cancel: 24, move: -1,
			want:    "You can cancel free of charge until Tuesday 8 December, 14:00 (UK time), from the link above. To move your booking to another time, " + reach,
			notWant: "move your booking to another time until"},
		{name: "moving switched off, inside the cutoff", now: "2026-12-09T10:00:00Z", start: dec9At14, cancel: 24, move: -1,
			want: "Your booking can no longer be cancelled or moved online. To change or cancel it, " + reach},
		{name: "summer time", now: "2026-07-01T10:00:00Z", start: "2026-07-15T13:00:00Z", cancel: 24, move: 24,
			want: "until Tuesday 14 July, 14:00 (UK time)"},
		{name: "next year", now: "2026-12-20T10:00:00Z", start: "2027-01-05T14:00:00Z", cancel: 48, move: 24,
			want: "until Sunday 3 January 2027, 14:00 (UK time), and move your booking to another time until Monday 4 January 2027, 14:00 (UK time)"},
		{name: "another zone", now: "2026-12-01T10:00:00Z", start: dec9At14, cancel: 24, move: 24, zone: "America/New_York",
			want: "until Tuesday 8 December, 09:00 (New York time)"},
		{name: "a zone without a city", now: "2026-12-01T10:00:00Z", start: dec9At14, cancel: 24, move: 24, zone: "Etc/GMT+5",
			want: "until Tuesday 8 December, 09:00 (Etc/GMT+5)"},
		{name: "no cutoff", now: "2026-12-09T13:00:00Z", start: dec9At14, cancel: 0, move: 0,
			want: "until Wednesday 9 December, 14:00 (UK time)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mailService(t, MustInstant(t, c.now), func(cfg *Config) {
				cfg.Venue.CancelCutoffHours, cfg.Venue.ChangeCutoffHours = c.cancel, c.move
				if c.zone != "" {
					cfg.Venue.Timezone, cfg.Location = c.zone, MustLoadLocation(t, c.zone)
				}
			})
			b := mailBooking(t, s, c.start)
			for _, kind := range []string{KindConfirmation, KindReminder, KindChange} {
				m, err := s.render(kind, b.CustomerEmail, b)
				if err != nil {
					t.Fatal(err)
				}
				oneLine := strings.Join(strings.Fields(m.Text), " ")
				if !strings.Contains(oneLine, c.want) {
					t.Errorf("%s text lacks %q:\n%s", kind, c.want, m.Text)
				}
				m.HTML = html.UnescapeString(m.HTML)
				if !strings.Contains(m.HTML, c.want) {
					t.Errorf("%s HTML lacks %q:\n%s", kind, c.want, m.HTML)
				}
				if c.notWant != "" && strings.Contains(oneLine, c.notWant) {
					t.Errorf("%s text says %q:\n%s", kind, c.notWant, m.Text)
				}
				canCancel, _ := s.CustomerCanCancel(b.Booking)
				if offers := strings.Contains(m.HTML, "View or cancel your booking"); offers != canCancel {
					t.Errorf("%s: the button offers cancelling: %v, the customer can cancel: %v", kind, offers, canCancel)
				}
			}
		})
	}
}

func TestTelURL(t *testing.T) {
	for in, want := range map[string]string{
		"+44 20 7946 0000":    "tel:+442079460000",
		"+44 (0)20 7946 0000": "tel:+442079460000",
		"(030) 123-4567":      "tel:0301234567",
		"030 1234567":         "tel:0301234567",
		" +49 30 1234567 ":    "tel:+49301234567",
	} {
		if got := TelURL(in); got != want {
			t.Errorf("TelURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestZoneInWords(t *testing.T) {
	for in, want := range map[string]string{
		"Europe/London": "UK time", "Europe/Berlin": "Berlin time", "America/New_York": "New York time",
		"America/Argentina/Buenos_Aires": "Buenos Aires time", "UTC": "UTC", "Etc/UTC": "UTC", "Australia/Sydney": "Sydney time",
		"Etc/GMT+5": "", "EST5EDT": "",
	} {
		if got := ZoneInWords(english(t), in); got != want {
			t.Errorf("ZoneInWords(%q) = %q, want %q", in, got, want)
		}
	}
}
