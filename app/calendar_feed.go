package app

import (
	"context"
	"crypto/subtle"
)

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
		return nil, NewError(CodeNotFound, "errors.owner.no_calendar")
	}
	today := DateOf(s.Now(), s.Rules.Location)
	bookings, err := s.ListBookings(ctx, today.AddDays(-30), today.AddDays(366), "", "")
	if err != nil {
		return nil, err
	}
	return s.feedICS(bookings, s.Now()), nil
}

func hmacEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
