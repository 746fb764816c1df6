// Package smtptest is a real SMTP server (go-smtp) on a loopback port for tests:
// it records what it accepts and can refuse, stop and restart on demand. It can
// speak TLS (STARTTLS or from the first byte) with a certificate from a test CA,
// and ask for a password.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message a test SMTP server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
}

// Server is a real SMTP server (go-smtp) on a loopback TCP port that records
// what it accepts. It can be told to refuse RCPT or DATA with any reply code,
// and can be stopped and started again on the same port.
type Server struct {
	t    testing.TB
	Addr string // 127.0.0.1:port, fixed for the server's life
	Port int

	tlsConfig   *tls.Config // nil: plain SMTP only
	implicitTLS bool        // TLS from the first byte, as on port 465
	username    string      // "" : no AUTH offered or needed

	mu           sync.Mutex
	msgs         []Received
	changed      chan struct{}  // closed and replaced whenever msgs grows
	rcptCode     map[string]int // recipient (or "*") → reply code to RCPT
	rcptText     string         // the text of those replies, "" for a default
	mailCode     int            // reply code to MAIL FROM, 0 to accept
	dataCode     int            // reply code to DATA, 0 to accept
	dataOnce     bool           // dataCode applies to the next DATA only
	attempts     int            // DATA commands seen, accepted or not
	hold         chan struct{}  // when set, DATA waits for it to close
	held         chan struct{}  // closed when a DATA starts waiting on hold
	srv          *smtp.Server
	ln           net.Listener // closed by Stop even if Serve has not started yet
	served       chan struct{}
	password     string   // the password AUTH accepts
	authAttempts int      // AUTH exchanges seen, right or wrong
	authRefusals int      // AUTH exchanges refused for a wrong username or password
	hellos       []string // the names clients gave in EHLO or HELO

	// Faults (see faults.go).
	connLimit   int           // connections allowed per connPer; 0: no limit
	connPer     time.Duration //
	connTimes   []time.Time   // when the connections of the last connPer came
	throttled   int           // connections answered 421 for the limit
	connections int           // connections accepted and served
	hang        bool          // new connections are accepted and never greeted
	hung        []net.Conn    // the connections left hanging, closed by Stop
	closeAfter  int           // close the connection after every n-th message's 250; 0: never
	accepted    int           // messages accepted over all connections, for closeAfter
}

// Option shapes a test server.
type Option func(*Server)

// WithSTARTTLS makes the server offer STARTTLS, as on port 587, with a
// certificate for 127.0.0.1 that ca signed.
func WithSTARTTLS(ca *CA) Option {
	return func(s *Server) { s.tlsConfig, s.implicitTLS = ca.serverConfig(s.t), false }
}

// WithImplicitTLS makes the server speak TLS from the first byte, as on
// port 465, with a certificate for 127.0.0.1 that ca signed.
func WithImplicitTLS(ca *CA) Option {
	return func(s *Server) { s.tlsConfig, s.implicitTLS = ca.serverConfig(s.t), true }
}

// WithAuth makes the server offer AUTH PLAIN (over TLS only, like real relays)
// and refuse mail from a client that has not logged in as username with
// password. A wrong password is answered 535 5.7.8.
func WithAuth(username, password string) Option {
	return func(s *Server) { s.username, s.password = username, password }
}

// New starts a server on a free loopback port; it is closed at the end of the test.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, changed: make(chan struct{}), rcptCode: map[string]int{}}
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	s.Port = ln.Addr().(*net.TCPAddr).Port
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// ClosedPort returns a loopback port nothing listens on (connection refused).
func ClosedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func (s *Server) serve(ln net.Listener) {
	ln = &faultListener{Listener: ln, srv: s}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.hellos = append(s.hellos, c.Hostname())
		s.mu.Unlock()
		fc, _ := c.Conn().(*faultConn)
		return &session{srv: s, conn: fc}, nil
	}))
	srv.Domain = "localhost"
	if s.tlsConfig != nil {
		if s.implicitTLS {
			ln = tls.NewListener(ln, s.tlsConfig)
		} else {
			srv.TLSConfig = s.tlsConfig
		}
	}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	done := make(chan struct{})
	s.mu.Lock()
	s.srv, s.ln, s.served = srv, ln, done
	s.mu.Unlock()
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.t.Errorf("smtp serve: %v", err)
		}
	}()
}

// Stop closes the listener and every connection and waits for the server to
// end; connecting then fails until Restart. Stopping twice is harmless.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln, done := s.srv, s.ln, s.served
	s.srv, s.ln = nil, nil
	hung := s.hung
	s.hung = nil
	s.mu.Unlock()
	for _, c := range hung {
		_ = c.Close()
	}
	if srv == nil {
		return
	}
	_ = ln.Close()
	_ = srv.Close()
	<-done
}

// Restart listens again on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		s.t.Fatalf("listen again on %s: %v", s.Addr, err)
	}
	s.serve(ln)
}

