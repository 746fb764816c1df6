package web

import "testing"

// TestZoneNote: the day page names the venue's zone once, in words.
func TestZoneNote(t *testing.T) {
	tests := []struct{ zone, abbr, want string }{
		{"Europe/London", "GMT", "Times are UK time (GMT)."},
		{"Europe/London", "", "Times are UK time."},
		{"Europe/Berlin", "CET", "Times are Berlin time (CET)."},
		{"America/New_York", "EST", "Times are New York time (EST)."},
		{"America/Argentina/Buenos_Aires", "-03", "Times are Buenos Aires time (UTC-03)."},
		{"Asia/Dubai", "+04", "Times are Dubai time (UTC+04)."},
		{"UTC", "UTC", "Times are UTC."},
		{"Etc/UTC", "UTC", "Times are UTC."},
		{"Etc/GMT+5", "-05", "Times are in the venue's time zone, Etc/GMT+5 (UTC-05)."},
		{"EST5EDT", "EST", "Times are in the venue's time zone, EST5EDT (EST)."},
	}
	for _, tc := range tests {
		if got := zoneNote(english(t), tc.zone, tc.abbr); got != tc.want {
			t.Errorf("zoneNote(%q, %q) = %q, want %q", tc.zone, tc.abbr, got, tc.want)
		}
	}
}
