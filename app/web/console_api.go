package web

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/store"
)

// The owner console's JSON API (API.md "Owner console API"). Every route but
// login needs a session cookie; every POST/PUT/DELETE also the X-CSRF-Token
// header (requireOwner checks both).

const sessionLocal = "session"

// sessionCookieName is __Host- prefixed on https, as OWASP advises.
func (s *Server) sessionCookieName() string {
	if s.https() {
		return "__Host-vb_session"
	}
	return "vb_session"
}

func (s *Server) https() bool { return strings.HasPrefix(s.svc.Config.Server.BaseURL, "https://") }

func (s *Server) setSessionCookie(c *fiber.Ctx, id string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: s.sessionCookieName(), Value: id, Path: "/", HTTPOnly: true, Secure: s.https(),
		SameSite: "Lax", Expires: expires})
}

func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: s.sessionCookieName(), Value: "", Path: "/", HTTPOnly: true, Secure: s.https(),
		SameSite: "Lax", Expires: time.Unix(1, 0), MaxAge: -1})
}

// requireOwner lets a request through only with a live session, and a
// state-changing one only with the session's CSRF token (X-CSRF-Token for the
// API, the csrf form field for console pages).
func (s *Server) requireOwner(c *fiber.Ctx) error {
	sess, err := s.svc.Authenticate(c.UserContext(), c.Cookies(s.sessionCookieName()))
	if err != nil {
		if s.wantsPage(c, true) && c.Method() == fiber.MethodGet {
			return c.Redirect("/admin/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
		}
		return err
	}
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead:
	default:
		token := c.Get("X-CSRF-Token")
		if token == "" && s.wantsPage(c, true) {
			token = c.FormValue("csrf")
		}
		if !app.ValidCSRF(sess, token) {
			return app.Errorf(app.CodeForbidden, "missing or wrong CSRF token: send the X-CSRF-Token header given at sign-in")
		}
	}
	c.Locals(sessionLocal, sess)
	c.Set("Cache-Control", "no-store")
	return c.Next()
}

func owner(c *fiber.Ctx) store.Session {
	sess, _ := c.Locals(sessionLocal).(store.Session)
	return sess
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Server) apiLogin(c *fiber.Ctx) error {
	if err := s.loginLimit.take(c, s.clientKey(c)); err != nil {
		return err
	}
	var req loginRequest
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	id, sess, err := s.svc.Login(c.UserContext(), req.Email, req.Password)
	if err != nil {
		return err
	}
	s.setSessionCookie(c, id, sess.ExpiresAt)
	c.Set("Cache-Control", "no-store")
	return c.JSON(fiber.Map{"csrf_token": sess.CSRFToken})
}

func (s *Server) apiLogout(c *fiber.Ctx) error {
	if err := s.svc.Logout(c.UserContext(), owner(c)); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	return c.JSON(fiber.Map{"status": "signed out"})
}

func (s *Server) apiLogoutEverywhere(c *fiber.Ctx) error {
	if err := s.svc.LogoutEverywhere(c.UserContext(), owner(c)); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	return c.JSON(fiber.Map{"status": "signed out everywhere"})
}

func (s *Server) apiSession(c *fiber.Ctx) error {
	sess := owner(c)
	return c.JSON(fiber.Map{"email": sess.Email, "csrf_token": sess.CSRFToken,
		"expires_at": app.FormatInstant(sess.ExpiresAt, s.svc.Rules.Location)})
}

// adminDateRange parses from and to (both required for lists, to inclusive).
func adminDateRange(c *fiber.Ctx) (app.Date, app.Date, error) {
	if c.Query("to") == "" {
		if c.Query("from") == "" {
			return app.Date{}, app.Date{}, invalidf("the query parameters from and to are required (dates YYYY-MM-DD)")
		}
	}
	return parseDateRange(c.Query("from"), c.Query("to"))
}

func (s *Server) bookingList(bookings []app.Booking) []bookingJSON {
	out := make([]bookingJSON, len(bookings))
	for i, b := range bookings {
		out[i] = s.bookingJSON(b).Booking
	}
	return out
}

func (s *Server) apiAdminBookings(c *fiber.Ctx) error {
	from, to, err := adminDateRange(c)
	if err != nil {
		return err
	}
	bookings, err := s.svc.ListBookings(c.UserContext(), from, to, c.Query("status"), c.Query("q"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"bookings": s.bookingList(bookings)})
}

