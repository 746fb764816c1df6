package mail_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"venuebook/app"
	"venuebook/app/mail"
	"venuebook/app/mail/smtptest"
	"venuebook/store"
)

// logBuffer collects a venue's log lines; the worker and HTTP handlers write
// from their own goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// count is how many lines contain s.
func (b *logBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

// loginRelay is a relay that speaks STARTTLS with a certificate of a test CA
// and wants the login bookings / the right password, and the lines of a
// [mail.primary] table that log in with password.
func loginRelay(t *testing.T, password string) (*smtptest.Server, string) {
	t.Helper()
	ca := smtptest.NewCA(t)
	srv := smtptest.New(t, smtptest.WithSTARTTLS(ca), smtptest.WithAuth("bookings", "the right password"))
	return srv, fmt.Sprintf("ca_file = %q\nusername = \"bookings\"\npassword = %q\n", ca.WriteFile(t, t.TempDir()), password)
}

// bookMany makes n bookings on the days from 30 November, 08:00 to 20:30
// local, each with its own customer; with NoOwner that queues n confirmations.
func (v *venue) bookMany(n int) {
	v.t.Helper()
	for i := range n {
		start := berlin(v.t, 30+i/8, 9, 0).Add(time.Duration(i%8) * 90 * time.Minute)
		v.book(start, func(r *app.BookingRequest) { r.Customer.Email = fmt.Sprintf("guest%d@example.com", i) })
	}
}

// ownerGet fetches path as a signed-in owner (an account made for the test).
func (v *venue) ownerGet(path string) string {
	v.t.Helper()
	if _, err := v.Svc.CreateAdmin(context.Background(), "desk@venue.test", "front desk 2026"); err != nil && !strings.Contains(err.Error(), "exists") {
		v.t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Post(v.main.URL()+"/api/admin/login", "application/json", strings.NewReader(`{"email":"desk@venue.test","password":"front desk 2026"}`))
	if err != nil {
		v.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		v.t.Fatalf("login: %d", resp.StatusCode)
	}
	return get(v.t, c, v.main.URL()+path)
}

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return string(body)
}

const refusedLine = "mail relay refused the login"

// checkWaiting fails unless every one of n rows waits, queued, with no
// attempt used, until at least notBefore.
func (v *venue) checkWaiting(n int, notBefore time.Time) {
	v.t.Helper()
	rows := v.outbox()
	if len(rows) != n {
		v.t.Fatalf("%d outbox rows, want %d", len(rows), n)
	}
	for _, m := range rows {
		if m.Status != store.MailQueued || m.Attempts != 0 || m.NextAttemptAt.Before(notBefore) || !strings.Contains(m.LastError, "login") {
			v.t.Fatalf("row %d: status %s attempts %d next %v last_error %q; want queued, 0 attempts, not before %v",
				m.ID, m.Status, m.Attempts, m.NextAttemptAt, m.LastError, notBefore)
		}
	}
}

// A wrong SMTP password: the relay is asked once, not once per message; the
// messages wait without using attempts; the console and /metrics say the
// password is wrong and the log says it once per refusal. When the backoff
// ends the relay is asked once more (and the wait doubles); once the password
// is right, everything goes out. Time is the venue's pinned clock.
func TestWrongPasswordBacksOff(t *testing.T) {
	t.Parallel()
	srv, login := loginRelay(t, "a wrong password")
	logs := &logBuffer{}
	v := newVenue(t, venueOptions{Primary: srv.Port, PrimaryTLS: "starttls", PrimaryExtra: login, NoOwner: true, LogTo: logs})
	const n = 20
	v.bookMany(n)

	for range 3 { // the worker's own pass and two mail-retry runs
		v.deliver()
	}
	if got := srv.AuthAttempts(); got != 1 {
		t.Fatalf("relay saw %d logins for %d messages, want 1", got, n)
	}
	v.checkWaiting(n, v.Clock.Now().Add(mail.LoginBackoffStart))
	if got := logs.count(refusedLine); got != 1 {
		t.Errorf("%d log lines %q, want 1", got, refusedLine)
	}
	if got := logs.count(`"email not sent"`); got != 0 {
		t.Errorf("%d lines \"email not sent\" for messages that only wait", got)
	}
	metrics := get(t, http.DefaultClient, v.main.URL()+"/metrics")
	if !strings.Contains(metrics, `venuebook_mail_relay_auth_failed{relay="primary"} 1`) {
		t.Errorf("/metrics lacks the refused login:\n%s", grepLines(metrics, "venuebook_mail"))
	}
	page := v.ownerGet("/admin/mail")
	for _, want := range []string{"The mail password is wrong", srv.Addr, "bookings", "20 message(s) wait", "mail.primary.password"} {
		if !strings.Contains(page, want) {
			t.Errorf("Email page lacks %q", want)
		}
	}

	// The backoff ends: one more login, refused; the wait doubles.
	v.Clock.Add(mail.LoginBackoffStart + time.Second)
	for range 2 {
		v.deliver()
	}
	if got := srv.AuthAttempts(); got != 2 {
		t.Fatalf("relay saw %d logins after the first backoff, want 2", got)
	}
	v.checkWaiting(n, v.Clock.Now().Add(2*mail.LoginBackoffStart))
	if got := logs.count(refusedLine); got != 2 {
		t.Errorf("%d log lines %q, want 2", got, refusedLine)
	}

	// The owner sets the provider's password to the configured one; at the
	// end of the backoff every message goes out, on its first attempt.
	srv.SetPassword("a wrong password")
	v.Clock.Add(2*mail.LoginBackoffStart + time.Second)
	v.deliver()
	srv.WaitMessages(n, 30*time.Second)
	for _, m := range v.outbox() {
		if m.Status != store.MailSent || m.Attempts != 1 || m.LastError != "" {
			t.Errorf("row %d: status %s attempts %d last_error %q; want sent at the first attempt", m.ID, m.Status, m.Attempts, m.LastError)
		}
	}
	if got := srv.AuthRefusals(); got != 2 {
		t.Errorf("relay refused %d logins in all, want 2", got)
	}
	if metrics := get(t, http.DefaultClient, v.main.URL()+"/metrics"); !strings.Contains(metrics, `venuebook_mail_relay_auth_failed{relay="primary"} 0`) {
		t.Errorf("/metrics still shows the refused login:\n%s", grepLines(metrics, "venuebook_mail"))
	}
	if page := v.ownerGet("/admin/mail"); strings.Contains(page, "The mail password is wrong") {
		t.Error("Email page still says the password is wrong")
	}
}

// A restart with the right password sends the waiting messages at once,
// without waiting for the backoff to end.
func TestWrongPasswordFixedByRestart(t *testing.T) {
	t.Parallel()
	srv, login := loginRelay(t, "a wrong password")
	v := newVenue(t, venueOptions{Primary: srv.Port, PrimaryTLS: "starttls", PrimaryExtra: login, NoOwner: true})
	const n = 5
	v.bookMany(n)
	v.deliver()
	v.checkWaiting(n, v.Clock.Now().Add(mail.LoginBackoffStart))

	v.close()
	v.Cfg.Mail.Primary.Password = "the right password"
	v.open()
	v.startWorker()
	srv.WaitMessages(n, 30*time.Second)
	if got := srv.AuthRefusals(); got != 1 {
		t.Errorf("relay refused %d logins, want 1", got)
	}
	for _, m := range v.outbox() {
		if m.Status != store.MailSent && m.Status != store.MailSending {
			t.Errorf("row %d: status %s after the restart", m.ID, m.Status)
		}
	}
}

// With a fallback relay, messages go out through it while the primary is
// left alone, and the primary is asked for its login once.
func TestWrongPasswordUsesFallback(t *testing.T) {
	t.Parallel()
	srv, login := loginRelay(t, "a wrong password")
	fallback := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port, PrimaryTLS: "starttls", PrimaryExtra: login, Fallback: fallback.Port, NoOwner: true})
	const n = 20
	v.bookMany(n)
	v.deliver()
	if got := srv.AuthAttempts(); got != 1 {
		t.Errorf("primary saw %d logins, want 1", got)
	}
	if got := len(fallback.Messages()); got != n {
		t.Fatalf("fallback accepted %d messages, want %d", got, n)
	}
	for _, m := range v.outbox() {
		if m.Status != store.MailSent || m.Relay != "fallback" {
			t.Errorf("row %d: status %s relay %q", m.ID, m.Status, m.Relay)
		}
	}
	page := v.ownerGet("/admin/mail")
	if !strings.Contains(page, "The mail password is wrong") || !strings.Contains(page, "through the other relay") {
		t.Error("Email page does not say the primary's password is wrong and the fallback is used")
	}
}

// grepLines returns the lines of text that contain s.
func grepLines(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// A relay that wants a login venuebook is not configured to give (530) is
// treated like a refused password: asked once, the messages wait, the Email
// page says the username is missing.
func TestRelayAsksForLogin(t *testing.T) {
	t.Parallel()
	ca := smtptest.NewCA(t)
	srv := smtptest.New(t, smtptest.WithSTARTTLS(ca), smtptest.WithAuth("bookings", "the right password"))
	v := newVenue(t, venueOptions{Primary: srv.Port, PrimaryTLS: "starttls", NoOwner: true,
		PrimaryExtra: fmt.Sprintf("ca_file = %q", ca.WriteFile(t, t.TempDir()))})
	const n = 3
	v.bookMany(n)
	v.deliver()
	v.checkWaiting(n, v.Clock.Now().Add(mail.LoginBackoffStart))
	if page := v.ownerGet("/admin/mail"); !strings.Contains(page, "mail.primary.username is empty") {
		t.Error("Email page does not say the username is missing")
	}
}
