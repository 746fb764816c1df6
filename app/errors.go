package app

import (
	"context"
	"errors"
	"fmt"
	"time"
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
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	// RetryAfter, when set, tells the client when to try again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
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
		return &Error{Code: CodeUnavailable, Message: "the server is busy; try again in a moment", RetryAfter: 2 * time.Second}
	case errors.Is(err, store.ErrDiskFull):
		return &Error{Code: CodeUnavailable, Message: "the server cannot save anything just now (its disk is full); nothing was changed, please try again later", RetryAfter: time.Minute}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: CodeNotFound, Message: "nothing matches this id or link"}
	}
	return &Error{Code: CodeInternal, Message: InternalMessage}
}

// InternalMessage is all a client is told of an unexpected error.
const InternalMessage = "something went wrong on our side; please try again, and tell the venue if it keeps happening"

// fieldErrors collects validation problems by field path.
type fieldErrors map[string]string

func (f fieldErrors) add(field, problem string) {
	if _, seen := f[field]; !seen {
		f[field] = problem
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: CodeValidationFailed, Message: "some fields need correcting; see fields", Fields: f}
}
