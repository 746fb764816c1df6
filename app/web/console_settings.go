package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
)

func (s *Server) apiAdminJobs(c *fiber.Ctx) error {
	type jobJSON struct {
		Name       string  `json:"name"`
		Schedule   string  `json:"schedule"`
		LastRun    string  `json:"last_run,omitempty"`
		LastError  string  `json:"last_error"`
		DurationMS float64 `json:"duration_ms"`
		Next       string  `json:"next,omitempty"`
		Runs       int     `json:"runs"`
	}
	out := []jobJSON{}
	loc := s.svc.Rules.Location
	for _, j := range s.jobStatuses() {
		jj := jobJSON{Name: j.Name, Schedule: j.Schedule, LastError: j.LastErr, DurationMS: float64(j.Duration.Microseconds()) / 1000, Runs: j.Runs}
		if !j.LastRun.IsZero() {
			jj.LastRun = app.FormatInstant(j.LastRun, loc)
		}
		if !j.Next.IsZero() {
			jj.Next = app.FormatInstant(j.Next, loc)
		}
		out = append(out, jj)
	}
	return c.JSON(fiber.Map{"jobs": out})
}

func (s *Server) apiAdminCalendarFeed(c *fiber.Ctx) error {
	u, err := s.svc.CalendarFeedURL(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"url": u})
}

func (s *Server) apiAdminRotateCalendarFeed(c *fiber.Ctx) error {
	u, err := s.svc.RotateCalendarFeed(c.UserContext(), owner(c).Email)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"url": u})
}

// calendarFeed serves the owner's private calendar subscription.
func (s *Server) calendarFeed(c *fiber.Ctx) error {
	token, ok := strings.CutSuffix(c.Params("file"), ".ics")
	if !ok {
		return app.NewError(app.CodeNotFound, "errors.owner.no_calendar")
	}
	body, err := s.svc.CalendarFeed(c.UserContext(), token)
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	return c.Send(body)
}

func (s *Server) pageConsoleSettings(c *fiber.Ctx) error {
	feed, err := s.svc.CalendarFeedURL(c.UserContext())
	if err != nil {
		return err
	}
	data := struct {
		consoleData
		Feed string
		Jobs []jobRow
	}{s.console(c, "Jobs and calendar", "settings"), feed, s.jobRows()}
	return s.render(c, fiber.StatusOK, "admin_settings", data)
}

type jobRow struct {
	Name, Schedule, LastRun, Result, Next string
	Runs                                  int
}

func (s *Server) jobRows() []jobRow {
	loc := s.svc.Rules.Location
	var rows []jobRow
	for _, j := range s.jobStatuses() {
		r := jobRow{Name: j.Name, Schedule: j.Schedule, Runs: j.Runs, LastRun: "not yet", Result: "—"}
		if !j.LastRun.IsZero() {
			r.LastRun = j.LastRun.In(loc).Format("Mon 2 Jan 15:04:05")
			r.Result = firstNonEmpty(j.LastErr, "ok")
		}
		if !j.Next.IsZero() {
			r.Next = j.Next.In(loc).Format("Mon 2 Jan 15:04:05")
		}
		rows = append(rows, r)
	}
	return rows
}

func (s *Server) submitConsoleRotateFeed(c *fiber.Ctx) error {
	if _, err := s.svc.RotateCalendarFeed(c.UserContext(), owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/settings?done=rotated", fiber.StatusSeeOther)
}
