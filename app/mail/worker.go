// Package mail delivers the outbox: it claims due messages, sends them through
// the primary SMTP relay, then the fallback, or writes .eml files when no relay
// is configured, and records each outcome so that no email is lost silently.
package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"venuebook/app"
	"venuebook/store"
)

// StuckAfter is how long a message may stay "sending" before another attempt
// takes it: longer than any send can last (the SMTP timeout is far shorter).
const StuckAfter = 10 * time.Minute

// SendTimeout bounds one SMTP conversation.
const SendTimeout = 30 * time.Second

// relay is one way out for a message.
type relay interface {
	name() string
	send(ctx context.Context, m *gomail.Msg, row store.OutboxMessage) error
}

// Worker sends the outbox. Wake asks it to look for due messages now; the
// retry cron job wakes it regularly for failed ones.
type Worker struct {
	store  *store.Store
	cfg    *app.Config
	log    *slog.Logger
	now    func() time.Time
	relays []relay
	logins []*loginHealth // per relay, nil for the file relay
	limit  app.Rate

	wake chan struct{}
	stop context.CancelFunc
	done chan struct{}
	mu   sync.Mutex // one delivery pass at a time
}

// NewWorker builds the worker for cfg's relays.
func NewWorker(st *store.Store, cfg *app.Config, log *slog.Logger, now func() time.Time) *Worker {
	w := &Worker{store: st, cfg: cfg, log: log.With("part", "mail"), now: now, wake: make(chan struct{}, 1)}
	helo := cfg.HELOName(os.Hostname)
	if cfg.Mail.Primary.Host == "" {
		w.relays, w.logins = []relay{fileRelay{dir: cfg.Mail.Dir}}, []*loginHealth{nil}
	} else {
		for _, r := range []struct {
			label string
			cfg   app.SMTPConfig
		}{{"primary", cfg.Mail.Primary}, {"fallback", cfg.Mail.Fallback}} {
			if r.cfg.Host == "" {
				continue
			}
			relay := newSMTPRelay(r.label, r.cfg, helo)
			w.relays = append(w.relays, relay)
			w.logins = append(w.logins, &loginHealth{status: RelayStatus{Name: r.label, Addr: relay.addr(), Username: r.cfg.Username}})
		}
	}
	w.limit, _ = app.ParseRate(cfg.Limits.EmailPerRecipient)
	return w
}

// Relays returns the state of each SMTP relay, primary first (none when
// messages are written as files).
func (w *Worker) Relays() []RelayStatus {
	var out []RelayStatus
	for _, h := range w.logins {
		if h != nil {
			out = append(out, h.snapshot())
		}
	}
	return out
}

// Wake asks the worker to deliver due messages soon; it never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Start releases messages a crash left "sending" and runs the delivery loop
// until Stop.
func (w *Worker) Start(ctx context.Context) error {
	if n, err := w.store.ReleaseSending(ctx, w.now()); err != nil {
		return err
	} else if n > 0 {
		w.log.Warn("requeued messages left sending by an earlier run", "count", n)
	}
	// Messages held for a relay's login (or postponed for their recipient)
	// are due again: a restart, often with a fixed password, tries at once.
	if n, err := w.store.RequeueWaiting(ctx, w.now()); err != nil {
		return err
	} else if n > 0 {
		w.log.Info("waiting messages are due again after the restart", "count", n)
	}
	ctx, w.stop = context.WithCancel(context.WithoutCancel(ctx))
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		for {
			if _, err := w.DeliverDue(ctx); err != nil && ctx.Err() == nil {
				w.log.Error("mail delivery pass failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
			}
		}
	}()
	return nil
}

// Stop ends the loop and waits for the send in progress to finish.
func (w *Worker) Stop() {
	if w.stop == nil {
		return
	}
	w.stop()
	<-w.done
}

