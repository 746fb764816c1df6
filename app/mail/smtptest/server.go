// Package smtptest is a real SMTP server (go-smtp) on a loopback port for tests:
// it records what it accepts and can refuse, stop and restart on demand.
package smtptest

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

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

	mu       sync.Mutex
	msgs     []Received
	changed  chan struct{}  // closed and replaced whenever msgs grows
	rcptCode map[string]int // recipient (or "*") → reply code to RCPT
	dataCode int            // reply code to DATA, 0 to accept
	dataOnce bool           // dataCode applies to the next DATA only
	attempts int            // DATA commands seen, accepted or not
	hold     chan struct{}  // when set, DATA waits for it to close
	held     chan struct{}  // closed when a DATA starts waiting on hold
	srv      *smtp.Server
	served   chan struct{}
}

// New starts a server on a free loopback port; it is closed at the end of the test.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, changed: make(chan struct{}), rcptCode: map[string]int{}}
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
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	done := make(chan struct{})
	s.mu.Lock()
	s.srv, s.served = srv, done
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
	srv, done := s.srv, s.served
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
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
	s.rcptCode = map[string]int{}
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
	srv  *Server
	from string
	to   []string
}

func (c *session) Reset()        { c.from, c.to = "", nil }
func (c *session) Logout() error { return nil }

func (c *session) Mail(from string, _ *smtp.MailOptions) error {
	c.from = from
	return nil
}

func (c *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	c.srv.mu.Lock()
	code, ok := c.srv.rcptCode[strings.ToLower(to)]
	if !ok {
		code = c.srv.rcptCode["*"]
	}
	c.srv.mu.Unlock()
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
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}
