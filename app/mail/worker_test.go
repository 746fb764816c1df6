package mail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	_ "time/tzdata" // tests do not depend on the host's zone database

	ics "github.com/arran4/golang-ical"

	"venuebook/app"
	"venuebook/app/jobs"
	"venuebook/app/mail"
	"venuebook/app/mail/smtptest"
	"venuebook/app/serve"
	"venuebook/store"
)

// t0 is the pinned "now" every test venue starts at: Friday 27 November 2026, 10:00 UTC.
var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

const (
	customer = "ada@example.com"
	owner    = "owner@venue.test"
	zone     = "Europe/Berlin" // UTC+1 in November, so local and UTC times differ
)

// berlin returns a local time of the venue on a day of November 2026 (or
// December for days past 30).
func berlin(t testing.TB, day, hour, minute int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(2026, 11, day, hour, minute, 0, 0, loc)
}

// patience bounds every wait for something that must happen (a message, a
// cron run, a stop): it only decides how long a failing test takes.
const patience = 2 * time.Minute

// clock is a pinned clock the test moves by hand; the service and the worker share it.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.Set(t)
	return c
}

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// venueOptions shape a test venue; zero values give the defaults.
type venueOptions struct {
	Primary, Fallback int // SMTP ports on 127.0.0.1; 0 leaves the relay out
	// PrimaryTLS and FallbackTLS are the relays' tls keys (default "none");
	// PrimaryExtra and FallbackExtra more lines of their tables, MailExtra
	// more lines of [mail], BaseURL server.base_url (default http://venue.test).
	PrimaryTLS, FallbackTLS     string
	PrimaryExtra, FallbackExtra string
	MailExtra, BaseURL          string
	VenueExtra                  string    // more lines of [venue] (phone, email, website)
	NoOwner                     bool      // leave mail.owner_email empty
	MaxAttempts                 int       // default 4
	PerRecipient                string    // limits.email_per_recipient, default "100-H"
	ReminderBefore              string    // default "24h"
	DBPath                      string    // default a file in a temporary directory
	LogTo                       io.Writer // where the venue logs (JSON); default testLogger
	RealTime                    bool      // the wall clock instead of the pinned one
}

// venue is a Service on a real SQLite file with a pinned clock, and a mail
// worker for its configuration.
type venue struct {
	t        *testing.T
	Cfg      *app.Config
	Svc      *app.Service
	Worker   *mail.Worker
	Clock    *clock
	Log      *slog.Logger
	DBPath   string
	schema   string
	main     *serve.Main
	closed   bool
	realTime bool
}

func testLogger() *slog.Logger {
	if os.Getenv("VENUEBOOK_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func venueTOML(o venueOptions, dbPath string) string {
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 4
	}
	if o.PerRecipient == "" {
		o.PerRecipient = "100-H"
	}
	if o.ReminderBefore == "" {
		o.ReminderBefore = "24h"
	}
	ownerEmail := owner
	if o.NoOwner {
		ownerEmail = ""
	}
	if o.BaseURL == "" {
		o.BaseURL = "http://venue.test"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `
[server]
base_url = %q
[database]
path = %q
[venue]
name = "Test Venue"
timezone = %q
currency = "EUR"
address = "1 Test Street, Berlin"
slot_step_minutes = 30
cleaning_gap_minutes = 30
min_notice_minutes = 120
max_advance_days = 90
cancel_cutoff_hours = 2
%s
[venue.hours]
mon = "09:00-21:00"
tue = "09:00-21:00"
wed = "09:00-21:00"
thu = "09:00-21:00"
fri = "09:00-21:00"
sat = "09:00-21:00"
sun = "09:00-21:00"
[[rooms]]
id = "room1"
name = "Room 1"
[[rooms]]
id = "room2"
name = "Room 2"
[[tiers]]
id = "classic"
name = "Classic"
  [[tiers.packages]]
  id = "classic-60"
  name = "60 minutes"
  duration_minutes = 60
  price_cents = 4500
  max_guests = 4
[mail]
from = "Test Venue <bookings@venue.test>"
owner_email = %q
reminder_before = %q
max_attempts = %d
retry_base = "1m"
dir = "mail"
%s
[limits]
email_per_recipient = %q
[security]
secret = "0123456789abcdef0123456789abcdef-test"
[log]
level = "error"
`, o.BaseURL, dbPath, zone, o.VenueExtra, ownerEmail, o.ReminderBefore, o.MaxAttempts, o.MailExtra, o.PerRecipient)
	for _, r := range []struct {
		name, tls, extra string
		port             int
	}{{"primary", o.PrimaryTLS, o.PrimaryExtra, o.Primary}, {"fallback", o.FallbackTLS, o.FallbackExtra, o.Fallback}} {
		if r.tls == "" {
			r.tls = "none"
		}
		if r.port != 0 {
			fmt.Fprintf(&b, "[mail.%s]\nhost = \"127.0.0.1\"\nport = %d\ntls = %q\n%s\n", r.name, r.port, r.tls, r.extra)
		}
	}
	return b.String()
}

