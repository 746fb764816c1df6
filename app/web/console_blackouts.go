package web

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/store"
)

type blackoutJSON struct {
	ID     int64  `json:"id"`
	Start  string `json:"start"`
	End    string `json:"end"`
	Room   string `json:"room"`
	Reason string `json:"reason"`
}

func (s *Server) blackoutJSON(b store.Blackout) blackoutJSON {
	loc := s.svc.Rules.Location
	return blackoutJSON{ID: b.ID, Start: app.FormatInstant(b.Start, loc), End: app.FormatInstant(b.End, loc), Room: b.Room, Reason: b.Reason}
}

func (s *Server) apiAdminBlackouts(c *fiber.Ctx) error {
	list, err := s.svc.ListBlackouts(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]blackoutJSON, len(list))
	for i, b := range list {
		out[i] = s.blackoutJSON(b)
	}
	return c.JSON(fiber.Map{"blackouts": out})
}

func (s *Server) apiAdminAddBlackout(c *fiber.Ctx) error {
	var req app.BlackoutRequest
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	b, err := s.svc.AddBlackout(c.UserContext(), req, owner(c).Email)
	if err != nil {
		return err
	}
	covered, err := s.coveredBookings(c, b)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"blackout": s.blackoutJSON(b), "covers": s.bookingList(covered)})
}

var referenceRE = regexp.MustCompile(`^VB-[A-Z0-9]{6}$`)

// coveredBookings lists the confirmed bookings a blackout overlaps: they stay
// booked, and the owner is told so.
func (s *Server) coveredBookings(c *fiber.Ctx, b store.Blackout) ([]app.Booking, error) {
	loc := s.svc.Rules.Location
	list, err := s.svc.ListBookings(c.UserContext(), app.DateOf(b.Start, loc).AddDays(-1), app.DateOf(b.End, loc), store.StatusConfirmed, "")
	if err != nil {
		return nil, err
	}
	var out []app.Booking
	for _, bk := range list {
		if (b.Room == "" || b.Room == bk.RoomID) && bk.Start.Before(b.End) && bk.End.After(b.Start) {
			out = append(out, bk)
		}
	}
	return out, nil
}

func (s *Server) apiAdminDeleteBlackout(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return app.NewError(app.CodeNotFound, "errors.owner.no_blackout")
	}
	if err := s.svc.DeleteBlackout(c.UserContext(), id, owner(c).Email); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"deleted": id})
}

func (s *Server) pageConsoleBlackouts(c *fiber.Ctx) error {
	return s.renderBlackouts(c, fiber.StatusOK, nil, blackoutForm{})
}

// blackoutForm is the console's blackout form as typed: dates and times in
// the venue's zone, from the browser's date and time pickers.
type blackoutForm struct {
	StartDate, StartTime, EndDate, EndTime, Room, Reason string
}

// request turns the form into the API's request: a date alone for a whole
// day (an end date includes that day), a date and a time as the local instant.
func (s *Server) blackoutRequest(f blackoutForm) app.BlackoutRequest {
	at := func(date, clock string) string {
		date, clock = strings.TrimSpace(date), strings.TrimSpace(clock)
		if clock == "" {
			return date
		}
		d, err := app.ParseDate(date)
		var h, m int
		if _, serr := fmt.Sscanf(clock, "%d:%d", &h, &m); err != nil || serr != nil || len(clock) != 5 || h > 23 || m > 59 || h < 0 || m < 0 {
			return date + "T" + clock // refused by the service, naming the field
		}
		return app.FormatInstant(d.At(h*60+m, s.svc.Rules.Location), s.svc.Rules.Location)
	}
	return app.BlackoutRequest{Start: at(f.StartDate, f.StartTime), End: at(f.EndDate, f.EndTime), Room: f.Room, Reason: f.Reason}
}

func (s *Server) renderBlackouts(c *fiber.Ctx, status int, errs map[string]string, form blackoutForm) error {
	list, err := s.svc.ListBlackouts(c.UserContext())
	if err != nil {
		return err
	}
	loc := s.svc.Rules.Location
	type row struct {
		ID                  int64
		Room, From, To, Why string
	}
	var rows []row
	for _, b := range list {
		room := "All rooms"
		if b.Room != "" {
			room = s.svc.RoomName(b.Room)
		}
		rows = append(rows, row{b.ID, room, b.Start.In(loc).Format("Mon 2 Jan 2006 15:04"), b.End.In(loc).Format("Mon 2 Jan 2006 15:04"), b.Reason})
	}
	data := struct {
		consoleData
		Rows   []row
		Rooms  []app.Room
		Errors map[string]string
		Form   blackoutForm
		Zone   string
		// Covered counts the bookings a new blackout covers; Covers holds
		// the first ten references.
		Covered  int
		Covers   []string
		From, To string // the dates to search the covered bookings in
	}{s.console(c, "Blackouts", "blackouts"), rows, s.svc.Config.Rooms, errs, form, loc.String(), 0, nil, "", ""}
	if from, err := app.ParseDate(c.Query("from")); err == nil {
		if to, err := app.ParseDate(c.Query("to")); err == nil {
			data.From, data.To = from.String(), to.String()
		}
	}
	data.Covered, _ = strconv.Atoi(c.Query("covered"))
	for _, ref := range strings.Split(c.Query("covers"), ",") {
		if referenceRE.MatchString(ref) && len(data.Covers) < 10 {
			data.Covers = append(data.Covers, ref)
		}
	}
	return s.render(c, status, "admin_blackouts", data)
}

func (s *Server) submitConsoleBlackout(c *fiber.Ctx) error {
	form := blackoutForm{StartDate: c.FormValue("start_date"), StartTime: c.FormValue("start_time"), EndDate: c.FormValue("end_date"),
		EndTime: c.FormValue("end_time"), Room: c.FormValue("room"), Reason: c.FormValue("reason")}
	if form.EndDate == "" {
		form.EndDate = form.StartDate // one day (or part of it)
	}
	b, err := s.svc.AddBlackout(c.UserContext(), s.blackoutRequest(form), owner(c).Email)
	if err != nil {
		var e *app.Error
		if errors.As(err, &e) && e.Code == app.CodeValidationFailed {
			return s.renderBlackouts(c, fiber.StatusBadRequest, e.Fields, form)
		}
		return err
	}
	covered, err := s.coveredBookings(c, b)
	if err != nil {
		return err
	}
	var refs []string
	for _, bk := range covered[:min(len(covered), 10)] {
		refs = append(refs, bk.Reference)
	}
	loc := s.svc.Rules.Location
	return c.Redirect(fmt.Sprintf("/admin/blackouts?done=blackout&covered=%d&covers=%s&from=%s&to=%s", len(covered), url.QueryEscape(strings.Join(refs, ",")),
		app.DateOf(b.Start, loc).AddDays(-1), app.DateOf(b.End, loc)), fiber.StatusSeeOther)
}

func (s *Server) submitConsoleUnblock(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	if err := s.svc.DeleteBlackout(c.UserContext(), id, owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/blackouts?done=unblocked", fiber.StatusSeeOther)
}
