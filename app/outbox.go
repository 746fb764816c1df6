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
		return nil, Errorf(CodeInvalidRequest, "status must be queued, sending, sent, failed or dead")
	}
	out, err := s.Store.ListOutbox(ctx, status, 500)
	return out, err
}

// RetryMessage sends a failed or dead message again.
func (s *Service) RetryMessage(ctx context.Context, id int64, actor string) (store.OutboxMessage, error) {
	m, err := s.Store.RetryMessage(ctx, id, actor, s.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.OutboxMessage{}, Errorf(CodeNotFound, "no such message")
	case errors.Is(err, store.ErrStateChanged):
		return store.OutboxMessage{}, &Error{Code: CodeValidationFailed, Message: "only a failed or dead message can be retried",
			Fields: map[string]string{"status": "not failed or dead"}}
	}
	return m, err
}
