package web

import (
	"github.com/gofiber/fiber/v2"

	"venuebook/app"
)

type adminPermitJSON struct {
	ID                  string `json:"id"`
	Status              string `json:"status"`
	VehicleRegistration string `json:"vehicle_registration"`
	BookingID           string `json:"booking_id"`
	BookingReference    string `json:"booking_reference"`
	BookingStatus       string `json:"booking_status"`
	Start               string `json:"start"`
	CustomerName        string `json:"customer_name"`
	ApproverEmail       string `json:"approver_email"`
	DecidedAt           string `json:"decided_at,omitempty"`
	DecidedBy           string `json:"decided_by,omitempty"`
	Note                string `json:"note"`
}

func (s *Server) permitJSON(b app.Booking) adminPermitJSON {
	loc := s.svc.Rules.Location
	p := adminPermitJSON{ID: b.Permit.ID, Status: b.Permit.Status, VehicleRegistration: b.Permit.VehicleRegistration,
		BookingID: b.ID, BookingReference: b.Reference, BookingStatus: b.Status, Start: app.FormatInstant(b.Start, loc),
		CustomerName: b.CustomerName, ApproverEmail: b.Permit.ApproverEmail, DecidedBy: b.Permit.DecidedBy, Note: b.Permit.DecisionNote}
	if !b.Permit.DecidedAt.IsZero() {
		p.DecidedAt = app.FormatInstant(b.Permit.DecidedAt, loc)
	}
	return p
}

func (s *Server) apiAdminPermits(c *fiber.Ctx) error {
	list, err := s.svc.ListPermits(c.UserContext(), c.Query("status"))
	if err != nil {
		return err
	}
	out := make([]adminPermitJSON, len(list))
	for i, b := range list {
		out[i] = s.permitJSON(b)
	}
	return c.JSON(fiber.Map{"permits": out})
}

func (s *Server) apiAdminPermitResend(c *fiber.Ctx) error {
	b, err := s.svc.ReissuePermitLink(c.UserContext(), c.Params("id"), owner(c).Email)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"permit": s.permitJSON(b)})
}

type ownerDecisionRequest struct {
	Decision string `json:"decision"`
	Note     string `json:"note"`
}

func (s *Server) apiAdminPermitDecision(c *fiber.Ctx) error {
	var req ownerDecisionRequest
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	p, err := s.svc.DecidePermitAsOwner(c.UserContext(), c.Params("id"), req.Decision, req.Note, owner(c).Email)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"permit": s.permitJSON(p.Booking)})
}

func (s *Server) pageConsolePermits(c *fiber.Ctx) error {
	list, err := s.svc.ListPermits(c.UserContext(), c.Query("status"))
	if err != nil {
		return err
	}
	l := s.svc.VenueLang()
	type permitRow struct {
		app.Booking
		Word string // the permit's status in words
	}
	rows := make([]permitRow, len(list))
	for i, b := range list {
		rows[i] = permitRow{b, permitWord(l, b.Permit.Status)}
	}
	data := struct {
		consoleData
		Permits []permitRow
		Status  string
	}{s.console(c, l.T("console.permits.title"), "permits"), rows, c.Query("status")}
	return s.render(c, fiber.StatusOK, "admin_permits", data)
}

func (s *Server) submitConsolePermitDecision(c *fiber.Ctx) error {
	if _, err := s.svc.DecidePermitAsOwner(c.UserContext(), c.Params("id"), c.FormValue("decision"), c.FormValue("note"), owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/permits?done=permit", fiber.StatusSeeOther)
}

func (s *Server) submitConsolePermitResend(c *fiber.Ctx) error {
	if _, err := s.svc.ReissuePermitLink(c.UserContext(), c.Params("id"), owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/permits?done=reissued", fiber.StatusSeeOther)
}
