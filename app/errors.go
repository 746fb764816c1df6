package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"venuebook/app/l10n"
	"venuebook/store"
)

// Error codes of the API contract. The HTTP layer maps each to its status.
const (
	CodeInvalidRequest      = "invalid_request"
	CodeValidationFailed    = "validation_failed"
	CodeUnauthorized        = "unauthorized"
	CodeForbidden           = "forbidden"
	CodeNotFound            = "not_found"
	CodeSlotUnavailable     = "slot_unavailable"
	CodePriceChanged        = "price_changed"
	CodeIdempotencyConflict = "idempotency_conflict"
	CodeCancellationClosed  = "cancellation_closed"
	// CodeChangeClosed: the booking cannot be moved online (past the change
	// cutoff, not confirmed, or moving switched off).
	CodeChangeClosed    = "change_closed"
	CodeLinkUsed        = "link_used"
	CodeLinkExpired     = "link_expired"
	CodePayloadTooLarge = "payload_too_large"
	CodeRateLimited     = "rate_limited"
	CodeUnavailable     = "unavailable"
	CodeInternal        = "internal"
)

// Error is a domain error a client can act on: a stable code, a message for
// people, and for validation the fields at fault.
//
// Its words live in the catalogs (app/l10n/catalog, table [errors]): Msg is
// the message's id and values, FieldMsgs each field's problem. Message and
// Fields are their English texts, which the JSON API answers; a page writes
// Msg and FieldMsgs in its own language (web's errorText, fieldProblem).
// Build an Error with NewError or ErrorWith, which keep the two in step.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	// RetryAfter, when set, tells the client when to try again.
	RetryAfter time.Duration

	Msg       Msg
	FieldMsgs map[string]Msg
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
	}
	return e.Code + ": " + e.Message
}

// NewError returns an *Error with code and the catalog message id, its
// fields filled from pairs of name and value (see Msg).
func NewError(code, id string, pairs ...any) *Error {
	return ErrorWith(code, M(id, pairs...), nil)
}

// ErrorWith returns an *Error with code, message m and the problems of the
// fields at fault (nil for none).
func ErrorWith(code string, m Msg, fields map[string]Msg) *Error {
	e := &Error{Code: code, Message: m.Error(), Msg: m}
	if fields != nil {
		e.Fields, e.FieldMsgs = make(map[string]string, len(fields)), fields
		for f, p := range fields {
			e.Fields[f] = p.Error()
		}
	}
	return e
}

// Retry sets when the client may try again, and returns e.
func (e *Error) Retry(after time.Duration) *Error {
	e.RetryAfter = after
	return e
}

// In is the error's message in language l ("" for nil). An Error built
// without a Msg keeps its Message in every language.
func (e *Error) In(l *l10n.Lang) string {
	switch {
	case e == nil:
		return ""
	case e.Msg.ID == "" && e.Msg.Args == nil:
		return e.Message
	}
	return e.Msg.Localize(l)
}

// FieldIn is the problem of field in language l ("" when the field is fine).
func (e *Error) FieldIn(l *l10n.Lang, field string) string {
	if e == nil {
		return ""
	}
	if m, ok := e.FieldMsgs[field]; ok {
		return m.Localize(l)
	}
	return e.Fields[field]
}

// ErrorCode returns the code ErrorOf gives err.
func ErrorCode(err error) string { return ErrorOf(err).Code }

// ErrorOf is the one place where any error becomes the domain's vocabulary: a
// domain *Error is itself; the store's errors that any caller may meet (busy,
// not found, a full disk) become theirs; anything else is internal, its detail
// for the log only. Service methods translate only the store errors whose
// meaning depends on the operation (a taken slot, a state that changed); all
// others reach ErrorOf through the HTTP layer's one error handler.
func ErrorOf(err error) *Error {
	var e *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return e
	case errors.Is(err, store.ErrBusy), errors.Is(err, context.DeadlineExceeded):
		return NewError(CodeUnavailable, "errors.busy").Retry(2 * time.Second)
	case errors.Is(err, store.ErrDiskFull):
		return NewError(CodeUnavailable, "errors.disk_full").Retry(time.Minute)
	case errors.Is(err, store.ErrNotFound):
		return NewError(CodeNotFound, "errors.not_found")
	}
	return NewError(CodeInternal, "errors.internal")
}

// InternalMessage is all a client is told of an unexpected error.
var InternalMessage = M("errors.internal").Error()

// fieldErrors collects validation problems by field path.
type fieldErrors map[string]Msg

// add records the problem of field, unless it has one already.
func (f fieldErrors) add(field string, problem Msg) {
	if _, seen := f[field]; !seen {
		f[field] = problem
	}
}

// addErr is add of a parser's error (ParseEmail's, say).
func (f fieldErrors) addErr(field string, err error) { f.add(field, MsgOf(err)) }

// has reports whether field has a problem.
func (f fieldErrors) has(field string) bool { _, ok := f[field]; return ok }

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return invalid(f)
}

// invalid is validation_failed for the problems of fields.
func invalid(fields map[string]Msg) *Error {
	return ErrorWith(CodeValidationFailed, M("errors.fields"), fields)
}

