package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
	"venuebook/app/l10n"

	"venuebook/store"
)

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// ScopedIdempotencyKey ties a client's Idempotency-Key to who sent it
// (client: the sender's network, as the rate limits count it). The key itself
// stays global, and the client is part of the request's fingerprint: a retry
// from the same network gets the first answer; the same key and body from
// another network (another client, or this one after its connection changed)
// get 409 idempotency_conflict — never the first booking's manage link, and
// never a second booking. The empty key stays empty.
func ScopedIdempotencyKey(client, key string) string {
	if key == "" {
		return ""
	}
	return key + scopeSeparator + client
}

// scopeSeparator parts a key from its client in ScopedIdempotencyKey (a
// character no Idempotency-Key may hold).
const scopeSeparator = "\x1f"

// MaxAvailabilityDays is the longest range one availability query may cover.
const MaxAvailabilityDays = 62

// Service is the venue's domain: it applies the booking rules and calls the
// store. Handlers of every kind (JSON, pages) call it; none decides on its own.
type Service struct {
	Config *Config
	Rules  Rules
	Store  *store.Store
	Log    *slog.Logger
	// Now is the clock; tests pin it.
	Now func() time.Time

	// Counters feed /metrics.
	Counters Counters
	// Hashing caps the password hashing of sign-ins and new accounts.
	Hashing *HashGate

	// L10n are the catalogs; Offer the languages customers may choose
	// (venue.language first).
	L10n  *l10n.Catalogs
	Offer *l10n.Offer

	manageKey []byte
	permitKey []byte
	formKey   []byte
	csrfKey   []byte
	mail      *mailTemplates
	avail     availCache
	claims    slotClaims
	backups   backupState
}

// Open opens the store at the configured path (with opts), syncs the catalog
// into it, settles the instance secret and returns the Service. assets holds
// mail/.
func Open(ctx context.Context, cfg *Config, schemaSQL string, assets fs.FS, log *slog.Logger, now func() time.Time, opts ...store.Option) (*Service, error) {
	mail, err := parseMailTemplates(assets)
	if err != nil {
		return nil, err
	}
	cats, err := l10n.Default()
	if err != nil {
		return nil, err
	}
	schema, err := store.CurrentSchema(schemaSQL)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.Database.Path, schema, append([]store.Option{store.WithClock(now)}, opts...)...)
	if err != nil {
		return nil, err
	}
	if u, err := url.Parse(cfg.Server.BaseURL); err == nil && u.Hostname() != "" {
		st.SetMailDomain(u.Hostname())
	}
	svc := &Service{Config: cfg, Rules: RulesFromConfig(cfg), Store: st, Log: log, Now: now, mail: mail,
		L10n: cats, Offer: cats.NewOffer(append([]string{cfg.Venue.Language}, cfg.Venue.Languages...)...),
		Hashing: NewHashGate(HashSlots, HashQueue, HashWait)}
	if err := st.SyncCatalog(ctx, catalogOf(cfg)); err != nil {
		st.Close()
		return nil, err
	}
	secret := cfg.Security.Secret
	if secret == "" {
		var b [32]byte
		_, _ = rand.Read(b[:])
		if secret, err = st.EnsureSetting(ctx, "instance_secret", hex.EncodeToString(b[:])); err != nil {
			st.Close()
			return nil, err
		}
	}
	svc.manageKey = DeriveKey(secret, "manage-link")
	svc.permitKey = DeriveKey(secret, "permit-link")
	svc.formKey = DeriveKey(secret, "form-time")
	svc.csrfKey = DeriveKey(secret, "form-csrf")
	return svc, nil
}

// VenueLang is the venue's own language: the console's and the owner's
// copies'.
func (s *Service) VenueLang() *l10n.Lang { return s.offer().Default() }

// offer is Offer, or for a Service built without Open (tests) the config's.
func (s *Service) offer() *l10n.Offer {
	if s.Offer != nil {
		return s.Offer
	}
	cats, err := l10n.Default()
	if err != nil {
		panic(err)
	}
	return cats.NewOffer(append([]string{s.Config.Venue.Language}, s.Config.Venue.Languages...)...)
}

