package web

import (
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/app/l10n"
)

// deskForm is the console's form of a booking taken at the desk or changed:
// what the owner typed, kept on a refusal.
type deskForm struct {
	Package, Date, Time, Room, Guests string
	Name, Email, Phone, Notes, Price  string
	Registration                      string
	Notify                            bool
}

// deskPage is the data of page_admin_desk.html: a new booking, or a change of
// Booking (when set).
type deskPage struct {
	consoleData
	Form     deskForm
	Errors   map[string]string
	Booking  *app.Booking
	Packages []deskPackage
	Rooms    []app.Room
	Parking  bool
	Zone     string
}

type deskPackage struct{ ID, Label string }

// pageConsoleNewBooking shows the desk's form for a new booking, filled from
// the Day page's free time (?date=, ?start=HH:MM, ?room=).
func (s *Server) pageConsoleNewBooking(c *fiber.Ctx) error {
	loc := s.svc.Rules.Location
	f := deskForm{Date: app.DateOf(s.svc.Now(), loc).String(), Time: c.Query("start"), Room: c.Query("room"), Guests: "2", Notify: true}
	if d, err := app.ParseDate(c.Query("date")); err == nil {
		f.Date = d.String()
	}
	return s.renderDesk(c, fiber.StatusOK, f, nil, nil)
}

// submitConsoleNewBooking books what the desk's form holds.
func (s *Server) submitConsoleNewBooking(c *fiber.Ctx) error {
	f := readDeskForm(c)
	req, fields := s.deskRequest(f)
	if len(fields) == 0 {
		b, _, err := s.svc.CreateDeskBooking(c.UserContext(), req, owner(c).Email, "")
		if err == nil {
			return c.Redirect("/admin/bookings/"+url.PathEscape(b.ID)+"?done=created", fiber.StatusSeeOther)
		}
		if fields = formErrors(s.svc.VenueLang(), err); fields == nil {
			return err
		}
	}
	return s.renderDesk(c, deskStatus(fields), f, fields, nil)
}

