package smtptest

import (
	"net"
	"sync/atomic"
	"time"
)

// LimitConnections makes the server answer "421 4.7.0 slow down" and hang up
// on every connection beyond n in any period per, as relays do to a client
// that opens too many; 0 lifts the limit.
func (s *Server) LimitConnections(n int, per time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.connLimit, s.connPer, s.connTimes = n, per, nil
}

// Hang makes the server accept new connections and never say a word on them
// (a relay that hangs); Stop closes them. Hang(false) serves new ones again.
func (s *Server) Hang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = on
}

// CloseAfterAccept makes the server close the connection right after its
// final 250 to every n-th message it accepts, before the client's next
// command (the answer arrives; RSET or QUIT then fail); 0 turns it off.
func (s *Server) CloseAfterAccept(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeAfter = n
}

// Connections is how many connections the server accepted and served (not
// those it refused with 421 or left hanging).
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// Throttled is how many connections were answered 421 for LimitConnections.
func (s *Server) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled
}

// Hung is how many connections are left hanging now.
func (s *Server) Hung() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hung)
}

// faultListener applies the connection faults before go-smtp sees a
// connection.
type faultListener struct {
	net.Listener
	srv *Server
}

func (l *faultListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		s := l.srv
		s.mu.Lock()
		switch {
		case s.hang:
			s.hung = append(s.hung, c)
			s.mu.Unlock()
			continue
		case s.connLimit > 0 && s.overLimit(time.Now()):
			s.throttled++
			s.mu.Unlock()
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = c.Write([]byte("421 4.7.0 Too many connections, slow down\r\n"))
			_ = c.Close()
			continue
		}
		s.connections++
		s.mu.Unlock()
		return &faultConn{Conn: c}, nil
	}
}

// overLimit records a connection at now and reports whether it is beyond the
// limit (s.mu held).
func (s *Server) overLimit(now time.Time) bool {
	kept := s.connTimes[:0]
	for _, t := range s.connTimes {
		if now.Sub(t) < s.connPer {
			kept = append(kept, t)
		}
	}
	s.connTimes = kept
	if len(s.connTimes) >= s.connLimit {
		return true
	}
	s.connTimes = append(s.connTimes, now)
	return false
}

// faultConn is a served connection that can be told to close right after
// the next reply it writes.
type faultConn struct {
	net.Conn
	closeAfterReply atomic.Bool
}

func (c *faultConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if c.closeAfterReply.Load() && len(p) >= 3 && string(p[:3]) == "250" {
		_ = c.Conn.Close()
	}
	return n, err
}