// BookingLang is the language a booking was made in, for its later emails
// (a booking from before languages, "", is the venue's).
func (s *Service) BookingLang(b store.Booking) *l10n.Lang {
	if b.Language == "" {
		return s.VenueLang()
	}
	cats, _ := l10n.Default()
	return cats.Parse(b.Language)
}

// bookingLanguage is the offered language a booking request names ("" for
// the venue's), written as the venue offers it ("de-CH" for "de"): a
// booking always records its language, so that the venue changing its own
// later does not change the language of its emails.
func (s *Service) bookingLanguage(requested string) (string, error) {
	if requested == "" {
		return s.VenueLang().String(), nil
	}
	l := s.offer().Pick(requested)
	if l == nil {
		var offered []string
		for _, o := range s.offer().Langs {
			offered = append(offered, o.String())
		}
		return "", invalid(map[string]Msg{"language": M("errors.field.language", "Offered", strings.Join(offered, ", "))})
	}
	return l.String(), nil
}

// Close closes the store.
func (s *Service) Close() error { return s.Store.Close() }

// DeriveKey derives a key for one purpose from the instance secret, so that a
// token made for one purpose is worthless for another.
func DeriveKey(secret, purpose string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("venuebook/v1/" + purpose))
	return m.Sum(nil)
}

func catalogOf(c *Config) store.Catalog {
	cat := store.Catalog{CleaningGapSec: int64(c.Venue.CleaningGapMinutes) * 60}
	for _, r := range c.Rooms {
		cat.Rooms = append(cat.Rooms, store.CatalogRoom{ID: r.ID, Name: r.Name})
	}
	for _, t := range c.Tiers {
		ct := store.CatalogTier{ID: t.ID, Name: t.Name, Description: t.Description}
		for _, p := range t.Packages {
			ct.Packages = append(ct.Packages, store.CatalogPackage{ID: p.ID, Name: p.Name,
				DurationSec: int64(p.DurationMinutes) * 60, PriceCents: p.PriceCents, MaxGuests: p.MaxGuests})
		}
		cat.Tiers = append(cat.Tiers, ct)
	}
	return cat
}

// Booking is a stored booking with the links its customer uses.
type Booking struct {
	store.Booking
	ManageToken string
	ManageURL   string
	ICSURL      string
	GoogleURL   string
	OutlookURL  string
}

// Availability lists the bookable starts of package pkgID on the local dates
// from..to inclusive, and each date's state (why it has no times). It returns
// invalid_request for an unknown package or a bad range.
func (s *Service) Availability(ctx context.Context, pkgID string, from, to Date) ([]DaySlots, error) {
	tier, pkg, err := s.availabilityQuery(pkgID, from, to)
	if err != nil {
		return nil, err
	}
	return s.availabilityFrom(s.Store.Mirror(), tier, pkg, from, to, s.Now()), nil
}

// availabilityQuery finds the package of an availability query and checks its range.
func (s *Service) availabilityQuery(pkgID string, from, to Date) (*Tier, *Package, error) {
	tier, pkg, ok := s.Config.FindPackage(pkgID)
	if !ok {
		return nil, nil, NewError(CodeInvalidRequest, "errors.availability.unknown_package", "Package", strconv.Quote(pkgID))
	}
	if to.Before(from) {
		return nil, nil, NewError(CodeInvalidRequest, "errors.range.reversed", "To", dateValue(to), "From", dateValue(from))
	}
	if from.DaysUntil(to) >= MaxAvailabilityDays {
		return nil, nil, NewError(CodeInvalidRequest, "errors.availability.too_many_days", "Count", MaxAvailabilityDays)
	}
	return tier, pkg, nil
}

// availabilityFrom is Availability read from the snapshot m, through the cache.
func (s *Service) availabilityFrom(m store.Mirror, tier *Tier, pkg *Package, from, to Date, now time.Time) []DaySlots {
	if days, ok := s.avail.get(&s.Rules, m, pkg.ID, from, to, now); ok {
		return days
	}
	days := s.availabilityUncached(m, tier, pkg, from, to, now)
	s.avail.put(&s.Rules, m, pkg.ID, days, now)
	return days
}