// newVenue opens a test venue; it is closed at the end of the test.
func newVenue(t *testing.T, o venueOptions) *venue {
	t.Helper()
	dir := t.TempDir()
	dbPath := o.DBPath
	if dbPath == "" {
		dbPath = filepath.Join(dir, "venuebook.db")
	}
	cfg, err := app.ParseConfig([]byte(venueTOML(o, dbPath)), "test config", dir, nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	schema, err := os.ReadFile("../../schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	log := testLogger()
	if o.LogTo != nil {
		log = slog.New(slog.NewJSONHandler(o.LogTo, nil))
	}
	v := &venue{t: t, Cfg: cfg, Clock: newClock(t0), Log: log, DBPath: dbPath, schema: string(schema), closed: true, realTime: o.RealTime}
	v.open()
	t.Cleanup(v.close)
	return v
}

// open starts the venue's real wiring on its database file, with the mail
// loop and the scheduler left to the test (the clock is pinned).
func (v *venue) open() {
	v.t.Helper()
	cfg := *v.Cfg
	cfg.Server.Listen = "127.0.0.1:0"
	// Nothing here tests the store's waits: bound them by patience, not by
	// the production defaults of a few seconds, so that a slow machine
	// cannot turn a wait for the writer into ErrBusy.
	now := v.Clock.Now
	if v.realTime {
		now = time.Now
	}
	v.main = &serve.Main{Config: &cfg, Schema: v.schema, Assets: os.DirFS("../../assets"), Log: v.Log, Now: now,
		ManualMail: true, ManualJobs: true, StoreLimits: store.Limits{WriteWait: patience, WriteTimeout: patience, ReadTimeout: patience}}
	if err := v.main.Run(context.Background()); err != nil {
		v.t.Fatalf("run: %v", err)
	}
	v.Svc, v.Worker, v.closed = v.main.Service, v.main.Mail, false
}

// close shuts the venue down (the worker must be stopped, or never started).
func (v *venue) close() {
	if v.closed {
		return
	}
	v.closed = true
	if err := v.main.Close(); err != nil {
		v.t.Errorf("close: %v", err)
	}
}

// startWorker runs the worker's loop, woken by every commit that queues mail,
// until the end of the test.
func (v *venue) startWorker() {
	v.t.Helper()
	if err := v.Worker.Start(context.Background()); err != nil {
		v.t.Fatalf("start worker: %v", err)
	}
	v.t.Cleanup(v.Worker.Stop)
}

func request(start time.Time, email string) app.BookingRequest {
	price := int64(4500)
	return app.BookingRequest{
		Tier: "classic", Package: "classic-60", Start: start.Format(time.RFC3339), Guests: 2,
		Customer:           app.CustomerRequest{Name: "Ada Lovelace", Email: email, Phone: "+44 20 7946 0958"},
		ExpectedPriceCents: &price,
	}
}

// book creates a booking for customer at start (in the venue's zone) or fails the test.
func (v *venue) book(start time.Time, edits ...func(*app.BookingRequest)) app.Booking {
	v.t.Helper()
	req := request(start, customer)
	for _, e := range edits {
		e(&req)
	}
	b, created, err := v.Svc.CreateBooking(context.Background(), req, "")
	if err != nil || !created {
		v.t.Fatalf("book %s: created=%v err=%v", req.Start, created, err)
	}
	return b
}

func (v *venue) cancel(b app.Booking) app.Booking {
	v.t.Helper()
	c, err := v.Svc.CancelBooking(context.Background(), b.ID, b.ManageToken)
	if err != nil {
		v.t.Fatalf("cancel %s: %v", b.Reference, err)
	}
	return c
}

// deliver runs one delivery pass and returns how many messages it attempted.
func (v *venue) deliver() int {
	v.t.Helper()
	n, err := v.Worker.DeliverDue(context.Background())
	if err != nil {
		v.t.Fatalf("DeliverDue: %v", err)
	}
	return n
}

// outbox returns every outbox row, oldest first.
func (v *venue) outbox() []store.OutboxMessage {
	v.t.Helper()
	rows, err := v.Svc.Store.ListOutbox(context.Background(), "", 1000)
	if err != nil {
		v.t.Fatal(err)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	return rows
}

// row returns the one outbox row of kind about booking id.
func (v *venue) row(kind, bookingID string) store.OutboxMessage {
	v.t.Helper()
	var found []store.OutboxMessage
	for _, m := range v.outbox() {
		if m.Kind == kind && m.BookingID == bookingID {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		v.t.Fatalf("%d outbox rows of kind %s for booking %s, want 1", len(found), kind, bookingID)
	}
	return found[0]
}

func (v *venue) booking(id string) store.Booking {
	v.t.Helper()
	b, err := v.Svc.Store.FindBookingByID(context.Background(), id)
	if err != nil {
		v.t.Fatal(err)
	}
	return b
}

// The MIME parsing lives in smtptest, shared with the other packages' tests.
type (
	leaf  = smtptest.Part
	email = smtptest.Message
)

func parseEmail(t testing.TB, raw []byte) email { return smtptest.Parse(t, raw) }

// parseAll parses what a server smtptest.Received, keeping the envelope.
func parseAll(t testing.TB, msgs []smtptest.Received) []email {
	t.Helper()
	out := make([]email, len(msgs))
	for i, m := range msgs {
		out[i] = parseEmail(t, m.Data)
		out[i].Envelope = m
	}
	return out
}

// byMessageID finds the smtptest.Received message with this Message-ID.
func byMessageID(t testing.TB, msgs []email, id string) email {
	t.Helper()
	for _, m := range msgs {
		if m.MessageID() == id {
			return m
		}
	}
	t.Fatalf("no message with Message-ID <%s> among %d", id, len(msgs))
	return email{}
}

// calendar is what an independent iCalendar parser reads of an invite.
type calendar struct {
	Method   string
	UID      string
	Sequence string
	Status   string
	Start    time.Time
	End      time.Time
}

func parseInvite(t testing.TB, data []byte) calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("golang-ical cannot parse the invite: %v\n%s", err, data)
	}
	var c calendar
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == string(ics.PropertyMethod) {
			c.Method = p.Value
		}
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d VEVENTs, want 1", len(events))
	}
	ev := events[0]
	get := func(p ics.ComponentProperty) string {
		if prop := ev.GetProperty(p); prop != nil {
			return prop.Value
		}
		return ""
	}
	c.UID, c.Sequence, c.Status = get(ics.ComponentPropertyUniqueId), get(ics.ComponentPropertySequence), get(ics.ComponentPropertyStatus)
	if c.Start, err = ev.GetStartAt(); err != nil {
		t.Fatalf("DTSTART: %v", err)
	}
	if c.End, err = ev.GetEndAt(); err != nil {
		t.Fatalf("DTEND: %v", err)
	}
	return c
}

// checkInvite checks a message's calendar part: one text/calendar part whose
// Content-Type method parameter equals the calendar's METHOD, both method.
func checkInvite(t testing.TB, e email, method string) calendar {
	t.Helper()
	p := e.Part(t, "text/calendar")
	if got := p.Params["method"]; got != method {
		t.Errorf("calendar part Content-Type method=%q, want %q (%s)", got, method, p.Header.Get("Content-Type"))
	}
	c := parseInvite(t, p.Body)
	if c.Method != method {
		t.Errorf("METHOD:%s in the invite, want %s", c.Method, method)
	}
	if c.Method != p.Params["method"] {
		t.Errorf("METHOD:%s differs from the part's method=%s", c.Method, p.Params["method"])
	}
	if d := p.Header.Get("Content-Disposition"); !strings.Contains(d, "invite.ics") {
		t.Errorf("calendar part Content-Disposition %q does not name invite.ics", d)
	}
	return c
}

// --- tests --------------------------------------------------------------

// A confirmation goes out through a real SMTP server as a MIME message that
// the standard library parses: the Message-ID of its outbox row, a text part
// with the reference, the manage link and the venue's zone, an HTML
// alternative, and a calendar part an independent parser reads with the
// booking's start. Sending it sets the booking's confirmation-sent flag.
func TestConfirmationCarriesInvite(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port})
	b := v.book(berlin(t, 30, 11, 0))
	if got := v.booking(b.ID).ConfirmationSentAt; !got.IsZero() {
		t.Fatalf("confirmation_sent_at %v before any delivery", got)
	}
	if n := v.deliver(); n != 2 {
		t.Fatalf("attempted %d messages, want 2 (confirmation and owner copy)", n)
	}
	row := v.row(app.KindConfirmation, b.ID)
	if row.Status != store.MailSent || row.Relay != "primary" || row.Attempts != 1 || row.LastError != "" {
		t.Fatalf("confirmation row: status=%s relay=%q attempts=%d last_error=%q", row.Status, row.Relay, row.Attempts, row.LastError)
	}
	msgs := parseAll(t, srv.Messages())
	m := byMessageID(t, msgs, row.MessageID)
	if !strings.HasPrefix(row.MessageID, "vb.") || !strings.HasSuffix(row.MessageID, "@venue.test") {
		t.Errorf("Message-ID %q is not ours", row.MessageID)
	}

	// Envelope and headers.
	if len(m.Envelope.To) != 1 || m.Envelope.To[0] != customer {
		t.Errorf("RCPT TO %v, want [%s]", m.Envelope.To, customer)
	}
	if m.Envelope.From != "bookings@venue.test" {
		t.Errorf("MAIL FROM %q", m.Envelope.From)
	}
	if to, err := m.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != customer {
		t.Errorf("To: %v (%v)", to, err)
	}
	if from, err := m.Header.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "bookings@venue.test" || from[0].Name != "Test Venue" {
		t.Errorf("From: %v (%v)", from, err)
	}
	if date, err := m.Header.Date(); err != nil || !date.Equal(v.Clock.Now()) {
		t.Errorf("Date: %v (%v), want %v", date, err, v.Clock.Now())
	}
	if got := m.Header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted: %q", got)
	}
	if m.Subject != row.Subject || !strings.Contains(m.Subject, b.Reference) {
		t.Errorf("Subject %q, row subject %q, reference %s", m.Subject, row.Subject, b.Reference)
	}

	// Text and HTML.
	text := string(m.Part(t, "text/plain").Body)
	for _, want := range []string{b.Reference, b.ManageURL, "Monday 30 November 2026, 11:00–12:00 (Berlin time)"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	html := string(m.Part(t, "text/html").Body)
	if !strings.Contains(html, b.Reference) || !strings.Contains(html, b.ManageURL) {
		t.Errorf("HTML part lacks the reference or the manage link:\n%s", html)
	}

	// Calendar.
	c := checkInvite(t, m, "PUBLISH")
	if !c.Start.Equal(b.Start) || !c.Start.Equal(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("DTSTART %v, booking starts %v", c.Start, b.Start)
	}
	if !c.End.Equal(b.End) {
		t.Errorf("DTEND %v, booking ends %v", c.End, b.End)
	}
	if c.UID != "booking-"+b.ID+"@venue.test" || c.Sequence != "0" || c.Status != "CONFIRMED" {
		t.Errorf("UID %q SEQUENCE %q STATUS %q", c.UID, c.Sequence, c.Status)
	}

	// The flag, set when the confirmation went out.
	if got := v.booking(b.ID).ConfirmationSentAt; !got.Equal(v.Clock.Now()) {
		t.Errorf("confirmation_sent_at %v, want %v", got, v.Clock.Now())
	}
}

