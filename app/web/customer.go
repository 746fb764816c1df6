package web

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/app/l10n"
	"venuebook/store"
)

// The customer's pages: home → a package's dates and times → details →
// confirmation → manage. Every step is a plain link or form POST (with
// post/redirect/get), so all of it works without JavaScript; assets/static/app.js
// only saves reloads. The pages call the same Service as the JSON API.

const (
	draftCookie = "vb_draft"
)

func (s *Server) pageHome(c *fiber.Ctx) error {
	cfg := s.svc.Config
	data := struct {
		layoutData
		Address  string
		Currency string
		Tiers    []app.Tier
		Zone     string
	}{s.layout(c, cfg.Venue.Name), cfg.Venue.Address, cfg.Venue.Currency, cfg.Tiers, cfg.Venue.Timezone}
	return s.render(c, fiber.StatusOK, "home", data)
}

// draft is what the customer typed, kept in a short-lived cookie when a slot
// was taken meanwhile, so the form is filled in again.
type draft struct {
	Name, Email, Phone, Notes, Registration string
	Guests                                  int
}

type detailsPage struct {
	layoutData
	Tier        *app.Tier
	Package     *app.Package
	Start       string
	When        string
	Price       string
	PriceCents  int64
	Guests      []int
	Form        draft
	Errors      map[string]string
	Message     string
	CSRF        string
	Idempotency string
	FormStamp   string
	Parking     bool
	// Policy is what the customer could do online once booked, and until when.
	Policy       policy
	BackToTimes  string
	ErrorSummary []string
	// EmailSuggestion is the address app.SuggestEmail thinks was meant by
	// the email typed, when the form comes back ("" for none): shown under
	// the field ("Did you mean …?") with JavaScript off too.
	EmailSuggestion string
}

// pageDetails is the form for a chosen start.
func (s *Server) pageDetails(c *fiber.Ctx) error {
	pkgID := c.Params("package")
	tier, pkg, ok := s.svc.Config.FindPackage(pkgID)
	if !ok {
		return app.NewError(app.CodeNotFound, "errors.booking.no_experience")
	}
	l := s.lang(c)
	start, err := app.ParseInstant(c.Query("start"))
	if err != nil {
		return s.renderDay(c, fiber.StatusBadRequest, pkgID, "", "", l.T("words.choose_from_list"))
	}
	if !s.slotFree(c, pkg.ID, start) {
		return s.renderDay(c, fiber.StatusConflict, pkgID, app.DateOf(start, s.svc.Rules.Location).String(), "",
			l.T("words.no_longer_free"))
	}
	d := s.detailsData(c, tier, pkg, start)
	d.Form = readDraft(c)
	if d.Form.Guests == 0 {
		d.Form.Guests = 1
	}
	d.EmailSuggestion, _ = app.SuggestEmail(d.Form.Email)
	return s.render(c, fiber.StatusOK, "details", d)
}

func (s *Server) slotFree(c *fiber.Ctx, pkgID string, start time.Time) bool {
	date := app.DateOf(start, s.svc.Rules.Location)
	days, err := s.svc.Availability(c.UserContext(), pkgID, date, date)
	if err != nil || len(days) == 0 {
		return false
	}
	for _, sl := range days[0].Slots {
		if sl.Start.Equal(start) {
			return true
		}
	}
	return false
}

func (s *Server) detailsData(c *fiber.Ctx, tier *app.Tier, pkg *app.Package, start time.Time) detailsPage {
	loc, l := s.svc.Rules.Location, s.lang(c)
	end := start.Add(time.Duration(pkg.DurationMinutes) * time.Minute)
	d := detailsPage{
		layoutData: s.layout(c, l.T("details.title")), Tier: tier, Package: pkg,
		Start: app.FormatInstant(start, loc),
		When:  s.formatWhen(l, app.Booking{Booking: store.Booking{Start: start, End: end}}),
		Price: l.Money(pkg.PriceCents, s.svc.Config.Venue.Currency), PriceCents: pkg.PriceCents,
		CSRF: s.csrfToken(c), Idempotency: randomHex(16), FormStamp: s.svc.FormStamp(), Parking: s.svc.Config.Parking.Enabled,
		Policy: s.policyOf(l, app.Booking{Booking: store.Booking{Start: start, Status: store.StatusConfirmed}}), Errors: map[string]string{},
		BackToTimes: "/book/" + url.PathEscape(pkg.ID) + "?date=" + app.DateOf(start, loc).String(),
	}
	for i := 1; i <= pkg.MaxGuests && i <= 50; i++ {
		d.Guests = append(d.Guests, i)
	}
	return d
}

// formFields maps the API's field paths to the form's input names.
var formFields = map[string]string{
	"customer.name": "name", "customer.email": "email", "customer.phone": "phone",
	"guests": "guests", "notes": "notes", "parking.vehicle_registration": "registration", "parking": "registration",
}

