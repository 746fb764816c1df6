package web

import (
	"errors"
	"strconv"

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
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"blackout": s.blackoutJSON(b)})
}

func (s *Server) apiAdminDeleteBlackout(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return app.Errorf(app.CodeNotFound, "no such blackout")
	}
	if err := s.svc.DeleteBlackout(c.UserContext(), id, owner(c).Email); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"deleted": id})
}

func (s *Server) pageConsoleBlackouts(c *fiber.Ctx) error {
	return s.renderBlackouts(c, fiber.StatusOK, nil, app.BlackoutRequest{})
}

func (s *Server) renderBlackouts(c *fiber.Ctx, status int, errs map[string]string, form app.BlackoutRequest) error {
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
		Form   app.BlackoutRequest
	}{s.console(c, "Blackouts", "blackouts"), rows, s.svc.Config.Rooms, errs, form}
	return s.render(c, status, "admin_blackouts", data)
}

func (s *Server) submitConsoleBlackout(c *fiber.Ctx) error {
	req := app.BlackoutRequest{Start: c.FormValue("start"), End: c.FormValue("end"), Room: c.FormValue("room"), Reason: c.FormValue("reason")}
	if _, err := s.svc.AddBlackout(c.UserContext(), req, owner(c).Email); err != nil {
		var e *app.Error
		if errors.As(err, &e) && e.Code == app.CodeValidationFailed {
			return s.renderBlackouts(c, fiber.StatusBadRequest, e.Fields, req)
		}
		return err
	}
	return c.Redirect("/admin/blackouts?done=blackout", fiber.StatusSeeOther)
}

func (s *Server) submitConsoleUnblock(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	if err := s.svc.DeleteBlackout(c.UserContext(), id, owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/blackouts?done=unblocked", fiber.StatusSeeOther)
}
