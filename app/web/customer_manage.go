package web

import (
	"errors"
	"html/template"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/app/l10n"
)

// manageLinks are the customer's own pages of booking b: its manage page and
// the steps that change it, each carrying the manage token.
type manageLinks struct {
	Manage, Cancel, Move, Email string
}

func bookingLinks(b app.Booking) manageLinks {
	base := "/b/" + url.PathEscape(b.ID)
	q := "?t=" + url.QueryEscape(b.ManageToken)
	return manageLinks{Manage: base + q, Cancel: base + "/cancel" + q, Move: base + "/move" + q, Email: base + "/email" + q}
}

// policy is what the customer may still do with a booking online, and until
// when.
type policy struct {
	CanCancel, CanMove     bool
	CancelUntil, MoveUntil string
	MovesOff               bool // the venue takes no moves online
}

// policyOf is what the customer may still do with b, its deadlines in l.
func (s *Server) policyOf(l *l10n.Lang, b app.Booking) policy {
	canCancel, cancelCloses := s.svc.CustomerCanCancel(b.Booking)
	canMove, moveCloses := s.svc.CustomerCanMove(b.Booking)
	p := policy{CanCancel: canCancel, CanMove: canMove, MovesOff: s.svc.Config.Venue.ChangeCutoffHours < 0,
		CancelUntil: s.svc.FormatDeadline(l, cancelCloses)}
	if !p.MovesOff {
		p.MoveUntil = s.svc.FormatDeadline(l, moveCloses)
	}
	return p
}

// cancelPage is the confirmation step before a cancellation.
type cancelPage struct {
	layoutData
	B       app.Booking
	When    string
	Tier    string
	Package string
	Links   manageLinks
	Policy  policy
	CSRF    string
	Message string
}

// MoveInstead offers the move to a customer about to cancel: "If only the
// time no longer suits you, change the date or time instead.", the words
// in the middle a link to the move.
func (d cancelPage) MoveInstead() template.HTML {
	link := template.HTML(`<a href="` + template.HTMLEscapeString(d.Links.Move) + `">` + template.HTMLEscapeString(d.Lang.T("cancel.move_link")) + `</a>`)
	return d.Lang.HTML("cancel.move_instead", "Link", link)
}

// pageCancelConfirm asks before cancelling (GET /b/{id}/cancel): it shows the
// booking and the one button that cancels it, and changes nothing.
func (s *Server) pageCancelConfirm(c *fiber.Ctx) error {
	return s.renderCancel(c, fiber.StatusOK, "")
}

func (s *Server) renderCancel(c *fiber.Ctx, status int, message string) error {
	b, err := s.svc.FindBooking(c.UserContext(), c.Params("id"), c.Query("t"))
	if err != nil {
		return err
	}
	links := bookingLinks(b)
	if b.Status != "confirmed" {
		return c.Redirect(links.Manage, fiber.StatusSeeOther)
	}
	l := s.lang(c)
	data := cancelPage{layoutData: s.layout(c, l.T("cancel.title", "Reference", b.Reference)), B: b, When: s.formatWhen(l, b),
		Tier: s.svc.TierName(b.TierID), Package: s.svc.PackageName(b.PackageID), Links: links, Policy: s.policyOf(l, b),
		CSRF: s.csrfToken(c), Message: message}
	c.Set("Cache-Control", "no-store")
	return s.render(c, status, "cancel", data)
}

// movePage is the confirmation step of a move: the booking as it is, and
// where it would go.
type movePage struct {
	layoutData
	B        app.Booking
	When     string // now
	NewWhen  string // after the move
	NewStart string
	Tier     string
	Package  string
	Price    string
	Links    manageLinks
	Policy   policy
	CSRF     string
	Message  string
	// Back is the picker on the new start's date.
	Back string
}

// pageMove is the move's confirmation step (GET /b/{id}/move?start=…); it
// changes nothing. Without a start, the customer picks one first.
func (s *Server) pageMove(c *fiber.Ctx) error {
	text := c.Query("start")
	if text == "" {
		return s.renderMovePicker(c, fiber.StatusOK, "", "")
	}
	start, err := app.ParseInstant(text)
	if err != nil {
		return s.renderMovePicker(c, fiber.StatusBadRequest, "", s.lang(c).T("words.choose_from_list"))
	}
	return s.renderMoveConfirm(c, fiber.StatusOK, start, "")
}

