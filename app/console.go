package app

import (
	"context"
	"crypto/subtle"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"venuebook/store"
)

// The owner console's operations. Each takes the acting owner's email for the
// audit log; the HTTP layer has checked the session and CSRF token.

// DateWindow turns local dates from..to (inclusive) into instants [start, end).
func (s *Service) DateWindow(from, to Date) (time.Time, time.Time) {
	return from.At(0, s.Rules.Location), to.AddDays(1).At(0, s.Rules.Location)
}

// ListBookings returns the bookings starting on the local dates from..to,
// optionally of one status and matching q (reference, name or email).
func (s *Service) ListBookings(ctx context.Context, from, to Date, status, q string) ([]Booking, error) {
	if to.Before(from) {
		return nil, Errorf(CodeInvalidRequest, "to (%s) is before from (%s)", to, from)
	}
	if from.DaysUntil(to) > 3660 {
		return nil, Errorf(CodeInvalidRequest, "at most ten years at once")
	}
	switch status {
	case "", store.StatusConfirmed, store.StatusCancelled, store.StatusCompleted, store.StatusNoShow:
	default:
		return nil, Errorf(CodeInvalidRequest, "status must be confirmed, cancelled, completed or no_show")
	}
	if len(q) > 200 {
		return nil, Errorf(CodeInvalidRequest, "the search text is too long")
	}
	start, end := s.DateWindow(from, to)
	rows, err := s.Store.ListBookings(ctx, store.BookingFilter{From: start, To: end, Status: status, Query: strings.TrimSpace(q)})
	if err != nil {
		return nil, err
	}
	out := make([]Booking, len(rows))
	for i, b := range rows {
		out[i] = s.withLinks(b)
	}
	return out, nil
}

// FindBookingForOwner returns any booking by id.
func (s *Service) FindBookingForOwner(ctx context.Context, id string) (Booking, error) {
	b, err := s.Store.FindBookingByID(ctx, id)
	if err != nil {
		return Booking{}, err
	}
	return s.withLinks(b), nil
}

// SetBookingStatus is the owner's action on a booking: cancel a confirmed one
// (at any time; the customer is emailed when notify), or mark a confirmed one
// that has started completed or no_show.
func (s *Service) SetBookingStatus(ctx context.Context, id, status string, notify bool, actor string) (Booking, error) {
	now := s.Now()
	var compose store.Composer
	switch status {
	case store.StatusCancelled:
		if notify {
			compose = s.cancellationEmails
		} else if s.Config.Mail.OwnerEmail != "" {
			compose = func(b store.Booking) ([]store.Message, error) {
				m, err := s.render(KindOwnerCancellation, s.Config.Mail.OwnerEmail, s.withLinks(b))
				return []store.Message{m}, err
			}
		}
	case store.StatusCompleted, store.StatusNoShow:
		b, err := s.Store.FindBookingByID(ctx, id)
		if err != nil {
			return Booking{}, err
		}
		if now.Before(b.Start) {
			return Booking{}, &Error{Code: CodeValidationFailed, Message: "a booking can be marked " + status + " once it has started",
				Fields: map[string]string{"status": "not before the booking starts"}}
		}
	default:
		return Booking{}, &Error{Code: CodeValidationFailed, Message: `status must be "completed", "no_show" or "cancelled"`,
			Fields: map[string]string{"status": `must be "completed", "no_show" or "cancelled"`}}
	}
	b, err := s.Store.SetBookingStatus(ctx, id, []string{store.StatusConfirmed}, status, actor, now, compose)
	if errors.Is(err, store.ErrStateChanged) {
		if status == store.StatusCancelled {
			return Booking{}, Errorf(CodeCancellationClosed, "only a confirmed booking can be cancelled")
		}
		return Booking{}, &Error{Code: CodeValidationFailed, Message: "only a confirmed booking can be marked " + status,
			Fields: map[string]string{"status": "the booking is not confirmed"}}
	}
	if err != nil {
		return Booking{}, err
	}
	s.Log.Info("owner changed a booking", "booking_id", id, "status", status, "by", actor)
	return s.withLinks(b), nil
}