func (s *Server) apiAdminBooking(c *fiber.Ctx) error {
	b, err := s.svc.FindBookingForOwner(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	audit, err := s.svc.ListAudit(c.UserContext(), b.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"booking": s.bookingJSON(b).Booking, "audit": s.auditJSON(audit)})
}

type statusRequest struct {
	Status string `json:"status"`
	// Notify, for a cancellation, emails the customer (default true).
	Notify *bool `json:"notify"`
}

func (s *Server) apiAdminBookingStatus(c *fiber.Ctx) error {
	var req statusRequest
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	notify := req.Notify == nil || *req.Notify
	b, err := s.svc.SetBookingStatus(c.UserContext(), c.Params("id"), req.Status, notify, owner(c).Email)
	if err != nil {
		return err
	}
	return c.JSON(s.bookingJSON(b))
}

func (s *Server) apiAdminResend(c *fiber.Ctx) error {
	b, err := s.svc.ResendConfirmation(c.UserContext(), c.Params("id"), owner(c).Email)
	if err != nil {
		return err
	}
	return c.JSON(s.bookingJSON(b))
}

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

type adminPermitJSON struct {
	ID                  string `json:"id"`
	Status              string `json:"status"`
	VehicleRegistration string `json:"vehicle_registration"`
	BookingID           string `json:"booking_id"`
	BookingReference    string `json:"booking_reference"`
	BookingStatus       string `json:"booking_status"`
	Start               string `json:"start"`
	CustomerName        string `json:"customer_name"`
	ApproverEmail       string `json:"approver_email"`
	DecidedAt           string `json:"decided_at,omitempty"`
	DecidedBy           string `json:"decided_by,omitempty"`
	Note                string `json:"note"`
}

func (s *Server) permitJSON(b app.Booking) adminPermitJSON {
	loc := s.svc.Rules.Location
	p := adminPermitJSON{ID: b.Permit.ID, Status: b.Permit.Status, VehicleRegistration: b.Permit.VehicleRegistration,
		BookingID: b.ID, BookingReference: b.Reference, BookingStatus: b.Status, Start: app.FormatInstant(b.Start, loc),
		CustomerName: b.CustomerName, ApproverEmail: b.Permit.ApproverEmail, DecidedBy: b.Permit.DecidedBy, Note: b.Permit.DecisionNote}
	if !b.Permit.DecidedAt.IsZero() {
		p.DecidedAt = app.FormatInstant(b.Permit.DecidedAt, loc)
	}
	return p
}

func (s *Server) apiAdminPermits(c *fiber.Ctx) error {
	list, err := s.svc.ListPermits(c.UserContext(), c.Query("status"))
	if err != nil {
		return err
	}
	out := make([]adminPermitJSON, len(list))
	for i, b := range list {
		out[i] = s.permitJSON(b)
	}
	return c.JSON(fiber.Map{"permits": out})
}

func (s *Server) apiAdminPermitResend(c *fiber.Ctx) error {
	b, err := s.svc.ReissuePermitLink(c.UserContext(), c.Params("id"), owner(c).Email)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"permit": s.permitJSON(b)})
}

type ownerDecisionRequest struct {
	Decision string `json:"decision"`
	Note     string `json:"note"`
}

func (s *Server) apiAdminPermitDecision(c *fiber.Ctx) error {
	var req ownerDecisionRequest
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	p, err := s.svc.DecidePermitAsOwner(c.UserContext(), c.Params("id"), req.Decision, req.Note, owner(c).Email)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"permit": s.permitJSON(p.Booking)})
}

type messageJSON struct {
	ID            int64  `json:"id"`
	Kind          string `json:"kind"`
	BookingID     string `json:"booking_id"`
	Recipient     string `json:"recipient"`
	Subject       string `json:"subject"`
	Status        string `json:"status"`
	Attempts      int    `json:"attempts"`
	NextAttemptAt string `json:"next_attempt_at"`
	LastError     string `json:"last_error"`
	Relay         string `json:"relay"`
	CreatedAt     string `json:"created_at"`
	SentAt        string `json:"sent_at,omitempty"`
	MessageID     string `json:"message_id"`
}

