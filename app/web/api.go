package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
)

type catalogJSON struct {
	Venue venueJSON  `json:"venue"`
	Tiers []tierJSON `json:"tiers"`
}

type venueJSON struct {
	Name               string `json:"name"`
	Timezone           string `json:"timezone"`
	Currency           string `json:"currency"`
	SlotStepMinutes    int    `json:"slot_step_minutes"`
	CleaningGapMinutes int    `json:"cleaning_gap_minutes"`
	MinNoticeMinutes   int    `json:"min_notice_minutes"`
	MaxAdvanceDays     int    `json:"max_advance_days"`
	Parking            bool   `json:"parking"`
	Address            string `json:"address"`
	CancelCutoffHours  int    `json:"cancel_cutoff_hours"`
}

type tierJSON struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Packages    []packageJSON `json:"packages"`
}

type packageJSON struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	DurationMinutes int    `json:"duration_minutes"`
	PriceCents      int64  `json:"price_cents"`
	MaxGuests       int    `json:"max_guests"`
}

func (s *Server) apiCatalog(c *fiber.Ctx) error {
	cfg := s.svc.Config
	out := catalogJSON{Venue: venueJSON{
		Name: cfg.Venue.Name, Timezone: cfg.Venue.Timezone, Currency: cfg.Venue.Currency,
		SlotStepMinutes: cfg.Venue.SlotStepMinutes, CleaningGapMinutes: cfg.Venue.CleaningGapMinutes,
		MinNoticeMinutes: cfg.Venue.MinNoticeMinutes, MaxAdvanceDays: cfg.Venue.MaxAdvanceDays,
		Parking: cfg.Parking.Enabled, Address: cfg.Venue.Address, CancelCutoffHours: cfg.Venue.CancelCutoffHours,
	}, Tiers: []tierJSON{}}
	for _, t := range cfg.Tiers {
		tj := tierJSON{ID: t.ID, Name: t.Name, Description: t.Description, Packages: []packageJSON{}}
		for _, p := range t.Packages {
			tj.Packages = append(tj.Packages, packageJSON(p))
		}
		out.Tiers = append(out.Tiers, tj)
	}
	return c.JSON(out)
}

type availabilityJSON struct {
	Timezone string    `json:"timezone"`
	Package  string    `json:"package"`
	Days     []dayJSON `json:"days"`
}

type dayJSON struct {
	Date  string     `json:"date"`
	Slots []slotJSON `json:"slots"`
}

type slotJSON struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	RoomsFree int    `json:"rooms_free"`
}

