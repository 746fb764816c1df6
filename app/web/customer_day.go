package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
)

// The day page (/book/{package}): a month calendar with each day's state,
// and the chosen day's free start times, or why it has none.

// calendarDay is one cell of the month grid.
type calendarDay struct {
	Date     string
	Day      int
	InMonth  bool
	Free     bool
	Selected bool
	Today    bool
}

type timeSlot struct {
	Label, Zone, Start string
	RoomsFree          int
}

type dayPage struct {
	layoutData
	Tier      *app.Tier
	Package   *app.Package
	Price     string
	Currency  string
	Month     string // "December 2026"
	PrevMonth string // "2026-11", "" when not bookable
	NextMonth string
	Weeks     [][]calendarDay
	Date      string // the selected date
	DateLabel string
	Slots     []timeSlot
	Message   string
	Zone      string
}

// pageDay shows a month calendar with the days that have free times marked,
// and the free start times of the selected day.
func (s *Server) pageDay(c *fiber.Ctx) error {
	return s.renderDay(c, fiber.StatusOK, c.Params("package"), c.Query("date"), c.Query("month"), "")
}

func (s *Server) renderDay(c *fiber.Ctx, status int, pkgID, dateText, monthText, message string) error {
	tier, pkg, ok := s.svc.Config.FindPackage(pkgID)
	if !ok {
		return app.Errorf(app.CodeNotFound, "there is no such experience; choose one from the start page")
	}
	loc := s.svc.Rules.Location
	today := app.DateOf(s.svc.Now(), loc)
	selected, err := app.ParseDate(dateText)
	if err != nil {
		selected = app.Date{}
	}
	month := today
	switch {
	case monthText != "":
		if m, err := app.ParseDate(monthText + "-01"); err == nil {
			month = m
		}
	case selected != app.Date{}:
		month = selected
	}
	first := app.Date{Year: month.Year, Month: month.Month, Day: 1}
	last := first.AddDays(40)
	last = app.Date{Year: last.Year, Month: last.Month, Day: 1}.AddDays(-1)
	days, err := s.svc.Availability(c.UserContext(), pkg.ID, first, last)
	if err != nil {
		return err
	}
	free := map[app.Date][]app.Slot{}
	for _, d := range days {
		if len(d.Slots) > 0 {
			free[d.Date] = d.Slots
		}
	}
	if selected == (app.Date{}) || selected.Month != first.Month || selected.Year != first.Year {
		selected = app.Date{}
		for _, d := range days { // the first day of the month with free times
			if len(d.Slots) > 0 {
				selected = d.Date
				break
			}
		}
	}
	data := dayPage{
		layoutData: s.layout(pkg.Name + " · " + tier.Name),
		Tier:       tier, Package: pkg, Price: app.FormatMoney(pkg.PriceCents, s.svc.Config.Venue.Currency),
		Month: time.Date(first.Year, first.Month, 1, 12, 0, 0, 0, time.UTC).Format("January 2006"),
		Date:  dateString(selected), Message: message, Zone: s.svc.Config.Venue.Timezone,
	}
	if (app.Date{Year: today.Year, Month: today.Month, Day: 1}).Before(first) {
		data.PrevMonth = first.AddDays(-1).String()[:7]
	}
	if !today.AddDays(s.svc.Rules.MaxAdvance).Before(last.AddDays(1)) {
		data.NextMonth = last.AddDays(1).String()[:7]
	}
	// Weeks start on Monday.
	gridStart := first.AddDays(-((int(first.Weekday()) + 6) % 7))
	gridEnd := last.AddDays((7 - int(last.Weekday())) % 7)
	for d := gridStart; !gridEnd.Before(d); d = d.AddDays(1) {
		if d.Weekday() == time.Monday {
			data.Weeks = append(data.Weeks, nil)
		}
		w := len(data.Weeks) - 1
		data.Weeks[w] = append(data.Weeks[w], calendarDay{Date: d.String(), Day: d.Day, InMonth: d.Month == first.Month,
			Free: len(free[d]) > 0, Selected: d == selected, Today: d == today})
	}
	if selected != (app.Date{}) {
		data.DateLabel = time.Date(selected.Year, selected.Month, selected.Day, 12, 0, 0, 0, time.UTC).Format("Monday 2 January")
		for _, sl := range free[selected] {
			t := sl.Start.In(loc)
			data.Slots = append(data.Slots, timeSlot{Label: t.Format("15:04"), Zone: t.Format("MST"), Start: app.FormatInstant(sl.Start, loc), RoomsFree: sl.RoomsFree})
		}
	}
	c.Set("Cache-Control", "no-store")
	return s.render(c, status, "day", data)
}

func dateString(d app.Date) string {
	if d == (app.Date{}) {
		return ""
	}
	return d.String()
}