// DeliverDue sends every message that is due now, in batches, and returns how
// many it attempted.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	attempted := 0
	for ctx.Err() == nil {
		batch, err := w.store.ClaimDueMessages(ctx, w.now(), 10, StuckAfter)
		if err != nil {
			return attempted, err
		}
		if len(batch) == 0 {
			return attempted, nil
		}
		for i, m := range batch {
			if ctx.Err() != nil {
				// Stopping: hand back what was claimed but not tried.
				return attempted, w.release(batch[i:], ctx.Err())
			}
			// A message once started is sent and its outcome recorded even if
			// ctx ends meanwhile (Stop waits for it; SendTimeout bounds it):
			// cut short, its row would stay "sending" and be sent twice.
			if err := w.deliver(context.WithoutCancel(ctx), m); err != nil {
				return attempted, err
			}
			attempted++
		}
	}
	return attempted, ctx.Err()
}

// release puts claimed messages that were not attempted back in the queue,
// due now and without counting an attempt, and returns cause.
func (w *Worker) release(msgs []store.OutboxMessage, cause error) error {
	ctx, now := context.Background(), w.now()
	for _, m := range msgs {
		if err := w.store.PostponeMessage(ctx, m.ID, now, now); err != nil {
			return errors.Join(cause, err)
		}
	}
	return cause
}

// deliver sends one claimed message and records the outcome.
func (w *Worker) deliver(ctx context.Context, m store.OutboxMessage) error {
	now := w.now()
	if w.limit.Limit > 0 && !w.trusted(m.Recipient) {
		sent, err := w.store.SentTo(ctx, m.Recipient, now.Add(-w.limit.Period))
		if err != nil {
			return err
		}
		if int64(sent) >= w.limit.Limit {
			until := now.Add(w.limit.Period / time.Duration(w.limit.Limit))
			w.log.Warn("recipient over email_per_recipient; message waits", "outbox_id", m.ID, "until", until)
			return w.store.PostponeMessage(ctx, m.ID, until, now)
		}
	}
	msg, err := w.compose(m)
	if err != nil { // cannot happen for rows we wrote; never retry it
		w.log.Error("message cannot be built", "outbox_id", m.ID, "err", err)
		return w.store.MarkMessageFailed(ctx, m.ID, "cannot build message: "+err.Error(), now, true, now)
	}
	var failures []string
	var heldUntil time.Time // when a relay held back by its login is tried again
	for i, r := range w.relays {
		login := w.logins[i]
		if login != nil {
			if until, held := login.heldUntil(w.now()); held {
				failures = append(failures, fmt.Sprintf("%s: not tried before %s: it refused the login", r.name(), until.UTC().Format(time.RFC3339)))
				heldUntil = earliest(heldUntil, until)
				continue
			}
		}
		sendCtx, cancel := context.WithTimeout(ctx, SendTimeout)
		err := r.send(sendCtx, msg, m)
		cancel()
		if err == nil {
			if login != nil && login.accepted() {
				w.log.Info("mail relay accepts the login again", "relay", r.name())
			}
			w.log.Info("email sent", "outbox_id", m.ID, "kind", m.Kind, "relay", r.name(), "attempt", m.Attempts, "message_id", m.MessageID)
			return w.store.MarkMessageSent(ctx, m.ID, r.name(), w.now())
		}
		if login != nil && isLoginRefusal(err) {
			failures = append(failures, fmt.Sprintf("%s: the relay refused the login (is the mail password wrong?): %s", r.name(), describe(err)))
			// One line per refusal, not per message: the relay is left
			// alone until then, and the messages wait for it.
			until, refusals := login.refused(w.now(), describe(err))
			w.log.Error("mail relay refused the login: the mail password (or username) is wrong; not using the relay until retry_at",
				"relay", r.name(), "username", w.relayUsername(i), "refusals_in_a_row", refusals, "retry_at", until, "err", err)
			heldUntil = earliest(heldUntil, until)
			continue
		}
		failures = append(failures, fmt.Sprintf("%s: %s", r.name(), describe(err)))
		w.log.Warn("email not sent", "outbox_id", m.ID, "kind", m.Kind, "relay", r.name(), "attempt", m.Attempts, "err", err)
	}
	if !heldUntil.IsZero() {
		// A relay is held back by its login, which is no fault of the
		// message: it waits for that relay's next try (the other relay
		// is tried again then too) and keeps its attempts.
		return w.store.HoldMessage(ctx, m.ID, heldUntil, strings.Join(failures, "; "), w.now())
	}
	dead := m.Attempts >= w.cfg.Mail.MaxAttempts
	next := now.Add(w.backoff(m.Attempts))
	if dead {
		w.log.Error("email dead after its last attempt", "outbox_id", m.ID, "kind", m.Kind, "attempts", m.Attempts)
	}
	return w.store.MarkMessageFailed(ctx, m.ID, strings.Join(failures, "; "), next, dead, w.now())
}