// ResendConfirmation queues the customer's confirmation again.
func (s *Service) ResendConfirmation(ctx context.Context, id, actor string) (Booking, error) {
	compose := func(sb store.Booking) ([]store.Message, error) {
		if sb.Status != store.StatusConfirmed {
			return nil, Errorf(CodeValidationFailed, "only a confirmed booking's confirmation can be sent")
		}
		b := s.withLinks(sb)
		m, err := s.render(KindConfirmation, b.CustomerEmail, b)
		if err != nil {
			return nil, err
		}
		m.ICS, m.ICSMethod = string(s.ICS(b, MethodPublish, s.Now())), string(MethodPublish)
		return []store.Message{m}, nil
	}
	b, err := s.Store.QueueBookingEmails(ctx, id, actor, "booking.confirmation_resent", s.Now(), compose)
	if err != nil {
		return Booking{}, err
	}
	return s.withLinks(b), nil
}

// BlackoutRequest is a blackout as the owner enters it.
type BlackoutRequest struct {
	Start  string `json:"start"`
	End    string `json:"end"`
	Room   string `json:"room"`
	Reason string `json:"reason"`
}

// AddBlackout closes a room (room "" = every room) from start to end, given as
// RFC 3339 instants or as local dates (a date as start means its midnight; as
// end, the midnight after it, so "2026-12-24" to "2026-12-24" is that day).
func (s *Service) AddBlackout(ctx context.Context, req BlackoutRequest, actor string) (store.Blackout, error) {
	f := fieldErrors{}
	start, err := s.parseInstantOrDate(req.Start, false)
	if err != nil {
		f.add("start", err.Error())
	}
	end, err := s.parseInstantOrDate(req.End, true)
	if err != nil {
		f.add("end", err.Error())
	}
	if !start.IsZero() && !end.IsZero() && !end.After(start) {
		f.add("end", "must be after start")
	}
	room := strings.TrimSpace(req.Room)
	if room != "" {
		known := false
		for _, r := range s.Config.Rooms {
			known = known || r.ID == room
		}
		if !known {
			f.add("room", "is not a room of this venue")
		}
	}
	reason, problem := cleanText(req.Reason, 0, 200, false)
	if problem != "" {
		f.add("reason", problem)
	}
	if err := f.err(); err != nil {
		return store.Blackout{}, err
	}
	id, err := s.Store.AddBlackout(ctx, room, start, end, reason, actor, s.Now())
	if err != nil {
		return store.Blackout{}, err
	}
	return store.Blackout{ID: id, Room: room, Start: start, End: end, Reason: reason}, nil
}

func (s *Service) parseInstantOrDate(v string, isEnd bool) (time.Time, error) {
	if d, err := ParseDate(v); err == nil {
		if isEnd {
			d = d.AddDays(1)
		}
		return d.At(0, s.Rules.Location), nil
	}
	t, err := ParseInstant(v)
	if err != nil {
		return time.Time{}, errors.New("must be a date YYYY-MM-DD or an RFC 3339 time")
	}
	return t, nil
}

// ListBlackouts returns the blackouts not yet over.
func (s *Service) ListBlackouts(ctx context.Context) ([]store.Blackout, error) {
	return s.Store.ListBlackouts(ctx, s.Now())
}

// DeleteBlackout removes a blackout.
func (s *Service) DeleteBlackout(ctx context.Context, id int64, actor string) error {
	if err := s.Store.DeleteBlackout(ctx, id, actor, s.Now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Errorf(CodeNotFound, "no such blackout")
		}
		return err
	}
	return nil
}

// ListPermits returns the permit requests with status ("" = all), pending first.
func (s *Service) ListPermits(ctx context.Context, status string) ([]Booking, error) {
	switch status {
	case "", PermitRequested, PermitApproved, PermitDenied, PermitExpired, PermitCancelled:
	default:
		return nil, Errorf(CodeInvalidRequest, "status must be requested, approved, denied, expired or cancelled")
	}
	rows, err := s.Store.ListPermits(ctx, status, 1000)
	if err != nil {
		return nil, err
	}
	out := make([]Booking, len(rows))
	for i, b := range rows {
		out[i] = s.withLinks(b)
	}
	return out, nil
}

