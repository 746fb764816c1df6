package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// AddressKey is the one spelling the limits count an address under.
func TestAddressKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"pat@x.example", "pat@x.example"},
		{"Pat@X.Example", "pat@x.example"},
		{"  pat@x.example ", "pat@x.example"},
		{"pat+1@x.example", "pat@x.example"},
		{"PAT+Spa+More@x.example", "pat@x.example"},
		{"+pat@x.example", "+pat@x.example"}, // no local part left without the '+'
		{"pat.spa@x.example", "pat.spa@x.example"},
		{"Zoë@x.example", "zoë@x.example"}, // letters beyond A-Z keep their case, as NOCASE does
		{"not an address", "not an address"},
	} {
		if got := AddressKey(tc.in); got != tc.want {
			t.Errorf("AddressKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// SentTo counts every spelling of an address (case, "+tag"), only messages
// sent since the given time, and reads the recipient index for it.
func TestSentToCountsSpellings(t *testing.T) {
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	now := time.Unix(1_800_000_000, 0)
	for i, row := range []struct {
		to     string
		sentAt int64
	}{
		{"pat@x.example", now.Unix()}, {"PAT@X.example", now.Unix()}, {"pat+spa@x.example", now.Unix()},
		{"pat@x.example", now.Add(-2 * time.Hour).Unix()},                                                // before the window
		{"pat.spa@x.example", now.Unix()}, {"pata@x.example", now.Unix()}, {"pat@y.example", now.Unix()}, // others
		{"pat-1@x.example", now.Unix()}, {"pat,x@x.example", now.Unix()},
	} {
		_, err := db.Exec(`INSERT INTO outbox (kind, recipient, subject, body_text, body_html, message_id, status, attempts,
			next_attempt_at, created_at, updated_at, sent_at) VALUES ('confirmation', ?, 's', '', '', ?, 'sent', 1, 0, 0, 0, ?)`,
			row.to, fmt.Sprintf("<test-%d@venue.test>", i), row.sentAt)
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, to := range []string{"pat@x.example", "Pat+other@X.EXAMPLE"} {
		if n, err := s.SentTo(context.Background(), to, now.Add(-time.Hour)); err != nil || n != 3 {
			t.Errorf("SentTo(%s) = %d, %v; want 3", to, n, err)
		}
	}
	var plan strings.Builder
	rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT recipient FROM outbox INDEXED BY outbox_recipient_sent
		WHERE recipient COLLATE NOCASE >= ?1 AND recipient COLLATE NOCASE < ?2 AND status = 'sent' AND sent_at >= ?3`, "pat+", "patA", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	if !strings.Contains(plan.String(), "outbox_recipient_sent") {
		t.Errorf("SentTo's query does not use the recipient index:\n%s", plan.String())
	}
}