func (w *Worker) relayUsername(i int) string {
	if h := w.logins[i]; h != nil {
		return h.snapshot().Username
	}
	return ""
}

// earliest returns the earlier of a and b, where a zero a means none yet.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// trusted reports the venue's own addresses (owner, approver): the
// per-recipient limit protects addresses customers type, not these.
func (w *Worker) trusted(recipient string) bool {
	return strings.EqualFold(recipient, w.cfg.Mail.OwnerEmail) || strings.EqualFold(recipient, w.cfg.Parking.ApproverEmail)
}

// backoff is the delay after the attempt-th failure: retry_base doubled for
// each earlier failure, with ±10% jitter so retries of many messages spread.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.cfg.Mail.RetryBase
	for i := 1; i < attempt && d < 7*24*time.Hour; i++ {
		d *= 2
	}
	jitter := time.Duration((rand.Float64()*0.2 - 0.1) * float64(d))
	return d + jitter
}

func describe(err error) string {
	var se *gomail.SendError
	if errors.As(err, &se) {
		kind := "permanent"
		if se.IsTemp() {
			kind = "temporary"
		}
		return fmt.Sprintf("%s error (SMTP %d): %v", kind, se.ErrorCode(), err)
	}
	return err.Error()
}

// compose builds the MIME message of an outbox row: plain text with an HTML
// alternative, the calendar invite attached with the METHOD of its content,
// and the Message-ID fixed at queue time.
func (w *Worker) compose(m store.OutboxMessage) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(w.cfg.Mail.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.Recipient); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(w.now())
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if m.ICS != "" {
		ct := gomail.ContentType("text/calendar; method=" + m.ICSMethod)
		if err := msg.AttachReader("invite.ics", strings.NewReader(m.ICS), gomail.WithFileContentType(ct)); err != nil {
			return nil, fmt.Errorf("attach invite: %w", err)
		}
	}
	return msg, nil
}

// smtpRelay sends through one SMTP server, with a new connection per message.
type smtpRelay struct {
	label string
	cfg   app.SMTPConfig
	helo  string
	tls   *tls.Config
}

// newSMTPRelay prepares the relay of cfg: its certificate must chain to the
// system's roots or to a CA of cfg.CAFile.
func newSMTPRelay(label string, cfg app.SMTPConfig, helo string) smtpRelay {
	tc := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if len(cfg.CACerts) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		for _, c := range cfg.CACerts {
			pool.AddCert(c)
		}
		tc.RootCAs = pool
	}
	return smtpRelay{label: label, cfg: cfg, helo: helo, tls: tc}
}

func (r smtpRelay) name() string { return r.label }

func (r smtpRelay) send(ctx context.Context, msg *gomail.Msg, _ store.OutboxMessage) error {
	opts := []gomail.Option{gomail.WithPort(r.cfg.Port), gomail.WithTimeout(SendTimeout), gomail.WithHELO(r.helo), gomail.WithTLSConfig(r.tls)}
	switch r.cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSLPort(false))
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS), gomail.WithDialContextFunc(r.dialAwaitingGreeting))
	default: // starttls: never fall back to plain text
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory), gomail.WithDialContextFunc(r.dialAwaitingGreeting))
	}
	if r.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(r.cfg.Username), gomail.WithPassword(r.cfg.Password))
	}
	client, err := gomail.NewClient(r.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if r.cfg.TLS == "tls" && errors.As(err, new(tls.RecordHeaderError)) {
		return fmt.Errorf("the relay at %s answered in plain text, so it does not speak TLS from the first byte; it expects STARTTLS (as on port 587): set mail.%s.tls = \"starttls\": %w",
			r.addr(), r.label, err)
	}
	return err
}