// The owner's copy goes to mail.owner_email, names the customer, and has no
// calendar invite; without an owner address there is none.
func TestOwnerCopy(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port})
	b := v.book(berlin(t, 30, 11, 0), func(r *app.BookingRequest) { r.Notes = "Birthday, please bring candles" })
	v.deliver()
	row := v.row(app.KindOwnerCopy, b.ID)
	if row.Recipient != owner || row.Status != store.MailSent {
		t.Fatalf("owner copy row: recipient %q status %s", row.Recipient, row.Status)
	}
	m := byMessageID(t, parseAll(t, srv.Messages()), row.MessageID)
	if len(m.Envelope.To) != 1 || m.Envelope.To[0] != owner {
		t.Errorf("RCPT TO %v, want [%s]", m.Envelope.To, owner)
	}
	if to, err := m.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != owner {
		t.Errorf("To: %v (%v)", to, err)
	}
	text := string(m.Part(t, "text/plain").Body)
	for _, want := range []string{b.Reference, "Ada Lovelace", customer, "Room 1", "Birthday, please bring candles", "(Berlin time)"} {
		if !strings.Contains(text, want) {
			t.Errorf("owner copy lacks %q:\n%s", want, text)
		}
	}
	if m.Has("text/calendar") {
		t.Error("owner copy carries a calendar invite")
	}
	if got := v.booking(b.ID).ConfirmationSentAt; got.IsZero() {
		t.Error("confirmation_sent_at not set")
	}

	// No owner address: the customer's confirmation only.
	srv2 := smtptest.New(t)
	v2 := newVenue(t, venueOptions{Primary: srv2.Port, NoOwner: true})
	b2 := v2.book(berlin(t, 30, 11, 0))
	if n := v2.deliver(); n != 1 {
		t.Fatalf("attempted %d without owner_email, want 1", n)
	}
	for _, m := range srv2.Messages() {
		if len(m.To) != 1 || m.To[0] != customer {
			t.Errorf("message to %v without owner_email", m.To)
		}
	}
	v2.row(app.KindConfirmation, b2.ID)
}

// A cancellation carries METHOD:CANCEL in the invite and in the part's
// Content-Type, with the confirmation's UID and a higher SEQUENCE; the owner
// is told as well.
func TestCancellationInvite(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port})
	b := v.book(berlin(t, 30, 11, 0))
	v.deliver()
	v.Clock.Add(time.Hour)
	cancelled := v.cancel(b)
	if cancelled.Status != "cancelled" || cancelled.Sequence != 1 {
		t.Fatalf("cancelled booking: status %s sequence %d", cancelled.Status, cancelled.Sequence)
	}
	if n := v.deliver(); n != 2 {
		t.Fatalf("attempted %d after cancelling, want 2", n)
	}
	msgs := parseAll(t, srv.Messages())
	confirmation := byMessageID(t, msgs, v.row(app.KindConfirmation, b.ID).MessageID)
	cancelRow := v.row(app.KindCancellation, b.ID)
	notice := byMessageID(t, msgs, cancelRow.MessageID)
	if cancelRow.Recipient != customer || cancelRow.Status != store.MailSent {
		t.Errorf("cancellation row: recipient %q status %s", cancelRow.Recipient, cancelRow.Status)
	}

	published := checkInvite(t, confirmation, "PUBLISH")
	withdrawn := checkInvite(t, notice, "CANCEL")
	if withdrawn.UID != published.UID {
		t.Errorf("cancellation UID %q, confirmation UID %q", withdrawn.UID, published.UID)
	}
	var seqPub, seqCancel int
	fmt.Sscan(published.Sequence, &seqPub)
	fmt.Sscan(withdrawn.Sequence, &seqCancel)
	if seqCancel <= seqPub || withdrawn.Sequence == "" {
		t.Errorf("SEQUENCE %q after %q, want higher", withdrawn.Sequence, published.Sequence)
	}
	if withdrawn.Status != "CANCELLED" || !withdrawn.Start.Equal(b.Start) {
		t.Errorf("cancel invite STATUS %q DTSTART %v", withdrawn.Status, withdrawn.Start)
	}
	if !strings.Contains(notice.Subject, "cancelled") || !strings.Contains(string(notice.Part(t, "text/plain").Body), b.Reference) {
		t.Errorf("cancellation subject %q or text lacks the reference", notice.Subject)
	}
	ownerRow := v.row(app.KindOwnerCancellation, b.ID)
	if ownerRow.Recipient != owner || ownerRow.Status != store.MailSent {
		t.Errorf("owner cancellation row: recipient %q status %s", ownerRow.Recipient, ownerRow.Status)
	}
}