// DecidePermitAsOwner approves or denies a permit from the console: it issues
// a fresh link (superseding the approver's) and uses it at once, so the
// decision goes through the same single-use path as the approver's.
func (s *Service) DecidePermitAsOwner(ctx context.Context, permitID, decision, note, actor string) (PermitRequest, error) {
	// Check the decision before the fresh link supersedes the approver's: a
	// refused request must change nothing.
	f := fieldErrors{}
	if decision != "approve" && decision != "deny" {
		f.add("decision", `must be "approve" or "deny"`)
	}
	if _, problem := cleanText(note, 0, 1000, true); problem != "" {
		f.add("note", problem)
	}
	if err := f.err(); err != nil {
		return PermitRequest{}, err
	}
	b, err := s.Store.FindBookingByPermit(ctx, permitID)
	if err != nil {
		return PermitRequest{}, err
	}
	now := s.Now()
	link, token, err := s.newPermitLink(permitID, b.Start, now)
	if err != nil {
		return PermitRequest{}, err
	}
	if _, err := s.Store.ReissuePermitLink(ctx, permitID, link, actor, now, nil); err != nil {
		if errors.Is(err, store.ErrStateChanged) {
			return PermitRequest{}, errPermitClosed
		}
		return PermitRequest{}, err
	}
	return s.decidePermit(ctx, token, decision, note, actor)
}

// ListOutbox returns the outbox's messages with status ("" = all).
func (s *Service) ListOutbox(ctx context.Context, status string) ([]store.OutboxMessage, error) {
	switch status {
	case "", store.MailQueued, store.MailSending, store.MailSent, store.MailFailed, store.MailDead:
	default:
		return nil, Errorf(CodeInvalidRequest, "status must be queued, sending, sent, failed or dead")
	}
	out, err := s.Store.ListOutbox(ctx, status, 500)
	return out, err
}

// RetryMessage sends a failed or dead message again.
func (s *Service) RetryMessage(ctx context.Context, id int64, actor string) (store.OutboxMessage, error) {
	m, err := s.Store.RetryMessage(ctx, id, actor, s.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.OutboxMessage{}, Errorf(CodeNotFound, "no such message")
	case errors.Is(err, store.ErrStateChanged):
		return store.OutboxMessage{}, &Error{Code: CodeValidationFailed, Message: "only a failed or dead message can be retried",
			Fields: map[string]string{"status": "not failed or dead"}}
	}
	return m, err
}

// TierMonth is one row of the report: a tier's bookings in a month.
type TierMonth struct {
	Tier         string `json:"tier"`
	Month        string `json:"month"`
	Bookings     int    `json:"bookings"`
	Guests       int    `json:"guests"`
	RevenueCents int64  `json:"revenue_cents"`
	Cancelled    int    `json:"cancelled"`
	NoShows      int    `json:"no_shows"`
}

// RoomMonth is a room's occupancy in a month: booked time over opening time.
type RoomMonth struct {
	Room          string  `json:"room"`
	Month         string  `json:"month"`
	BookedMinutes int     `json:"booked_minutes"`
	OpenMinutes   int     `json:"open_minutes"`
	Occupancy     float64 `json:"occupancy"`
}

// Stats returns bookings, guests and revenue per tier per month (cancelled
// bookings counted apart, not in revenue), and occupancy per room per month,
// for bookings starting on the local dates from..to.
func (s *Service) Stats(ctx context.Context, from, to Date) ([]TierMonth, []RoomMonth, error) {
	bookings, err := s.ListBookings(ctx, from, to, "", "")
	if err != nil {
		return nil, nil, err
	}
	loc := s.Rules.Location
	tiers := map[[2]string]*TierMonth{}
	rooms := map[[2]string]*RoomMonth{}
	for d := from; !to.Before(d); d = d.AddDays(1) {
		month := d.String()[:7]
		open := 0
		if !s.Rules.Closed(d) {
			for _, r := range s.Rules.Week[d.Weekday()] {
				open += int(d.At(r.End, loc).Sub(d.At(r.Start, loc)) / time.Minute)
			}
		}
		for _, r := range s.Config.Rooms {
			k := [2]string{r.ID, month}
			if rooms[k] == nil {
				rooms[k] = &RoomMonth{Room: r.ID, Month: month}
			}
			rooms[k].OpenMinutes += open
		}
	}
	for _, b := range bookings {
		month := DateOf(b.Start, loc).String()[:7]
		k := [2]string{b.TierID, month}
		if tiers[k] == nil {
			tiers[k] = &TierMonth{Tier: b.TierID, Month: month}
		}
		t := tiers[k]
		switch b.Status {
		case store.StatusCancelled:
			t.Cancelled++
			continue
		case store.StatusNoShow:
			t.NoShows++
		}
		t.Bookings++
		t.Guests += b.Guests
		t.RevenueCents += b.PriceCents
		if r := rooms[[2]string{b.RoomID, month}]; r != nil {
			r.BookedMinutes += int(b.End.Sub(b.Start) / time.Minute)
		}
	}
	var tierRows []TierMonth
	for _, t := range tiers {
		tierRows = append(tierRows, *t)
	}
	sort.Slice(tierRows, func(i, j int) bool {
		return tierRows[i].Month < tierRows[j].Month || (tierRows[i].Month == tierRows[j].Month && tierRows[i].Tier < tierRows[j].Tier)
	})
	var roomRows []RoomMonth
	for _, r := range rooms {
		if r.OpenMinutes > 0 {
			r.Occupancy = float64(int(float64(r.BookedMinutes)/float64(r.OpenMinutes)*1000+0.5)) / 1000
		}
		roomRows = append(roomRows, *r)
	}
	sort.Slice(roomRows, func(i, j int) bool {
		return roomRows[i].Month < roomRows[j].Month || (roomRows[i].Month == roomRows[j].Month && roomRows[i].Room < roomRows[j].Room)
	})
	return tierRows, roomRows, nil
}