// pageConsoleChangeBooking shows the form that moves or corrects a booking.
func (s *Server) pageConsoleChangeBooking(c *fiber.Ctx) error {
	b, err := s.svc.FindBookingForOwner(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	loc := s.svc.Rules.Location
	start := b.Start.In(loc)
	f := deskForm{Package: b.PackageID, Date: start.Format("2006-01-02"), Time: start.Format("15:04"), Room: b.RoomID,
		Guests: fmt.Sprint(b.Guests), Name: b.CustomerName, Email: b.CustomerEmail, Phone: b.CustomerPhone, Notes: b.Notes,
		Price: decimalPrice(b.PriceCents, b.Currency), Notify: true}
	return s.renderDesk(c, fiber.StatusOK, f, nil, &b)
}

// submitConsoleChangeBooking applies the change form.
func (s *Server) submitConsoleChangeBooking(c *fiber.Ctx) error {
	b, err := s.svc.FindBookingForOwner(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	f := readDeskForm(c)
	f.Package = b.PackageID
	req, fields := s.deskRequest(f)
	if len(fields) == 0 {
		notify := f.Notify
		patch := app.BookingPatch{Start: &req.Start, Room: req.Room, Guests: &req.Guests, Notes: &req.Notes, PriceCents: req.PriceCents, Notify: &notify,
			Customer: &app.CustomerPatch{Name: &req.Customer.Name, Email: &req.Customer.Email, Phone: &req.Customer.Phone}}
		if _, err := s.svc.ChangeBooking(c.UserContext(), b.ID, patch, owner(c).Email); err == nil {
			return c.Redirect("/admin/bookings/"+url.PathEscape(b.ID)+"?done=changed", fiber.StatusSeeOther)
		} else if fields = formErrors(s.svc.VenueLang(), err); fields == nil {
			return err
		}
	}
	return s.renderDesk(c, deskStatus(fields), f, fields, &b)
}

func readDeskForm(c *fiber.Ctx) deskForm {
	return deskForm{Package: c.FormValue("package"), Date: c.FormValue("date"), Time: c.FormValue("time"), Room: c.FormValue("room"),
		Guests: c.FormValue("guests"), Name: c.FormValue("name"), Email: c.FormValue("email"), Phone: c.FormValue("phone"),
		Notes: c.FormValue("notes"), Price: c.FormValue("price"), Registration: c.FormValue("registration"), Notify: c.FormValue("notify") == "1"}
}

// deskRequest turns the form into the API's request: the local date and time
// into an instant, the price typed in major units into minor units. Problems
// come back by the API's field names, in the venue's language.
func (s *Server) deskRequest(f deskForm) (app.DeskBookingRequest, map[string]string) {
	l := s.svc.VenueLang()
	fields := map[string]string{}
	req := app.DeskBookingRequest{BookingRequest: app.BookingRequest{Package: f.Package, Notes: f.Notes,
		Customer: app.CustomerRequest{Name: f.Name, Email: f.Email, Phone: f.Phone}}}
	if tier, _, ok := s.svc.Config.FindPackage(f.Package); ok {
		req.Tier = tier.ID
	} else {
		fields["package"] = l.T("console.desk.choose_package")
	}
	if _, err := fmt.Sscan(strings.TrimSpace(f.Guests), &req.Guests); err != nil {
		fields["guests"] = l.T("console.desk.not_a_number")
	}
	day, err := app.ParseDate(strings.TrimSpace(f.Date))
	if err != nil {
		fields["start"] = l.T("console.desk.bad_date")
	}
	var h, m int
	if _, err := fmt.Sscanf(strings.TrimSpace(f.Time), "%d:%d", &h, &m); err != nil || h < 0 || h > 23 || m < 0 || m > 59 || len(strings.TrimSpace(f.Time)) != 5 {
		fields["start"] = l.T("console.desk.bad_time")
	}
	if fields["start"] == "" {
		req.Start = app.FormatInstant(day.At(h*60+m, s.svc.Rules.Location), s.svc.Rules.Location)
	}
	if room := strings.TrimSpace(f.Room); room != "" {
		req.Room = &room
	}
	if p := strings.TrimSpace(f.Price); p != "" {
		if cents, ok := parsePrice(p, s.svc.Config.Venue.Currency); ok {
			req.PriceCents = &cents
		} else {
			fields["price_cents"] = l.T("console.desk.bad_price")
		}
	}
	if reg := strings.TrimSpace(f.Registration); reg != "" {
		req.Parking = &app.ParkingRequest{VehicleRegistration: reg}
	}
	notify := f.Notify
	req.Notify = &notify
	return req, fields
}

// parsePrice reads an amount typed in the currency's major unit ("45",
// "45.00", "45,5") into minor units.
func parsePrice(s, currency string) (int64, bool) {
	digits, ok := app.CurrencyMinorUnits(currency)
	if !ok {
		digits = 2
	}
	r, ok := new(big.Rat).SetString(strings.Replace(s, ",", ".", 1))
	if !ok || r.Sign() < 0 {
		return 0, false
	}
	r.Mul(r, new(big.Rat).SetInt64(pow10(digits)))
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// decimalPrice writes minor units as the form shows them ("45.00").
func decimalPrice(cents int64, currency string) string {
	digits, ok := app.CurrencyMinorUnits(currency)
	if !ok {
		digits = 2
	}
	return new(big.Rat).SetFrac64(cents, pow10(digits)).FloatString(digits)
}

// formErrors returns the fields of a refusal the form can show (a
// validation_failed error, or a taken slot under start), in l; nil for
// others.
func formErrors(l *l10n.Lang, err error) map[string]string {
	var e *app.Error
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code {
	case app.CodeValidationFailed:
		return fieldProblems(l, e)
	case app.CodeSlotUnavailable:
		return map[string]string{"start": errorText(l, e), "slot": "taken"}
	}
	return nil
}

func deskStatus(fields map[string]string) int {
	if fields["slot"] != "" {
		return fiber.StatusConflict
	}
	return fiber.StatusBadRequest
}

func (s *Server) renderDesk(c *fiber.Ctx, status int, f deskForm, fields map[string]string, b *app.Booking) error {
	l := s.svc.VenueLang()
	title, section := l.T("console.desk.new_title"), "new"
	if b != nil {
		title, section = l.T("console.desk.change_title", "Reference", b.Reference), "bookings"
	}
	data := deskPage{consoleData: s.console(c, title, section), Form: f, Errors: fields, Booking: b, Rooms: s.svc.Config.Rooms,
		Parking: s.svc.Config.Parking.Enabled && b == nil, Zone: s.svc.Rules.Location.String()}
	for _, t := range s.svc.Config.Tiers {
		for _, p := range t.Packages {
			data.Packages = append(data.Packages, deskPackage{p.ID, l.T("console.desk.package", "Tier", t.Name, "Package", p.Name,
				"Price", l.Money(p.PriceCents, s.svc.Config.Venue.Currency))})
		}
	}
	return s.render(c, status, "admin_desk", data)
}