// With the SMTP server down the booking still succeeds and its email waits,
// queued, keeping its attempt (the relay is down, not the message), for the
// relay's next try; once the server listens again on the same port, that try
// delivers it, with the Message-ID fixed at queue time.
func TestServerDownThenRetry(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port})
	srv.Stop()

	b := v.book(berlin(t, 30, 11, 0))
	if n := v.deliver(); n != 2 {
		t.Fatalf("attempted %d, want 2", n)
	}
	for _, m := range v.outbox() {
		if m.Status != store.MailQueued || m.Attempts != 0 || !strings.Contains(m.LastError, "primary") || !strings.Contains(m.LastError, "refused") {
			t.Fatalf("row %s with the server down: status=%s attempts=%d last_error=%q", m.Kind, m.Status, m.Attempts, m.LastError)
		}
		if !m.NextAttemptAt.After(v.Clock.Now()) {
			t.Fatalf("row %s due again at once (%v)", m.Kind, m.NextAttemptAt)
		}
	}

	srv.Restart()
	if n := v.deliver(); n != 0 {
		t.Fatalf("attempted %d before the retry is due, want 0", n)
	}
	v.Clock.Add(mail.FaultBackoffStart + time.Second) // past the relay's first backoff
	if n := v.deliver(); n != 2 {
		t.Fatalf("attempted %d on retry, want 2", n)
	}
	msgs := parseAll(t, srv.Messages())
	if len(msgs) != 2 {
		t.Fatalf("server smtptest.Received %d messages, want 2", len(msgs))
	}
	for _, m := range v.outbox() {
		if m.Status != store.MailSent || m.Relay != "primary" || m.Attempts != 1 || m.LastError != "" {
			t.Errorf("row %s after retry: status=%s relay=%q attempts=%d last_error=%q", m.Kind, m.Status, m.Relay, m.Attempts, m.LastError)
		}
		byMessageID(t, msgs, m.MessageID)
	}
	if v.booking(b.ID).ConfirmationSentAt.IsZero() {
		t.Error("confirmation_sent_at not set after the retry")
	}
}

// With the primary relay down, the fallback delivers and the row says so.
func TestFallbackRelay(t *testing.T) {
	t.Parallel()
	fallback := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: smtptest.ClosedPort(t), Fallback: fallback.Port})
	b := v.book(berlin(t, 30, 11, 0))
	if n := v.deliver(); n != 2 {
		t.Fatalf("attempted %d, want 2", n)
	}
	msgs := parseAll(t, fallback.Messages())
	if len(msgs) != 2 {
		t.Fatalf("fallback smtptest.Received %d messages, want 2", len(msgs))
	}
	for _, m := range v.outbox() {
		if m.Status != store.MailSent || m.Relay != "fallback" || m.Attempts != 1 {
			t.Errorf("row %s: status=%s relay=%q attempts=%d", m.Kind, m.Status, m.Relay, m.Attempts)
		}
		byMessageID(t, msgs, m.MessageID)
	}
	checkInvite(t, byMessageID(t, msgs, v.row(app.KindConfirmation, b.ID).MessageID), "PUBLISH")

	// The primary back: it is used first again.
	primary := smtptest.New(t)
	fallback2 := smtptest.New(t)
	v2 := newVenue(t, venueOptions{Primary: primary.Port, Fallback: fallback2.Port, NoOwner: true})
	v2.book(berlin(t, 30, 11, 0))
	v2.deliver()
	if len(primary.Messages()) != 1 || len(fallback2.Messages()) != 0 {
		t.Errorf("primary got %d, fallback %d; want 1 and 0", len(primary.Messages()), len(fallback2.Messages()))
	}
}

// A server that refuses the recipient for now (4xx): each attempt is counted,
// the next one waits retry_base doubled per earlier failure (±10% jitter), and
// after mail.max_attempts the row is dead with the server's reply recorded.
func TestRefusedForNowUntilDead(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	const maxAttempts = 4
	v := newVenue(t, venueOptions{Primary: srv.Port, MaxAttempts: maxAttempts, NoOwner: true})
	srv.RejectRcpt(450)
	b := v.book(berlin(t, 30, 11, 0))

	var lastDelay time.Duration
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		if n := v.deliver(); n != 1 {
			t.Fatalf("attempt %d: attempted %d, want 1", attempt, n)
		}
		if n := v.deliver(); n != 0 {
			t.Fatalf("attempt %d: retried at once (%d)", attempt, n)
		}
		row := v.row(app.KindConfirmation, b.ID)
		if row.Attempts != attempt {
			t.Fatalf("attempts %d after attempt %d", row.Attempts, attempt)
		}
		if !strings.Contains(row.LastError, "450") || !strings.Contains(row.LastError, "primary") {
			t.Errorf("attempt %d: last_error %q lacks the relay or the 450 reply", attempt, row.LastError)
		}
		if attempt == maxAttempts {
			if row.Status != store.MailDead {
				t.Fatalf("status %s after the last attempt, want dead", row.Status)
			}
			break
		}
		if row.Status != store.MailFailed {
			t.Fatalf("attempt %d: status %s, want failed", attempt, row.Status)
		}
		delay := row.NextAttemptAt.Sub(v.Clock.Now())
		want := time.Minute << (attempt - 1)
		lo, hi := want*9/10-time.Second, want*11/10+time.Second // jitter, and whole seconds in the row
		if delay < lo || delay > hi {
			t.Errorf("attempt %d: next attempt in %s, want %s ±10%%", attempt, delay, want)
		}
		if delay <= lastDelay {
			t.Errorf("attempt %d: delay %s does not grow from %s", attempt, delay, lastDelay)
		}
		lastDelay = delay
		v.Clock.Set(row.NextAttemptAt)
	}
	v.Clock.Add(30 * 24 * time.Hour)
	if n := v.deliver(); n != 0 {
		t.Errorf("a dead message was attempted again (%d)", n)
	}
	if len(srv.Messages()) != 0 {
		t.Errorf("server accepted %d messages", len(srv.Messages()))
	}
	dead, err := v.Svc.Store.ListOutbox(context.Background(), store.MailDead, 10)
	if err != nil || len(dead) != 1 {
		t.Errorf("dead rows %d (%v), want 1", len(dead), err)
	}
	if !v.booking(b.ID).ConfirmationSentAt.IsZero() {
		t.Error("confirmation_sent_at set for a dead confirmation")
	}
}