func (s *Server) messageJSON(m store.OutboxMessage) messageJSON {
	loc := s.svc.Rules.Location
	out := messageJSON{ID: m.ID, Kind: m.Kind, BookingID: m.BookingID, Recipient: m.Recipient, Subject: m.Subject, Status: m.Status,
		Attempts: m.Attempts, NextAttemptAt: app.FormatInstant(m.NextAttemptAt, loc), LastError: m.LastError, Relay: m.Relay,
		CreatedAt: app.FormatInstant(m.CreatedAt, loc), MessageID: m.MessageID}
	if !m.SentAt.IsZero() {
		out.SentAt = app.FormatInstant(m.SentAt, loc)
	}
	return out
}

func (s *Server) apiAdminOutbox(c *fiber.Ctx) error {
	list, err := s.svc.ListOutbox(c.UserContext(), c.Query("status"))
	if err != nil {
		return err
	}
	out := make([]messageJSON, len(list))
	for i, m := range list {
		out[i] = s.messageJSON(m)
	}
	return c.JSON(fiber.Map{"messages": out})
}

func (s *Server) apiAdminOutboxRetry(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return app.Errorf(app.CodeNotFound, "no such message")
	}
	m, err := s.svc.RetryMessage(c.UserContext(), id, owner(c).Email)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"message": s.messageJSON(m)})
}

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
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="bookings-`+from.String()+`-`+to.String()+`.csv"`)
	return s.svc.ExportCSV(c.UserContext(), c.Response().BodyWriter(), from, to)
}

type auditJSON struct {
	ID        int64  `json:"id"`
	At        string `json:"at"`
	Actor     string `json:"actor"`
	Action    string `json:"action"`
	BookingID string `json:"booking_id,omitempty"`
	Details   string `json:"details"`
}

func (s *Server) auditJSON(entries []store.AuditEntry) []auditJSON {
	out := make([]auditJSON, len(entries))
	for i, e := range entries {
		out[i] = auditJSON{ID: e.ID, At: app.FormatInstant(e.At, s.svc.Rules.Location), Actor: e.Actor, Action: e.Action, BookingID: e.BookingID, Details: e.Details}
	}
	return out
}

func (s *Server) apiAdminAudit(c *fiber.Ctx) error {
	entries, err := s.svc.ListAudit(c.UserContext(), c.Query("booking"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"entries": s.auditJSON(entries)})
}

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
		return app.Errorf(app.CodeNotFound, "no such calendar")
	}
	body, err := s.svc.CalendarFeed(c.UserContext(), token)
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	return c.Send(body)
}

type backupJSON struct {
	Name      string `json:"name"`
	Bytes     int64  `json:"bytes"`
	CreatedAt string `json:"created_at"`
	URL       string `json:"url"`
}

func (s *Server) backupJSON(f store.BackupFile) backupJSON {
	return backupJSON{Name: f.Name, Bytes: f.Size, CreatedAt: app.FormatInstant(f.ModTime, s.svc.Rules.Location), URL: "/api/admin/backups/" + f.Name}
}

func (s *Server) apiAdminBackups(c *fiber.Ctx) error {
	list, err := s.svc.Backups()
	if err != nil {
		return err
	}
	out := make([]backupJSON, len(list))
	for i, f := range list {
		out[i] = s.backupJSON(f)
	}
	st := s.svc.BackupStatus()
	status := fiber.Map{"last_error": st.LastError}
	if !st.LastSuccess.IsZero() {
		status["last_success"] = app.FormatInstant(st.LastSuccess, s.svc.Rules.Location)
	}
	return c.JSON(fiber.Map{"backups": out, "dir": s.svc.Config.Backup.Dir, "keep": s.svc.Config.Backup.Keep, "schedule": s.svc.Config.Backup.Schedule, "status": status})
}

func (s *Server) apiAdminCreateBackup(c *fiber.Ctx) error {
	f, err := s.svc.Backup(c.UserContext(), owner(c).Email)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"backup": s.backupJSON(f)})
}

// apiAdminDownloadBackup sends a backup file; only names of backups in
// backup.dir are accepted, so no path can be reached through it.
func (s *Server) apiAdminDownloadBackup(c *fiber.Ctx) error {
	f, err := s.svc.FindBackup(c.Params("name"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.sqlite3")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+f.Name+`"`)
	return c.SendFile(f.Path)
}
