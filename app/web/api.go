package web

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/store"
)

type catalogJSON struct {
	Venue venueJSON  `json:"venue"`
	Tiers []tierJSON `json:"tiers"`
}

type venueJSON struct {
	Name               string   `json:"name"`
	Timezone           string   `json:"timezone"`
	Currency           string   `json:"currency"`
	SlotStepMinutes    int      `json:"slot_step_minutes"`
	CleaningGapMinutes int      `json:"cleaning_gap_minutes"`
	MinNoticeMinutes   int      `json:"min_notice_minutes"`
	MaxAdvanceDays     int      `json:"max_advance_days"`
	Parking            bool     `json:"parking"`
	Address            string   `json:"address"`
	CancelCutoffHours  int      `json:"cancel_cutoff_hours"`
	ChangeCutoffHours  int      `json:"change_cutoff_hours"`
	Phone              string   `json:"phone"`
	Email              string   `json:"email"`
	Website            string   `json:"website"`
	Language           string   `json:"language"`
	Languages          []string `json:"languages"`
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
		ChangeCutoffHours: cfg.Venue.ChangeCutoffHours, Phone: cfg.Venue.Phone, Email: cfg.Venue.Email, Website: cfg.Venue.Website,
		Language: cfg.Venue.Language, Languages: append([]string{}, cfg.Venue.Languages...),
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

// availabilityJSON is the answer of GET /api/availability. The fields added
// later (state, reason, next_available) come after the first ones, so every
// byte of those stays where it was.
type availabilityJSON struct {
	Timezone string    `json:"timezone"`
	Package  string    `json:"package"`
	Days     []dayJSON `json:"days"`
	// NextAvailable is the first start after the asked range that can be
	// booked now; null when the booking window holds none.
	NextAvailable *string `json:"next_available"`
}

type dayJSON struct {
	Date  string     `json:"date"`
	Slots []slotJSON `json:"slots"`
	State string     `json:"state"`
	// Reason is a closure's reason; left out unless the day is closed by a
	// closure that has one (a blackout's reason is the owner's, never shown).
	Reason string `json:"reason,omitempty"`
}

type slotJSON struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	RoomsFree int    `json:"rooms_free"`
}