func (r smtpRelay) addr() string { return net.JoinHostPort(r.cfg.Host, strconv.Itoa(r.cfg.Port)) }

// GreetingProbeAfter is how long a relay may keep silent after the connection
// before it is asked, on a second connection, whether it speaks TLS from the
// first byte. Relays greet at once; one that waits for a TLS hello never does.
const GreetingProbeAfter = 3 * time.Second

// dialAwaitingGreeting connects for plain SMTP or STARTTLS and returns once the
// relay has sent the first byte of its greeting. A relay that speaks TLS from
// the first byte (port 465) sends nothing until it hears a TLS hello, which
// would leave the client waiting the whole SendTimeout; so when the greeting
// is late, a TLS handshake is tried on a second connection, and if it succeeds
// the dial fails at once with what to set.
func (r smtpRelay) dialAwaitingGreeting(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	type firstByte struct {
		b   byte
		err error
	}
	greeting := make(chan firstByte, 1)
	go func() {
		var b [1]byte
		_, err := io.ReadFull(conn, b[:])
		greeting <- firstByte{b[0], err}
	}()
	giveUp := func(err error) (net.Conn, error) {
		conn.Close() // ends the read
		<-greeting
		return nil, err
	}
	probeTimer := time.NewTimer(GreetingProbeAfter)
	defer probeTimer.Stop()
	var probed chan bool // nil until the probe runs
	for {
		select {
		case g := <-greeting:
			if g.err != nil {
				conn.Close()
				return nil, fmt.Errorf("the relay at %s closed the connection without a greeting: %w", r.addr(), g.err)
			}
			return &greetedConn{Conn: conn, first: []byte{g.b}}, nil
		case <-probeTimer.C:
			probed = make(chan bool, 1)
			go func() { probed <- speaksTLSFirst(ctx, network, addr, r.cfg.Host) }()
		case tlsFirst := <-probed:
			probed = nil
			if tlsFirst {
				mode := "STARTTLS"
				if r.cfg.TLS == "none" {
					mode = "plain SMTP"
				}
				return giveUp(fmt.Errorf("the relay at %s expects TLS from the first byte (as on port 465), not %s: set mail.%s.tls = \"tls\"", r.addr(), mode, r.label))
			}
		case <-ctx.Done():
			return giveUp(fmt.Errorf("no greeting from the relay at %s: %w", r.addr(), ctx.Err()))
		}
	}
}

// speaksTLSFirst reports whether the server at addr answers a TLS hello: a
// completed handshake or a TLS alert. It is only a question, nothing is sent
// over the connection, so the certificate is not checked here; the real
// connection checks it.
func speaksTLSFirst(ctx context.Context, network, addr, host string) bool {
	d := tls.Dialer{Config: &tls.Config{ServerName: host, MinVersion: tls.VersionTLS10, InsecureSkipVerify: true}} // #nosec G402 -- a probe that sends no data
	conn, err := d.DialContext(ctx, network, addr)
	if err == nil {
		conn.Close()
		return true
	}
	var alert tls.AlertError
	return errors.As(err, &alert)
}

// greetedConn is a connection whose first byte was read to see the greeting
// arrive; Read hands it back first.
type greetedConn struct {
	net.Conn
	first []byte
}

func (c *greetedConn) Read(p []byte) (int, error) {
	if len(c.first) > 0 {
		n := copy(p, c.first)
		c.first = c.first[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// fileRelay writes each message as an .eml file, for venues without SMTP.
type fileRelay struct{ dir string }

func (r fileRelay) name() string { return "file" }

func (r fileRelay) send(_ context.Context, msg *gomail.Msg, row store.OutboxMessage) error {
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return err
	}
	name := filepath.Join(r.dir, fmt.Sprintf("%s-%06d-%s.eml", row.CreatedAt.Format("20060102T150405Z"), row.ID, row.Kind))
	tmp, err := os.CreateTemp(r.dir, ".eml-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := msg.WriteTo(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
