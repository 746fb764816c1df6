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

// RelayStatus is what the console and /metrics show of one SMTP relay.
type RelayStatus struct {
	Name     string // "primary" or "fallback"
	Addr     string // host:port
	Username string // "" when venuebook does not log in
	// LoginRefused is set from the relay's refusal of the login until a
	// login succeeds (in this process: a restart tries again at once).
	LoginRefused bool
	Refusals     int       // refusals in a row
	Since        time.Time // the first refusal of the row
	RetryAt      time.Time // the relay is not used before then
	Reply        string    // the relay's answer to the last login
}

// loginHealth is the login state of one SMTP relay, shared between the
// delivery pass and the readers of Relays.
type loginHealth struct {
	mu     sync.Mutex
	status RelayStatus
}

// heldUntil reports whether the relay is left alone at now, and until when.
func (h *loginHealth) heldUntil(now time.Time) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.status.RetryAt, h.status.LoginRefused && now.Before(h.status.RetryAt)
}

// refused records a refusal of the login at now and returns until when the
// relay is left alone, and how many refusals in a row there have been.
func (h *loginHealth) refused(now time.Time, reply string) (time.Time, int) {
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

// accepted records a login that worked (or a send that needed none); it
// reports whether the relay had been refusing it.
func (h *loginHealth) accepted() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	was := h.status.LoginRefused
	h.status.LoginRefused, h.status.Refusals, h.status.Since, h.status.RetryAt, h.status.Reply = false, 0, time.Time{}, time.Time{}, ""
	return was
}

func (h *loginHealth) snapshot() RelayStatus {
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
