package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"venuebook/store"
)

// The owner console's booking operations. Each takes the acting owner's email for the
// audit log; the HTTP layer has checked the session and CSRF token.

// DateWindow turns local dates from..to (inclusive) into instants [start, end).
func (s *Service) DateWindow(from, to Date) (time.Time, time.Time) {
	return from.At(0, s.Rules.Location), to.AddDays(1).At(0, s.Rules.Location)
}

// ListBookings returns the bookings starting on the local dates from..to,
// optionally of one status and matching q (see store.BookingFilter.Query).
func (s *Service) ListBookings(ctx context.Context, from, to Date, status, q string) ([]Booking, error) {
	page, err := s.PageBookings(ctx, BookingQuery{From: from, To: to, Status: status, Q: q, Limit: -1})
	return page.Bookings, err
}

// MaxPage is the most bookings one page of the console's list holds.
const MaxPage = 500

// BookingQuery is a console search: the local dates from..to, a status ("" for
// any), the search text, and the page: Limit bookings (MaxPage when 0, all
// when negative) after Cursor (a page's NextCursor; "" for the first).
type BookingQuery struct {
	From, To  Date
	Status, Q string
	Limit     int
	Cursor    string
}

// BookingPage is one page of a search: its bookings, the cursor of the next
// page ("" on the last) and how many bookings match in all.
type BookingPage struct {
	Bookings   []Booking
	NextCursor string
	Total      int
}

// PageBookings returns the page of bookings q asks for, in start order.
func (s *Service) PageBookings(ctx context.Context, q BookingQuery) (BookingPage, error) {
	if q.To.Before(q.From) {
		return BookingPage{}, NewError(CodeInvalidRequest, "errors.range.reversed", "To", dateValue(q.To), "From", dateValue(q.From))
	}
	if q.From.DaysUntil(q.To) > 3660 {
		return BookingPage{}, NewError(CodeInvalidRequest, "errors.range.too_long")
	}
	switch q.Status {
	case "", store.StatusConfirmed, store.StatusCancelled, store.StatusCompleted, store.StatusNoShow:
	default:
		return BookingPage{}, NewError(CodeInvalidRequest, "errors.owner.status_filter")
	}
	if len(q.Q) > 200 {
		return BookingPage{}, NewError(CodeInvalidRequest, "errors.owner.search_too_long")
	}
	limit := q.Limit
	switch {
	case limit == 0 || limit > MaxPage:
		limit = MaxPage
	case limit < 0:
		limit = -1
	}
	start, end := s.DateWindow(q.From, q.To)
	f := store.BookingFilter{From: start, To: end, Status: q.Status, Query: strings.TrimSpace(q.Q)}
	if q.Cursor != "" {
		mark, err := decodeCursor(q.Cursor)
		if err != nil {
			return BookingPage{}, err
		}
		f.After = &mark
	}
	page := BookingPage{Total: -1}
	if limit > 0 {
		f.Limit = limit + 1 // one more tells whether a next page exists
	}
	rows, err := s.Store.ListBookings(ctx, f)
	if err != nil {
		return BookingPage{}, err
	}
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		page.NextCursor = encodeCursor(store.PageMark{Start: last.Start, Room: last.RoomID, ID: last.ID})
	}
	page.Bookings = s.withLinksAll(rows)
	page.Total = len(rows)
	// The total is the page and what matches before and after it: one scan
	// of the dates, in parts, and none at all when the first page holds
	// every match.
	if limit > 0 && f.After != nil {
		before := f
		before.After, before.Through = nil, f.After
		n, err := s.Store.CountBookings(ctx, before)
		if err != nil {
			return BookingPage{}, err
		}
		page.Total += n
	}
	if page.NextCursor != "" {
		last := rows[len(rows)-1]
		after := f
		after.After = &store.PageMark{Start: last.Start, Room: last.RoomID, ID: last.ID}
		n, err := s.Store.CountBookings(ctx, after)
		if err != nil {
			return BookingPage{}, err
		}
		page.Total += n
	}
	return page, nil
}

// encodeCursor and decodeCursor write and read a page mark as an opaque
// token: "start-unix.room.id" in base64url.
func encodeCursor(m store.PageMark) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d.%s.%s", m.Start.Unix(), m.Room, m.ID)))
}

