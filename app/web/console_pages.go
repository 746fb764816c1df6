package web

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/store"
)

// The owner console's pages: server-rendered like the customer's, usable on
// a phone, every action a form POST carrying the session's CSRF token. They
// call the same Service functions as the console API.

type consoleData struct {
	layoutData
	Owner   string
	CSRF    string
	Section string
	Flash   string
}

func (s *Server) console(c *fiber.Ctx, title, section string) consoleData {
	sess := owner(c)
	return consoleData{layoutData: s.layout(title), Owner: sess.Email, CSRF: sess.CSRFToken, Section: section, Flash: flashText(c.Query("done"))}
}

// flashText turns a ?done= code into the confirmation shown after an action.
func flashText(code string) string {
	return map[string]string{
		"cancelled": "The booking is cancelled.", "completed": "Marked completed.", "no_show": "Marked as a no-show.",
		"resent": "The confirmation is queued to be sent again.", "blackout": "The blackout is added.",
		"unblocked": "The blackout is removed.", "permit": "The permit is decided; the guest is emailed.",
		"reissued": "A new link is on its way to the approver; earlier links no longer work.",
		"retried":  "The message is queued to be sent again.", "rotated": "The calendar address is changed; the old one no longer works.",
		"backup": "The backup is made and verified.",
	}[code]
}

func (s *Server) pageLogin(c *fiber.Ctx) error {
	data := struct {
		layoutData
		Next, Email, Problem string
	}{s.layout("Sign in"), safeNext(c.Query("next")), "", ""}
	c.Set("Cache-Control", "no-store")
	return s.render(c, fiber.StatusOK, "signin", data)
}

// safeNext keeps a post-login redirect on this site's console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/admin"
	}
	return next
}

func (s *Server) submitLogin(c *fiber.Ctx) error {
	next := safeNext(c.FormValue("next"))
	problem := ""
	if err := s.loginLimit.take(c, s.clientKey(c)); err != nil {
		var e *app.Error
		errors.As(err, &e)
		problem = "Too many attempts. Wait a minute and try again."
		if e != nil && e.RetryAfter > 0 {
			c.Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())+1))
		}
	} else {
		id, sess, err := s.svc.Login(c.UserContext(), c.FormValue("email"), c.FormValue("password"))
		if err == nil {
			s.setSessionCookie(c, id, sess.ExpiresAt)
			return c.Redirect(next, fiber.StatusSeeOther)
		}
		var e *app.Error
		if !errors.As(err, &e) {
			return err
		}
		problem = "The email or the password is wrong."
	}
	data := struct {
		layoutData
		Next, Email, Problem string
	}{s.layout("Sign in"), next, c.FormValue("email"), problem}
	status := fiber.StatusUnauthorized
	if strings.HasPrefix(problem, "Too many") {
		status = fiber.StatusTooManyRequests
	}
	return s.render(c, status, "signin", data)
}

func (s *Server) submitLogout(c *fiber.Ctx) error {
	var err error
	if c.FormValue("everywhere") == "1" {
		err = s.svc.LogoutEverywhere(c.UserContext(), owner(c))
	} else {
		err = s.svc.Logout(c.UserContext(), owner(c))
	}
	if err != nil {
		return err
	}
	s.clearSessionCookie(c)
	return c.Redirect("/admin/login", fiber.StatusSeeOther)
}

func (s *Server) pageSetup(c *fiber.Ctx) error {
	if err := s.svc.CheckSetupToken(c.UserContext(), c.Query("token")); err != nil {
		return err
	}
	data := struct {
		layoutData
		Token, Email string
		Errors       map[string]string
	}{s.layout("Create the owner account"), c.Query("token"), "", nil}
	c.Set("Cache-Control", "no-store")
	return s.render(c, fiber.StatusOK, "setup", data)
}

