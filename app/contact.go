package app

import (
	"fmt"
	"strings"
	"time"
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

// zoneWords names the zones that are a whole country's by the country, as
// people say it ("UK time"); other zones go by their city (ZoneInWords).
var zoneWords = map[string]string{
	"Europe/London": "UK time", "Europe/Dublin": "Irish time", "Europe/Berlin": "German time",
	"Europe/Vienna": "Austrian time", "Europe/Zurich": "Swiss time", "Europe/Paris": "French time",
	"Europe/Amsterdam": "Dutch time", "Europe/Brussels": "Belgian time", "Europe/Luxembourg": "Luxembourg time",
	"Europe/Rome": "Italian time", "Europe/Copenhagen": "Danish time", "Europe/Stockholm": "Swedish time",
	"Europe/Oslo": "Norwegian time", "Europe/Helsinki": "Finnish time", "Europe/Warsaw": "Polish time",
	"Europe/Prague": "Czech time", "Europe/Bratislava": "Slovak time", "Europe/Budapest": "Hungarian time",
	"Europe/Athens": "Greek time", "Europe/Bucharest": "Romanian time", "Europe/Sofia": "Bulgarian time",
	"Europe/Zagreb": "Croatian time", "Europe/Ljubljana": "Slovenian time", "Europe/Tallinn": "Estonian time",
	"Europe/Riga": "Latvian time", "Europe/Vilnius": "Lithuanian time", "Europe/Malta": "Maltese time",
	"Asia/Tokyo": "Japan time", "Asia/Seoul": "Korea time", "Asia/Singapore": "Singapore time",
	"Asia/Hong_Kong": "Hong Kong time", "Asia/Kolkata": "India time", "Pacific/Auckland": "New Zealand time",
	"UTC": "UTC", "Etc/UTC": "UTC", "Etc/GMT": "GMT",
}

// ZoneInWords names an IANA zone for people: "UK time" for Europe/London,
// a country for the zones that are a whole country's, else the zone's city
// ("New York time" for America/New_York).
func ZoneInWords(zone string) string {
	if w, ok := zoneWords[zone]; ok {
		return w
	}
	city := zone[strings.LastIndexByte(zone, '/')+1:]
	return strings.ReplaceAll(city, "_", " ") + " time"
}

// FormatDeadline writes an instant as the customers' deadlines say it: the
// venue's local date and time with its zone in words, "Tuesday 8 December,
// 14:00 (UK time)", the year added when it is not this year's.
func (s *Service) FormatDeadline(t time.Time) string {
	loc := s.Rules.Location
	local := t.In(loc)
	layout := "Monday 2 January, 15:04"
	if local.Year() != s.Now().In(loc).Year() {
		layout = "Monday 2 January 2006, 15:04"
	}
	return local.Format(layout) + " (" + ZoneInWords(s.Config.Venue.Timezone) + ")"
}