// A permanent refusal of the recipient (5xx) is final at once: the message is
// dead after one attempt, with the relay's reply, and is not offered to the
// fallback or retried; the console's Email page shows it with a Retry button.
func TestRefusedForGoodAtOnce(t *testing.T) {
	t.Parallel()
	primary, fallback := smtptest.New(t), smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: primary.Port, Fallback: fallback.Port, NoOwner: true})
	primary.RejectRcpt(550, customer)
	b := v.book(berlin(t, 30, 11, 0))
	if n := v.deliver(); n != 1 {
		t.Fatalf("attempted %d, want 1", n)
	}
	row := v.row(app.KindConfirmation, b.ID)
	if row.Status != store.MailDead || row.Attempts != 1 || !strings.Contains(row.LastError, "550") || !strings.Contains(row.LastError, "refused for good") {
		t.Fatalf("status %s attempts %d last_error %q; want dead after one attempt, with the 550", row.Status, row.Attempts, row.LastError)
	}
	if fallback.DataAttempts() != 0 || len(fallback.Messages()) != 0 {
		t.Errorf("the fallback was offered a message the primary refused for good")
	}
	v.Clock.Add(30 * 24 * time.Hour)
	if n := v.deliver(); n != 0 {
		t.Errorf("a dead message was attempted again (%d)", n)
	}
	page := v.ownerGet("/admin/mail")
	for _, want := range []string{"dead", customer, "550", "Retry now"} {
		if !strings.Contains(page, want) {
			t.Errorf("the Email page does not show %q for the refused message", want)
		}
	}
}

// Relaying refused (5.7.1 "Relay access denied") or the sender refused is the
// relay's configuration, not the address: the messages wait, keeping their
// attempts, and go through the fallback.
func TestRelayingRefusedIsTheRelays(t *testing.T) {
	t.Parallel()
	primary, fallback := smtptest.New(t), smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: primary.Port, Fallback: fallback.Port, NoOwner: true})
	primary.RefuseRcpt(554, "5.7.1 <ada@example.com>: Relay access denied")
	b := v.book(berlin(t, 30, 11, 0))
	v.deliver()
	if row := v.row(app.KindConfirmation, b.ID); row.Status != store.MailSent || row.Relay != "fallback" {
		t.Fatalf("status %s relay %q last_error %q; want sent through the fallback", row.Status, row.Relay, row.LastError)
	}
	v2 := newVenue(t, venueOptions{Primary: primary.Port, NoOwner: true})
	b2 := v2.book(berlin(t, 30, 11, 0))
	v2.deliver()
	if row := v2.row(app.KindConfirmation, b2.ID); row.Status != store.MailQueued || row.Attempts != 0 || !strings.Contains(row.LastError, "Relay access denied") {
		t.Fatalf("status %s attempts %d last_error %q; want queued, no attempt used, the relay's reply kept", row.Status, row.Attempts, row.LastError)
	}
}

// A temporary 4xx refusal of the message is retried and then delivered.
func TestTemporaryRefusalRetried(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port, NoOwner: true})
	srv.RejectData(451, true)
	b := v.book(berlin(t, 30, 11, 0))
	v.deliver()
	row := v.row(app.KindConfirmation, b.ID)
	if row.Status != store.MailFailed || !strings.Contains(row.LastError, "451") {
		t.Fatalf("after 451: status %s last_error %q", row.Status, row.LastError)
	}
	v.Clock.Set(row.NextAttemptAt)
	v.deliver()
	row = v.row(app.KindConfirmation, b.ID)
	if row.Status != store.MailSent || row.Attempts != 2 || srv.DataAttempts() != 2 || len(srv.Messages()) != 1 {
		t.Fatalf("after retry: status %s attempts %d; server saw %d DATA, kept %d", row.Status, row.Attempts, srv.DataAttempts(), len(srv.Messages()))
	}
}

// A crash between "sending" and "sent": rows claimed by a worker that never
// marks them are delivered by the next start, with their Message-ID; and by a
// running worker once they have been sending for longer than StuckAfter.
func TestCrashWhileSending(t *testing.T) {
	t.Parallel()
	t.Run("restart", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.New(t)
		v := newVenue(t, venueOptions{Primary: srv.Port})
		b := v.book(berlin(t, 30, 11, 0))
		claimed, err := v.Svc.Store.ClaimDueMessages(context.Background(), v.Clock.Now(), 10, mail.StuckAfter)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claimed %d (%v), want 2", len(claimed), err)
		}
		for _, m := range v.outbox() {
			if m.Status != store.MailSending {
				t.Fatalf("row %s is %s after the claim", m.Kind, m.Status)
			}
		}
		// The process dies here: nothing is sent or marked. Reopen the same file.
		v.close()
		v.Clock.Add(time.Minute)
		v.open()
		v.startWorker()
		msgs := parseAll(t, srv.WaitMessages(2, patience))
		for _, c := range claimed {
			m := byMessageID(t, msgs, c.MessageID)
			if c.Kind == app.KindConfirmation {
				checkInvite(t, m, "PUBLISH")
			}
		}
		v.Worker.Stop()
		for _, m := range v.outbox() {
			if m.Status != store.MailSent {
				t.Errorf("row %s is %s after the restart", m.Kind, m.Status)
			}
		}
		if v.booking(b.ID).ConfirmationSentAt.IsZero() {
			t.Error("confirmation_sent_at not set")
		}
		if len(srv.Messages()) != 2 {
			t.Errorf("server smtptest.Received %d messages, want 2", len(srv.Messages()))
		}
	})
	t.Run("stuck", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.New(t)
		v := newVenue(t, venueOptions{Primary: srv.Port, NoOwner: true})
		b := v.book(berlin(t, 30, 11, 0))
		claimed, err := v.Svc.Store.ClaimDueMessages(context.Background(), v.Clock.Now(), 10, mail.StuckAfter)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claimed %d (%v), want 1", len(claimed), err)
		}
		if n := v.deliver(); n != 0 {
			t.Fatalf("a message being sent was taken again at once (%d)", n)
		}
		v.Clock.Add(mail.StuckAfter)
		if n := v.deliver(); n != 1 {
			t.Fatalf("attempted %d after StuckAfter, want 1", n)
		}
		msgs := parseAll(t, srv.Messages())
		if len(msgs) != 1 || msgs[0].MessageID() != claimed[0].MessageID {
			t.Fatalf("smtptest.Received %d, Message-ID of the claimed row %s", len(msgs), claimed[0].MessageID)
		}
		if row := v.row(app.KindConfirmation, b.ID); row.Status != store.MailSent {
			t.Errorf("status %s", row.Status)
		}
	})
}

