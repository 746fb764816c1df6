package web_test

import (
	"context"
	"database/sql"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"venuebook/app/l10n"
	"venuebook/app/mail/smtptest"
)

// l10nMail is one email the SMTP server accepted, its parts decoded.
type l10nMail struct {
	To, Subject, Text, HTML, Calendar string
}

func l10nMails(t *testing.T, got []smtptest.Received) []l10nMail {
	t.Helper()
	var out []l10nMail
	for _, r := range got {
		subject, parts := mailParts(t, r)
		m := l10nMail{To: strings.Join(r.To, ","), Subject: subject}
		for _, p := range parts {
			switch p.MediaType {
			case "text/plain":
				m.Text = p.Body
			case "text/html":
				m.HTML = html.UnescapeString(p.Body)
			case "text/calendar":
				m.Calendar = p.Body
			}
		}
		out = append(out, m)
	}
	return out
}

// the one email to addr whose subject starts with prefix (CLDR's no-break
// spaces read as spaces).
func theMail(t *testing.T, msgs []l10nMail, addr, prefix string) l10nMail {
	t.Helper()
	var found []l10nMail
	for _, m := range msgs {
		if m.To == addr && strings.HasPrefix(nbsp.Replace(m.Subject), prefix) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		var subjects []string
		for _, m := range msgs {
			subjects = append(subjects, m.To+": "+m.Subject)
		}
		t.Fatalf("%d emails to %s starting %q; got %q", len(found), addr, prefix, subjects)
	}
	return found[0]
}

var nbsp = strings.NewReplacer("\u00a0", " ", "\u202f", " ")

var mailIDRe = regexp.MustCompile(`\b(mail|ics|format|zone)\.[a-z_]+(\.[a-z_]+)?\b`)

// speaks checks that an email is all in lang: no English its catalog does
// not say, no template markup or missing value, no catalog id, and the
// HTML part's <html lang>; and its text says each of want.
func speaks(t *testing.T, lang string, m l10nMail, want ...string) {
	t.Helper()
	cats, err := l10n.Default()
	if err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"subject": m.Subject, "text": m.Text, "HTML": m.HTML, "invite": m.Calendar} {
		if left := cats.EnglishLeftovers(lang, text); len(left) > 0 {
			t.Errorf("%q: the %s has English %q:\n%s", m.Subject, what, left, text)
		}
		for _, bad := range []string{"{{", "<no value>"} {
			if strings.Contains(text, bad) {
				t.Errorf("%q: the %s shows %q", m.Subject, what, bad)
			}
		}
		if id := mailIDRe.FindString(text); id != "" {
			t.Errorf("%q: the %s shows the catalog id %q", m.Subject, what, id)
		}
	}
	if !strings.Contains(m.HTML, `<html lang="`+lang+`">`) {
		t.Errorf("%q: the HTML is not <html lang=%q>", m.Subject, lang)
	}
	for _, w := range want {
		if !strings.Contains(nbsp.Replace(m.Text), w) {
			t.Errorf("%q lacks %q:\n%s", m.Subject, w, m.Text)
		}
	}
}

// l10nVenue is a venue (its languages given) with an owner's address and reminders two days ahead.
func l10nVenue(t *testing.T, srv *smtptest.Server, dbPath, languages string) *testVenue {
	return newVenue(t, venueOptions{SMTPPort: srv.Port, DatabasePath: dbPath, VenueTOML: languages + `
phone = "+44 20 7946 0000"
email = "desk@venue.test"`,
		ExtraTOML: "[mail]\nfrom = \"Test Venue <buchung@venue.test>\"\nowner_email = \"owner@venue.test\"\nreminder_before = \"48h\""})
}

