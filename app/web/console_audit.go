package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/store"
)

type auditJSON struct {
	ID        int64  `json:"id"`
	At        string `json:"at"`
	Actor     string `json:"actor"`
	Action    string `json:"action"`
	BookingID string `json:"booking_id,omitempty"`
	Details   string `json:"details"`
}

func (s *Server) auditJSON(entries []store.AuditEntry) []auditJSON {
	out := make([]auditJSON, len(entries))
	for i, e := range entries {
		out[i] = auditJSON{ID: e.ID, At: app.FormatInstant(e.At, s.svc.Rules.Location), Actor: e.Actor, Action: e.Action, BookingID: e.BookingID, Details: e.Details}
	}
	return out
}

func (s *Server) apiAdminAudit(c *fiber.Ctx) error {
	entries, err := s.svc.ListAudit(c.UserContext(), c.Query("booking"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"entries": s.auditJSON(entries)})
}

func (s *Server) pageConsoleAudit(c *fiber.Ctx) error {
	entries, err := s.svc.ListAudit(c.UserContext(), "")
	if err != nil {
		return err
	}
	data := struct {
		consoleData
		Entries []store.AuditEntry
		Loc     *time.Location
	}{s.console(c, s.svc.VenueLang().T("console.audit.title"), "audit"), entries, s.svc.Rules.Location}
	return s.render(c, fiber.StatusOK, "admin_audit", data)
}