// countKind counts the smtptest.Received messages whose subject starts with prefix, to rcpt.
func countKind(t testing.TB, msgs []smtptest.Received, prefix, rcpt string) int {
	t.Helper()
	n := 0
	for _, m := range parseAll(t, msgs) {
		if strings.HasPrefix(m.Subject, prefix) && len(m.Envelope.To) == 1 && m.Envelope.To[0] == rcpt {
			n++
		}
	}
	return n
}

// Reminders: queued once however often QueueReminders runs, never for a
// cancelled booking (nor after a cancellation drops a queued one), not for a
// booking made inside the reminder window; and through the cron job.
func TestReminders(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port, NoOwner: true})
	ctx := context.Background()
	a := v.book(berlin(t, 30, 11, 0)) // 30 Nov 10:00Z
	c := v.book(berlin(t, 30, 13, 0)) // cancelled before its window
	d := v.book(berlin(t, 30, 15, 0)) // cancelled after its reminder is queued
	e := v.book(berlin(t, 31, 12, 0)) // 1 Dec 11:00Z, for the cron job
	v.cancel(c)
	v.deliver()

	// 29 Nov 14:30Z: a's window (from 29 Nov 10:00Z) and d's (from 14:00Z) are open.
	v.Clock.Set(time.Date(2026, 11, 29, 14, 30, 0, 0, time.UTC))
	inside := v.book(berlin(t, 30, 9, 0)) // starts within 24h: made inside the window
	if n, err := v.Svc.QueueReminders(ctx); err != nil || n != 2 {
		t.Fatalf("QueueReminders queued %d (%v), want 2 (a and d)", n, err)
	}
	if n, err := v.Svc.QueueReminders(ctx); err != nil || n != 0 {
		t.Fatalf("QueueReminders again queued %d (%v), want 0", n, err)
	}
	v.row(app.KindReminder, d.ID)
	v.cancel(d) // drops d's unsent reminder
	v.deliver()
	if n, err := v.Svc.QueueReminders(ctx); err != nil || n != 0 {
		t.Fatalf("QueueReminders after delivery queued %d (%v), want 0", n, err)
	}
	reminder := v.row(app.KindReminder, a.ID)
	if reminder.Status != store.MailSent || reminder.Recipient != customer {
		t.Errorf("a's reminder: status %s recipient %s", reminder.Status, reminder.Recipient)
	}
	m := byMessageID(t, parseAll(t, srv.Messages()), reminder.MessageID)
	if !strings.HasPrefix(m.Subject, "Reminder:") || !strings.Contains(string(m.Part(t, "text/plain").Body), a.ManageURL) {
		t.Errorf("reminder subject %q or text without the manage link", m.Subject)
	}
	for _, id := range []string{c.ID, d.ID, inside.ID, e.ID} {
		for _, row := range v.outbox() {
			if row.Kind == app.KindReminder && row.BookingID == id {
				t.Errorf("a reminder for booking %s (status %s)", id, row.Status)
			}
		}
	}
	if got := countKind(t, srv.Messages(), "Reminder:", customer); got != 1 {
		t.Fatalf("%d reminders smtptest.Received, want 1", got)
	}

	// The cron job, as serve schedules it, run at least twice: e gets one reminder.
	v.Clock.Set(e.Start.Add(-23 * time.Hour))
	before := len(srv.Messages())
	v.startWorker()
	runner := jobs.New(v.Cfg.Location, v.Log)
	runs := make(chan struct{}, 100)
	err := runner.Add("reminders", "@every 1s", func(ctx context.Context) error {
		defer func() { runs <- struct{}{} }()
		n, err := v.Svc.QueueReminders(ctx)
		if n > 0 {
			v.Worker.Wake()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	runner.Start()
	deadline := time.After(patience)
	for i := 0; i < 2; i++ {
		select {
		case <-runs:
		case <-deadline:
			t.Fatalf("the reminders job did not run twice within %s", patience)
		}
	}
	stopCtx, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	if err := runner.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	srv.WaitMessages(before+1, patience)
	v.Worker.Stop()
	for _, st := range runner.Statuses() {
		if st.Name == "reminders" && (st.Runs < 2 || st.LastErr != "") {
			t.Errorf("job status: %+v", st)
		}
	}
	row := v.row(app.KindReminder, e.ID)
	if row.Status != store.MailSent {
		t.Fatalf("e's reminder is %s", row.Status)
	}
	byMessageID(t, parseAll(t, srv.Messages()), row.MessageID)
	if got := countKind(t, srv.Messages(), "Reminder:", customer); got != 2 {
		t.Errorf("%d reminders smtptest.Received in all, want 2 (a and e)", got)
	}
	if got := len(srv.Messages()); got != before+1 {
		t.Errorf("%d messages after the cron runs, want %d", got, before+1)
	}
}

// The running worker sends right after the commit that queues mail: Wake,
// not a timer, brings it (the clock is pinned, and no cron job runs).
func TestWorkerSendsAfterCommit(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port})
	v.startWorker()
	b1 := v.book(berlin(t, 30, 11, 0))
	srv.WaitMessages(2, patience)
	b2 := v.book(berlin(t, 30, 14, 0))
	msgs := parseAll(t, srv.WaitMessages(4, patience))
	v.Worker.Stop() // waits for the send in progress, so every outcome is recorded
	for _, b := range []app.Booking{b1, b2} {
		row := v.row(app.KindConfirmation, b.ID)
		if row.Status != store.MailSent {
			t.Errorf("confirmation of %s is %s", b.Reference, row.Status)
		}
		checkInvite(t, byMessageID(t, msgs, row.MessageID), "PUBLISH")
		if v.booking(b.ID).ConfirmationSentAt.IsZero() {
			t.Errorf("confirmation_sent_at of %s not set", b.Reference)
		}
	}
	if len(srv.Messages()) != 4 {
		t.Errorf("server smtptest.Received %d messages, want 4", len(srv.Messages()))
	}
}

