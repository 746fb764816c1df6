package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
)

// Permit decision links arrive by email. GET only shows the request (mail
// scanners open every link); only the POST from its page decides.

type permitPage struct {
	layoutData
	Request  app.PermitRequest
	When     string
	Guest    string
	Decided  bool
	Approved bool
	Problem  string
	Code     string
	Replaced bool // the link was superseded by a newer one
}

func (s *Server) permitPageData(c *fiber.Ctx, p app.PermitRequest) permitPage {
	d := permitPage{layoutData: s.layout(c, s.lang(c).T("permit_page.title")), Request: p}
	if p.ID != "" {
		d.When = s.formatWhen(s.lang(c), p.Booking)
		d.Guest = firstName(p.CustomerName)
		d.Approved = p.Permit != nil && p.Permit.Status == app.PermitApproved
	}
	return d
}

func (s *Server) pagePermitDecide(c *fiber.Ctx) error {
	c.Set("Cache-Control", "no-store")
	c.Set("Referrer-Policy", "no-referrer")
	p, err := s.svc.PermitRequestByLink(c.UserContext(), c.Query("token"))
	if err != nil {
		return s.permitProblem(c, err)
	}
	return s.render(c, fiber.StatusOK, "permit", s.permitPageData(c, p))
}

func (s *Server) pagePermitDecided(c *fiber.Ctx) error {
	c.Set("Cache-Control", "no-store")
	c.Set("Referrer-Policy", "no-referrer")
	p, err := s.svc.DecidePermit(c.UserContext(), c.FormValue("token"), c.FormValue("decision"), c.FormValue("note"))
	if err != nil {
		return s.permitProblem(c, err)
	}
	d := s.permitPageData(c, p)
	d.Decided = true
	return s.render(c, fiber.StatusOK, "permit", d)
}

// permitProblem renders the page for a link that cannot decide: expired, used,
// superseded, tampered or malformed each say so in their own words.
func (s *Server) permitProblem(c *fiber.Ctx, err error) error {
	var e *app.Error
	if !errors.As(err, &e) {
		return err
	}
	d := s.permitPageData(c, app.PermitRequest{})
	d.Problem, d.Code = errorText(d.Lang, e), e.Code
	d.Replaced = errors.Is(err, app.ErrLinkReplaced)
	if e.Code == app.CodeValidationFailed {
		d.Problem = d.Lang.T("permit_page.invalid")
	}
	return s.render(c, statusOf(e.Code), "permit", d)
}

type permitDecisionRequest struct {
	Token    string `json:"token"`
	Decision string `json:"decision"`
	Note     string `json:"note"`
}

type permitEnvelope struct {
	Permit permitJSON `json:"permit"`
}

type permitJSON struct {
	Status              string `json:"status"`
	BookingReference    string `json:"booking_reference"`
	VehicleRegistration string `json:"vehicle_registration"`
}

func (s *Server) apiPermitDecision(c *fiber.Ctx) error {
	var req permitDecisionRequest
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	p, err := s.svc.DecidePermit(c.UserContext(), req.Token, req.Decision, req.Note)
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(permitEnvelope{Permit: permitJSON{Status: p.Permit.Status, BookingReference: p.Reference, VehicleRegistration: p.Permit.VehicleRegistration}})
}