func decodeCursor(c string) (store.PageMark, error) {
	bad := NewError(CodeInvalidRequest, "errors.owner.cursor")
	if len(c) > 200 {
		return store.PageMark{}, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return store.PageMark{}, bad
	}
	// The id is the last 26 characters; the room, between, may hold dots.
	s := string(raw)
	dot := strings.IndexByte(s, '.')
	if dot < 0 || len(s) < dot+1+1+1+26 || s[len(s)-27] != '.' {
		return store.PageMark{}, bad
	}
	parts := []string{s[:dot], s[dot+1 : len(s)-27], s[len(s)-26:]}
	if parts[1] == "" || len(parts[1]) > 40 {
		return store.PageMark{}, bad
	}
	unix, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || unix < 0 || unix > 32503680000 {
		return store.PageMark{}, bad
	}
	return store.PageMark{Start: time.Unix(unix, 0).UTC(), Room: parts[1], ID: parts[2]}, nil
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
// (at any time; the customer is emailed when notify), mark a confirmed one
// that has started completed or no_show, or undo that (back to confirmed: a
// no-show clicked by mistake). Cancelled stays final.
func (s *Service) SetBookingStatus(ctx context.Context, id, status string, notify bool, actor string) (Booking, error) {
	now := s.Now()
	var compose store.Composer
	from := []string{store.StatusConfirmed}
	switch status {
	case store.StatusConfirmed:
		from = []string{store.StatusCompleted, store.StatusNoShow}
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
			return Booking{}, ErrorWith(CodeValidationFailed, M("errors.owner.too_early_"+status), map[string]Msg{"status": M("errors.field.not_started")})
		}
	default:
		return Booking{}, ErrorWith(CodeValidationFailed, M("errors.owner.status_values"), map[string]Msg{"status": M("errors.field.status_values")})
	}
	b, err := s.Store.SetBookingStatus(ctx, id, from, status, actor, now, compose)
	if errors.Is(err, store.ErrStateChanged) {
		switch status {
		case store.StatusCancelled:
			return Booking{}, NewError(CodeCancellationClosed, "errors.owner.cancel_confirmed_only")
		case store.StatusConfirmed:
			return Booking{}, ErrorWith(CodeValidationFailed, M("errors.owner.undo_only"), map[string]Msg{"status": M("errors.field.not_undoable")})
		}
		return Booking{}, ErrorWith(CodeValidationFailed, M("errors.owner.confirmed_only_"+status), map[string]Msg{"status": M("errors.field.not_confirmed")})
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
			return nil, NewError(CodeValidationFailed, "errors.owner.resend_confirmed_only")
		}
		if sb.CustomerEmail == "" {
			return nil, NewError(CodeValidationFailed, "errors.owner.resend_no_email")
		}
		return s.customerConfirmation(sb)
	}
	b, err := s.Store.QueueBookingEmails(ctx, id, actor, "booking.confirmation_resent", s.Now(), compose)
	if err != nil {
		return Booking{}, err
	}
	return s.withLinks(b), nil
}

// MaxBulkCancel is the most bookings one CancelBookings may cancel.
const MaxBulkCancel = 500

// BulkRefusal is a booking CancelBookings did not cancel, and why (the
// error's code and message).
type BulkRefusal struct {
	ID, Reference string
	Code, Message string
}

// CancelBookings is the owner's cancellation of a set of bookings at once
// (one person's many bookings, say): each id is cancelled through
// SetBookingStatus, so each in its own transaction, audited and emailed
// (when notify) exactly like one cancelled alone. An id repeated counts once.
// It returns the bookings cancelled and, in the order given, those that were
// not, with the reason; validation_failed when ids is empty or too long.
func (s *Service) CancelBookings(ctx context.Context, ids []string, notify bool, actor string) ([]Booking, []BulkRefusal, error) {
	if len(ids) == 0 || len(ids) > MaxBulkCancel {
		return nil, nil, ErrorWith(CodeValidationFailed, M("errors.owner.bulk_count", "Max", MaxBulkCancel), map[string]Msg{"ids": M("errors.field.bulk_ids", "Max", MaxBulkCancel)})
	}
	cancelled := []Booking{}
	refused := []BulkRefusal{}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		b, err := s.SetBookingStatus(ctx, id, store.StatusCancelled, notify, actor)
		if err == nil {
			cancelled = append(cancelled, b)
			continue
		}
		e := ErrorOf(err)
		if e.Code == CodeInternal || e.Code == CodeUnavailable {
			s.Log.Error("bulk cancellation: a booking was not cancelled", "booking_id", id, "err", err)
		}
		r := BulkRefusal{ID: id, Code: e.Code, Message: e.Message}
		if found, err := s.Store.FindBookingByID(ctx, id); err == nil {
			r.Reference = found.Reference
		}
		refused = append(refused, r)
	}
	return cancelled, refused, nil
}
