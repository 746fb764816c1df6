package mail_test

import (
	"fmt"
	"strings"
	"testing"

	"venuebook/app"
	"venuebook/app/mail/smtptest"
	"venuebook/store"
)

// A relay whose certificate comes from a private CA is reached over TLS
// (STARTTLS and TLS from the first byte) when mail.primary.ca_file names that
// CA, and refused, without a message going out, when it does not.
func TestPrivateCARelay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		tls    string
		server func(*smtptest.CA) smtptest.Option
	}{
		{"starttls", "starttls", smtptest.WithSTARTTLS},
		{"implicit tls", "tls", smtptest.WithImplicitTLS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ca := smtptest.NewCA(t)
			srv := smtptest.New(t, tc.server(ca))
			caFile := ca.WriteFile(t, t.TempDir())

			trusted := newVenue(t, venueOptions{Primary: srv.Port, PrimaryTLS: tc.tls, NoOwner: true,
				PrimaryExtra: fmt.Sprintf("ca_file = %q", caFile)})
			b := trusted.book(berlin(t, 30, 11, 0))
			trusted.deliver()
			if row := trusted.row(app.KindConfirmation, b.ID); row.Status != store.MailSent || row.Relay != "primary" {
				t.Fatalf("with ca_file: status %s relay %q last_error %q", row.Status, row.Relay, row.LastError)
			}
			if n := len(srv.Messages()); n != 1 {
				t.Fatalf("server accepted %d messages, want 1", n)
			}

			untrusted := newVenue(t, venueOptions{Primary: srv.Port, PrimaryTLS: tc.tls, NoOwner: true})
			b = untrusted.book(berlin(t, 30, 11, 0))
			untrusted.deliver()
			row := untrusted.row(app.KindConfirmation, b.ID)
			// The relay, not the message: it waits, keeping its attempt.
			if row.Status != store.MailQueued || row.Attempts != 0 || !strings.Contains(row.LastError, "certificate") {
				t.Fatalf("without ca_file: status %s attempts %d last_error %q; want queued with no attempt used, for the unknown authority", row.Status, row.Attempts, row.LastError)
			}
			if n := len(srv.Messages()); n != 1 {
				t.Fatalf("server accepted %d messages after the untrusted attempt, want still 1", n)
			}
		})
	}
}

// The relay sees the EHLO name of mail.helo_name; without it the host of
// server.base_url; and never a bare "localhost", which relays refuse.
func TestHELOName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, baseURL, extra string
		want                 func(string) bool
	}{
		{"configured", "", `helo_name = "mail.venue.test"`, func(h string) bool { return h == "mail.venue.test" }},
		{"host of base_url", "https://book.venue.test", "", func(h string) bool { return h == "book.venue.test" }},
		{"never localhost", "http://localhost:8080", "", func(h string) bool { return h != "localhost" && strings.Contains(h, ".") }},
		{"never an IP address", "http://127.0.0.1:8080", "", func(h string) bool { return h != "127.0.0.1" && strings.Contains(h, ".") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.New(t)
			v := newVenue(t, venueOptions{Primary: srv.Port, NoOwner: true, BaseURL: tc.baseURL, MailExtra: tc.extra})
			v.book(berlin(t, 30, 11, 0))
			v.deliver()
			hellos := srv.Hellos()
			if len(hellos) == 0 || len(srv.Messages()) != 1 {
				t.Fatalf("server saw EHLO %q and kept %d messages, want 1", hellos, len(srv.Messages()))
			}
			for _, h := range hellos {
				if !tc.want(h) {
					t.Errorf("EHLO %q", h)
				}
			}
		})
	}
}

// A port and tls setting that do not match fail at once with a message that
// says what to set, rather than waiting out the SMTP timeout: tls = "tls"
// against a STARTTLS port answers in plain text, and "starttls" (or "none")
// against a port that speaks TLS from the first byte never greets. Nothing
// here measures time: deliver returns once the relay has answered or the TLS
// probe has succeeded.
func TestPortAndTLSMixUp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, tls string
		server    func(*smtptest.CA) smtptest.Option
		want      []string
	}{
		{"tls against a STARTTLS port", "tls", smtptest.WithSTARTTLS,
			[]string{"answered in plain text", `set mail.primary.tls = "starttls"`}},
		{"starttls against an implicit TLS port", "starttls", smtptest.WithImplicitTLS,
			[]string{"expects TLS from the first byte", `set mail.primary.tls = "tls"`}},
		{"none against an implicit TLS port", "none", smtptest.WithImplicitTLS,
			[]string{"expects TLS from the first byte", `set mail.primary.tls = "tls"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ca := smtptest.NewCA(t)
			srv := smtptest.New(t, tc.server(ca))
			extra := ""
			if tc.tls != "none" {
				extra = fmt.Sprintf("ca_file = %q", ca.WriteFile(t, t.TempDir()))
			}
			v := newVenue(t, venueOptions{Primary: srv.Port, PrimaryTLS: tc.tls, PrimaryExtra: extra, NoOwner: true})
			b := v.book(berlin(t, 30, 11, 0))
			v.deliver()
			row := v.row(app.KindConfirmation, b.ID)
			if row.Status != store.MailQueued || row.Attempts != 0 {
				t.Fatalf("status %s attempts %d, want queued with no attempt used (a relay set up wrong is not the message's fault)", row.Status, row.Attempts)
			}
			for _, w := range tc.want {
				if !strings.Contains(row.LastError, w) {
					t.Errorf("last_error %q lacks %q", row.LastError, w)
				}
			}
			if !strings.Contains(row.LastError, srv.Addr) {
				t.Errorf("last_error %q does not name the relay %s", row.LastError, srv.Addr)
			}
		})
	}
}