// A delivery pass whose context ends while a message is on the wire finishes
// that message and records it as sent (not left "sending", to be sent twice),
// and hands back the messages it had claimed but not tried.
func TestCancelledPassFinishesSendInProgress(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port})
	b := v.book(berlin(t, 30, 11, 0))
	held, release := srv.HoldData()
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := v.Worker.DeliverDue(ctx)
		done <- result{n, err}
	}()
	select {
	case <-held:
	case <-time.After(patience):
		t.Fatal("the worker did not reach DATA")
	}
	cancel() // Stop does this
	release()
	var r result
	select {
	case r = <-done:
	case <-time.After(patience):
		t.Fatal("DeliverDue did not return")
	}
	if r.n != 1 || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("DeliverDue = %d, %v; want 1, context.Canceled", r.n, r.err)
	}
	confirmation := v.row(app.KindConfirmation, b.ID)
	if confirmation.Status != store.MailSent || len(srv.Messages()) != 1 {
		t.Fatalf("message on the wire: row %s, server kept %d", confirmation.Status, len(srv.Messages()))
	}
	ownerCopy := v.row(app.KindOwnerCopy, b.ID)
	if ownerCopy.Status != store.MailQueued || ownerCopy.Attempts != 0 || ownerCopy.NextAttemptAt.After(v.Clock.Now()) {
		t.Fatalf("claimed but untried message: status %s attempts %d next %v", ownerCopy.Status, ownerCopy.Attempts, ownerCopy.NextAttemptAt)
	}
	if n := v.deliver(); n != 1 || len(srv.Messages()) != 2 {
		t.Fatalf("next pass attempted %d; server has %d", n, len(srv.Messages()))
	}
}

// With no SMTP host, messages are written as .eml files under mail.dir, marked
// sent through relay "file", and each file is a MIME message.
func TestEMLFilesWithoutHost(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{})
	b := v.book(berlin(t, 30, 11, 0))
	if n := v.deliver(); n != 2 {
		t.Fatalf("attempted %d, want 2", n)
	}
	v.Clock.Add(time.Hour)
	v.cancel(b)
	if n := v.deliver(); n != 2 {
		t.Fatalf("attempted %d after cancelling, want 2", n)
	}
	dir := v.Cfg.Mail.Dir
	if !filepath.IsAbs(dir) {
		t.Fatalf("mail.dir %q not resolved against the config's directory", dir)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 4 {
		t.Fatalf("%d .eml files in %s, want 4", len(files), dir)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".eml-*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	var msgs []email
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, parseEmail(t, data))
	}
	for _, row := range v.outbox() {
		if row.Status != store.MailSent || row.Relay != "file" {
			t.Errorf("row %s: status %s relay %q", row.Kind, row.Status, row.Relay)
		}
		m := byMessageID(t, msgs, row.MessageID)
		if to, err := m.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != row.Recipient {
			t.Errorf("%s file To: %v (%v), want %s", row.Kind, to, err, row.Recipient)
		}
		if m.Subject != row.Subject {
			t.Errorf("%s file Subject %q, row %q", row.Kind, m.Subject, row.Subject)
		}
	}
	c := checkInvite(t, byMessageID(t, msgs, v.row(app.KindConfirmation, b.ID).MessageID), "PUBLISH")
	if !c.Start.Equal(b.Start) {
		t.Errorf("DTSTART %v, want %v", c.Start, b.Start)
	}
	checkInvite(t, byMessageID(t, msgs, v.row(app.KindCancellation, b.ID).MessageID), "CANCEL")
	if v.booking(b.ID).ConfirmationSentAt.IsZero() {
		t.Error("confirmation_sent_at not set by the file relay")
	}
}

// limits.email_per_recipient: a recipient's excess messages wait in the queue
// (not dropped, no attempt counted) and go out once the window has passed;
// other recipients are not held up.
func TestPerRecipientLimit(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port, NoOwner: true, PerRecipient: "2-H"})
	var bookings []app.Booking
	for _, hour := range []int{9, 11, 13} {
		bookings = append(bookings, v.book(berlin(t, 30, hour, 0)))
	}
	other := v.book(berlin(t, 30, 15, 0), func(r *app.BookingRequest) { r.Customer.Email = "grace@example.com" })
	v.deliver()
	if got := countKind(t, srv.Messages(), "Booking confirmed", customer); got != 2 {
		t.Fatalf("%d confirmations to %s in the first hour, want 2", got, customer)
	}
	if got := countKind(t, srv.Messages(), "Booking confirmed", "grace@example.com"); got != 1 {
		t.Fatalf("another recipient got %d, want 1", got)
	}
	if row := v.row(app.KindConfirmation, other.ID); row.Status != store.MailSent {
		t.Fatalf("other recipient's row is %s", row.Status)
	}
	waiting := v.row(app.KindConfirmation, bookings[2].ID)
	if waiting.Status != store.MailQueued || waiting.Attempts != 0 || !waiting.NextAttemptAt.After(v.Clock.Now()) {
		t.Fatalf("excess message: status %s attempts %d next %v (now %v)", waiting.Status, waiting.Attempts, waiting.NextAttemptAt, v.Clock.Now())
	}

	// Half an hour on, the hour is not over: it waits again.
	v.Clock.Set(waiting.NextAttemptAt)
	v.deliver()
	waiting2 := v.row(app.KindConfirmation, bookings[2].ID)
	if waiting2.Status != store.MailQueued || waiting2.Attempts != 0 || !waiting2.NextAttemptAt.After(waiting.NextAttemptAt) {
		t.Fatalf("within the window: status %s attempts %d next %v", waiting2.Status, waiting2.Attempts, waiting2.NextAttemptAt)
	}
	if got := countKind(t, srv.Messages(), "Booking confirmed", customer); got != 2 {
		t.Fatalf("%d confirmations within the window, want 2", got)
	}

	// Past the window it goes out.
	v.Clock.Set(t0.Add(time.Hour + time.Minute))
	v.deliver()
	row := v.row(app.KindConfirmation, bookings[2].ID)
	if row.Status != store.MailSent || row.Attempts != 1 {
		t.Fatalf("after the window: status %s attempts %d", row.Status, row.Attempts)
	}
	if got := countKind(t, srv.Messages(), "Booking confirmed", customer); got != 3 {
		t.Fatalf("%d confirmations in all, want 3", got)
	}
}

// limits.email_per_recipient counts an address as one whatever its letter
// case and "+tag": three spellings of one inbox share its two messages an
// hour, and a look-alike address (another local part) is counted apart.
func TestPerRecipientLimitCountsSpellings(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port, NoOwner: true, PerRecipient: "2-H"})
	spellings := []string{"Pat@Example.COM", "pat@example.com", "pat+spa@example.com"}
	var bookings []app.Booking
	for i, email := range spellings {
		bookings = append(bookings, v.book(berlin(t, 30, 9+2*i, 0), func(r *app.BookingRequest) { r.Customer.Email = email }))
	}
	apart := v.book(berlin(t, 30, 15, 0), func(r *app.BookingRequest) { r.Customer.Email = "pat.spa@example.com" })
	v.deliver()
	sent := 0
	for _, b := range bookings {
		if v.row(app.KindConfirmation, b.ID).Status == store.MailSent {
			sent++
		}
	}
	if sent != 2 {
		t.Errorf("%d confirmations sent to the spellings of one address in an hour, want 2", sent)
	}
	if last := v.row(app.KindConfirmation, bookings[2].ID); last.Status != store.MailQueued || last.Attempts != 0 {
		t.Errorf("the third spelling's message: status %s, attempts %d; want it waiting in the queue", last.Status, last.Attempts)
	}
	if row := v.row(app.KindConfirmation, apart.ID); row.Status != store.MailSent {
		t.Errorf("another local part's message is %s, want sent", row.Status)
	}
}

