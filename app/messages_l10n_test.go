package app

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"venuebook/app/l10n"
	"venuebook/store"
)

// germanMailService is mailService for a German venue that offers English,
// French and Spanish too, its prices in euros.
func germanMailService(t *testing.T, now time.Time, edit func(*Config)) *Service {
	t.Helper()
	return mailService(t, now, func(c *Config) {
		c.Venue.Language, c.Venue.Languages, c.Venue.Currency = "de", []string{"en", "fr", "es"}, "EUR"
		c.Mail.From = "Demo Venue <buchung@sauna.example>" // not "bookings@…", which would be English
		if edit != nil {
			edit(c)
		}
	})
}

// euroBooking is mailBooking in euros, made in lang.
func euroBooking(t *testing.T, s *Service, lang string) Booking {
	t.Helper()
	b := mailBooking(t, s, dec9At14)
	b.Currency, b.Language = "EUR", lang
	return s.withLinks(b.Booking)
}

// renderKind renders one email of kind about b, as the service composes it.
func renderKind(t *testing.T, s *Service, kind string, b Booking) store.Message {
	t.Helper()
	if kind == KindPermitRequest {
		msgs, err := s.permitRequestEmails(b.Booking, "token", s.Now())
		if err != nil {
			t.Fatal(err)
		}
		return msgs[0]
	}
	m, err := s.render(kind, "someone@example.com", b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// spaced is text with CLDR's no-break spaces (in "45,00 €", before a
// French colon) as plain spaces.
func spaced(text string) string {
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(text)
}

var catalogIDRe = regexp.MustCompile(`\b(mail|ics|format|zone|contact)\.[a-z_]+(\.[a-z_]+)?\b`)

// checkSpeaks fails when text (an email's subject, text or HTML) shows
// English the lang catalog does not say, template markup, a missing value
// or a catalog id.
func checkSpeaks(t *testing.T, cats *l10n.Catalogs, lang, what, text string) {
	t.Helper()
	if left := cats.EnglishLeftovers(lang, text); len(left) > 0 {
		t.Errorf("%s (%s) has English %q:\n%s", what, lang, left, text)
	}
	for _, bad := range []string{"{{", "}}", "<no value>", "%!"} {
		if strings.Contains(text, bad) {
			t.Errorf("%s (%s) shows %q:\n%s", what, lang, bad, text)
		}
	}
	if id := catalogIDRe.FindString(text); id != "" {
		t.Errorf("%s (%s) shows the catalog id %q:\n%s", what, lang, id, text)
	}
	for id := range cats.IDs(l10n.Source) {
		if strings.Contains(text, id) {
			t.Errorf("%s (%s) shows the catalog id %q", what, lang, id)
		}
	}
}

// The money and the booking's date as each language writes them.
var mailWords = map[string]struct{ money, date, htmlLang string }{
	"en": {"€45.00", "Wednesday 9 December 2026", "en"},
	"de": {"45,00 €", "Mittwoch, 9. Dezember 2026", "de"},
	"fr": {"45,00 €", "mercredi 9 décembre 2026", "fr"},
	"es": {"45,00 €", "miércoles, 9 de diciembre de 2026", "es"},
}

// Every email, in every shipped language, for a booking made in it: no
// English leftovers, no markup, no ids, the language's money, date and
// <html lang>. The customer's and the approver's speak the booking's
// language; the owner's copies the venue's (German), whatever the booking's.
func TestEveryEmailInEveryLanguage(t *testing.T) {
	cats, err := l10n.Default()
	if err != nil {
		t.Fatal(err)
	}
	type state struct {
		name   string
		now    string
		permit string
		edit   func(*Config)
		status string
	}
	states := []state{
		{"both open, approved permit", "2026-12-01T10:00:00Z", store.PermitApproved, nil, store.StatusConfirmed},
		{"two deadlines, permit requested", "2026-12-01T10:00:00Z", store.PermitRequested,
			func(c *Config) { c.Venue.ChangeCutoffHours = 48 }, store.StatusConfirmed},
		{"moving closed, phone only, denied", "2026-12-08T09:00:00Z", store.PermitDenied,
			func(c *Config) { c.Venue.ChangeCutoffHours, c.Venue.Email = 48, "" }, store.StatusConfirmed},
		{"cancelling closed, email only, expired", "2026-12-08T20:00:00Z", store.PermitExpired,
			func(c *Config) { c.Venue.ChangeCutoffHours, c.Venue.Phone = 12, "" }, store.StatusConfirmed},
		{"all closed, website only, cancelled permit", "2026-12-09T10:00:00Z", store.PermitCancelled,
			func(c *Config) { c.Venue.Phone, c.Venue.Email = "", "" }, store.StatusConfirmed},
		{"next year, address only", "2026-12-01T10:00:00Z", store.PermitRequested,
			func(c *Config) { c.Venue.Phone, c.Venue.Email, c.Venue.Website = "", "", "" }, store.StatusConfirmed},
		{"cancelled, no contact at all", "2026-12-01T10:00:00Z", store.PermitRequested,
			func(c *Config) { c.Venue.Phone, c.Venue.Email, c.Venue.Website, c.Venue.Address = "", "", "", "" }, store.StatusCancelled},
	}
	for _, lang := range []string{"de", "fr", "es"} {
		for _, st := range states {
			t.Run(lang+"/"+st.name, func(t *testing.T) {
				s := germanMailService(t, MustInstant(t, st.now), st.edit)
				b := euroBooking(t, s, lang)
				b.Status, b.Permit.Status, b.Notes = st.status, st.permit, "Wir kommen etwas später."
				if st.permit == store.PermitDenied {
					b.Permit.DecisionNote = "Am Samstag ist der Parkplatz voll."
				}
				if strings.HasPrefix(st.name, "next year") {
					b.Start, b.End = MustInstant(t, "2027-01-06T14:00:00Z"), MustInstant(t, "2027-01-06T15:00:00Z")
				}
				for _, kind := range mailKinds {
					m := renderKind(t, s, kind, b)
					speaks := lang
					if !ToCustomer(kind) && kind != KindPermitRequest {
						speaks = "de"
					}
					body := html.UnescapeString(m.HTML)
					checkSpeaks(t, cats, speaks, kind+" subject", m.Subject)
					checkSpeaks(t, cats, speaks, kind+" text", m.Text)
					checkSpeaks(t, cats, speaks, kind+" HTML", body)
					w := mailWords[speaks]
					if !strings.Contains(body, `<html lang="`+w.htmlLang+`">`) {
						t.Errorf("%s: HTML is not <html lang=%q>", kind, w.htmlLang)
					}
					date := w.date
					if strings.HasPrefix(st.name, "next year") {
						date = map[string]string{"de": "Mittwoch, 6. Januar 2027", "fr": "mercredi 6 janvier 2027", "es": "miércoles, 6 de enero de 2027"}[speaks]
					}
					for _, part := range []string{m.Text, body} {
						if !strings.Contains(spaced(part), date) {
							t.Errorf("%s (%s) lacks the date %q:\n%s", kind, speaks, date, part)
						}
					}
					switch kind {
					case KindConfirmation, KindOwnerCopy, KindChange:
						for _, part := range []string{m.Text, body} {
							if !strings.Contains(spaced(part), w.money) {
								t.Errorf("%s (%s) lacks the price %q:\n%s", kind, speaks, w.money, part)
							}
						}
					}
				}
				// The invite speaks the booking's language.
				ics := string(s.ICS(b, MethodPublish, s.Now()))
				checkSpeaks(t, cats, lang, "invite", ics)
				feed := string(s.feedICS([]Booking{b}, s.Now()))
				checkSpeaks(t, cats, "de", "owner's feed", feed)
			})
		}
	}
}

// The owner's copy of a French booking in a German venue is German; the
// customer's confirmation French, with the invite and its links.
func TestOwnerCopyInTheVenuesLanguage(t *testing.T) {
	s := germanMailService(t, MustInstant(t, "2026-12-01T10:00:00Z"), func(c *Config) { c.Mail.OwnerEmail = "owner@sauna.example" })
	b := euroBooking(t, s, "fr")
	msgs, err := s.bookingEmails(b.Booking)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Kind != KindConfirmation || msgs[1].Kind != KindOwnerCopy {
		t.Fatalf("booking emails %d: want the confirmation and the owner's copy", len(msgs))
	}
	customer, owner := msgs[0], msgs[1]
	if want := "Réservation confirmée : Demo Venue, mer. 9 déc. à 14:00 (VB-7K3Q9M)"; spaced(customer.Subject) != want {
		t.Errorf("customer's subject %q, want %q", customer.Subject, want)
	}
	if want := "Neue Buchung VB-7K3Q9M: Mi., 9. Dez., 14:00 Uhr, 60 minutes"; spaced(owner.Subject) != want {
		t.Errorf("owner's subject %q, want %q", owner.Subject, want)
	}
	for _, want := range []string{"Bonjour Ada,", "votre réservation chez Demo Venue est confirmée.",
		"Date :            mercredi 9 décembre 2026, 14:00–15:00 (heure du Royaume-Uni)", "Prix :            45,00 €",
		"Stationnement :   autorisation accordée pour AB12CDE",
		"Vous pouvez annuler gratuitement, ou déplacer votre réservation à un autre horaire, jusqu’au mardi 8 décembre à 14:00 (heure du Royaume-Uni), depuis le lien ci-dessus.",
		"Téléphone : +44 20 7946 0000"} {
		if !strings.Contains(spaced(customer.Text), want) {
			t.Errorf("customer's text lacks %q:\n%s", want, customer.Text)
		}
	}
	for _, want := range []string{"Neue Buchung bei Demo Venue.", "Buchungsnummer: VB-7K3Q9M",
		"Termin:         Mittwoch, 9. Dezember 2026, 14:00–15:00 Uhr (britische Zeit)", "Preis:          45,00 €",
		"Kunde:          Ada Lovelace <ada@example.com>, +44 20 7946 0958", "Parken:         Parkausweis für AB12CDE genehmigt"} {
		if !strings.Contains(spaced(owner.Text), want) {
			t.Errorf("owner's text lacks %q:\n%s", want, owner.Text)
		}
	}
	if !strings.Contains(owner.HTML, `<html lang="de">`) || !strings.Contains(customer.HTML, `<html lang="fr">`) {
		t.Errorf("HTML languages: owner's %v, customer's %v", strings.Contains(owner.HTML, `lang="de"`), strings.Contains(customer.HTML, `lang="fr"`))
	}
	props := MustParseICS(t, s.ICS(b, MethodPublish, s.Now()))
	if got, want := icsValue(t, props, "SUMMARY"), `Demo Venue : Classic\, 60 minutes`; spaced(got) != want {
		t.Errorf("SUMMARY %q, want %q", got, want)
	}
	if got := spaced(icsUnescape(t, icsValue(t, props, "DESCRIPTION"))); !strings.HasPrefix(got, "Réservation VB-7K3Q9M pour 2 personnes.\nVoir ou annuler : http") {
		t.Errorf("DESCRIPTION %q", got)
	}
	if !strings.Contains(b.GoogleURL, "details=R%C3%A9servation+VB-7K3Q9M") || !strings.Contains(b.OutlookURL, "body=R%C3%A9servation+VB-7K3Q9M") {
		t.Errorf("calendar links not in French: %s %s", b.GoogleURL, b.OutlookURL)
	}
	feed := MustParseICS(t, s.feedICS([]Booking{b}, s.Now()))
	if got := icsValue(t, feed, "X-WR-CALNAME"); got != "Demo Venue – Buchungen" {
		t.Errorf("feed name %q", got)
	}
	if got := icsUnescape(t, icsValue(t, feed, "DESCRIPTION")); !strings.HasPrefix(got, "Buchung VB-7K3Q9M\n") {
		t.Errorf("feed DESCRIPTION %q", got)
	}
}

// A booking from before languages (no language recorded) speaks the
// venue's language; one made in a language the venue no longer offers
// still speaks it.
func TestEmailsOfABookingWithoutLanguage(t *testing.T) {
	s := germanMailService(t, MustInstant(t, "2026-12-01T10:00:00Z"), nil)
	for lang, want := range map[string]string{"": "Buchung bestätigt: ", "es": "Reserva confirmada: "} {
		m := renderKind(t, s, KindConfirmation, euroBooking(t, s, lang))
		if !strings.HasPrefix(m.Subject, want) {
			t.Errorf("booking in %q: subject %q, want %q…", lang, m.Subject, want)
		}
	}
	s = mailService(t, s.Now(), func(c *Config) { c.Venue.Language = "es" })
	m := renderKind(t, s, KindCancellation, euroBooking(t, s, "fr"))
	if !strings.HasPrefix(spaced(m.Subject), "Réservation annulée : ") {
		t.Errorf("a French booking at a venue offering only Spanish: subject %q", m.Subject)
	}
}

// In the text emails the values of a block line up, however long the
// language's labels are.
func TestEmailLabelsLineUp(t *testing.T) {
	s := germanMailService(t, MustInstant(t, "2026-12-01T10:00:00Z"), nil)
	for _, lang := range []string{"en", "de", "fr", "es"} {
		b := euroBooking(t, s, lang)
		m := renderKind(t, s, KindConfirmation, b)
		l := s.BookingLang(b.Booking)
		col := -1
		for _, line := range strings.Split(m.Text, "\n") {
			for _, id := range []string{"reference", "when", "experience", "guests", "price", "where", "parking"} {
				label := l.T("mail.common.label", "Label", l.T("mail.common."+id))
				if !strings.HasPrefix(line, label+" ") {
					continue
				}
				at := utf8.RuneCountInString(line) - utf8.RuneCountInString(strings.TrimLeft(line[len(label):], " "))
				if col == -1 {
					col = at
				} else if at != col {
					t.Errorf("%s: %q starts its value at %d, the others at %d:\n%s", lang, line, at, col, m.Text)
				}
			}
		}
		if col < 0 {
			t.Errorf("%s: no detail lines found:\n%s", lang, m.Text)
		}
	}
}

// The parking line says what became of the permit: a change or a reminder
// after the approval says approved, and only an undecided permit promises
// news of it.
func TestEmailsShowThePermitsStatus(t *testing.T) {
	s := mailService(t, MustInstant(t, "2026-12-01T10:00:00Z"), nil)
	b := mailBooking(t, s, dec9At14)
	for status, want := range map[string]string{
		store.PermitRequested: "Parking:    permit requested for AB12CDE (you will hear whether the permit is approved)",
		store.PermitApproved:  "Parking:    permit approved for AB12CDE\n",
		store.PermitDenied:    "Parking:    permit not approved for AB12CDE\n",
	} {
		b.Permit.Status = status
		if m := renderKind(t, s, KindConfirmation, b); !strings.Contains(m.Text, want) {
			t.Errorf("%s: confirmation lacks %q:\n%s", status, want, m.Text)
		}
		want = strings.TrimSuffix(strings.TrimSuffix(want, "\n"), " (you will hear whether the permit is approved)")
		for _, kind := range []string{KindChange, KindOwnerChange, KindOwnerCopy} {
			if m := renderKind(t, s, kind, b); !strings.Contains(m.Text, want+"\n") || strings.Contains(m.Text, "you will hear") {
				t.Errorf("%s: %s lacks %q:\n%s", status, kind, want, m.Text)
			}
		}
	}
}

// The When line names the zone in words; on a day the clocks change it
// also says which of the two 01:30s it is.
func TestEmailWhenLine(t *testing.T) {
	s := mailService(t, MustInstant(t, "2026-10-01T10:00:00Z"), nil)
	de := germanMailService(t, s.Now(), nil)
	cases := []struct {
		start, end string
		s          *Service
		lang, want string
	}{
		{dec9At14, "2026-12-09T15:00:00Z", s, "en", "Wednesday 9 December 2026, 14:00–15:00 (UK time)"},
		{"2026-07-15T13:00:00Z", "2026-07-15T14:30:00Z", s, "en", "Wednesday 15 July 2026, 14:00–15:30 (UK time)"},
		{"2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", s, "en", "Sunday 25 October 2026, 01:30–01:30 (UK time, BST–GMT)"},
		{"2026-10-25T14:00:00Z", "2026-10-25T15:00:00Z", s, "en", "Sunday 25 October 2026, 14:00–15:00 (UK time, GMT)"},
		{dec9At14, "2026-12-09T15:00:00Z", de, "de", "Mittwoch, 9. Dezember 2026, 14:00–15:00 Uhr (britische Zeit)"},
		{dec9At14, "2026-12-09T15:00:00Z", de, "fr", "mercredi 9 décembre 2026, 14:00–15:00 (heure du Royaume-Uni)"},
		{dec9At14, "2026-12-09T15:00:00Z", de, "es", "miércoles, 9 de diciembre de 2026, 14:00–15:00 (hora del Reino Unido)"},
	}
	for _, c := range cases {
		b := mailBooking(t, c.s, c.start)
		b.End, b.Language = MustInstant(t, c.end), c.lang
		m := renderKind(t, c.s, KindReminder, c.s.withLinks(b.Booking))
		if !strings.Contains(m.Text, c.want) {
			t.Errorf("%s %s: text lacks %q:\n%s", c.lang, c.start, c.want, m.Text)
		}
	}
	s = mailService(t, s.Now(), func(c *Config) { c.Venue.Timezone, c.Location = "Etc/GMT+5", MustLoadLocation(t, "Etc/GMT+5") })
	if m := renderKind(t, s, KindReminder, mailBooking(t, s, dec9At14)); !strings.Contains(m.Text, "Wednesday 9 December 2026, 09:00–10:00 (Etc/GMT+5)") {
		t.Errorf("a zone without words:\n%s", m.Text)
	}
}

// A Swiss venue (de-CH) writes German words with Swiss money, in its
// emails and its owner's copies alike.
func TestEmailsInSwissGerman(t *testing.T) {
	s := mailService(t, MustInstant(t, "2026-12-01T10:00:00Z"), func(c *Config) {
		c.Venue.Language, c.Venue.Currency = "de-CH", "CHF"
	})
	b := mailBooking(t, s, dec9At14)
	b.Currency, b.Language = "CHF", "de-CH"
	b = s.withLinks(b.Booking)
	for _, kind := range []string{KindConfirmation, KindOwnerCopy} {
		m := renderKind(t, s, kind, b)
		if !strings.Contains(spaced(m.Text), "Preis:          CHF 45.00") || !strings.Contains(m.HTML, `<html lang="de-CH">`) {
			t.Errorf("%s in de-CH:\n%s", kind, m.Text)
		}
	}
}