// Msg is words for people: a catalog message id and the values of its
// {{.Fields}}, as pairs of name and value: M("errors.field.guests", "Max", 8).
// A value that is Localized (a nested Msg, a date, an amount) is written in
// the message's language. A plural message (one of the catalogs' with
// one/other forms) takes its number from the pair named "Count".
//
// A Msg is an error too, whose text is the English: a parser returns one,
// and a caller that only prints it (check-config, the command line) gets
// the words it always had.
type Msg struct {
	ID   string
	Args []any
}

// M is the message id with its fields' values.
func M(id string, pairs ...any) Msg { return Msg{ID: id, Args: pairs} }

// rawText is the pair a Msg without an id holds: a text the same in every
// language (an error that came from outside the catalogs).
const rawText = "Text"

// MsgOf is err's words: err itself when it is a Msg (however wrapped), else
// its text as it is, in every language.
func MsgOf(err error) Msg {
	var m Msg
	if errors.As(err, &m) {
		return m
	}
	return Msg{Args: []any{rawText, err.Error()}}
}

func (m Msg) Error() string {
	l := sourceLang()
	if l == nil {
		return m.ID // the catalogs do not load: the service refuses to start
	}
	return m.Localize(l)
}

// Localize writes m in l.
func (m Msg) Localize(l *l10n.Lang) string {
	pairs := make([]any, len(m.Args))
	count := -1
	for i, v := range m.Args {
		if i%2 == 1 {
			if x, ok := v.(Localized); ok {
				v = x.Localize(l)
			}
			if name, _ := m.Args[i-1].(string); name == "Count" {
				count, _ = v.(int)
			}
		}
		pairs[i] = v
	}
	if m.ID == "" {
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i] == rawText {
				return fmt.Sprint(pairs[i+1])
			}
		}
		return ""
	}
	if cats, err := l10n.Default(); err == nil && cats.IsPlural(m.ID) && count >= 0 {
		return l.N(m.ID, count, pairs...)
	}
	return l.T(m.ID, pairs...)
}

// Localized is a value a message names, written as a language writes it.
type Localized interface {
	Localize(l *l10n.Lang) string
}

// Value is a value an error message names (a time, a date, an amount): in
// English as the API writes it (RFC 3339, YYYY-MM-DD, cents: the English
// message is the API's, which programs read), in other languages as
// people there write it.
type Value struct {
	API    string
	People func(l *l10n.Lang) string
}

// Localize is v in l.
func (v Value) Localize(l *l10n.Lang) string {
	if v.People == nil || l.Catalog() == l10n.Source {
		return v.API
	}
	return v.People(l)
}

// instantValue is t, in the venue's zone loc.
func instantValue(t time.Time, loc *time.Location) Value {
	return Value{API: FormatInstant(t, loc), People: func(l *l10n.Lang) string { return l.Format(t.In(loc), l10n.DateTimeShort) }}
}

// dateValue is a local date.
func dateValue(d Date) Value {
	return Value{API: d.String(), People: func(l *l10n.Lang) string {
		return l.Format(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC), l10n.DateMedium)
	}}
}

// moneyValue is an amount as the API's messages write it (FormatMoney).
func moneyValue(cents int64, currency string) Value {
	return Value{API: FormatMoney(cents, currency), People: func(l *l10n.Lang) string { return l.Money(cents, currency) }}
}

// centsValue is an amount the English message counts in cents.
func centsValue(cents int64, currency string) Value {
	return Value{API: strconv.FormatInt(cents, 10), People: func(l *l10n.Lang) string { return l.Money(cents, currency) }}
}

// durationMsg is a length of time in words: "2 days", "3 hours", "90 minutes".
func durationMsg(d time.Duration) Msg {
	switch {
	case d%(24*time.Hour) == 0 && d >= 24*time.Hour:
		return M("errors.duration.days", "Count", int(d/(24*time.Hour)))
	case d%time.Hour == 0 && d >= time.Hour:
		return M("errors.duration.hours", "Count", int(d/time.Hour))
	}
	return M("errors.duration.minutes", "Count", int(d/time.Minute))
}

// stateWords is what state a booking's status puts it in, in words that
// follow "this booking is" ("cancelled"); an unknown status is itself.
func stateWords(status string) any {
	switch status {
	case store.StatusCancelled, store.StatusCompleted, store.StatusNoShow:
		return M("errors.state." + status)
	}
	return status
}

// sourceLang is the language of the API's messages (nil when the built-in
// catalogs do not load, which Open reports).
var sourceLang = sync.OnceValue(func() *l10n.Lang {
	cats, err := l10n.Default()
	if err != nil {
		return nil
	}
	return cats.Parse(l10n.Source)
})

// bookingStateWords is stateWords of b's status, for a customer: a
// confirmed booking that has started is under way or over.
func bookingStateWords(b store.Booking, now time.Time) any {
	if b.Status == store.StatusConfirmed && !now.Before(b.Start) {
		return M("errors.state.under_way")
	}
	return stateWords(b.Status)
}

// deadlineValue is a deadline: as the API writes instants in English, as
// the emails write deadlines elsewhere ("Dienstag, 8. Dezember, 14:00 …").
func (s *Service) deadlineValue(t time.Time) Value {
	return Value{API: FormatInstant(t, s.Rules.Location), People: func(l *l10n.Lang) string { return s.FormatDeadline(l, t) }}
}
