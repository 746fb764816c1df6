package app

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"venuebook/app/l10n"
	"venuebook/store"
)

const icsTime = "20060102T150405Z"

// CalendarMethod is the iCalendar METHOD of a calendar object: PUBLISH for a
// booking, CANCEL for a cancellation notice.
type CalendarMethod string

const (
	MethodPublish CalendarMethod = "PUBLISH"
	MethodCancel  CalendarMethod = "CANCEL"
)

// ICS renders booking b as an RFC 5545 calendar: one VEVENT with a UID that is
// stable per booking, UTC instants, and the booking's SEQUENCE, so calendar
// apps update or remove the same event when it changes.
func (s *Service) ICS(b Booking, method CalendarMethod, stamp time.Time) []byte {
	var w icsWriter
	s.icsHeader(&w, string(method))
	s.icsEvent(&w, b, method == MethodCancel || b.Status == store.StatusCancelled, false, stamp)
	w.line("END:VCALENDAR")
	return []byte(w.String())
}

// feedICS renders bookings as the owner's calendar subscription: one event
// per booking (cancelled ones marked so, so they disappear from the calendar).
func (s *Service) feedICS(bookings []Booking, stamp time.Time) []byte {
	var w icsWriter
	s.icsHeader(&w, string(MethodPublish))
	w.line("X-WR-CALNAME:" + icsEscape(s.VenueLang().T("ics.feed_name", "Venue", s.Config.Venue.Name)))
	for _, b := range bookings {
		s.icsEvent(&w, b, b.Status == store.StatusCancelled, true, stamp)
	}
	w.line("END:VCALENDAR")
	return []byte(w.String())
}

func (s *Service) icsHeader(w *icsWriter, method string) {
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//venuebook//venuebook//EN")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + method)
}

// icsEvent writes one booking, in the language it was made in. The owner's
// feed, in the venue's language, describes the guest and holds no manage
// link (a leaked feed URL must not let anyone cancel bookings).
func (s *Service) icsEvent(w *icsWriter, b Booking, cancelled, forOwner bool, stamp time.Time) {
	w.line("BEGIN:VEVENT")
	w.line("UID:" + s.calendarUID(b.ID))
	w.line("DTSTAMP:" + stamp.UTC().Format(icsTime))
	w.line("DTSTART:" + b.Start.UTC().Format(icsTime))
	w.line("DTEND:" + b.End.UTC().Format(icsTime))
	w.line(fmt.Sprintf("SEQUENCE:%d", b.Sequence))
	if forOwner {
		w.line("SUMMARY:" + icsEscape(fmt.Sprintf("%s (%d) %s, %s", b.CustomerName, b.Guests, s.PackageName(b.PackageID), s.RoomName(b.RoomID))))
		w.line("DESCRIPTION:" + icsEscape(fmt.Sprintf("%s\n%s %s\n%s", s.VenueLang().T("ics.booking", "Reference", b.Reference),
			b.CustomerEmail, b.CustomerPhone, b.Notes)))
	} else {
		l := s.BookingLang(b.Booking)
		w.line("SUMMARY:" + icsEscape(s.eventTitle(l, b.Booking)))
		w.line("DESCRIPTION:" + icsEscape(s.eventDetails(l, b)))
	}
	if addr := s.Config.Venue.Address; addr != "" {
		w.line("LOCATION:" + icsEscape(addr))
	}
	if from, err := parseAddress(s.Config.Mail.From); err == nil {
		w.line("ORGANIZER;CN=" + icsParam(s.Config.Venue.Name) + ":mailto:" + from)
	}
	if !forOwner {
		w.line("URL:" + b.ManageURL)
	}
	if cancelled {
		w.line("STATUS:CANCELLED")
	} else {
		w.line("STATUS:CONFIRMED")
	}
	w.line("TRANSP:OPAQUE")
	w.line("END:VEVENT")
}

func (s *Service) calendarUID(id string) string {
	host := "venuebook"
	if u, err := url.Parse(s.Config.Server.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "booking-" + id + "@" + host
}

// eventTitle is the booking's event in the customer's calendar, in l:
// "Demo Venue: Classic, 60 minutes".
func (s *Service) eventTitle(l *l10n.Lang, b store.Booking) string {
	return l.T("ics.summary", "Venue", s.Config.Venue.Name, "Tier", s.TierName(b.TierID), "Package", s.PackageName(b.PackageID))
}

func (s *Service) eventDetails(l *l10n.Lang, b Booking) string {
	return l.N("ics.details", b.Guests, "Reference", b.Reference, "URL", b.ManageURL)
}

func (s *Service) googleCalendarURL(b store.Booking) string {
	q := url.Values{}
	l := s.BookingLang(b)
	q.Set("action", "TEMPLATE")
	q.Set("text", s.eventTitle(l, b))
	q.Set("dates", b.Start.UTC().Format(icsTime)+"/"+b.End.UTC().Format(icsTime))
	q.Set("details", l.T("ics.booking", "Reference", b.Reference))
	if s.Config.Venue.Address != "" {
		q.Set("location", s.Config.Venue.Address)
	}
	return "https://calendar.google.com/calendar/render?" + q.Encode()
}

func parseAddress(s string) (string, error) {
	addr, err := mail.ParseAddress(s)
	if err != nil {
		return "", err
	}
	return addr.Address, nil
}

// icsEscape escapes a TEXT value (RFC 5545 §3.3.11).
func icsEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// icsParam quotes a parameter value, dropping characters a parameter cannot hold.
func icsParam(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return `"` + s + `"`
}

// icsWriter writes content lines with CRLF, folded at 75 octets without
// splitting a UTF-8 sequence (RFC 5545 §3.1).
type icsWriter struct{ strings.Builder }

func (w *icsWriter) line(s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.WriteString(s[:cut])
		w.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space of a continuation counts
	}
	w.WriteString(s)
	w.WriteString("\r\n")
}