// RejectRcpt answers code to RCPT TO for addrs (every recipient when none).
func (s *Server) RejectRcpt(code int, addrs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(addrs) == 0 {
		addrs = []string{"*"}
	}
	for _, a := range addrs {
		s.rcptCode[strings.ToLower(a)] = code
	}
}

// RefuseRcpt answers every RCPT TO with code and text, such as
// 554 "5.7.1 <x>: Relay access denied".
func (s *Server) RefuseRcpt(code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcptCode["*"], s.rcptText = code, text
}

// RejectMail answers code to MAIL FROM (421: the relay is busy; 553: the
// sender is not allowed).
func (s *Server) RejectMail(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mailCode = code
}

// RejectData answers code to DATA; once limits it to the next message.
func (s *Server) RejectData(code int, once bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataCode, s.dataOnce = code, once
}

// AcceptAll clears every rejection.
func (s *Server) AcceptAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcptCode, s.rcptText, s.mailCode = map[string]int{}, "", 0
	s.dataCode, s.dataOnce = 0, false
}

// HoldData makes the next DATA wait, after reading the message and before
// answering, until release is called; held is closed once it waits.
func (s *Server) HoldData() (held <-chan struct{}, release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hold, h := make(chan struct{}), make(chan struct{})
	s.hold, s.held = hold, h
	var once sync.Once
	return h, func() { once.Do(func() { close(hold) }) }
}

// SetPassword changes the password AUTH accepts (a fixed account).
func (s *Server) SetPassword(password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.password = password
}

// AuthAttempts is how many AUTH exchanges clients started, right or wrong.
func (s *Server) AuthAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authAttempts
}

// AuthRefusals is how many AUTH exchanges were refused for a wrong username
// or password.
func (s *Server) AuthRefusals() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authRefusals
}

// Hellos returns the names clients gave in EHLO or HELO, one per connection.
func (s *Server) Hellos() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.hellos...)
}

// Messages returns a copy of what the server has accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// DataAttempts is how many messages were offered with DATA, accepted or not.
func (s *Server) DataAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// WaitMessages waits until the server has accepted at least n messages, or
// fails the test after timeout. It waits on a signal, not by polling.
func (s *Server) WaitMessages(n int, timeout time.Duration) []Received {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.msgs), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-changed:
		case <-deadline.C:
			s.t.Fatalf("SMTP server %s: %d message(s) after %s, want %d", s.Addr, got, timeout, n)
		}
	}
}

func smtpError(code int, what string) *smtp.SMTPError {
	class := code / 100
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{class, 0, 0}, Message: "test server refuses " + what}
}

// session is one SMTP conversation with the test server.
type session struct {
	srv      *Server
	conn     *faultConn // nil over implicit TLS
	from     string
	to       []string
	loggedIn bool
}

func (c *session) Reset()        { c.from, c.to = "", nil }
func (c *session) Logout() error { return nil }

// AuthMechanisms offers PLAIN when the server asks for a password; go-smtp
// offers it only once the connection is encrypted.
func (c *session) AuthMechanisms() []string {
	if c.srv.username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (c *session) Auth(string) (sasl.Server, error) {
	s := c.srv
	s.mu.Lock()
	s.authAttempts++
	s.mu.Unlock()
	return sasl.NewPlainServer(func(_, username, password string) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if username != s.username || password != s.password {
			s.authRefusals++
			return smtp.ErrAuthFailed
		}
		c.loggedIn = true
		return nil
	}), nil
}

func (c *session) Mail(from string, _ *smtp.MailOptions) error {
	if c.srv.username != "" && !c.loggedIn {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	c.srv.mu.Lock()
	code := c.srv.mailCode
	c.srv.mu.Unlock()
	if code != 0 {
		return smtpError(code, "the sender "+from)
	}
	c.from = from
	return nil
}

func (c *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	c.srv.mu.Lock()
	code, ok := c.srv.rcptCode[strings.ToLower(to)]
	if !ok {
		code = c.srv.rcptCode["*"]
	}
	text := c.srv.rcptText
	c.srv.mu.Unlock()
	if code != 0 && text != "" {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.NoEnhancedCode, Message: text}
	}
	if code != 0 {
		return smtpError(code, "recipient "+to)
	}
	c.to = append(c.to, to)
	return nil
}

func (c *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	s := c.srv
	s.mu.Lock()
	if hold := s.hold; hold != nil {
		s.hold = nil
		close(s.held)
		s.mu.Unlock()
		<-hold
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	s.attempts++
	if code := s.dataCode; code != 0 {
		if s.dataOnce {
			s.dataCode, s.dataOnce = 0, false
		}
		return smtpError(code, "the message")
	}
	s.msgs = append(s.msgs, Received{From: c.from, To: append([]string(nil), c.to...), Data: buf.Bytes()})
	s.accepted++
	if s.closeAfter > 0 && s.accepted%s.closeAfter == 0 && c.conn != nil {
		c.conn.closeAfterReply.Store(true)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}