// submitBooking books the chosen start from the details form.
func (s *Server) submitBooking(c *fiber.Ctx) error {
	if c.FormValue("website") != "" { // the honeypot: people never see this field
		s.reqLog(c).Warn("booking form refused: honeypot filled", "ip", s.clientAddr(c).String())
		return app.NewError(app.CodeInvalidRequest, "errors.booking.not_taken")
	}
	pkgID := c.Params("package")
	tier, pkg, ok := s.svc.Config.FindPackage(pkgID)
	if !ok {
		return app.NewError(app.CodeNotFound, "errors.booking.no_experience")
	}
	form := draft{Name: c.FormValue("name"), Email: c.FormValue("email"), Phone: c.FormValue("phone"),
		Notes: c.FormValue("notes"), Registration: c.FormValue("registration")}
	form.Guests, _ = strconv.Atoi(c.FormValue("guests"))
	l := s.lang(c)
	start, err := app.ParseInstant(c.FormValue("start"))
	if err != nil {
		return s.renderDay(c, fiber.StatusBadRequest, pkgID, "", "", l.T("words.choose_from_list"))
	}
	req := app.BookingRequest{Tier: tier.ID, Package: pkg.ID, Start: c.FormValue("start"), Guests: form.Guests, Language: l.String(),
		Customer: app.CustomerRequest{Name: form.Name, Email: form.Email, Phone: form.Phone}, Notes: form.Notes}
	if price, err := strconv.ParseInt(c.FormValue("price_cents"), 10, 64); err == nil {
		req.ExpectedPriceCents = &price
	}
	if strings.TrimSpace(form.Registration) != "" {
		req.Parking = &app.ParkingRequest{VehicleRegistration: form.Registration}
	}
	key := ""
	if k := c.FormValue("idempotency"); len(k) >= 8 && len(k) <= 64 {
		key = "form-" + k
	}
	giveBack := func() {}
	trapErr := s.svc.CheckFormStamp(c.FormValue("form_time"))
	if trapErr == nil {
		giveBack, trapErr = s.reserveBooking(c, form.Email)
	}
	if trapErr != nil {
		var e *app.Error
		if errors.As(trapErr, &e) && e.Code == app.CodeInvalidRequest {
			d := s.detailsData(c, tier, pkg, start)
			d.Form, d.Message = form, errorText(l, e)
			d.EmailSuggestion, _ = app.SuggestEmail(form.Email)
			return s.render(c, fiber.StatusBadRequest, "details", d)
		}
		return trapErr
	}
	b, created, err := s.svc.CreateBooking(c.UserContext(), req, app.ScopedIdempotencyKey(s.clientKey(c), key))
	if err != nil || !created {
		giveBack()
	}
	if err == nil {
		logWith(c, "event", "booking created from the pages", "booking_id", b.ID, "reference", b.Reference)
		c.ClearCookie(draftCookie)
		return c.Redirect("/b/"+url.PathEscape(b.ID)+"?t="+url.QueryEscape(b.ManageToken)+"&new=1"+s.langParam(c), fiber.StatusSeeOther)
	}
	var e *app.Error
	if !errors.As(err, &e) {
		return err
	}
	d := s.detailsData(c, tier, pkg, start)
	d.Form, d.Idempotency = form, c.FormValue("idempotency")
	d.EmailSuggestion, _ = app.SuggestEmail(form.Email)
	switch e.Code {
	case app.CodeSlotUnavailable:
		s.saveDraft(c, form)
		return s.renderDay(c, fiber.StatusConflict, pkgID, app.DateOf(start, s.svc.Rules.Location).String(), "",
			l.T("day.just_taken"))
	case app.CodePriceChanged:
		d.Message = l.T("details.price_changed", "Price", d.Price)
		d.Idempotency = randomHex(16)
	case app.CodeValidationFailed:
		for field := range e.Fields {
			problem := fieldProblem(l, e, field)
			if name, ok := formFields[field]; ok {
				d.Errors[name] = problem
			} else {
				d.Message = l.T("details.not_right", "Field", field, "Problem", problem)
			}
		}
		d.Message = firstNonEmpty(d.Message, l.T("details.correct_fields"))
		d.Idempotency = randomHex(16)
	default:
		return err
	}
	return s.render(c, statusOf(e.Code), "details", d)
}

type bookingPage struct {
	layoutData
	B               app.Booking
	Tier            string
	Package         string
	When            string
	New             bool
	Cancelled       bool
	Moved           bool
	EmailCorrected  bool
	Policy          policy
	Links           manageLinks
	CanCorrectEmail bool
	CSRF            string
	Message         string
	OutlookURL      string
	VenueAddress    string
	// EmailSuggestion is the address app.SuggestEmail thinks the customer
	// meant when the booking's email looks like a typo ("ada@gmail.com" for
	// "ada@gmial.con"), "" for none: for the page to say "Did you mean …?"
	// (the form suggests it with JavaScript; without, the booking goes
	// through as typed, and this page is the next chance to notice).
	EmailSuggestion string
}

// SuggestionHTML is "Did you mean ada@gmail.com?", the address emphasised.
func (d detailsPage) SuggestionHTML() template.HTML { return didYouMean(d.Lang, d.EmailSuggestion) }

