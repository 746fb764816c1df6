package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"venuebook/app"
	"venuebook/store"
)

// relay is one way out for a message. A relay carries one message at a time.
type relay interface {
	name() string
	send(ctx context.Context, m *gomail.Msg, row store.OutboxMessage) error
	// close ends an open connection, politely (QUIT).
	close()
}

// A connection to a relay carries up to MessagesPerConnection messages; one
// left unused for IdleClose is closed.
const (
	MessagesPerConnection = 100
	IdleClose             = 5 * time.Second
)

// smtpRelay sends through one SMTP server over a connection kept open from
// one message to the next: a burst of queued mail is one connection, not one
// per message (relays count connections, and answer a flood of them 421).
type smtpRelay struct {
	label  string
	cfg    app.SMTPConfig
	client *gomail.Client
	pace   time.Duration // the least time between two messages (mail.*.rate), 0 for none

	mu       sync.Mutex // one message at a time
	conn     *smtp.Client
	carried  int       // messages over conn
	lastSend time.Time // when the last message started, for the pace
	idle     *time.Timer
}

// newSMTPRelay prepares the relay of cfg: its certificate must chain to the
// system's roots or to a CA of cfg.CAFile.
func newSMTPRelay(label string, cfg app.SMTPConfig, helo string) (*smtpRelay, error) {
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
	r := &smtpRelay{label: label, cfg: cfg}
	if rate, err := app.ParseRate(cfg.Rate); err == nil && rate.Limit > 0 {
		r.pace = rate.Period / time.Duration(rate.Limit)
	}
	opts := []gomail.Option{gomail.WithPort(cfg.Port), gomail.WithTimeout(SendTimeout), gomail.WithHELO(helo), gomail.WithTLSConfig(tc)}
	switch cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSLPort(false))
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS), gomail.WithDialContextFunc(r.dialAwaitingGreeting))
	default: // starttls: never fall back to plain text
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory), gomail.WithDialContextFunc(r.dialAwaitingGreeting))
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	client, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail.%s: %w", label, err)
	}
	r.client = client
	return r, nil
}

func (r *smtpRelay) name() string { return r.label }

// send sends msg over the open connection, or a new one when there is none,
// it has carried MessagesPerConnection, or the relay closed it meanwhile
// (found by a NOOP before anything is sent, so nothing is sent twice).
func (r *smtpRelay) send(ctx context.Context, msg *gomail.Msg, _ store.OutboxMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.idle != nil {
		r.idle.Stop()
	}
	if err := r.waitPace(ctx); err != nil {
		return err
	}
	if r.conn != nil && r.carried >= MessagesPerConnection {
		r.quitLocked()
	}
	if r.conn != nil {
		err := r.client.SendWithSMTPClient(r.conn, msg)
		var se *gomail.SendError
		if !errors.As(err, &se) || se.Reason != gomail.ErrConnCheck {
			return r.sent(err)
		}
		r.dropLocked() // closed by the relay while idle: a fresh connection
	}
	conn, err := r.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if r.cfg.TLS == "tls" && errors.As(err, new(tls.RecordHeaderError)) {
			return fmt.Errorf("the relay at %s answered in plain text, so it does not speak TLS from the first byte; it expects STARTTLS (as on port 587): set mail.%s.tls = \"starttls\": %w",
				r.addr(), r.label, err)
		}
		return err
	}
	r.conn, r.carried = conn, 0
	return r.sent(r.client.SendWithSMTPClient(r.conn, msg))
}

// sent counts a message over the connection and keeps the connection only
// when the exchange ended cleanly: after any error its state is unknown.
func (r *smtpRelay) sent(err error) error {
	r.carried++
	if err != nil {
		r.dropLocked()
		return err
	}
	if r.idle == nil {
		r.idle = time.AfterFunc(IdleClose, r.close)
	} else {
		r.idle.Reset(IdleClose)
	}
	return nil
}

// waitPace waits until the relay's pace allows the next message.
func (r *smtpRelay) waitPace(ctx context.Context) error {
	if r.pace > 0 {
		if wait := time.Until(r.lastSend.Add(r.pace)); wait > 0 {
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	r.lastSend = time.Now()
	return nil
}

// close ends the open connection with QUIT; a connection busy with a
// message is left to its send, which its own deadline ends.
func (r *smtpRelay) close() {
	if !r.mu.TryLock() {
		return
	}
	defer r.mu.Unlock()
	r.quitLocked()
}

// quitLocked ends the connection with QUIT, waiting a few seconds at most.
func (r *smtpRelay) quitLocked() {
	if r.conn == nil {
		return
	}
	if r.conn.UpdateDeadline(3*time.Second) == nil {
		_ = r.conn.Quit()
	}
	r.dropLocked()
}

// dropLocked closes the connection without a word.
func (r *smtpRelay) dropLocked() {
	if r.conn != nil {
		_ = r.conn.Close()
		r.conn = nil
	}
}

func (r *smtpRelay) addr() string { return net.JoinHostPort(r.cfg.Host, strconv.Itoa(r.cfg.Port)) }

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
func (r *smtpRelay) dialAwaitingGreeting(ctx context.Context, network, addr string) (net.Conn, error) {
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

func (r fileRelay) close() {}

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