// Header injection: CR or LF in a name or an address, or a bare CR in the
// notes, is refused by validation; notes may hold line breaks, which stay in
// the body. Every message has one Subject, on one line, and no header or
// recipient the customer wrote.
func TestNoHeaderInjection(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port})
	evil := "evil@example.com"
	refused := []struct {
		field string
		edit  func(*app.BookingRequest)
	}{
		{"customer.name", func(r *app.BookingRequest) { r.Customer.Name = "Ada\r\nBcc: " + evil }},
		{"customer.name", func(r *app.BookingRequest) { r.Customer.Name = "Ada\nBcc: " + evil }},
		{"customer.name", func(r *app.BookingRequest) { r.Customer.Name = "Ada\rSubject: pwned" }},
		{"customer.email", func(r *app.BookingRequest) { r.Customer.Email = customer + "\r\nBcc: " + evil }},
		{"customer.email", func(r *app.BookingRequest) { r.Customer.Email = customer + "\nBcc: " + evil }},
		{"notes", func(r *app.BookingRequest) { r.Notes = "hi\rBcc: " + evil }},
	}
	for _, c := range refused {
		req := request(berlin(t, 30, 11, 0), customer)
		c.edit(&req)
		_, _, err := v.Svc.CreateBooking(context.Background(), req, "")
		var ae *app.Error
		if !errors.As(err, &ae) || ae.Code != app.CodeValidationFailed || ae.Fields[c.field] == "" {
			t.Errorf("%s %q/%q: err %v, want validation_failed on %s", c.field, req.Customer.Name, req.Customer.Email, err, c.field)
		}
	}
	if rows := v.outbox(); len(rows) != 0 {
		t.Fatalf("%d outbox rows after refused bookings", len(rows))
	}

	b := v.book(berlin(t, 30, 11, 0), func(r *app.BookingRequest) {
		r.Notes = "Please\r\nBcc: " + evil + "\r\nSubject: pwned"
	})
	if want := "Please\nBcc: " + evil + "\nSubject: pwned"; b.Notes != want {
		t.Errorf("notes stored as %q, want %q", b.Notes, want)
	}
	v.deliver()
	v.Clock.Add(time.Hour)
	v.cancel(b)
	v.deliver()
	msgs := parseAll(t, srv.Messages())
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want 4", len(msgs))
	}
	for _, m := range msgs {
		if len(m.Header["Subject"]) != 1 || m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") {
			t.Errorf("Subject %q (%d headers) is not one line", m.Subject, len(m.Header["Subject"]))
		}
		if strings.Contains(m.Subject, "pwned") {
			t.Errorf("Subject %q carries the customer's text", m.Subject)
		}
		for _, h := range []string{"Bcc", "Cc"} {
			if _, ok := m.Header[h]; ok {
				t.Errorf("message %q has a %s header", m.Subject, h)
			}
		}
		for _, rcpt := range m.Envelope.To {
			if rcpt != customer && rcpt != owner {
				t.Errorf("message %q went to %s", m.Subject, rcpt)
			}
		}
		head, _, _ := bytes.Cut(m.Raw, []byte("\r\n\r\n"))
		for _, line := range strings.Split(string(head), "\r\n") {
			if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
				continue // folded continuation
			}
			name, _, ok := strings.Cut(line, ":")
			if !ok || name == "" || strings.ContainsAny(name, " \t") {
				t.Errorf("message %q: header line %q is not a header", m.Subject, line)
			}
			if strings.EqualFold(name, "Bcc") {
				t.Errorf("message %q: injected header %q", m.Subject, line)
			}
		}
	}
	ownerCopy := byMessageID(t, msgs, v.row(app.KindOwnerCopy, b.ID).MessageID)
	if text := string(ownerCopy.Part(t, "text/plain").Body); !strings.Contains(text, "Bcc: "+evil) {
		t.Errorf("the notes did not reach the owner's copy body:\n%s", text)
	}
}

// bookings.confirmation_sent_at is set when the confirmation goes out, not
// when only the owner's copy does, and not changed by later messages.
func TestConfirmationSentFlag(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port})
	srv.RejectRcpt(450, customer)
	b := v.book(berlin(t, 30, 11, 0))
	v.deliver()
	if row := v.row(app.KindOwnerCopy, b.ID); row.Status != store.MailSent {
		t.Fatalf("owner copy is %s", row.Status)
	}
	if row := v.row(app.KindConfirmation, b.ID); row.Status != store.MailFailed {
		t.Fatalf("refused confirmation is %s", row.Status)
	}
	if got := v.booking(b.ID).ConfirmationSentAt; !got.IsZero() {
		t.Fatalf("confirmation_sent_at %v though only the owner's copy went out", got)
	}
	srv.AcceptAll()
	v.Clock.Add(5 * time.Minute)
	sentAt := v.Clock.Now()
	v.deliver()
	if got := v.booking(b.ID).ConfirmationSentAt; !got.Equal(sentAt) {
		t.Fatalf("confirmation_sent_at %v, want %v", got, sentAt)
	}
	v.Clock.Add(time.Hour)
	v.cancel(b)
	v.deliver()
	if got := v.booking(b.ID).ConfirmationSentAt; !got.Equal(sentAt) {
		t.Errorf("confirmation_sent_at moved to %v by the cancellation", got)
	}
}

// A pass marks what it sent in batches, not one write per message: 60
// messages (30 bookings' confirmations and owner's copies) take far fewer
// than 60 writes, and every one is marked sent, its booking's confirmation
// too.
func TestSentMessagesAreMarkedInBatches(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port})
	var booked []app.Booking
	for i := range 30 {
		booked = append(booked, v.book(berlin(t, 30, 11, 0).Add(time.Duration(i%2)*3*time.Hour).AddDate(0, 0, i/2), func(r *app.BookingRequest) {
			r.Customer.Email = fmt.Sprintf("guest%d@example.com", i)
		}))
	}
	writes := v.Svc.Store.BatchedWrites.Load()
	if n := v.deliver(); n != 60 {
		t.Fatalf("the pass dealt with %d messages, want 60", n)
	}
	if w := v.Svc.Store.BatchedWrites.Load() - writes; w > 30 {
		t.Errorf("%d writes to claim and mark 60 messages", w)
	}
	for _, m := range v.outbox() {
		if m.Status != store.MailSent {
			t.Errorf("message %d (%s) is %s", m.ID, m.Kind, m.Status)
		}
	}
	for _, b := range booked {
		if v.booking(b.ID).ConfirmationSentAt.IsZero() {
			t.Errorf("confirmation_sent_at of %s not set", b.Reference)
		}
	}
}