// ExportCSV writes the bookings starting on the local dates from..to as CSV.
// A cell that a spreadsheet would run as a formula (starting with = + - @, a
// tab or a carriage return) is written with a leading apostrophe.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, from, to Date) error {
	bookings, err := s.ListBookings(ctx, from, to, "", "")
	if err != nil {
		return err
	}
	loc := s.Rules.Location
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"reference", "status", "date", "start", "end", "tier", "package", "room", "guests", "price", "currency",
		"name", "email", "phone", "notes", "vehicle_registration", "permit_status", "created_at"})
	for _, b := range bookings {
		reg, permit := "", ""
		if b.Permit != nil {
			reg, permit = b.Permit.VehicleRegistration, b.Permit.Status
		}
		row := []string{b.Reference, b.Status, DateOf(b.Start, loc).String(), FormatInstant(b.Start, loc), FormatInstant(b.End, loc),
			b.TierID, b.PackageID, b.RoomID, strconv.Itoa(b.Guests), fmt.Sprintf("%d.%02d", b.PriceCents/100, b.PriceCents%100), b.Currency,
			b.CustomerName, b.CustomerEmail, b.CustomerPhone, b.Notes, reg, permit, FormatInstant(b.CreatedAt, loc)}
		for i, cell := range row {
			row[i] = csvSafe(cell)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvSafe(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// ListAudit returns the newest audit entries (of one booking when id is set).
func (s *Service) ListAudit(ctx context.Context, bookingID string) ([]store.AuditEntry, error) {
	out, err := s.Store.ListAudit(ctx, bookingID, 500)
	return out, err
}

// CalendarFeedURL returns the owner's private calendar subscription URL,
// creating its token on first use.
func (s *Service) CalendarFeedURL(ctx context.Context) (string, error) {
	token, err := s.Store.EnsureSetting(ctx, "calendar_feed_token", randomToken(24))
	if err != nil {
		return "", err
	}
	return s.Config.Server.BaseURL + "/calendar/" + token + ".ics", nil
}

// RotateCalendarFeed revokes the feed URL and returns a new one.
func (s *Service) RotateCalendarFeed(ctx context.Context, actor string) (string, error) {
	if err := s.Store.SetSetting(ctx, "calendar_feed_token", randomToken(24)); err != nil {
		return "", err
	}
	if err := s.Store.Audit(ctx, s.Now(), actor, "calendar_feed.rotated", "", ""); err != nil {
		return "", err
	}
	return s.CalendarFeedURL(ctx)
}

// CalendarFeed renders the confirmed bookings from 30 days ago to a year ahead
// as one calendar, if token is the feed's token; not_found otherwise.
func (s *Service) CalendarFeed(ctx context.Context, token string) ([]byte, error) {
	want, err := s.Store.GetSetting(ctx, "calendar_feed_token")
	if err != nil || len(token) < 16 || !hmacEqual(want, token) {
		return nil, Errorf(CodeNotFound, "no such calendar")
	}
	today := DateOf(s.Now(), s.Rules.Location)
	bookings, err := s.ListBookings(ctx, today.AddDays(-30), today.AddDays(366), "", "")
	if err != nil {
		return nil, err
	}
	return s.feedICS(bookings, s.Now()), nil
}

func hmacEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
