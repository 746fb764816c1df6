package app

import (
	"context"
	"errors"
	"venuebook/store"
)

// ListOutbox returns the outbox's messages with status ("" = all).
func (s *Service) ListOutbox(ctx context.Context, status string) ([]store.OutboxMessage, error) {
	switch status {
	case "", store.MailQueued, store.MailSending, store.MailSent, store.MailFailed, store.MailDead:
	default:
		return nil, NewError(CodeInvalidRequest, "errors.owner.outbox_status")
	}
	out, err := s.Store.ListOutbox(ctx, status, 500)
	return out, err
}

// RetryMessage sends a failed or dead message again.
func (s *Service) RetryMessage(ctx context.Context, id int64, actor string) (store.OutboxMessage, error) {
	m, err := s.Store.RetryMessage(ctx, id, actor, s.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.OutboxMessage{}, NewError(CodeNotFound, "errors.owner.no_message")
	case errors.Is(err, store.ErrStateChanged):
		return store.OutboxMessage{}, ErrorWith(CodeValidationFailed, M("errors.owner.retry_failed_only"), map[string]Msg{"status": M("errors.field.not_failed")})
	}
	return m, err
}
