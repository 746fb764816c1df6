package app

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"venuebook/store"
)

// ErrorOf gives every error a code of the contract: domain errors keep theirs,
// the store's shared errors get theirs however deeply wrapped, and anything
// else is internal with a message that tells nothing of the cause.
func TestErrorOf(t *testing.T) {
	domain := NewError(CodeSlotUnavailable, "errors.slot.move_overlaps")
	for _, c := range []struct {
		name  string
		err   error
		code  string
		retry bool
	}{
		{"domain error", domain, CodeSlotUnavailable, false},
		{"wrapped domain error", fmt.Errorf("create: %w", domain), CodeSlotUnavailable, false},
		{"busy writer", fmt.Errorf("list blackouts: %w", fmt.Errorf("%w: waiting for the writer", store.ErrBusy)), CodeUnavailable, true},
		{"read past its deadline", fmt.Errorf("stats: %w", context.DeadlineExceeded), CodeUnavailable, true},
		{"missing row", fmt.Errorf("find: %w", store.ErrNotFound), CodeNotFound, false},
		{"anything else", errors.New("disk I/O error at /var/lib/venuebook"), CodeInternal, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := ErrorOf(c.err)
			if e.Code != c.code || (e.RetryAfter > 0) != c.retry {
				t.Errorf("ErrorOf(%v) = %+v, want code %s, retry %v", c.err, e, c.code, c.retry)
			}
			if c.code == CodeInternal && e.Message != InternalMessage {
				t.Errorf("internal error leaks %q", e.Message)
			}
		})
	}
	if ErrorOf(nil) != nil {
		t.Errorf("ErrorOf(nil) is not nil")
	}
}