func (s *Server) submitSetup(c *fiber.Ctx) error {
	token := c.FormValue("token")
	_, err := s.svc.SetupFirstAdmin(c.UserContext(), token, c.FormValue("email"), c.FormValue("password"))
	if err != nil {
		var e *app.Error
		if errors.As(err, &e) && e.Code == app.CodeValidationFailed {
			data := struct {
				layoutData
				Token, Email string
				Errors       map[string]string
			}{s.layout("Create the owner account"), token, c.FormValue("email"), e.Fields}
			return s.render(c, fiber.StatusBadRequest, "setup", data)
		}
		return err
	}
	return c.Redirect("/admin/login", fiber.StatusSeeOther)
}

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
			if b.Status != "cancelled" && gap > 0 {
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
			if b.Status != "cancelled" && app.DateOf(b.Start, loc) == d {
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

func (s *Server) pageConsoleBookings(c *fiber.Ctx) error {
	loc := s.svc.Rules.Location
	today := app.DateOf(s.svc.Now(), loc)
	from, to := today.AddDays(-30), today.AddDays(90)
	if d, err := app.ParseDate(c.Query("from")); err == nil {
		from = d
	}
	if d, err := app.ParseDate(c.Query("to")); err == nil {
		to = d
	}
	bookings, err := s.svc.ListBookings(c.UserContext(), from, to, c.Query("status"), c.Query("q"))
	if err != nil {
		return err
	}
	data := struct {
		consoleData
		From, To, Status, Q string
		Bookings            []app.Booking
		Statuses            []string
	}{s.console(c, "Bookings", "bookings"), from.String(), to.String(), c.Query("status"), c.Query("q"), bookings,
		[]string{"confirmed", "completed", "no_show", "cancelled"}}
	return s.render(c, fiber.StatusOK, "admin_bookings", data)
}

func (s *Server) pageConsoleBooking(c *fiber.Ctx) error {
	b, err := s.svc.FindBookingForOwner(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	audit, err := s.svc.ListAudit(c.UserContext(), b.ID)
	if err != nil {
		return err
	}
	data := struct {
		consoleData
		B       app.Booking
		When    string
		Tier    string
		Package string
		Room    string
		Started bool
		Audit   []store.AuditEntry
	}{s.console(c, "Booking "+b.Reference, "bookings"), b, s.formatWhen(b), s.svc.TierName(b.TierID), s.svc.PackageName(b.PackageID),
		s.svc.RoomName(b.RoomID), !s.svc.Now().Before(b.Start), audit}
	return s.render(c, fiber.StatusOK, "admin_booking", data)
}

func (s *Server) submitConsoleStatus(c *fiber.Ctx) error {
	status := c.FormValue("status")
	_, err := s.svc.SetBookingStatus(c.UserContext(), c.Params("id"), status, c.FormValue("notify") == "1", owner(c).Email)
	if err != nil {
		return err
	}
	return c.Redirect("/admin/bookings/"+url.PathEscape(c.Params("id"))+"?done="+url.QueryEscape(status), fiber.StatusSeeOther)
}

func (s *Server) submitConsoleResend(c *fiber.Ctx) error {
	if _, err := s.svc.ResendConfirmation(c.UserContext(), c.Params("id"), owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/bookings/"+url.PathEscape(c.Params("id"))+"?done=resent", fiber.StatusSeeOther)
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

func (s *Server) pageConsolePermits(c *fiber.Ctx) error {
	list, err := s.svc.ListPermits(c.UserContext(), c.Query("status"))
	if err != nil {
		return err
	}
	data := struct {
		consoleData
		Permits []app.Booking
		Status  string
	}{s.console(c, "Parking permits", "permits"), list, c.Query("status")}
	return s.render(c, fiber.StatusOK, "admin_permits", data)
}

func (s *Server) submitConsolePermitDecision(c *fiber.Ctx) error {
	if _, err := s.svc.DecidePermitAsOwner(c.UserContext(), c.Params("id"), c.FormValue("decision"), c.FormValue("note"), owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/permits?done=permit", fiber.StatusSeeOther)
}

func (s *Server) submitConsolePermitResend(c *fiber.Ctx) error {
	if _, err := s.svc.ReissuePermitLink(c.UserContext(), c.Params("id"), owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/permits?done=reissued", fiber.StatusSeeOther)
}

func (s *Server) pageConsoleMail(c *fiber.Ctx) error {
	status := c.Query("status")
	var list []store.OutboxMessage
	if status == "" {
		for _, st := range []string{store.MailDead, store.MailFailed} {
			part, err := s.svc.ListOutbox(c.UserContext(), st)
			if err != nil {
				return err
			}
			list = append(list, part...)
		}
	} else {
		var err error
		if list, err = s.svc.ListOutbox(c.UserContext(), status); err != nil {
			return err
		}
	}
	data := struct {
		consoleData
		Messages []store.OutboxMessage
		Status   string
		Loc      *time.Location
	}{s.console(c, "Email", "mail"), list, status, s.svc.Rules.Location}
	return s.render(c, fiber.StatusOK, "admin_mail", data)
}

func (s *Server) submitConsoleRetry(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	if _, err := s.svc.RetryMessage(c.UserContext(), id, owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/mail?done=retried", fiber.StatusSeeOther)
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
	var rr []roomRow
	for _, r := range rooms {
		rr = append(rr, roomRow{r, fmt.Sprintf("%.0f%%", r.Occupancy*100)})
	}
	data := struct {
		consoleData
		From, To string
		Tiers    []app.TierMonth
		Rooms    []roomRow
		Currency string
	}{s.console(c, "Reports", "reports"), from.String(), to.String(), tiers, rr, s.svc.Config.Venue.Currency}
	return s.render(c, fiber.StatusOK, "admin_reports", data)
}

func (s *Server) pageConsoleAudit(c *fiber.Ctx) error {
	entries, err := s.svc.ListAudit(c.UserContext(), "")
	if err != nil {
		return err
	}
	data := struct {
		consoleData
		Entries []store.AuditEntry
		Loc     *time.Location
	}{s.console(c, "Audit log", "audit"), entries, s.svc.Rules.Location}
	return s.render(c, fiber.StatusOK, "admin_audit", data)
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

func (s *Server) pageConsoleBackups(c *fiber.Ctx) error {
	list, err := s.svc.Backups()
	if err != nil {
		return err
	}
	data := struct {
		consoleData
		Backups  []store.BackupFile
		Status   app.BackupStatus
		Schedule string
		Keep     int
		Dir      string
	}{s.console(c, "Backups", "backups"), list, s.svc.BackupStatus(), s.svc.Config.Backup.Schedule, s.svc.Config.Backup.Keep, s.svc.Config.Backup.Dir}
	return s.render(c, fiber.StatusOK, "admin_backups", data)
}

func (s *Server) submitConsoleBackup(c *fiber.Ctx) error {
	if _, err := s.svc.Backup(c.UserContext(), owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/backups?done=backup", fiber.StatusSeeOther)
}
