package app

import (
	"context"
	"venuebook/store"
)

// ListAudit returns the newest audit entries (of one booking when id is set).
func (s *Service) ListAudit(ctx context.Context, bookingID string) ([]store.AuditEntry, error) {
	out, err := s.Store.ListAudit(ctx, bookingID, 500)
	return out, err
}
