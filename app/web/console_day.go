package web

import (
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/store"
)

// timelineBlock is a booking or a cleaning gap in a room's day.
type timelineBlock struct {
	From, To string
	Kind     string // booking, cleaning, blackout
	Booking  app.Booking
	Label    string
}

type roomDay struct {
	Room   string
	Blocks []timelineBlock
}

type dayCount struct {
	Date, Label string
	Bookings    int
	Guests      int
}

// pageConsoleDay is the front desk's view: one day's bookings per room as a
// timeline, cleaning gaps and blackouts shown, and the coming days at a glance.
func (s *Server) pageConsoleDay(c *fiber.Ctx) error {
	loc := s.svc.Rules.Location
	today := app.DateOf(s.svc.Now(), loc)
	day := today
	if d, err := app.ParseDate(c.Query("date")); err == nil {
		day = d
	}
	bookings, err := s.svc.ListBookings(c.UserContext(), day, day.AddDays(7), "", "")
	if err != nil {
		return err
	}
	blackouts, err := s.svc.ListBlackouts(c.UserContext())
	if err != nil {
		return err
	}
	gap := s.svc.Rules.Gap
	var rooms []roomDay
	for _, r := range s.svc.Config.Rooms {
		rd := roomDay{Room: r.Name}
		dayStart, dayEnd := s.svc.DateWindow(day, day)
		for _, bo := range blackouts {
			if (bo.Room == "" || bo.Room == r.ID) && bo.Start.Before(dayEnd) && bo.End.After(dayStart) {
				rd.Blocks = append(rd.Blocks, timelineBlock{From: clock(bo.Start, loc), To: clock(bo.End, loc), Kind: "blackout", Label: firstNonEmpty(bo.Reason, "Blackout")})
			}
		}
		for _, b := range bookings {
			if b.RoomID != r.ID || app.DateOf(b.Start, loc) != day {
				continue
			}
			rd.Blocks = append(rd.Blocks, timelineBlock{From: clock(b.Start, loc), To: clock(b.End, loc), Kind: "booking", Booking: b})
			if b.Status != store.StatusCancelled && gap > 0 {
				rd.Blocks = append(rd.Blocks, timelineBlock{From: clock(b.End, loc), To: clock(b.End.Add(gap), loc), Kind: "cleaning", Label: "Cleaning"})
			}
		}
		sort.SliceStable(rd.Blocks, func(i, j int) bool { return rd.Blocks[i].From < rd.Blocks[j].From })
		rooms = append(rooms, rd)
	}
	var coming []dayCount
	for i := 1; i <= 7; i++ {
		d := day.AddDays(i)
		dc := dayCount{Date: d.String(), Label: time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Format("Mon 2 Jan")}
		for _, b := range bookings {
			if b.Status != store.StatusCancelled && app.DateOf(b.Start, loc) == d {
				dc.Bookings++
				dc.Guests += b.Guests
			}
		}
		coming = append(coming, dc)
	}
	data := struct {
		consoleData
		Date, Label, Prev, Next string
		IsToday                 bool
		Rooms                   []roomDay
		Coming                  []dayCount
	}{s.console(c, "Today", "day"), day.String(), time.Date(day.Year, day.Month, day.Day, 12, 0, 0, 0, time.UTC).Format("Monday 2 January 2006"),
		day.AddDays(-1).String(), day.AddDays(1).String(), day == today, rooms, coming}
	return s.render(c, fiber.StatusOK, "admin_day", data)
}

func clock(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04") }