func (s *Server) apiAvailability(c *fiber.Ctx) error {
	pkg := c.Query("package")
	if pkg == "" {
		return invalid("errors.request.package_required")
	}
	from, to, err := parseDateRange(c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	answer, err := s.svc.AvailabilityAnswer(c.UserContext(), pkg, from, to)
	if err != nil {
		return err
	}
	query := pkg + "\x00" + from.String() + "\x00" + to.String()
	body := s.availBodies.get(query, answer)
	if body == nil {
		if body, err = json.Marshal(s.availabilityJSON(pkg, answer)); err != nil {
			return err
		}
		s.availBodies.put(query, answer, body)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	// The kept bytes are sent as they are, never copied: nothing changes them.
	c.Response().SetBodyRaw(body)
	return nil
}

func (s *Server) availabilityJSON(pkg string, answer *app.AvailabilityAnswer) availabilityJSON {
	loc := s.svc.Rules.Location
	out := availabilityJSON{Timezone: s.svc.Config.Venue.Timezone, Package: pkg, Days: make([]dayJSON, 0, len(answer.Days))}
	for _, d := range answer.Days {
		dj := dayJSON{Date: d.Date.String(), Slots: make([]slotJSON, 0, len(d.Slots)), State: string(d.State), Reason: d.Reason}
		for _, sl := range d.Slots {
			dj.Slots = append(dj.Slots, slotJSON{Start: app.FormatInstant(sl.Start, loc), End: app.FormatInstant(sl.End, loc), RoomsFree: sl.RoomsFree})
		}
		out.Days = append(out.Days, dj)
	}
	if answer.Next != nil {
		start := app.FormatInstant(answer.Next.Start, loc)
		out.NextAvailable = &start
	}
	return out
}

// answerBodies keeps the JSON of the latest availability answer of each
// query: while the service hands out the same answer (it has not changed),
// its bytes are sent as they are. At most answerBodiesMax bytes are kept.
type answerBodies struct {
	mu     sync.Mutex
	bodies map[string]answerBody
	size   int
}

type answerBody struct {
	answer *app.AvailabilityAnswer
	body   []byte
}

const answerBodiesMax = 8 << 20

func (ab *answerBodies) get(query string, a *app.AvailabilityAnswer) []byte {
	ab.mu.Lock()
	defer ab.mu.Unlock()
	if e := ab.bodies[query]; e.answer == a {
		return e.body
	}
	return nil
}

func (ab *answerBodies) put(query string, a *app.AvailabilityAnswer, body []byte) {
	ab.mu.Lock()
	defer ab.mu.Unlock()
	if ab.bodies == nil || ab.size+len(body) > answerBodiesMax {
		ab.bodies, ab.size = map[string]answerBody{}, 0
	}
	ab.size += len(body) - len(ab.bodies[query].body)
	ab.bodies[query] = answerBody{a, body}
}

// parseDateRange parses the from and to query parameters (to defaults to from).
func parseDateRange(fromText, toText string) (app.Date, app.Date, error) {
	if fromText == "" {
		return app.Date{}, app.Date{}, invalid("errors.request.from_required")
	}
	from, err := app.ParseDate(fromText)
	if err != nil {
		return app.Date{}, app.Date{}, invalid("errors.request.from_invalid", "Problem", app.MsgOf(err))
	}
	to := from
	if toText != "" {
		if to, err = app.ParseDate(toText); err != nil {
			return app.Date{}, app.Date{}, invalid("errors.request.to_invalid", "Problem", app.MsgOf(err))
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
	// Source is "online" (the customer) or "owner" (taken at the desk).
	Source string `json:"source"`
	// Language is the language the booking was made in: its emails'.
	Language  string       `json:"language"`
	Parking   *parkingJSON `json:"parking"`
	ManageURL string       `json:"manage_url"`
	Calendar  calendarJSON `json:"calendar"`
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
		Notes:    b.Notes, Source: b.Source, Language: s.svc.BookingLang(b.Booking).String(), ManageURL: b.ManageURL,
		Calendar:         calendarJSON{ICSURL: b.ICSURL, GoogleURL: b.GoogleURL},
		ConfirmationSent: !b.ConfirmationSentAt.IsZero(),
	}
	if b.Permit != nil {
		out.Parking = &parkingJSON{Status: b.Permit.Status, VehicleRegistration: b.Permit.VehicleRegistration}
	}
	return bookingEnvelope{Booking: out}
}

func (s *Server) apiCreateBooking(c *fiber.Ctx) error {
	key, err := idempotencyKey(c.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	var req app.BookingRequest
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	if req.Language == "" {
		req.Language = s.lang(c).String()
	}
	giveBack, err := s.reserveBooking(c, req.Customer.Email)
	if err != nil {
		return err
	}
	b, created, err := s.svc.CreateBooking(c.UserContext(), req, app.ScopedIdempotencyKey(s.clientKey(c), key))
	if err != nil || !created {
		giveBack()
	}
	if err != nil {
		return err
	}
	if created {
		logWith(c, "event", "booking created", "booking_id", b.ID, "reference", b.Reference, "start", b.Start, "room", b.RoomID)
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

// apiRescheduleBooking moves the customer's own booking (API.md, "Customer:
// move a booking").
func (s *Server) apiRescheduleBooking(c *fiber.Ctx) error {
	var req app.RescheduleRequest
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	b, err := s.svc.RescheduleBooking(c.UserContext(), c.Params("id"), c.Query("t"), req)
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(s.bookingJSON(b))
}

func (s *Server) apiCalendar(c *fiber.Ctx) error {
	b, err := s.svc.FindBooking(c.UserContext(), c.Params("id"), c.Query("t"))
	if err != nil {
		return err
	}
	method := app.MethodPublish
	if b.Status == store.StatusCancelled {
		method = app.MethodCancel
	}
	c.Set("Cache-Control", "no-store")
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.ics"`, b.Reference))
	return c.Send(s.svc.ICS(b, method, s.svc.Now()))
}

// reserveBooking counts a booking, before it is made, for its customer's
// email (limits.booking_per_email, the address as store.AddressKey spells it,
// so that case and "+tag" change nothing) and for the client's network
// (limits.booking_per_network), and answers 429 when either is reached. The
// caller calls giveBack when no booking is made (refused for any reason, or
// an idempotent replay), so that only bookings made use either limit.
func (s *Server) reserveBooking(c *fiber.Ctx, email string) (giveBack func(), err error) {
	emailKey := ""
	if e := strings.TrimSpace(email); e != "" && len(e) <= 254 {
		emailKey = store.AddressKey(e)
	}
	network := s.networkKey(c)
	if emailKey != "" {
		if err := s.bookingEmailLimit.take(c, emailKey); err != nil {
			s.bookingEmailLimit.giveBack(emailKey)
			return nil, err
		}
	}
	// The network's count shows in the headers only when it refuses: they
	// describe the per-address and per-email limits a customer meets first.
	if err := s.bookingNetworkLimit.takeQuietly(c, network); err != nil {
		s.bookingNetworkLimit.giveBack(network)
		if emailKey != "" {
			s.bookingEmailLimit.giveBack(emailKey)
		}
		return nil, err
	}
	return func() {
		if emailKey != "" {
			s.bookingEmailLimit.giveBack(emailKey)
		}
		s.bookingNetworkLimit.giveBack(network)
	}, nil
}

// idempotencyKey checks an Idempotency-Key header: absent, or 8 to 128
// printable ASCII characters.
func idempotencyKey(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if len(v) < 8 || len(v) > 128 {
		return "", invalid("errors.request.idempotency_key")
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return "", invalid("errors.request.idempotency_key")
		}
	}
	return v, nil
}