// SuggestionHTML is "Did you mean ada@gmail.com?", the address emphasised.
func (d bookingPage) SuggestionHTML() template.HTML { return didYouMean(d.Lang, d.EmailSuggestion) }

func didYouMean(l *l10n.Lang, email string) template.HTML {
	return l.HTML("words.did_you_mean", "Email", template.HTML("<strong>"+template.HTMLEscapeString(email)+"</strong>"))
}

// StatusWord is the booking's status as the customer reads it ("confirmed").
func (d bookingPage) StatusWord() string {
	switch st := d.B.Status; st {
	case store.StatusConfirmed, store.StatusCancelled, store.StatusCompleted, store.StatusNoShow:
		return d.Lang.T("booked.status_" + st)
	default:
		return st
	}
}

// PermitWords is the booking's parking permit and its state: "AB12CDE:
// permit requested".
func (d bookingPage) PermitWords() string {
	p := d.B.Permit
	if p == nil {
		return ""
	}
	switch p.Status {
	case store.PermitRequested, store.PermitApproved, store.PermitDenied, store.PermitExpired, store.PermitCancelled:
		return d.Lang.T("booked.permit_"+p.Status, "Registration", p.VehicleRegistration)
	default:
		return p.VehicleRegistration + ": " + p.Status
	}
}

// langParam carries the page's language on a redirect after a form
// ("&lang=de"), so that the next page speaks it without a cookie; "" when
// the venue offers one language.
func (s *Server) langParam(c *fiber.Ctx) string {
	if len(s.svc.Offer.Langs) < 2 {
		return ""
	}
	return "&lang=" + url.QueryEscape(s.lang(c).String())
}

// pageBooking is the confirmation (right after booking) and the manage page.
func (s *Server) pageBooking(c *fiber.Ctx) error {
	return s.renderBooking(c, fiber.StatusOK, "")
}

func (s *Server) renderBooking(c *fiber.Ctx, status int, message string) error {
	b, err := s.svc.FindBooking(c.UserContext(), c.Params("id"), c.Query("t"))
	if err != nil {
		return err
	}
	l := s.lang(c)
	title := l.T("booked.title", "Reference", b.Reference)
	if c.Query("new") == "1" {
		title = l.T("booked.title_new", "Reference", b.Reference)
	}
	data := bookingPage{
		layoutData: s.layout(c, title), B: b, Tier: s.svc.TierName(b.TierID), Package: s.svc.PackageName(b.PackageID),
		When: s.formatWhen(l, b), New: c.Query("new") == "1", Cancelled: c.Query("cancelled") == "1",
		Moved: c.Query("moved") == "1", EmailCorrected: c.Query("email_corrected") == "1",
		Policy: s.policyOf(l, b), Links: bookingLinks(b),
		CanCorrectEmail: b.Status == "confirmed" && s.svc.Now().Before(b.Start),
		CSRF:            s.csrfToken(c), Message: message, OutlookURL: b.OutlookURL, VenueAddress: s.svc.Config.Venue.Address,
	}
	data.EmailSuggestion, _ = app.SuggestEmail(b.CustomerEmail)
	c.Set("Cache-Control", "no-store")
	return s.render(c, status, "booking", data)
}

// submitCancel cancels from the manage page.
func (s *Server) submitCancel(c *fiber.Ctx) error {
	b, err := s.svc.CancelBooking(c.UserContext(), c.Params("id"), c.Query("t"))
	if err != nil {
		var e *app.Error
		if errors.As(err, &e) && e.Code == app.CodeCancellationClosed {
			return s.renderBooking(c, fiber.StatusConflict, errorText(s.lang(c), e))
		}
		return err
	}
	s.reqLog(c).Info("booking cancelled from the manage page", "booking_id", b.ID, "reference", b.Reference)
	return c.Redirect("/b/"+url.PathEscape(b.ID)+"?t="+url.QueryEscape(b.ManageToken)+"&cancelled=1"+s.langParam(c), fiber.StatusSeeOther)
}

// csrfToken is the CSRF token of a customer's form: signed and short-lived,
// it needs no cookie (form_guard.go).
func (s *Server) csrfToken(c *fiber.Ctx) string { return s.svc.FormToken() }

// requireFormCSRF is route middleware for the customer's form POSTs: it lets
// a request through only when checkForm passes.
func (s *Server) requireFormCSRF(c *fiber.Ctx) error {
	if err := s.checkForm(c); err != nil {
		return err
	}
	return c.Next()
}

func (s *Server) saveDraft(c *fiber.Ctx, d draft) {
	data, _ := json.Marshal(d)
	c.Cookie(&fiber.Cookie{Name: draftCookie, Value: base64.RawURLEncoding.EncodeToString(data), Path: "/book/",
		MaxAge: 1800, HTTPOnly: true, SameSite: "Lax", Secure: strings.HasPrefix(s.svc.Config.Server.BaseURL, "https://")})
}

func readDraft(c *fiber.Ctx) draft {
	var d draft
	if raw, err := base64.RawURLEncoding.DecodeString(c.Cookies(draftCookie)); err == nil && len(raw) < 8192 {
		_ = json.Unmarshal(raw, &d)
	}
	return d
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
