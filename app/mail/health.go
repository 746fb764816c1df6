package mail

import (
	"errors"
	"net/textproto"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// A relay that refuses venuebook's login is left alone for LoginBackoffStart,
// then, after each refusal in a row, twice as long, up to LoginBackoffMax:
// logging in again for every queued message with a wrong password gets the
// account locked by the provider (or the server's address by fail2ban).
const (
	LoginBackoffStart = 5 * time.Minute
	LoginBackoffMax   = 6 * time.Hour
)

// A relay that cannot be reached (the connection refused or timed out, a 421
// "slow down" or 454, the connection lost in the middle) is left alone for
// FaultBackoffStart, then after each fault in a row twice as long, up to
// FaultBackoffMax; the messages it would have carried go to the other relay
// or wait, and keep their attempts. A relay that stays down is tried about
// once a minute, so mail flows again within a minute of its return.
const (
	FaultBackoffStart = time.Second
	FaultBackoffMax   = time.Minute
)

// RelayStatus is what the console and /metrics show of one SMTP relay.
type RelayStatus struct {
	Name     string // "primary" or "fallback"
	Addr     string // host:port
	Username string // "" when venuebook does not log in
	// Down is set from a fault of the relay (unreachable, 421, the
	// connection lost) until it next takes a message.
	Down      bool
	Faults    int       // faults in a row
	DownSince time.Time // the first fault of the row
	Fault     string    // the last fault
	// LoginRefused is set from the relay's refusal of the login until a
	// login succeeds (in this process: a restart tries again at once).
	LoginRefused bool
	Refusals     int       // refusals in a row
	Since        time.Time // the first refusal of the row
	RetryAt      time.Time // the relay is not used before then
	Reply        string    // the relay's answer to the last login
}

// relayHealth is the state of one relay, shared between the delivery pass
// and the readers of Relays: whether it refuses the login, whether it is down.
type relayHealth struct {
	mu     sync.Mutex
	status RelayStatus
}

// heldUntil reports whether the relay is left alone at now, and until when.
func (h *relayHealth) heldUntil(now time.Time) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.status.RetryAt, (h.status.LoginRefused || h.status.Down) && now.Before(h.status.RetryAt)
}

// fault records a fault of the relay at now and returns until when it is
// left alone, and whether it was up before (the first fault of a row).
func (h *relayHealth) fault(now time.Time, what string) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := &h.status
	first := !st.Down
	if first {
		st.Down, st.DownSince, st.Faults = true, now, 0
	}
	st.Faults++
	wait := FaultBackoffStart
	for i := 1; i < st.Faults && wait < FaultBackoffMax; i++ {
		wait *= 2
	}
	until := now.Add(min(wait, FaultBackoffMax)).Truncate(time.Second).Add(time.Second)
	if until.After(st.RetryAt) || !st.LoginRefused {
		st.RetryAt = until
	}
	st.Fault = what
	return st.RetryAt, first
}

// refused records a refusal of the login at now and returns until when the
// relay is left alone, and how many refusals in a row there have been.
func (h *relayHealth) refused(now time.Time, reply string) (time.Time, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := &h.status
	if !st.LoginRefused {
		st.LoginRefused, st.Since, st.Refusals = true, now, 0
	}
	st.Refusals++
	wait := LoginBackoffStart
	for i := 1; i < st.Refusals && wait < LoginBackoffMax; i++ {
		wait *= 2
	}
	// A whole second, as the outbox keeps times: a message held until then
	// is never due a moment before the relay may be used.
	st.RetryAt, st.Reply = now.Add(min(wait, LoginBackoffMax)).Truncate(time.Second).Add(time.Second), reply
	return st.RetryAt, st.Refusals
}

// accepted records a message the relay took: it reports whether the relay
// had been refusing the login, and whether it had been down, and since when.
func (h *relayHealth) accepted() (loginWasRefused bool, downSince time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := &h.status
	loginWasRefused = st.LoginRefused
	if st.Down {
		downSince = st.DownSince
	}
	name, addr, user := st.Name, st.Addr, st.Username
	*st = RelayStatus{Name: name, Addr: addr, Username: user}
	return loginWasRefused, downSince
}

func (h *relayHealth) snapshot() RelayStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.status
}

// isLoginRefusal reports whether a relay refused err because of venuebook's
// credentials: 535 (wrong username or password), 534 (the provider wants
// another kind of password, such as an app password), 530 (a login is
// required), or any permanent refusal of the AUTH exchange itself.
func isLoginRefusal(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) && credentialCode(se.ErrorCode()) {
		return true
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return credentialCode(te.Code) || te.Code >= 500 && strings.Contains(err.Error(), "SMTP AUTH failed")
	}
	return false
}

func credentialCode(code int) bool { return code == 530 || code == 534 || code == 535 }
