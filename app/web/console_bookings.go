package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/store"
)

// adminDateRange parses from and to (both required for lists, to inclusive).
func adminDateRange(c *fiber.Ctx) (app.Date, app.Date, error) {
	if c.Query("to") == "" {
		if c.Query("from") == "" {
			return app.Date{}, app.Date{}, invalid("errors.request.dates_required")
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
	limit := 0
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return app.NewError(app.CodeInvalidRequest, "errors.owner.limit", "Max", app.MaxPage)
		}
		limit = n
	}
	page, err := s.svc.PageBookings(c.UserContext(), app.BookingQuery{From: from, To: to, Status: c.Query("status"), Q: c.Query("q"),
		Limit: limit, Cursor: c.Query("cursor")})
	if err != nil {
		return err
	}
	var next any // null on the last page
	if page.NextCursor != "" {
		next = page.NextCursor
	}
	return c.JSON(fiber.Map{"bookings": s.bookingList(page.Bookings), "next_cursor": next, "total": page.Total})
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

// apiAdminCreateBooking takes a booking at the desk (POST /api/admin/bookings).
func (s *Server) apiAdminCreateBooking(c *fiber.Ctx) error {
	key, err := idempotencyKey(c.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	var req app.DeskBookingRequest
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	b, created, err := s.svc.CreateDeskBooking(c.UserContext(), req, owner(c).Email, key)
	if err != nil {
		return err
	}
	if created {
		s.reqLog(c).Info("booking taken at the desk", "booking_id", b.ID, "reference", b.Reference, "start", b.Start, "room", b.RoomID)
	} else {
		c.Set("Idempotent-Replayed", "true")
	}
	c.Set("Location", "/api/admin/bookings/"+b.ID)
	return c.Status(fiber.StatusCreated).JSON(s.bookingJSON(b))
}

// apiAdminChangeBooking moves or corrects a booking (PATCH /api/admin/bookings/{id}).
func (s *Server) apiAdminChangeBooking(c *fiber.Ctx) error {
	var p app.BookingPatch
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &p); err != nil {
		return err
	}
	b, err := s.svc.ChangeBooking(c.UserContext(), c.Params("id"), p, owner(c).Email)
	if err != nil {
		return err
	}
	return c.JSON(s.bookingJSON(b))
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

type bulkCancelRequest struct {
	IDs []string `json:"ids"`
	// Notify emails each customer (default true).
	Notify *bool `json:"notify"`
}

type bulkRefusalJSON struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Code      string `json:"code"`
	Message   string `json:"message"`
}

// apiAdminCancelBookings cancels a set of bookings in one request (README
// "The owner's console"): 200 with those cancelled and those that were not.
func (s *Server) apiAdminCancelBookings(c *fiber.Ctx) error {
	var req bulkCancelRequest
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	notify := req.Notify == nil || *req.Notify
	cancelled, refused, err := s.svc.CancelBookings(c.UserContext(), req.IDs, notify, owner(c).Email)
	if err != nil {
		return err
	}
	out := make([]bulkRefusalJSON, len(refused))
	for i, r := range refused {
		out[i] = bulkRefusalJSON(r)
	}
	s.reqLog(c).Info("owner cancelled bookings", "cancelled", len(cancelled), "not_cancelled", len(refused), "by", owner(c).Email)
	return c.JSON(fiber.Map{"cancelled": s.bookingList(cancelled), "not_cancelled": out})
}

// submitConsoleCancelBookings cancels the bookings ticked on the Bookings
// page and goes back to the same list, saying what was done.
func (s *Server) submitConsoleCancelBookings(c *fiber.Ctx) error {
	var ids []string
	for _, id := range c.Request().PostArgs().PeekMulti("ids") {
		ids = append(ids, string(id))
	}
	back := url.Values{}
	for _, k := range []string{"from", "to", "status", "q"} {
		if v := c.FormValue(k); v != "" {
			back.Set(k, v)
		}
	}
	if len(ids) == 0 {
		back.Set("done", "none-selected")
		return c.Redirect("/admin/bookings?"+back.Encode(), fiber.StatusSeeOther)
	}
	cancelled, refused, err := s.svc.CancelBookings(c.UserContext(), ids, c.FormValue("notify") == "1", owner(c).Email)
	if err != nil {
		return err
	}
	back.Set("done", "bulk-cancelled")
	back.Set("cancelled", strconv.Itoa(len(cancelled)))
	var refs []string
	for _, r := range refused {
		refs = append(refs, firstNonEmpty(r.Reference, "an unknown booking"))
	}
	if len(refs) > 0 {
		back.Set("kept", strings.Join(refs, ", "))
	}
	return c.Redirect("/admin/bookings?"+back.Encode(), fiber.StatusSeeOther)
}

func (s *Server) apiAdminResend(c *fiber.Ctx) error {
	b, err := s.svc.ResendConfirmation(c.UserContext(), c.Params("id"), owner(c).Email)
	if err != nil {
		return err
	}
	return c.JSON(s.bookingJSON(b))
}

// consolePage is how many bookings the console's Bookings page shows at once.
const consolePage = 100

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
	page, err := s.svc.PageBookings(c.UserContext(), app.BookingQuery{From: from, To: to, Status: c.Query("status"), Q: c.Query("q"),
		Limit: consolePage, Cursor: c.Query("cursor")})
	if err != nil {
		return err
	}
	bookings := page.Bookings
	data := struct {
		consoleData
		From, To, Status, Q string
		Bookings            []app.Booking
		Statuses            []string
		Kept                string // references a bulk cancellation could not cancel
		Confirmed           bool   // some bookings listed can be cancelled
		// Total bookings match; this page shows First..Last of them; Next is
		// the cursor of the next page ("" on the last), Paged whether this is
		// not the first.
		Total, First, Last int
		Next               string
		Paged              bool
		PageSize           int
	}{s.console(c, "Bookings", "bookings"), from.String(), to.String(), c.Query("status"), c.Query("q"), bookings,
		[]string{store.StatusConfirmed, store.StatusCompleted, store.StatusNoShow, store.StatusCancelled}, clip(c.Query("kept")), false,
		page.Total, 0, 0, page.NextCursor, c.Query("cursor") != "", consolePage}
	if len(bookings) > 0 {
		// Pages are forward only; the next-page link carries where it
		// starts (a label only: the cursor decides what is shown).
		at, _ := strconv.Atoi(c.Query("at"))
		if at < 1 || !data.Paged {
			at = 1
		}
		data.First, data.Last = at, at+len(bookings)-1
	}
	if c.Query("done") == "bulk-cancelled" {
		n, _ := strconv.Atoi(c.Query("cancelled"))
		data.Flash = fmt.Sprintf("%d booking(s) cancelled.", n)
	}
	for _, b := range bookings {
		data.Confirmed = data.Confirmed || b.Status == store.StatusConfirmed
	}
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
	}{s.console(c, "Booking "+b.Reference, "bookings"), b, s.formatWhen(s.svc.VenueLang(), b), s.svc.TierName(b.TierID), s.svc.PackageName(b.PackageID),
		s.svc.RoomName(b.RoomID), !s.svc.Now().Before(b.Start), audit}
	return s.render(c, fiber.StatusOK, "admin_booking", data)
}

func (s *Server) submitConsoleStatus(c *fiber.Ctx) error {
	status := c.FormValue("status")
	_, err := s.svc.SetBookingStatus(c.UserContext(), c.Params("id"), status, c.FormValue("notify") == "1", owner(c).Email)
	if err != nil {
		return err
	}
	if back := dayBack(c.FormValue("back")); back != "" { // a button of the Day page: back to that day, at the booking
		return c.Redirect(back+"&done="+url.QueryEscape(status)+"#b-"+url.PathEscape(c.Params("id")), fiber.StatusSeeOther)
	}
	return c.Redirect("/admin/bookings/"+url.PathEscape(c.Params("id"))+"?done="+url.QueryEscape(status), fiber.StatusSeeOther)
}

func (s *Server) submitConsoleResend(c *fiber.Ctx) error {
	if _, err := s.svc.ResendConfirmation(c.UserContext(), c.Params("id"), owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/bookings/"+url.PathEscape(c.Params("id"))+"?done=resent", fiber.StatusSeeOther)
}
