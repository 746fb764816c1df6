package mail

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// verdict is what a relay's answer to one message means for the message.
type verdict int

const (
	// delivered: the relay took the message with its final 250 (whatever
	// happened on the connection afterwards).
	delivered verdict = iota
	// relayFault: the relay, not the message: it could not be reached, it
	// timed out, said 421 or 454, refused venuebook's sender or relaying, or
	// the connection was lost before its final answer. The relay is left
	// alone for a while, the next relay is tried, and the message keeps its
	// attempt.
	relayFault
	// loginRefused: the relay refused venuebook's login (535, 534, 530).
	loginRefused
	// tryLater: a temporary refusal of this message or recipient (4xx after
	// MAIL FROM): the attempt counts and the message is retried with backoff.
	tryLater
	// refusedForGood: a permanent refusal of the recipient or the message
	// (5xx): the message is dead at once; retrying cannot help.
	refusedForGood
)

func (v verdict) String() string {
	return [...]string{"delivered", "relay fault", "login refused", "try later", "refused for good"}[v]
}

// classify reads a relay's answer to one message as RFC 5321 does: 2xx
// accepted, 4xx transient, 5xx permanent, with the exceptions that make a
// refusal the relay's state rather than the message's: 421 (service not
// available, the relay closes the channel) and 454 (a temporary TLS or login
// failure, and some providers' "throttling") at any stage, any transient or
// permanent refusal before the recipient (greeting, EHLO, STARTTLS, MAIL
// FROM: every message would meet it), a refusal of relaying (5.7.x "relay
// access denied": a configuration, not an address), and a connection that
// fails without an SMTP answer. Only an error before the relay's final answer
// can make a message be sent twice; an error after the final 250 (RSET, QUIT,
// the connection closed) is a delivery.
func classify(err error) verdict {
	if err == nil {
		return delivered
	}
	if isLoginRefusal(err) {
		return loginRefused
	}
	var se *gomail.SendError
	if !errors.As(err, &se) {
		// Dialling, the greeting, EHLO, STARTTLS, AUTH, or a context or
		// network error: nothing about this message.
		return relayFault
	}
	code := replyCode(err)
	switch {
	case se.Reason == gomail.ErrSMTPReset:
		return delivered // the final 250 came before this
	case se.Reason == gomail.ErrNoUnencoded, se.Reason == gomail.ErrGetSender, se.Reason == gomail.ErrGetRcpts:
		return refusedForGood // the message itself cannot be sent
	case code == 0, code == 421, code == 454:
		return relayFault
	case se.Reason == gomail.ErrSMTPMailFrom, se.Reason == gomail.ErrConnCheck:
		return relayFault // the sender is refused: every message would be
	case code >= 500 && refusesRelaying(err):
		return relayFault
	case code >= 500:
		return refusedForGood
	default:
		return tryLater
	}
}

// replyCode is the SMTP reply code in err, or 0 when the relay gave none (a
// network error, a timeout, a closed connection).
func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		return se.ErrorCode()
	}
	return 0
}

var relayingWords = regexp.MustCompile(`(?i)\b5\.7\.1\b.*\brelay|\brelay(ing)? (access )?(denied|not permitted|not allowed|prohibited)`)

// refusesRelaying reports a permanent refusal that names relaying: the relay
// will not pass mail on for venuebook at all (a missing login or a wrong
// mail.from domain), which is no fault of the address.
func refusesRelaying(err error) bool { return relayingWords.MatchString(err.Error()) }

// describe says what a relay's answer was, for last_error and the log.
func describe(err error) string {
	code := replyCode(err)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %s: %v", SendTimeout, err)
	case code >= 500:
		return fmt.Sprintf("permanent error (SMTP %d): %v", code, err)
	case code >= 400:
		return fmt.Sprintf("temporary error (SMTP %d): %v", code, err)
	}
	return strings.TrimSpace(err.Error())
}