// A booking remembers its language: made in French (?lang=fr, or
// Accept-Language) at a German venue, its confirmation is French and the
// owner's copy German; after the venue restarts speaking Spanish, its
// reminder and its cancellation are still French while the owner's copies
// are Spanish. A booking from before languages (none recorded) speaks the
// venue's language of the day. Real HTTP, SQLite and SMTP.
func TestEmailsKeepTheBookingsLanguage(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t) // before the venue: its cleanup (stopping the worker) runs first
	dbPath := t.TempDir() + "/venuebook.db"
	v := l10nVenue(t, srv, dbPath, "language = \"de\"\nlanguages = [\"en\", \"fr\", \"es\"]")

	type made struct {
		Booking struct {
			ID        string `json:"id"`
			Reference string `json:"reference"`
			Language  string `json:"language"`
			ManageURL string `json:"manage_url"`
		} `json:"booking"`
	}
	book := func(path, start, name, email string, header map[string]string) made {
		t.Helper()
		body := bookingBody(start, func(m map[string]any) {
			m["customer"] = map[string]any{"name": name, "email": email, "phone": "+44 20 7946 0958"}
		})
		r := v.do(t, "POST", path, body, header)
		if r.Status != 201 {
			t.Fatalf("booking %s: %d %s", path, r.Status, r.Body)
		}
		var b made
		r.json(t, &b)
		return b
	}
	fr := book("/api/bookings?lang=fr", "2026-12-02T10:00:00Z", "Amélie Poulain", "amelie@example.com", nil)
	frHeader := book("/api/bookings", "2026-12-02T12:00:00Z", "Bruno Marchal", "bruno@example.com", map[string]string{"Accept-Language": "fr-CH, de;q=0.5"})
	old := book("/api/bookings", "2026-12-02T14:00:00Z", "Clara Schmidt", "clara@example.com", nil)
	if fr.Booking.Language != "fr" || frHeader.Booking.Language != "fr" || old.Booking.Language != "de" {
		t.Fatalf("languages recorded: %q %q %q, want fr fr de", fr.Booking.Language, frHeader.Booking.Language, old.Booking.Language)
	}
	msgs := l10nMails(t, srv.WaitMessages(6, mailWait))

	when := "mercredi 2 décembre 2026, 10:00–11:00 (heure du Royaume-Uni)"
	c := theMail(t, msgs, "amelie@example.com", "Réservation confirmée : Test Venue, mer. 2 déc. à 10:00 ("+fr.Booking.Reference+")")
	speaks(t, "fr", c, "Bonjour Amélie,", when, "45,00 £", "Téléphone : +44 20 7946 0000")
	if !strings.Contains(c.Calendar, "SUMMARY:Test Venue\u00a0: Classic\\, 60 minutes") {
		t.Errorf("the French invite's SUMMARY:\n%s", c.Calendar)
	}
	speaks(t, "fr", theMail(t, msgs, "bruno@example.com", "Réservation confirmée : "))
	speaks(t, "de", theMail(t, msgs, "clara@example.com", "Buchung bestätigt: Test Venue, Mi., 2. Dez., 14:00 Uhr"),
		"Hallo Clara,", "Mittwoch, 2. Dezember 2026, 14:00–15:00 Uhr (britische Zeit)", "45,00 £")
	speaks(t, "de", theMail(t, msgs, "owner@venue.test", "Neue Buchung "+fr.Booking.Reference+": Mi., 2. Dez., 10:00 Uhr, 60 minutes"),
		"Mittwoch, 2. Dezember 2026, 10:00–11:00 Uhr (britische Zeit)", "Amélie Poulain <amelie@example.com>")

	// The venue switches to Spanish; Clara's booking loses its language,
	// as a booking from before languages has none.
	v.close(t)
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(60000)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE bookings SET language = '' WHERE id = ?", old.Booking.ID); err != nil {
		t.Fatal(err)
	}
	db.Close()
	v = l10nVenue(t, srv, dbPath, "language = \"es\"")
	sent := len(srv.Messages())
	v.setNow(testNow.Add(76 * time.Hour)) // Monday 30 November, 14:00: the three bookings are two days ahead

	if n, err := v.Svc.QueueReminders(context.Background()); err != nil || n != 3 {
		t.Fatalf("reminders queued: %d, %v", n, err)
	}
	// Cancelling drops a reminder not yet sent: let them go out first.
	srv.WaitMessages(sent+3, mailWait)
	cancel := func(b made) {
		t.Helper()
		id, token := managePath(t, b.Booking.ManageURL)
		if r := v.do(t, "POST", "/api/bookings/"+url.PathEscape(id)+"/cancel?t="+url.QueryEscape(token), nil, nil); r.Status != 200 {
			t.Fatalf("cancel %s: %d %s", b.Booking.Reference, r.Status, r.Body)
		}
	}
	cancel(fr)
	cancel(old)
	msgs = l10nMails(t, srv.WaitMessages(sent+7, mailWait)[sent:])

	speaks(t, "fr", theMail(t, msgs, "amelie@example.com", "Rappel : Test Venue, mer. 2 déc. à 10:00"), "Bonjour Amélie,", when)
	speaks(t, "fr", theMail(t, msgs, "bruno@example.com", "Rappel : "))
	speaks(t, "es", theMail(t, msgs, "clara@example.com", "Recordatorio: Test Venue, mié., 2 dic., 14:00"), "Hola, Clara:")
	x := theMail(t, msgs, "amelie@example.com", "Réservation annulée : Test Venue, mer. 2 déc. à 10:00 ("+fr.Booking.Reference+")")
	speaks(t, "fr", x, "Si vous ne vous y attendiez pas, appelez-nous au +44 20 7946 0000")
	if !strings.Contains(x.Calendar, "METHOD:CANCEL") || !strings.Contains(x.Calendar, "DESCRIPTION:Réservation "+fr.Booking.Reference+" pour 2 personnes.") {
		t.Errorf("the French cancellation's invite:\n%s", x.Calendar)
	}
	speaks(t, "es", theMail(t, msgs, "owner@venue.test", "Cancelada "+fr.Booking.Reference+": mié., 2 dic., 10:00, 60 minutes"),
		"La reserva "+fr.Booking.Reference+" (Amélie Poulain, miércoles, 2 de diciembre de 2026, 10:00–11:00 (hora del Reino Unido), sala Room 1) ha sido cancelada.")
	speaks(t, "es", theMail(t, msgs, "clara@example.com", "Reserva cancelada: Test Venue, mié., 2 dic., 14:00 ("+old.Booking.Reference+")"),
		"Si no lo esperaba, llámenos al +44 20 7946 0000 o escríbanos a desk@venue.test.")
	speaks(t, "es", theMail(t, msgs, "owner@venue.test", "Cancelada "+old.Booking.Reference+": "))

	// What the API says of the bookings' languages.
	for b, want := range map[made]string{fr: "fr", old: "es"} {
		id, token := managePath(t, b.Booking.ManageURL)
		var got made
		v.do(t, "GET", "/api/bookings/"+url.PathEscape(id)+"?t="+url.QueryEscape(token), nil, nil).json(t, &got)
		if got.Booking.Language != want {
			t.Errorf("%s: language %q, want %q", b.Booking.Reference, got.Booking.Language, want)
		}
	}
}
