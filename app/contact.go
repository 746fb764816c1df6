package app

import (
	"fmt"
	"strings"
	"time"
	"venuebook/app/l10n"
)

// How customers reach the venue (venue.phone, venue.email, venue.website),
// and the words that tell them until when they can do what online.

// TelURL is the tel: link (RFC 3966) of a phone number as ParsePhone accepts
// it: "+44 (0)20 7946 0000" dials tel:+442079460000 — the "(0)" that a number
// with its country code writes for callers inside the country is left out.
func TelURL(phone string) string {
	if strings.HasPrefix(strings.TrimSpace(phone), "+") {
		phone = strings.ReplaceAll(phone, "(0)", "")
	}
	var b strings.Builder
	b.WriteString("tel:")
	for i, r := range strings.TrimSpace(phone) {
		if r >= '0' && r <= '9' || r == '+' && i == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MailtoURL is a mailto: link to exactly address (RFC 6068): every character
// that could end the address or start a header ("?", "&", "%", "#", …) is
// percent-encoded, so an address such as "x?cc=a%40evil.example@example.com"
// cannot add a recipient.
func MailtoURL(address string) string {
	var b strings.Builder
	b.WriteString("mailto:")
	for i := 0; i < len(address); i++ {
		c := address[i]
		if c == '@' || c == '.' || c == '-' || c == '_' || c == '+' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// ZoneInWords is what people call an IANA zone: "UK time" for
// Europe/London, "UTC" for the zones that are UTC, else its city ("New York
// time" for America/New_York, "Berlin time" for Europe/Berlin); "" for a
// name that has no city (Etc/GMT+5, EST5EDT). The pages and the emails name
// the venue's zone with it.
func ZoneInWords(l *l10n.Lang, zone string) string {
	switch zone {
	case "Europe/London", "GB", "GB-Eire":
		return l.T("zone.uk")
	case "UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu",
		"GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "Etc/Greenwich", "Greenwich":
		return l.T("zone.utc")
	}
	i := strings.LastIndexByte(zone, '/')
	city := zone[i+1:]
	if i < 0 || strings.HasPrefix(zone, "Etc/") || strings.ContainsAny(city, "0123456789") {
		return ""
	}
	return l.T("zone.city", "City", strings.ReplaceAll(city, "_", " "))
}

// FormatDeadline writes an instant as the customers' deadlines say it: the
// venue's local date and time with its zone in words, "Tuesday 8 December,
// 14:00 (UK time)", the year added when it is not this year's (a zone
// without words is named as it is: "(Etc/GMT+5)").
func (s *Service) FormatDeadline(l *l10n.Lang, t time.Time) string {
	loc := s.Rules.Location
	local := t.In(loc)
	date := l.Format(local, l10n.DateDayMonth)
	if local.Year() != s.Now().In(loc).Year() {
		date = l.Format(local, l10n.DateFull)
	}
	zone := ZoneInWords(l, s.Config.Venue.Timezone)
	if zone == "" {
		zone = s.Config.Venue.Timezone
	}
	return l.T("format.deadline", "Date", date, "Time", l.Clock(local), "Zone", zone)
}
