package web

import (
	"bufio"
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
)

func (s *Server) apiAdminStats(c *fiber.Ctx) error {
	from, to, err := adminDateRange(c)
	if err != nil {
		return err
	}
	tiers, rooms, err := s.svc.Stats(c.UserContext(), from, to)
	if err != nil {
		return err
	}
	if tiers == nil {
		tiers = []app.TierMonth{}
	}
	return c.JSON(fiber.Map{"from": from.String(), "to": to.String(), "currency": s.svc.Config.Venue.Currency, "tiers": tiers, "rooms": rooms})
}

func (s *Server) apiAdminExport(c *fiber.Ctx) error {
	from, to, err := adminDateRange(c)
	if err != nil {
		return err
	}
	if err := s.svc.CheckExportRange(from, to); err != nil {
		return err
	}
	if err := s.svc.Store.Audit(c.UserContext(), s.svc.Now(), owner(c).Email, "export.downloaded", "", from.String()+" to "+to.String()); err != nil {
		return err // customers' details leave only on the record
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="bookings-`+from.String()+`-`+to.String()+`.csv"`)
	// Streamed as it is read, a page of bookings at a time: years of them
	// never sit in memory at once.
	log := s.reqLog(c)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := s.svc.ExportCSV(context.Background(), w, from, to); err != nil {
			log.Error("CSV export stopped part-way; the file is incomplete", "err", err, "from", from.String(), "to", to.String())
		}
		_ = w.Flush()
	})
	return nil
}

func (s *Server) pageConsoleReports(c *fiber.Ctx) error {
	today := app.DateOf(s.svc.Now(), s.svc.Rules.Location)
	from := app.Date{Year: today.Year, Month: today.Month, Day: 1}.AddDays(-1)
	from = app.Date{Year: from.Year, Month: from.Month, Day: 1}
	to := today
	if d, err := app.ParseDate(c.Query("from")); err == nil {
		from = d
	}
	if d, err := app.ParseDate(c.Query("to")); err == nil {
		to = d
	}
	tiers, rooms, err := s.svc.Stats(c.UserContext(), from, to)
	if err != nil {
		return err
	}
	type roomRow struct {
		app.RoomMonth
		Percent string
	}
	l := s.svc.VenueLang()
	var rr []roomRow
	for _, r := range rooms {
		rr = append(rr, roomRow{r, l.T("console.reports.percent", "Percent", fmt.Sprintf("%.0f", r.Occupancy*100))})
	}
	data := struct {
		consoleData
		From, To string
		Tiers    []app.TierMonth
		Rooms    []roomRow
		Currency string
	}{s.console(c, l.T("console.reports.title"), "reports"), from.String(), to.String(), tiers, rr, s.svc.Config.Venue.Currency}
	return s.render(c, fiber.StatusOK, "admin_reports", data)
}