// availabilityUncached is Availability computed from the snapshot m.
func (s *Service) availabilityUncached(m store.Mirror, tier *Tier, pkg *Package, from, to Date, now time.Time) []DaySlots {
	rooms := s.Config.TierRooms(tier)
	bookings, blackouts := m.Spans(rooms, from.At(0, s.Rules.Location), to.AddDays(1).At(0, s.Rules.Location))
	dur := time.Duration(pkg.DurationMinutes) * time.Minute
	scan := newSpanScan(dur, rooms, bookings, toIntervals(blackouts), s.Rules.Gap)
	return s.Rules.availability(from, to, dur, scan, now)
}

// AvailabilityAnswer is what GET /api/availability answers: the days of
// the range, and the first start after it that can be booked now (nil when
// the booking window holds none). The same answer, unchanged, is returned
// while it holds: callers must not change it.
type AvailabilityAnswer struct {
	Days []DaySlots
	Next *Slot
}

// Availability answers Availability and NextAvailable(to+1, 1) together,
// from one snapshot of the mirror, and keeps the answer while the mirror
// does not change on the dates it read and the clock does not move the
// booking window: a calendar refreshed by many people is computed once.
func (s *Service) AvailabilityAnswer(ctx context.Context, pkgID string, from, to Date) (*AvailabilityAnswer, error) {
	tier, pkg, err := s.availabilityQuery(pkgID, from, to)
	if err != nil {
		return nil, err
	}
	for {
		now, m := s.Now(), s.Store.Mirror()
		if a, ok := s.avail.answer(&s.Rules, m, pkgID, from, to, now); ok {
			return a, nil
		}
		done, wait := s.avail.compute(pkgID, from, to)
		if done == nil {
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		defer done() // even if computing panics, the others stop waiting
		// One who computed it may have finished between the look above
		// and this request's turn.
		if a, ok := s.avail.answer(&s.Rules, m, pkgID, from, to, now); ok {
			return a, nil
		}
		return s.computeAnswer(m, tier, pkg, from, to, now), nil
	}
}

// computeAnswer computes the answer of AvailabilityAnswer from m at now and keeps it.
func (s *Service) computeAnswer(m store.Mirror, tier *Tier, pkg *Package, from, to Date, now time.Time) *AvailabilityAnswer {
	pkgID := pkg.ID
	a := &AvailabilityAnswer{Days: s.availabilityFrom(m, tier, pkg, from, to, now)}
	next, readTo := s.nextAvailableFrom(m, tier, pkg, to.AddDays(1), 1, now)
	if len(next) > 0 {
		a.Next = &next[0]
	}
	if readTo.Before(to) {
		readTo = to
	}
	s.avail.putAnswer(&s.Rules, m, pkgID, from, to, readTo, now, a)
	return a
}

// NextAvailable returns the first free start of each of the first n local
// dates from date from onwards (inclusive) that have one, up to the last date
// of the booking window: fewer, or none, when the window holds fewer. It reads
// the occupancy mirror a week at a time, then two, four, … and stops at the
// n-th date, so a free date soon costs one small read. It returns
// invalid_request for an unknown package.
func (s *Service) NextAvailable(ctx context.Context, pkgID string, from Date, n int) ([]Slot, error) {
	tier, pkg, ok := s.Config.FindPackage(pkgID)
	if !ok {
		return nil, NewError(CodeInvalidRequest, "errors.availability.unknown_package", "Package", strconv.Quote(pkgID))
	}
	found, _ := s.nextAvailableFrom(s.Store.Mirror(), tier, pkg, from, n, s.Now())
	return found, nil
}

// nextAvailableFrom is NextAvailable read from the snapshot m; it also
// returns the last date it read.
func (s *Service) nextAvailableFrom(m store.Mirror, tier *Tier, pkg *Package, from Date, n int, now time.Time) (found []Slot, readTo Date) {
	loc := s.Rules.Location
	today := DateOf(now, loc)
	last := today.AddDays(s.Rules.MaxAdvance)
	if from.Before(today) {
		from = today
	}
	rooms := s.Config.TierRooms(tier)
	dur := time.Duration(pkg.DurationMinutes) * time.Minute
	readTo = from
	for chunk := 7; !last.Before(from) && len(found) < n; chunk *= 2 {
		to := from.AddDays(chunk - 1)
		if last.Before(to) {
			to = last
		}
		bookings, blackouts := m.Spans(rooms, from.At(0, loc), to.AddDays(1).At(0, loc))
		scan := newSpanScan(dur, rooms, bookings, toIntervals(blackouts), s.Rules.Gap)
		found = append(found, s.Rules.nextFree(from, to, n-len(found), dur, scan, now)...)
		readTo, from = to, to.AddDays(1)
	}
	return found, readTo
}

func toIntervals(in []store.Interval) []Interval {
	out := make([]Interval, len(in))
	for i, iv := range in {
		out[i] = Interval(iv)
	}
	return out
}

// CreateBooking validates req, checks the start against the rules and books it
// in one transaction. With an idempotency key, a retry of the same request
// returns the booking the first one made (created is then false). Errors:
// validation_failed, price_changed, slot_unavailable, idempotency_conflict.
func (s *Service) CreateBooking(ctx context.Context, req BookingRequest, idempotencyKey string) (b Booking, created bool, err error) {
	now := s.Now()
	fingerprint := ""
	if idempotencyKey != "" {
		var client string
		idempotencyKey, client, _ = strings.Cut(idempotencyKey, scopeSeparator)
		canonical, _ := json.Marshal(req)
		canonical = append(canonical, "\x00"+client...)
		sum := sha256.Sum256(canonical)
		fingerprint = hex.EncodeToString(sum[:])
		// A retry gets the first answer even if the rules would now refuse
		// the request (the slot too soon, the price changed).
		if sb, found, err := s.findReplay(ctx, idempotencyKey, fingerprint, now, IdempotencyTTL); err != nil || found {
			return s.withLinks(sb), false, err
		}
	}
	v, err := ValidateBooking(s.Config, req)
	if err != nil {
		return Booking{}, false, err
	}
	lang, err := s.bookingLanguage(req.Language)
	if err != nil {
		return Booking{}, false, err
	}
	dur := v.End.Sub(v.Start)
	if !s.Rules.OnGrid(v.Start, dur) {
		return Booking{}, false, s.slotError(v.Start, "errors.slot.off_grid")
	}
	if v.Start.Before(now.Add(s.Rules.MinNotice)) {
		return Booking{}, false, s.slotError(v.Start, "errors.slot.too_soon", "Notice", durationMsg(s.Rules.MinNotice))
	}
	if !s.Rules.WithinWindow(v.Start, now) {
		return Booking{}, false, s.slotError(v.Start, "errors.slot.too_far", "Count", s.Rules.MaxAdvance)
	}
	sb, replayed, err := s.book(ctx, v, store.NewBooking{Rooms: s.Config.RoomPreference(v.Tier),
		IdempotencyKey: idempotencyKey, Fingerprint: fingerprint, IdempotencyTTL: IdempotencyTTL, Language: lang}, s.bookingEmails, "errors.slot.taken")
	if err != nil {
		return Booking{}, false, err
	}
	if !replayed {
		s.Counters.BookingsCreated.Add(1)
	}
	return s.withLinks(sb), !replayed, nil
}

// book inserts the validated booking v with the rest of nb (its rooms, an
// idempotency key, who took it), a parking permit request when v asks for
// one, and the emails: mails renders the booking's own (nil for none), and the
// approver's request follows a permit. It maps the store's refusals to the
// contract's errors; taken is the message id of why, when the slot is not free.
func (s *Service) book(ctx context.Context, v ValidBooking, nb store.NewBooking, mails store.Composer, taken string) (store.Booking, bool, error) {
	now := s.Now()
	var permitToken string
	if v.VehicleRegistration != "" {
		nb.PermitID = store.NewID()
		var err error
		if nb.PermitLink, permitToken, err = s.newPermitLink(nb.PermitID, v.Start, now); err != nil {
			return store.Booking{}, false, err
		}
	}
	nb.Compose = func(b store.Booking) ([]store.Message, error) {
		var msgs []store.Message
		if mails != nil {
			var err error
			if msgs, err = mails(b); err != nil {
				return nil, err
			}
		}
		if b.Permit == nil {
			return msgs, nil
		}
		request, err := s.permitRequestEmails(b, permitToken, now)
		return append(msgs, request...), err
	}
	nb.TierID, nb.PackageID, nb.Start, nb.End, nb.Guests = v.Tier.ID, v.Package.ID, v.Start, v.End, v.Guests
	nb.PriceCents, nb.Currency = v.PriceCents, s.Config.Venue.Currency
	nb.CustomerName, nb.CustomerEmail, nb.CustomerPhone, nb.Notes = v.Name, v.Email, v.Phone, v.Notes
	nb.VehicleRegistration, nb.PermitApprover, nb.Now = v.VehicleRegistration, s.Config.Parking.ApproverEmail, now
	// The room the writer will take is, almost always, the first the
	// mirror shows free that no other request is booking (claimRoom): the
	// emails are rendered here for it, in this request's goroutine, and the
	// writer only queues them (it renders them itself if it takes another
	// room). A start the mirror shows taken in every room is refused
	// without a write: when many race for one start, all but the winner
	// are answered from memory. The mirror shows only committed bookings,
	// so it never refuses a start the database would give; a retry of a
	// booking already made still gets that booking.
	claim, err := s.claimRoom(ctx, nb.Rooms, v.Start, v.End)
	if err != nil {
		return store.Booking{}, false, err
	}
	var sb store.Booking
	replayed := false
	if claim == nil {
		if nb.IdempotencyKey != "" {
			if sb, found, err := s.findReplay(ctx, nb.IdempotencyKey, nb.Fingerprint, now, nb.IdempotencyTTL); err != nil || found {
				return sb, found, err
			}
		}
		err = store.ErrSlotTaken
	} else {
		defer s.release(claim)
		nb.ID, nb.Reference = store.NewID(), store.NewReference()
		expected := nb.Expected(claim.room)
		var msgs []store.Message
		if msgs, err = nb.Compose(expected); err != nil {
			return store.Booking{}, false, err
		}
		nb.Prepared = &store.Prepared{Booking: expected, Messages: msgs}
		sb, replayed, err = s.Store.CreateBooking(ctx, nb)
	}
	switch {
	case errors.Is(err, store.ErrSlotTaken):
		s.Counters.BookingConflicts.Add(1)
		return store.Booking{}, false, s.slotError(v.Start, taken)
	case errors.Is(err, store.ErrIdempotencyConflict):
		return store.Booking{}, false, NewError(CodeIdempotencyConflict, "errors.booking.idempotency_conflict")
	}
	return sb, replayed, err
}

// findReplay looks up the booking an idempotency key made: found with the
// booking, not found (nil error), or idempotency_conflict when the key came
// with another request.
func (s *Service) findReplay(ctx context.Context, key, fingerprint string, now time.Time, ttl time.Duration) (store.Booking, bool, error) {
	sb, err := s.Store.FindIdempotentBooking(ctx, key, fingerprint, now, ttl)
	switch {
	case err == nil:
		return sb, true, nil
	case errors.Is(err, store.ErrIdempotencyConflict):
		return store.Booking{}, false, NewError(CodeIdempotencyConflict, "errors.booking.idempotency_conflict")
	case errors.Is(err, store.ErrNotFound):
		return store.Booking{}, false, nil
	default:
		return store.Booking{}, false, err
	}
}

// slotError is slot_unavailable for start: the message id says why, its
// {{.Start}} is start, pairs fill its other fields.
func (s *Service) slotError(start time.Time, id string, pairs ...any) error {
	return NewError(CodeSlotUnavailable, id, append([]any{"Start", instantValue(start, s.Rules.Location)}, pairs...)...)
}

// FindBooking returns the booking id if token is its manage token; otherwise,
// like for an unknown id, not_found.
func (s *Service) FindBooking(ctx context.Context, id, token string) (Booking, error) {
	if !s.validManageToken(id, token) {
		return Booking{}, NewError(CodeNotFound, "errors.booking.no_match")
	}
	b, err := s.Store.FindBookingByID(ctx, id)
	if err != nil {
		return Booking{}, err
	}
	return s.withLinks(b), nil
}

// CancelBooking cancels the customer's own booking, up to the venue's cutoff
// before its start, which frees the slot. Errors: not_found,
// cancellation_closed (too late, or not confirmed any more).
func (s *Service) CancelBooking(ctx context.Context, id, token string) (Booking, error) {
	b, err := s.FindBooking(ctx, id, token)
	if err != nil {
		return Booking{}, err
	}
	cutoff := time.Duration(s.Config.Venue.CancelCutoffHours) * time.Hour
	if b.Status != store.StatusConfirmed {
		return Booking{}, NewError(CodeCancellationClosed, "errors.booking.cancel_state", "State", stateWords(b.Status))
	}
	now := s.Now()
	if ok, _ := s.CustomerCanCancel(b.Booking); !ok {
		return Booking{}, NewError(CodeCancellationClosed, "errors.booking.cancel_cutoff", "Cutoff", durationMsg(cutoff))
	}
	sb, err := s.Store.CancelBooking(ctx, id, now.Add(cutoff), now, s.cancellationEmails)
	if errors.Is(err, store.ErrStateChanged) {
		return Booking{}, NewError(CodeCancellationClosed, "errors.booking.cancel_closed")
	}
	if err != nil {
		return Booking{}, err
	}
	return s.withLinks(sb), nil
}

// CustomerCanCancel reports whether the customer may still cancel b, and
// until when cancelling is open (cancel_cutoff_hours before the start).
func (s *Service) CustomerCanCancel(b store.Booking) (bool, time.Time) {
	closes := b.Start.Add(-time.Duration(s.Config.Venue.CancelCutoffHours) * time.Hour)
	return b.Status == store.StatusConfirmed && !s.Now().After(closes), closes
}

// ManageToken returns the secret token of booking id's manage link. It is an
// HMAC of the id, so it needs no storage and can be rebuilt for any email.
func (s *Service) ManageToken(id string) string {
	m := hmac.New(sha256.New, s.manageKey)
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) validManageToken(id, token string) bool {
	if len(token) != 43 || len(id) > 64 {
		return false
	}
	return hmac.Equal([]byte(token), []byte(s.ManageToken(id)))
}

func (s *Service) withLinks(b store.Booking) Booking {
	token := s.ManageToken(b.ID)
	base := s.Config.Server.BaseURL
	q := "?t=" + url.QueryEscape(token)
	return Booking{
		Booking:     b,
		ManageToken: token,
		ManageURL:   base + "/b/" + url.PathEscape(b.ID) + q,
		ICSURL:      base + "/api/bookings/" + url.PathEscape(b.ID) + "/calendar.ics" + q,
		GoogleURL:   s.googleCalendarURL(b),
		OutlookURL:  s.outlookCalendarURL(b),
	}
}

// withLinksAll is withLinks for each of rows.
func (s *Service) withLinksAll(rows []store.Booking) []Booking {
	out := make([]Booking, len(rows))
	for i, b := range rows {
		out[i] = s.withLinks(b)
	}
	return out
}

// TierName and PackageName give display names for ids, falling back to the id
// for items no longer in the catalog.
func (s *Service) PackageName(id string) string {
	if _, p, ok := s.Config.FindPackage(id); ok {
		return p.Name
	}
	return id
}

// RoomName gives a room's display name, falling back to its id.
func (s *Service) RoomName(id string) string {
	for _, r := range s.Config.Rooms {
		if r.ID == id {
			return r.Name
		}
	}
	return id
}

func (s *Service) TierName(id string) string {
	for _, t := range s.Config.Tiers {
		if t.ID == id {
			return t.Name
		}
	}
	return id
}

// FormStamp returns a signed stamp of when a booking form was shown.
func (s *Service) FormStamp() string {
	ts := strconv.FormatInt(s.Now().Unix(), 10)
	m := hmac.New(sha256.New, s.formKey)
	m.Write([]byte(ts))
	return ts + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}

// CheckFormStamp refuses a form sent sooner than limits.min_fill_seconds
// after it was shown (people take longer; bots do not), or with a missing or
// forged stamp.
func (s *Service) CheckFormStamp(stamp string) error {
	min := time.Duration(s.Config.Limits.MinFillSeconds) * time.Second
	if min == 0 {
		return nil
	}
	ts, sig, ok := strings.Cut(stamp, ".")
	m := hmac.New(sha256.New, s.formKey)
	m.Write([]byte(ts))
	want := base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
	shown, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || !hmac.Equal([]byte(sig), []byte(want)) {
		return NewError(CodeInvalidRequest, "errors.booking.form_stale")
	}
	if s.Now().Sub(time.Unix(shown, 0)) < min {
		return NewError(CodeInvalidRequest, "errors.booking.form_quick")
	}
	return nil
}