func (s *Server) renderMoveConfirm(c *fiber.Ctx, status int, start time.Time, message string) error {
	b, err := s.svc.FindBooking(c.UserContext(), c.Params("id"), c.Query("t"))
	if err != nil {
		return err
	}
	links := bookingLinks(b)
	moved := b
	moved.End = start.Add(b.End.Sub(b.Start))
	moved.Start = start
	loc, l := s.svc.Rules.Location, s.lang(c)
	data := movePage{layoutData: s.layout(c, l.T("move.title", "Reference", b.Reference)), B: b, When: s.formatWhen(l, b), NewWhen: s.formatWhen(l, moved),
		NewStart: app.FormatInstant(start, loc), Tier: s.svc.TierName(b.TierID), Package: s.svc.PackageName(b.PackageID),
		Price: l.Money(b.PriceCents, b.Currency), Links: links, Policy: s.policyOf(l, b), CSRF: s.csrfToken(c), Message: message,
		Back: links.Move + "&date=" + app.DateOf(start, loc).String()}
	c.Set("Cache-Control", "no-store")
	return s.render(c, status, "move", data)
}

// submitMove moves the booking (POST /b/{id}/move, the confirmation's form).
func (s *Server) submitMove(c *fiber.Ctx) error {
	l := s.lang(c)
	start, err := app.ParseInstant(c.FormValue("start"))
	if err != nil {
		return s.renderMovePicker(c, fiber.StatusBadRequest, "", l.T("words.choose_from_list"))
	}
	req := app.RescheduleRequest{Start: c.FormValue("start")}
	if text := c.FormValue("expected_price_cents"); text != "" {
		if v, err := strconv.ParseInt(text, 10, 64); err == nil {
			req.ExpectedPriceCents = &v
		}
	}
	b, err := s.svc.RescheduleBooking(c.UserContext(), c.Params("id"), c.Query("t"), req)
	if err != nil {
		var e *app.Error
		if errors.As(err, &e) {
			switch e.Code {
			case app.CodeSlotUnavailable:
				return s.renderMovePicker(c, fiber.StatusConflict, app.DateOf(start, s.svc.Rules.Location).String(),
					l.T("words.no_longer_free"))
			case app.CodePriceChanged, app.CodeChangeClosed, app.CodeValidationFailed:
				return s.renderMoveConfirm(c, statusOf(e.Code), start, errorText(l, e))
			}
		}
		return err
	}
	s.reqLog(c).Info("booking moved from the manage page", "booking_id", b.ID, "reference", b.Reference)
	return c.Redirect(bookingLinks(b).Manage+"&moved=1"+s.langParam(c), fiber.StatusSeeOther)
}

// submitEmail corrects the booking's email (POST /b/{id}/email).
func (s *Server) submitEmail(c *fiber.Ctx) error {
	b, err := s.svc.CorrectEmail(c.UserContext(), c.Params("id"), c.Query("t"), c.FormValue("email"))
	if err != nil {
		var e *app.Error
		if errors.As(err, &e) && (e.Code == app.CodeValidationFailed || e.Code == app.CodeChangeClosed) {
			l := s.lang(c)
			msg := errorText(l, e)
			if f := fieldProblem(l, e, "email"); f != "" {
				msg = l.T("manage.email_problem", "Problem", f)
			}
			return s.renderBooking(c, statusOf(e.Code), msg)
		}
		return err
	}
	s.reqLog(c).Info("booking email corrected from the manage page", "booking_id", b.ID, "reference", b.Reference)
	return c.Redirect(bookingLinks(b).Manage+"&email_corrected=1"+s.langParam(c), fiber.StatusSeeOther)
}

// apiCorrectEmail is POST /api/bookings/{id}/email?t=TOKEN {"email": "…"}.
func (s *Server) apiCorrectEmail(c *fiber.Ctx) error {
	var req struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	b, err := s.svc.CorrectEmail(c.UserContext(), c.Params("id"), c.Query("t"), req.Email)
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(s.bookingJSON(b))
}

// renderMovePicker is the move's first step (GET /b/{id}/move): the day page
// of the booking's package, whose times lead to the confirmation step. Past
// the change cutoff it says so instead.
func (s *Server) renderMovePicker(c *fiber.Ctx, status int, date, message string) error {
	b, err := s.svc.FindBooking(c.UserContext(), c.Params("id"), c.Query("t"))
	if err != nil {
		return err
	}
	links := bookingLinks(b)
	if ok, _ := s.svc.CustomerCanMove(b.Booking); !ok {
		if b.Status != "confirmed" {
			return c.Redirect(links.Manage, fiber.StatusSeeOther)
		}
		return s.renderMoveConfirm(c, status, b.Start, message)
	}
	if date == "" {
		date = c.Query("date")
	}
	base := links.Move + "&"
	return s.renderPicker(c, status, b.PackageID, date, c.Query("month"), message, pickFor{DayBase: base, SlotBase: base,
		Moving: &movingBooking{Reference: b.Reference, When: s.formatWhen(s.lang(c), b), Price: s.lang(c).Money(b.PriceCents, b.Currency), Back: links.Manage}})
}
