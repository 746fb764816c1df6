package web

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/app/l10n"
)

// The day page (/book/{package}): a month calendar with each day's state,
// and the chosen day's free start times — or why it has none, with the next
// free dates as links. Without a month or a date asked for, it opens on the
// first date with free times. Every link works without JavaScript; app.js
// only replaces #picker in place.

// groupTimesOver is how many times a day may offer before they are grouped
// under Morning, Afternoon and Evening.
const groupTimesOver = 8

// suggestedDates is how many next free dates a day without times offers.
const suggestedDates = 3

// calendarDay is one cell of the month grid.
type calendarDay struct {
	Date     string
	Day      int
	InMonth  bool
	Link     bool   // today and later days are links; past ones are not
	State    string // app.DayState, or "past"
	Label    string // what a screen reader says: "Thursday 3 December, free times"
	Selected bool
	Today    bool
}

type timeSlot struct {
	Label, Zone, Start string
	RoomsFree          int
}

// slotGroup is the times of one part of the day; Name is "" when the day has
// few enough times to show in one list.
type slotGroup struct {
	Name, ID string
	Slots    []timeSlot
}

// nextDate is a date with free times offered instead of one without.
type nextDate struct {
	Date  string // as ?date= carries it
	Label string // "Sunday 27 December"
	From  string // its first free time, "09:00"
}

type dayPage struct {
	layoutData
	Tier      *app.Tier
	Package   *app.Package
	Price     string
	Month     string // "December 2026"
	PrevMonth string // "2026-11", "" when not bookable
	NextMonth string
	Weeks     [][]calendarDay
	Closures  []string // this month's closures, "Closed 25–26 December: Christmas."
	Closed    string   // the weekdays without hours, "Closed on Mondays."

	Date      string // the selected date, "" when none
	DateLabel string // "Thursday 3 December"
	DateLong  string // "Thursday 3 December 2026"
	State     string // the selected date's app.DayState
	Why       string // why it has no times: "Closed — Christmas", "Fully booked", …
	WhyDetail string // more words on it: "Bookings open 90 days ahead."
	Empty     string // the heading when no date is selected: "No free times in December"

	Groups    []slotGroup
	ZoneNote  string // "Times are UK time (GMT)."
	ClockNote string // on a day the clocks change
	MarkZones bool   // each time shows its zone (a clock-change day)

	Next      []nextDate
	NextLabel string // "Next free dates", "Earliest free dates"
	Phone     string // how to reach the venue when nothing is free
	PhoneURL  template.URL
	Email     string

	Message string

	// DayBase starts the links to other days and months ("/book/{package}?",
	// or the move picker's), SlotBase those of the times.
	DayBase, SlotBase string
	// Moving is the booking being moved, when the page is its picker.
	Moving *movingBooking
}

// movingBooking is what the move picker says of the booking it moves.
type movingBooking struct {
	Reference, When, Price, Back string
}

// pickFor is how a day page links on: to the booking flow, or, when Moving
// is set, to a booking's move.
type pickFor struct {
	DayBase, SlotBase string
	Moving            *movingBooking
}

// pageDay shows a month calendar with each day's state, and the free start
// times of the selected day or why it has none.
func (s *Server) pageDay(c *fiber.Ctx) error {
	return s.renderDay(c, fiber.StatusOK, c.Params("package"), c.Query("date"), c.Query("month"), "")
}

func (s *Server) renderDay(c *fiber.Ctx, status int, pkgID, dateText, monthText, message string) error {
	base := "/book/" + pkgID
	return s.renderPicker(c, status, pkgID, dateText, monthText, message, pickFor{DayBase: base + "?", SlotBase: base + "/details?"})
}