func (s *Server) apiAvailability(c *fiber.Ctx) error {
	pkg := c.Query("package")
	if pkg == "" {
		return invalidf("the query parameter package is required, e.g. ?package=classic-60&from=2026-12-01")
	}
	from, to, err := parseDateRange(c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	days, err := s.svc.Availability(c.UserContext(), pkg, from, to)
	if err != nil {
		return err
	}
	loc := s.svc.Rules.Location
	out := availabilityJSON{Timezone: s.svc.Config.Venue.Timezone, Package: pkg, Days: make([]dayJSON, 0, len(days))}
	for _, d := range days {
		dj := dayJSON{Date: d.Date.String(), Slots: make([]slotJSON, 0, len(d.Slots))}
		for _, sl := range d.Slots {
			dj.Slots = append(dj.Slots, slotJSON{Start: app.FormatInstant(sl.Start, loc), End: app.FormatInstant(sl.End, loc), RoomsFree: sl.RoomsFree})
		}
		out.Days = append(out.Days, dj)
	}
	return c.JSON(out)
}

// parseDateRange parses the from and to query parameters (to defaults to from).
func parseDateRange(fromText, toText string) (app.Date, app.Date, error) {
	if fromText == "" {
		return app.Date{}, app.Date{}, invalidf("the query parameter from is required (a date YYYY-MM-DD)")
	}
	from, err := app.ParseDate(fromText)
	if err != nil {
		return app.Date{}, app.Date{}, invalidf("from: %v", err)
	}
	to := from
	if toText != "" {
		if to, err = app.ParseDate(toText); err != nil {
			return app.Date{}, app.Date{}, invalidf("to: %v", err)
		}
	}
	return from, to, nil
}

type bookingEnvelope struct {
	Booking bookingJSON `json:"booking"`
}

type bookingJSON struct {
	ID         string       `json:"id"`
	Reference  string       `json:"reference"`
	Status     string       `json:"status"`
	Tier       string       `json:"tier"`
	Package    string       `json:"package"`
	Room       string       `json:"room"`
	Start      string       `json:"start"`
	End        string       `json:"end"`
	Guests     int          `json:"guests"`
	PriceCents int64        `json:"price_cents"`
	Currency   string       `json:"currency"`
	Customer   customerJSON `json:"customer"`
	Notes      string       `json:"notes"`
	Parking    *parkingJSON `json:"parking"`
	ManageURL  string       `json:"manage_url"`
	Calendar   calendarJSON `json:"calendar"`
	// ConfirmationSent tells whether the confirmation email has gone out.
	ConfirmationSent bool `json:"confirmation_sent"`
}

type customerJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

type parkingJSON struct {
	Status              string `json:"status"`
	VehicleRegistration string `json:"vehicle_registration"`
}

type calendarJSON struct {
	ICSURL    string `json:"ics_url"`
	GoogleURL string `json:"google_url"`
}

func (s *Server) bookingJSON(b app.Booking) bookingEnvelope {
	loc := s.svc.Rules.Location
	out := bookingJSON{
		ID: b.ID, Reference: b.Reference, Status: b.Status, Tier: b.TierID, Package: b.PackageID, Room: b.RoomID,
		Start: app.FormatInstant(b.Start, loc), End: app.FormatInstant(b.End, loc),
		Guests: b.Guests, PriceCents: b.PriceCents, Currency: b.Currency,
		Customer: customerJSON{Name: b.CustomerName, Email: b.CustomerEmail, Phone: b.CustomerPhone},
		Notes:    b.Notes, ManageURL: b.ManageURL,
		Calendar:         calendarJSON{ICSURL: b.ICSURL, GoogleURL: b.GoogleURL},
		ConfirmationSent: !b.ConfirmationSentAt.IsZero(),
	}
	if b.Permit != nil {
		out.Parking = &parkingJSON{Status: b.Permit.Status, VehicleRegistration: b.Permit.VehicleRegistration}
	}
	return bookingEnvelope{Booking: out}
}

func (s *Server) apiCreateBooking(c *fiber.Ctx) error {
	if err := s.bookingIPLimit.take(c, s.clientKey(c)); err != nil {
		return err
	}
	key, err := idempotencyKey(c.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	var req app.BookingRequest
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	if err := s.limitBookingEmail(c, req.Customer.Email); err != nil {
		return err
	}
	b, created, err := s.svc.CreateBooking(c.UserContext(), req, key)
	if err != nil {
		return err
	}
	if created {
		s.reqLog(c).Info("booking created", "booking_id", b.ID, "reference", b.Reference, "start", b.Start, "room", b.RoomID)
	} else {
		c.Set("Idempotent-Replayed", "true")
	}
	c.Set("Cache-Control", "no-store")
	c.Set("Location", "/api/bookings/"+b.ID)
	return c.Status(fiber.StatusCreated).JSON(s.bookingJSON(b))
}

func (s *Server) apiGetBooking(c *fiber.Ctx) error {
	b, err := s.svc.FindBooking(c.UserContext(), c.Params("id"), c.Query("t"))
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(s.bookingJSON(b))
}

func (s *Server) apiCancelBooking(c *fiber.Ctx) error {
	b, err := s.svc.CancelBooking(c.UserContext(), c.Params("id"), c.Query("t"))
	if err != nil {
		return err
	}
	s.reqLog(c).Info("booking cancelled by customer", "booking_id", b.ID, "reference", b.Reference)
	c.Set("Cache-Control", "no-store")
	return c.JSON(s.bookingJSON(b))
}

func (s *Server) apiCalendar(c *fiber.Ctx) error {
	b, err := s.svc.FindBooking(c.UserContext(), c.Params("id"), c.Query("t"))
	if err != nil {
		return err
	}
	method := app.MethodPublish
	if b.Status == "cancelled" {
		method = app.MethodCancel
	}
	c.Set("Cache-Control", "no-store")
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.ics"`, b.Reference))
	return c.Send(s.svc.ICS(b, method, s.svc.Now()))
}

// limitBookingEmail applies limits.booking_per_email to the address a booking
// is for, so nobody can flood one inbox with confirmations.
func (s *Server) limitBookingEmail(c *fiber.Ctx, email string) error {
	if e := strings.ToLower(strings.TrimSpace(email)); e != "" && len(e) <= 254 {
		return s.bookingEmailLimit.take(c, e)
	}
	return nil
}

// rawBody returns the request body as sent. Fiber's c.Body() would inflate a
// compressed body past the size limit, so compressed bodies are refused before
// any handler runs (see refuseEncodedBodies).
func rawBody(c *fiber.Ctx) []byte { return c.Request().Body() }

// idempotencyKey checks an Idempotency-Key header: absent, or 8 to 128
// printable ASCII characters.
func idempotencyKey(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if len(v) < 8 || len(v) > 128 {
		return "", invalidf("Idempotency-Key must be 8 to 128 printable characters")
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return "", invalidf("Idempotency-Key must be 8 to 128 printable characters")
		}
	}
	return v, nil
}

// decodeJSON decodes body into dst strictly: a JSON content type (when one is
// given), valid UTF-8, one JSON object, field names exactly as documented
// (encoding/json alone would match them case-insensitively), no unknown or
// repeated fields, no trailing data, right types.
func decodeJSON(contentType string, body []byte, dst any) error {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return invalidf("the body must be JSON, sent with Content-Type: application/json")
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return invalidf("the request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return invalidf("the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := checkFields(dec, reflect.TypeOf(dst).Elem(), ""); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalidf("the body must hold exactly one JSON object")
	}
	dec = json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	return nil
}

// checkFields walks one JSON value from dec against type t: an object must
// only use t's JSON field names, spelt exactly, each once. Values of other
// types are left to the decoder's type checks.
func checkFields(dec *json.Decoder, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return decodeError(err)
	}
	delim, isDelim := tok.(json.Delim)
	if path == "" && (!isDelim || delim != '{') {
		return invalidf("the body must be a JSON object")
	}
	if !isDelim {
		return nil
	}
	switch delim {
	case '[':
		for dec.More() {
			elem := reflect.TypeOf((*any)(nil)).Elem()
			if t.Kind() == reflect.Slice {
				elem = t.Elem()
			}
			if err := checkFields(dec, elem, path+"[]"); err != nil {
				return err
			}
		}
	case '{':
		fields := map[string]reflect.Type{}
		if t.Kind() == reflect.Struct {
			for i := 0; i < t.NumField(); i++ {
				name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
				fields[name] = t.Field(i).Type
			}
		}
		seen := map[string]bool{}
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return decodeError(err)
			}
			key, _ := keyTok.(string)
			full := key
			if path != "" {
				full = path + "." + key
			}
			ft, known := fields[key]
			if t.Kind() == reflect.Struct && !known {
				return &app.Error{Code: app.CodeInvalidRequest, Message: fmt.Sprintf("unknown field %q (field names are case-sensitive)", full),
					Fields: map[string]string{full: "is not a known field"}}
			}
			if seen[key] {
				return &app.Error{Code: app.CodeInvalidRequest, Message: fmt.Sprintf("field %q appears twice", full),
					Fields: map[string]string{full: "appears twice"}}
			}
			seen[key] = true
			if ft == nil {
				ft = reflect.TypeOf((*any)(nil)).Elem()
			}
			if err := checkFields(dec, ft, full); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	if err != nil {
		return decodeError(err)
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return invalidf("malformed JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return invalidf("the body must be a JSON object")
		}
		return &app.Error{Code: app.CodeInvalidRequest, Message: fmt.Sprintf("%s must be a JSON %s", field, jsonKind(typeErr.Type.Kind().String())),
			Fields: map[string]string{field: "has the wrong type"}}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return invalidf("malformed JSON: the body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &app.Error{Code: app.CodeInvalidRequest, Message: fmt.Sprintf("unknown field %q", name), Fields: map[string]string{name: "is not a known field"}}
	}
	return invalidf("malformed JSON: %v", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int", "int64", "int32":
		return "integer"
	case "struct", "map", "ptr":
		return "object"
	case "slice":
		return "array"
	case "bool":
		return "boolean"
	}
	return "value of another type"
}
