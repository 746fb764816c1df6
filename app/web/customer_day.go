package web

import (
	"context"
	"html/template"
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
	// Weekdays are the calendar's column heads, Monday first.
	Weekdays []weekdayHead

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
	l := s.lang(c)
	data := dayPage{
		layoutData: s.layout(c, pkg.Name+" · "+tier.Name),
		Tier:       tier, Package: pkg, Price: l.Money(pkg.PriceCents, cfg.Venue.Currency),
		Month:   l.Format(civil(first), l10n.MonthYear),
		Date:    dateString(selected),
		Message: message, Phone: cfg.Venue.Phone, PhoneURL: telURL(cfg.Venue.Phone), Email: cfg.Venue.Email,
		Closures: s.monthClosures(l, first, last), Closed: closedWeekdays(l, cfg.Venue.Week),
		DayBase: pick.DayBase, SlotBase: pick.SlotBase, Moving: pick.Moving,
		Weekdays: weekdayHeads(l),
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
		cellID := "day.cell"
		if cell.Today {
			cellID = "day.cell_today"
		}
		cell.Label = l.T(cellID, "Date", l.Format(civil(d), l10n.DateDayMonth), "State", s.stateWords(l, byDate[d], today, lastBookable))
		data.Weeks[w] = append(data.Weeks[w], cell)
	}

	zoneAt := civil(today) // what the zone is called in: the day shown, or today
	switch day := byDate[selected]; {
	case selected == (app.Date{}):
		data.Empty = l.T("day.empty", "Month", l.Format(civil(first), l10n.MonthOnly))
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
		data.Why, data.WhyDetail = s.whyNoTimes(l, day, today, lastBookable)
		if err := s.suggest(ctx, &data, pkg.ID, selected.AddDays(1), today); err != nil {
			return err
		}
		zoneAt = selected.At(12*60, loc)
	}
	if selected != (app.Date{}) {
		data.DateLabel = l.Format(civil(selected), l10n.DateDayMonth)
		data.DateLong = l.Format(civil(selected), l10n.DateFull)
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
	loc, l := s.svc.Rules.Location, data.Lang
	var zones []string
	for _, sl := range day.Slots {
		if z := sl.Start.In(loc).Format("MST"); len(zones) == 0 || zones[len(zones)-1] != z {
			zones = append(zones, z)
		}
	}
	if len(zones) > 1 {
		data.MarkZones = true
		data.ClockNote = l.T("day.clock_note", "From", zones[0], "To", zones[len(zones)-1])
	}
	grouped := len(day.Slots) > groupTimesOver
	for _, sl := range day.Slots {
		t := sl.Start.In(loc)
		name, id := "", "all"
		if grouped {
			switch h := t.Hour(); {
			case h < 12:
				id = "morning"
			case h < 17:
				id = "afternoon"
			default:
				id = "evening"
			}
			name = l.T("day." + id)
		}
		if n := len(data.Groups); n == 0 || data.Groups[n-1].ID != id {
			data.Groups = append(data.Groups, slotGroup{Name: name, ID: id})
		}
		g := &data.Groups[len(data.Groups)-1]
		g.Slots = append(g.Slots, timeSlot{Label: l.Clock(t), Zone: t.Format("MST"), Start: app.FormatInstant(sl.Start, loc), RoomsFree: sl.RoomsFree})
	}
}

// suggest offers the next dates with free times from after on; when there are
// none after it, the earliest from today.
func (s *Server) suggest(ctx context.Context, data *dayPage, pkgID string, after, today app.Date) error {
	loc, l := s.svc.Rules.Location, data.Lang
	next, err := s.svc.NextAvailable(ctx, pkgID, after, suggestedDates)
	if err != nil {
		return err
	}
	data.NextLabel = l.T("day.next_dates")
	if len(next) == 0 && today.Before(after) {
		if next, err = s.svc.NextAvailable(ctx, pkgID, today, suggestedDates); err != nil {
			return err
		}
		data.NextLabel = l.T("day.earliest_dates")
	}
	for _, sl := range next {
		d := app.DateOf(sl.Start, loc)
		data.Next = append(data.Next, nextDate{Date: d.String(), Label: l.Format(civil(d), l10n.DateDayMonth), From: l.Clock(sl.Start.In(loc))})
	}
	return nil
}

// whyNoTimes says, in words for the customer, why day has no times.
func (s *Server) whyNoTimes(l *l10n.Lang, day app.DaySlots, today, lastBookable app.Date) (why, detail string) {
	r := s.svc.Rules
	switch day.State {
	case app.DayFull:
		return l.T("day.why_full"), l.T("day.why_full_detail")
	case app.DayClosed:
		switch {
		case day.Reason != "":
			return l.T("day.why_closed_reason", "Reason", day.Reason), ""
		case r.Closed(day.Date):
			return l.T("day.why_closed"), ""
		case len(r.Week[day.Date.Weekday()]) == 0:
			return l.T("day.why_closed_weekday", "Days", everyWeekday(l, day.Date.Weekday())), ""
		default:
			return l.T("day.why_too_long", "Days", everyWeekday(l, day.Date.Weekday())), l.T("day.why_too_long_detail")
		}
	case app.DayUnavailable:
		switch {
		case day.Date.Before(today):
			return l.T("day.why_past"), l.T("day.why_past_detail")
		case lastBookable.Before(day.Date):
			return l.T("day.why_not_yet"), l.T("day.why_not_yet_detail", "Period", l.N("words.days", r.MaxAdvance))
		case r.MinNotice > 0:
			return l.T("day.why_too_late"), l.T("day.why_notice_detail", "Period", noticeWords(l, r.MinNotice))
		default:
			return l.T("day.why_too_late"), l.T("day.why_last_passed")
		}
	}
	return l.T("day.why_none"), ""
}

// stateWords is a calendar day's state as a screen reader says it.
func (s *Server) stateWords(l *l10n.Lang, day app.DaySlots, today, lastBookable app.Date) string {
	switch {
	case day.Date.Before(today):
		return l.T("day.state_past")
	case day.State == app.DayAvailable:
		return l.T("day.state_free")
	case day.State == app.DayFull:
		return l.T("day.state_full")
	case day.State == app.DayClosed && day.Reason != "":
		return l.T("day.state_closed_reason", "Reason", day.Reason)
	case day.State == app.DayClosed:
		return l.T("day.state_closed")
	case lastBookable.Before(day.Date):
		return l.T("day.state_not_yet")
	default:
		return l.T("day.state_too_late")
	}
}

// monthClosures lists the closures that touch first..last, in words:
// "Closed 25–26 December: Christmas."
func (s *Server) monthClosures(l *l10n.Lang, first, last app.Date) []string {
	var out []string
	for _, cl := range s.svc.Rules.Closures {
		if cl.To.Before(first) || last.Before(cl.From) {
			continue
		}
		var when string
		switch {
		case cl.From == cl.To:
			when = l.T("day.closure_date", "Date", l.Format(civil(cl.From), l10n.DayMonth))
		case cl.From.Month == cl.To.Month && cl.From.Year == cl.To.Year:
			when = l.T("day.closure_days", "From", cl.From.Day, "To", l.Format(civil(cl.To), l10n.DayMonth))
		default:
			when = l.T("day.closure_span", "From", l.Format(civil(cl.From), l10n.DayMonth), "To", l.Format(civil(cl.To), l10n.DayMonth))
		}
		if cl.Reason != "" {
			out = append(out, l.T("day.closure_reason", "When", when, "Reason", cl.Reason))
		} else {
			out = append(out, l.T("day.closure", "When", when))
		}
	}
	return out
}

// everyWeekdayID are the words.* messages of a weekday every week ("Mondays").
var everyWeekdayID = [7]string{"words.sundays", "words.mondays", "words.tuesdays", "words.wednesdays", "words.thursdays", "words.fridays", "words.saturdays"}

// everyWeekday is wd every week, as "Closed on …" says it: "Mondays".
func everyWeekday(l *l10n.Lang, wd time.Weekday) string { return l.T(everyWeekdayID[wd]) }

// listOf joins items as the language writes a list: "Mondays, Tuesdays and Wednesdays".
func listOf(l *l10n.Lang, items []string) string {
	if len(items) == 0 {
		return ""
	}
	list := items[0]
	for i := 1; i < len(items); i++ {
		if i == len(items)-1 {
			list = l.T("words.list_two", "List", list, "Last", items[i])
		} else {
			list = l.T("words.list_more", "List", list, "Next", items[i])
		}
	}
	return list
}

// closedWeekdays names the weekdays without opening hours: "Closed on Mondays
// and Tuesdays."; "" when there are none, or no day is open at all.
func closedWeekdays(l *l10n.Lang, week [7][]app.DayRange) string {
	var names []string
	for i := 1; i <= 7; i++ { // Monday first
		if wd := time.Weekday(i % 7); len(week[wd]) == 0 {
			names = append(names, everyWeekday(l, wd))
		}
	}
	if len(names) == 0 || len(names) == 7 {
		return ""
	}
	return l.N("day.closed_weekdays", len(names), "Days", listOf(l, names))
}

// weekdayHead is a column head of the month's calendar: "Mo", its full name
// for screen readers ("Monday").
type weekdayHead struct{ Short, Full string }

var weekdayHeadID = [7]string{"day.wd_mon", "day.wd_tue", "day.wd_wed", "day.wd_thu", "day.wd_fri", "day.wd_sat", "day.wd_sun"}

// weekdayHeads are the calendar's column heads, Monday first.
func weekdayHeads(l *l10n.Lang) []weekdayHead {
	out := make([]weekdayHead, 7)
	monday := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = weekdayHead{Short: l.T(weekdayHeadID[i]), Full: l.Format(monday.AddDate(0, 0, i), "EEEE")}
	}
	return out
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
	case words == l.T("zone.utc"):
		return l.T("day.zone_utc")
	case words == "" && abbr != "":
		return l.T("day.zone_named_abbr", "Zone", zone, "Abbr", abbr)
	case words == "":
		return l.T("day.zone_named", "Zone", zone)
	case abbr != "":
		return l.T("day.zone_words_abbr", "Words", words, "Abbr", abbr)
	default:
		return l.T("day.zone_words", "Words", words)
	}
}

// zoneWords is app.ZoneInWords: the pages and the emails name the zone alike.
func zoneWords(l *l10n.Lang, zone string) string { return app.ZoneInWords(l, zone) }

// noticeWords writes the minimum notice as people say it: "2 hours", "90 minutes", "2 days".
func noticeWords(l *l10n.Lang, d time.Duration) string {
	switch m := int(d / time.Minute); {
	case m%(24*60) == 0:
		return l.N("words.days", m/(24*60))
	case m%60 == 0:
		return l.N("words.hours", m/60)
	default:
		return l.N("words.minutes", m)
	}
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