// renderPicker is the day page of package pkgID, linking on as pick says.
func (s *Server) renderPicker(c *fiber.Ctx, status int, pkgID, dateText, monthText, message string, pick pickFor) error {
	tier, pkg, ok := s.svc.Config.FindPackage(pkgID)
	if !ok {
		return app.NewError(app.CodeNotFound, "errors.booking.no_experience")
	}
	ctx := c.UserContext()
	cfg := s.svc.Config
	loc := s.svc.Rules.Location
	today := app.DateOf(s.svc.Now(), loc)
	selected, err := app.ParseDate(dateText)
	if err != nil {
		selected = app.Date{}
	}
	month, err := app.ParseDate(monthText + "-01")
	switch {
	case monthText != "" && err == nil:
	case selected != app.Date{}:
		month = selected
	default:
		// Neither asked for: the first month with free times, its first free date chosen.
		month = today
		next, err := s.svc.NextAvailable(ctx, pkg.ID, today, 1)
		if err != nil {
			return err
		}
		if len(next) > 0 {
			selected = app.DateOf(next[0].Start, loc)
			month = selected
		}
	}
	first := app.Date{Year: month.Year, Month: month.Month, Day: 1}
	last := first.AddDays(40)
	last = app.Date{Year: last.Year, Month: last.Month, Day: 1}.AddDays(-1)
	days, err := s.svc.Availability(ctx, pkg.ID, first, last)
	if err != nil {
		return err
	}
	byDate := make(map[app.Date]app.DaySlots, len(days))
	for _, d := range days {
		byDate[d.Date] = d
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
	lastBookable := today.AddDays(s.svc.Rules.MaxAdvance)
	data := dayPage{
		layoutData: s.layout(c, pkg.Name+" · "+tier.Name),
		Tier:       tier, Package: pkg, Price: app.FormatMoney(pkg.PriceCents, cfg.Venue.Currency),
		Month:   civil(first).Format("January 2006"),
		Date:    dateString(selected),
		Message: message, Phone: cfg.Venue.Phone, PhoneURL: telURL(cfg.Venue.Phone), Email: cfg.Venue.Email,
		Closures: s.monthClosures(first, last), Closed: closedWeekdays(cfg.Venue.Week),
		DayBase: pick.DayBase, SlotBase: pick.SlotBase, Moving: pick.Moving,
	}
	if (app.Date{Year: today.Year, Month: today.Month, Day: 1}).Before(first) {
		data.PrevMonth = first.AddDays(-1).String()[:7]
	}
	if !lastBookable.Before(last.AddDays(1)) {
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
		cell := calendarDay{Date: d.String(), Day: d.Day, InMonth: d.Month == first.Month,
			Link: !d.Before(today), State: string(byDate[d].State), Selected: d == selected, Today: d == today}
		if d.Before(today) {
			cell.State = "past"
		}
		cell.Label = civil(d).Format("Monday 2 January") + ", " + s.stateWords(byDate[d], today, lastBookable)
		if cell.Today {
			cell.Label += ", today"
		}
		data.Weeks[w] = append(data.Weeks[w], cell)
	}

	zoneAt := civil(today) // what the zone is called in: the day shown, or today
	switch day := byDate[selected]; {
	case selected == (app.Date{}):
		data.Empty = "No free times in " + civil(first).Format("January")
		after := last.AddDays(1)
		if last.Before(today) {
			after = today
		}
		if err := s.suggest(ctx, &data, pkg.ID, after, today); err != nil {
			return err
		}
	case len(day.Slots) > 0:
		data.State = string(day.State)
		s.dayTimes(&data, day)
		zoneAt = day.Slots[0].Start
	default:
		data.State = string(day.State)
		data.Why, data.WhyDetail = s.whyNoTimes(day, today, lastBookable)
		if err := s.suggest(ctx, &data, pkg.ID, selected.AddDays(1), today); err != nil {
			return err
		}
		zoneAt = selected.At(12*60, loc)
	}
	if selected != (app.Date{}) {
		data.DateLabel = civil(selected).Format("Monday 2 January")
		data.DateLong = civil(selected).Format("Monday 2 January 2006")
	}
	if !data.MarkZones {
		data.ZoneNote = zoneNote(data.Lang, cfg.Venue.Timezone, zoneAt.In(loc).Format("MST"))
	} else {
		data.ZoneNote = zoneNote(data.Lang, cfg.Venue.Timezone, "")
	}
	c.Set("Cache-Control", "no-store")
	return s.render(c, status, "day", data)
}

// dayTimes fills in the free times of day: grouped by part of the day when
// there are many, and each marked with its zone on a day the clocks change.
func (s *Server) dayTimes(data *dayPage, day app.DaySlots) {
	loc := s.svc.Rules.Location
	var zones []string
	for _, sl := range day.Slots {
		if z := sl.Start.In(loc).Format("MST"); len(zones) == 0 || zones[len(zones)-1] != z {
			zones = append(zones, z)
		}
	}
	if len(zones) > 1 {
		data.MarkZones = true
		data.ClockNote = fmt.Sprintf("The clocks change on this day (from %s to %s), so each time shows which it is in.", zones[0], zones[len(zones)-1])
	}
	grouped := len(day.Slots) > groupTimesOver
	for _, sl := range day.Slots {
		t := sl.Start.In(loc)
		name, id := "", "all"
		if grouped {
			switch h := t.Hour(); {
			case h < 12:
				name, id = "Morning", "morning"
			case h < 17:
				name, id = "Afternoon", "afternoon"
			default:
				name, id = "Evening", "evening"
			}
		}
		if n := len(data.Groups); n == 0 || data.Groups[n-1].ID != id {
			data.Groups = append(data.Groups, slotGroup{Name: name, ID: id})
		}
		g := &data.Groups[len(data.Groups)-1]
		g.Slots = append(g.Slots, timeSlot{Label: t.Format("15:04"), Zone: t.Format("MST"), Start: app.FormatInstant(sl.Start, loc), RoomsFree: sl.RoomsFree})
	}
}

// suggest offers the next dates with free times from after on; when there are
// none after it, the earliest from today.
func (s *Server) suggest(ctx context.Context, data *dayPage, pkgID string, after, today app.Date) error {
	loc := s.svc.Rules.Location
	next, err := s.svc.NextAvailable(ctx, pkgID, after, suggestedDates)
	if err != nil {
		return err
	}
	data.NextLabel = "Next free dates"
	if len(next) == 0 && today.Before(after) {
		if next, err = s.svc.NextAvailable(ctx, pkgID, today, suggestedDates); err != nil {
			return err
		}
		data.NextLabel = "Earliest free dates"
	}
	for _, sl := range next {
		d := app.DateOf(sl.Start, loc)
		data.Next = append(data.Next, nextDate{Date: d.String(), Label: civil(d).Format("Monday 2 January"), From: sl.Start.In(loc).Format("15:04")})
	}
	return nil
}

// whyNoTimes says, in words for the customer, why day has no times.
func (s *Server) whyNoTimes(day app.DaySlots, today, lastBookable app.Date) (why, detail string) {
	r := s.svc.Rules
	switch day.State {
	case app.DayFull:
		return "Fully booked", "Every time on this day is taken."
	case app.DayClosed:
		switch {
		case day.Reason != "":
			return "Closed — " + day.Reason, ""
		case r.Closed(day.Date):
			return "Closed", ""
		case len(r.Week[day.Date.Weekday()]) == 0:
			return "Closed on " + day.Date.Weekday().String() + "s", ""
		default:
			return "No times for this experience on " + day.Date.Weekday().String() + "s", "It lasts longer than the opening hours of that day."
		}
	case app.DayUnavailable:
		switch {
		case day.Date.Before(today):
			return "Not bookable any more", "This day has passed."
		case lastBookable.Before(day.Date):
			return "Not bookable yet", fmt.Sprintf("Bookings open %s ahead.", plural(r.MaxAdvance, "day"))
		case r.MinNotice > 0:
			return "Too late to book online", fmt.Sprintf("Online bookings close %s before the start.", noticeWords(r.MinNotice))
		default:
			return "Too late to book online", "The day's last time has passed."
		}
	}
	return "No free times", ""
}

// stateWords is a calendar day's state as a screen reader says it.
func (s *Server) stateWords(day app.DaySlots, today, lastBookable app.Date) string {
	switch {
	case day.Date.Before(today):
		return "past"
	case day.State == app.DayAvailable:
		return "free times"
	case day.State == app.DayFull:
		return "fully booked"
	case day.State == app.DayClosed && day.Reason != "":
		return "closed: " + day.Reason
	case day.State == app.DayClosed:
		return "closed"
	case lastBookable.Before(day.Date):
		return "not bookable yet"
	default:
		return "too late to book online"
	}
}

// monthClosures lists the closures that touch first..last, in words.
func (s *Server) monthClosures(first, last app.Date) []string {
	var out []string
	for _, cl := range s.svc.Rules.Closures {
		if cl.To.Before(first) || last.Before(cl.From) {
			continue
		}
		when := civil(cl.From).Format("2 January")
		switch {
		case cl.From == cl.To:
		case cl.From.Month == cl.To.Month && cl.From.Year == cl.To.Year:
			when = fmt.Sprintf("%d–%s", cl.From.Day, civil(cl.To).Format("2 January"))
		default:
			when += " – " + civil(cl.To).Format("2 January")
		}
		line := "Closed " + when
		if cl.Reason != "" {
			line += ": " + cl.Reason
		}
		out = append(out, line+".")
	}
	return out
}

// closedWeekdays names the weekdays without opening hours: "Closed on Mondays
// and Tuesdays."; "" when there are none, or no day is open at all.
func closedWeekdays(week [7][]app.DayRange) string {
	var names []string
	for i := 1; i <= 7; i++ { // Monday first
		if wd := time.Weekday(i % 7); len(week[wd]) == 0 {
			names = append(names, wd.String()+"s")
		}
	}
	switch len(names) {
	case 0, 7:
		return ""
	case 1:
		return "Closed on " + names[0] + "."
	default:
		return "Closed on " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + "."
	}
}

// zoneNote names the venue's time zone once, in words: "Times are UK time
// (GMT)." for Europe/London, "Times are Berlin time (CET)." for
// Europe/Berlin: the zone's city, and abbr (the zone's abbreviation on the day
// shown, "" to leave it out; one Go writes as an offset reads "UTC+03").
func zoneNote(l *l10n.Lang, zone, abbr string) string {
	if abbr != "" && (abbr[0] == '+' || abbr[0] == '-') {
		abbr = "UTC" + abbr
	}
	words := zoneWords(l, zone)
	switch {
	case words == "UTC":
		return "Times are UTC."
	case words == "" && abbr != "":
		return fmt.Sprintf("Times are in the venue's time zone, %s (%s).", zone, abbr)
	case words == "":
		return fmt.Sprintf("Times are in the venue's time zone, %s.", zone)
	case abbr != "":
		return fmt.Sprintf("Times are %s (%s).", words, abbr)
	default:
		return fmt.Sprintf("Times are %s.", words)
	}
}

// zoneWords is app.ZoneInWords: the pages and the emails name the zone alike.
func zoneWords(l *l10n.Lang, zone string) string { return app.ZoneInWords(l, zone) }

// noticeWords writes the minimum notice as people say it: "2 hours", "90 minutes", "2 days".
func noticeWords(d time.Duration) string {
	switch m := int(d / time.Minute); {
	case m%(24*60) == 0:
		return plural(m/(24*60), "day")
	case m%60 == 0:
		return plural(m/60, "hour")
	default:
		return plural(m, "minute")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// telURL is app.TelURL as a URL the templates link to ("+44 (0)20 …"
// dials +4420…).
func telURL(phone string) template.URL { return template.URL(app.TelURL(phone)) }

// civil is noon of d in UTC, for formatting a date's names.
func civil(d app.Date) time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC) }

func dateString(d app.Date) string {
	if d == (app.Date{}) {
		return ""
	}
	return d.String()
}
