package web

import (
	"context"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/store"
)

// daySchedule is one local date of the venue as the front desk sees it: every
// room's bookings and blackouts, and what the day adds up to. The day API and
// the console's Day page both read it from gatherDay.
type daySchedule struct {
	Date app.Date
	// Start and End are the local date's midnights: the day is [Start, End).
	Start, End time.Time
	Rooms      []roomSchedule
	Totals     dayTotals
	// Carried are the active bookings of the day before that still run,
	// or whose cleaning gap still runs, at Start: they take room time of
	// this day but are not its bookings.
	Carried []app.Booking
}

// roomSchedule is one room's part of a daySchedule.
type roomSchedule struct {
	ID, Name string
	// Bookings start on the date, in start order; cancelled ones included.
	Bookings []app.Booking
	// Blackouts overlap the date and close this room (or every room).
	Blackouts []store.Blackout
}

// dayTotals is what a set of bookings adds up to at the front desk.
type dayTotals struct {
	Bookings int // not cancelled
	Guests   int // of the bookings counted
	// ToCollectCents sums the prices of the confirmed and completed
	// bookings: the money to take at the venue.
	ToCollectCents int64
}

// totalsOf adds up bookings: cancelled ones count for nothing, and only the
// confirmed and completed ones have money to collect (a no-show's is not).
func totalsOf(bookings []app.Booking) dayTotals {
	var t dayTotals
	for _, b := range bookings {
		t.add(b.Status, b.Guests, b.PriceCents)
	}
	return t
}

// add counts one booking in t.
func (t *dayTotals) add(status string, guests int, priceCents int64) {
	if status == store.StatusCancelled {
		return
	}
	t.Bookings++
	t.Guests += guests
	if status == store.StatusConfirmed || status == store.StatusCompleted {
		t.ToCollectCents += priceCents
	}
}

// gatherDay reads the schedule of local date d: each configured room in
// config order (also those with nothing on), then any room no longer
// configured that still has a booking that day, so that no booking is left
// out of the day.
func (s *Server) gatherDay(ctx context.Context, d app.Date) (daySchedule, error) {
	start, end := s.svc.DateWindow(d, d)
	day := daySchedule{Date: d, Start: start, End: end}
	// The day before too: its bookings that run past midnight hold rooms.
	bookings, err := s.svc.ListBookings(ctx, d.AddDays(-1), d, "", "")
	if err != nil {
		return daySchedule{}, err
	}
	// Every blackout still running at the day's start, of which those that
	// begin before its end overlap it. (Service.ListBlackouts lists only those
	// not yet over, which would leave a past day without its blackouts.)
	blackouts, err := s.svc.Store.ListBlackouts(ctx, start)
	if err != nil {
		return daySchedule{}, err
	}
	var ofDay []app.Booking
	for _, b := range bookings {
		switch {
		case !b.Start.Before(start):
			ofDay = append(ofDay, b)
		case b.End.Add(s.svc.Rules.Gap).After(start) && b.Status != store.StatusCancelled:
			day.Carried = append(day.Carried, b)
		}
	}
	room := func(id, name string) roomSchedule {
		rs := roomSchedule{ID: id, Name: name, Bookings: []app.Booking{}, Blackouts: []store.Blackout{}}
		for _, b := range ofDay {
			if b.RoomID == id {
				rs.Bookings = append(rs.Bookings, b)
			}
		}
		for _, bo := range blackouts {
			if (bo.Room == "" || bo.Room == id) && bo.Start.Before(end) && bo.End.After(start) {
				rs.Blackouts = append(rs.Blackouts, bo)
			}
		}
		return rs
	}
	configured := make([]string, 0, len(s.svc.Config.Rooms))
	for _, r := range s.svc.Config.Rooms {
		day.Rooms = append(day.Rooms, room(r.ID, r.Name))
		configured = append(configured, r.ID)
	}
	for _, b := range ofDay {
		if !slices.Contains(configured, b.RoomID) {
			day.Rooms = append(day.Rooms, room(b.RoomID, s.svc.RoomName(b.RoomID)))
			configured = append(configured, b.RoomID)
		}
	}
	day.Totals = totalsOf(ofDay)
	return day, nil
}

// parseDayDate reads the date of a day request: a local date YYYY-MM-DD, of
// the years ParseDate takes everywhere else (0000 to 9999).
func parseDayDate(text string) (app.Date, error) {
	if text == "" {
		return app.Date{}, app.ErrorWith(app.CodeValidationFailed, app.M("errors.request.date_required"),
			map[string]app.Msg{"date": app.M("errors.field.date_required")})
	}
	d, err := app.ParseDate(text)
	if err != nil {
		return app.Date{}, app.ErrorWith(app.CodeValidationFailed, app.M("errors.request.date_invalid", "Problem", clipped{app.MsgOf(err)}),
			map[string]app.Msg{"date": app.M("errors.field.date_range")})
	}
	return d, nil
}

type dayScheduleJSON struct {
	Date   string        `json:"date"`
	Rooms  []dayRoomJSON `json:"rooms"`
	Totals dayTotalsJSON `json:"totals"`
}

type dayRoomJSON struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Bookings  []bookingJSON     `json:"bookings"`
	Blackouts []dayBlackoutJSON `json:"blackouts"`
}

// dayBlackoutJSON is a blackout within a room of the day: the blackout API's
// fields but the room, which the enclosing room says.
type dayBlackoutJSON struct {
	ID     int64  `json:"id"`
	Start  string `json:"start"`
	End    string `json:"end"`
	Reason string `json:"reason"`
}

type dayTotalsJSON struct {
	Bookings       int   `json:"bookings"`
	Guests         int   `json:"guests"`
	ToCollectCents int64 `json:"to_collect_cents"`
}

// apiAdminDay answers GET /api/admin/day?date=YYYY-MM-DD: the day's bookings
// and blackouts by room, and its totals (README "The owner's console").
func (s *Server) apiAdminDay(c *fiber.Ctx) error {
	d, err := parseDayDate(c.Query("date"))
	if err != nil {
		return err
	}
	day, err := s.gatherDay(c.UserContext(), d)
	if err != nil {
		return err
	}
	out := dayScheduleJSON{Date: d.String(), Rooms: make([]dayRoomJSON, 0, len(day.Rooms)),
		Totals: dayTotalsJSON(day.Totals)}
	for _, r := range day.Rooms {
		rj := dayRoomJSON{ID: r.ID, Name: r.Name, Bookings: s.bookingList(r.Bookings), Blackouts: make([]dayBlackoutJSON, len(r.Blackouts))}
		for i, bo := range r.Blackouts {
			j := s.blackoutJSON(bo)
			rj.Blackouts[i] = dayBlackoutJSON{ID: j.ID, Start: j.Start, End: j.End, Reason: j.Reason}
		}
		out.Rooms = append(out.Rooms, rj)
	}
	return c.JSON(out)
}
