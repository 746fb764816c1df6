package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"venuebook/store"
)

// permitAudience is the audience of permit approval links: a token made for
// another purpose, even with the same secret, is refused.
const permitAudience = "venuebook/permit-decision"

// Permit statuses, as the store keeps them.
const (
	PermitRequested = store.PermitRequested
	PermitApproved  = store.PermitApproved
	PermitDenied    = store.PermitDenied
	PermitExpired   = store.PermitExpired
	PermitCancelled = store.PermitCancelled
)

// PermitRequest is what an approver sees of a permit request, and what a
// decision returns.
type PermitRequest struct {
	Booking
	Token     string
	ExpiresAt time.Time
}

// newPermitLink signs an approval link for permitID: HS256 under a key for
// this purpose only; iss, aud, sub (the permit), a random jti, iat, and exp at
// now + parking.link_ttl or the booking's start, whichever comes first.
func (s *Service) newPermitLink(permitID string, bookingStart, now time.Time) (store.NewPermitToken, string, error) {
	exp := now.Add(s.Config.Parking.LinkTTL)
	if bookingStart.Before(exp) {
		exp = bookingStart
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	jti := hex.EncodeToString(b[:])
	claims := jwt.RegisteredClaims{
		Issuer:    s.Config.Server.BaseURL,
		Audience:  jwt.ClaimStrings{permitAudience},
		Subject:   permitID,
		ID:        jti,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.permitKey)
	if err != nil {
		return store.NewPermitToken{}, "", fmt.Errorf("sign permit link: %w", err)
	}
	return store.NewPermitToken{JTI: jti, ExpiresAt: exp}, token, nil
}

// PermitLinkURL is the link the approver's email carries. Only the token
// travels in it: no id, no key.
func (s *Service) PermitLinkURL(token string) string {
	return s.Config.Server.BaseURL + "/permits/decide?token=" + url.QueryEscape(token)
}

// Permit link problems, each with its own message for the decision page.
var (
	errLinkMalformed = NewError(CodeForbidden, "errors.permit.malformed")
	errLinkTampered  = NewError(CodeForbidden, "errors.permit.tampered")
	errLinkExpired   = NewError(CodeLinkExpired, "errors.permit.expired")
	errLinkUsed      = NewError(CodeLinkUsed, "errors.permit.used")
	errPermitClosed  = NewError(CodeLinkUsed, "errors.permit.closed")
)

// ErrLinkReplaced refuses a permit link superseded by a newer one (code
// link_used): its request may still be open, so its page says so.
var ErrLinkReplaced = NewError(CodeLinkUsed, "errors.permit.replaced")

// checkPermitLink verifies a permit link and returns its record. The parser
// pins HS256, requires exp, checks iss, aud and iat; the jti must be one the
// venue issued for this very permit, unused, current, and the permit still
// requested.
func (s *Service) checkPermitLink(ctx context.Context, token string) (store.PermitToken, error) {
	if token == "" || len(token) > 2048 || !compactJWS(token) {
		return store.PermitToken{}, errLinkMalformed
	}
	parser := jwt.NewParser(
		jwt.WithStrictDecoding(), // a signature's spare bits must be zero: one signature, one string
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(s.Config.Server.BaseURL),
		jwt.WithAudience(permitAudience),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(5*time.Second),
		jwt.WithTimeFunc(s.Now),
	)
	var claims jwt.RegisteredClaims
	_, err := parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok {
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		return s.permitKey, nil
	})
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired):
		return store.PermitToken{}, errLinkExpired
	case errors.Is(err, jwt.ErrTokenMalformed):
		s.Log.Warn("permit link refused", "reason", "malformed", "err", err)
		return store.PermitToken{}, errLinkMalformed
	default:
		s.Log.Warn("permit link refused", "reason", "invalid", "err", err)
		return store.PermitToken{}, errLinkTampered
	}
	pt, err := s.Store.FindPermitToken(ctx, claims.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && pt.PermitID != claims.Subject) {
		s.Log.Warn("permit link refused", "reason", "unknown link or another permit", "jti", claims.ID)
		return store.PermitToken{}, errLinkTampered
	}
	if err != nil {
		return store.PermitToken{}, err
	}
	switch {
	case !pt.UsedAt.IsZero():
		return pt, errLinkUsed
	case !pt.SupersededAt.IsZero():
		return pt, ErrLinkReplaced
	case pt.Booking.Permit.Status == PermitExpired || !s.Now().Before(pt.ExpiresAt):
		return pt, errLinkExpired
	case pt.Booking.Permit.Status != PermitRequested:
		return pt, errPermitClosed
	}
	return pt, nil
}

// compactJWS reports whether token holds only what a signed JWT is written
// with: base64url characters and dots. The base64 decoder would skip line
// breaks inside a segment, so without this check other strings than the one
// issued would carry a valid signature.
func compactJWS(token string) bool {
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// PermitRequestByLink shows the request behind an approval link. It changes
// nothing: mail scanners open links.
func (s *Service) PermitRequestByLink(ctx context.Context, token string) (PermitRequest, error) {
	pt, err := s.checkPermitLink(ctx, token)
	if err != nil {
		if pt.JTI != "" {
			s.Log.Info("permit link opened but closed", "permit_id", pt.PermitID, "code", ErrorCode(err))
		}
		return PermitRequest{}, err
	}
	return PermitRequest{Booking: s.withLinks(pt.Booking), Token: token, ExpiresAt: pt.ExpiresAt}, nil
}

// DecidePermit approves or denies the request behind an approval link, once:
// the link is marked used in the same transaction that moves the permit out of
// requested, so a repeated or concurrent decision changes nothing and answers
// link_used. The customer is emailed the decision.
func (s *Service) DecidePermit(ctx context.Context, token, decision, note string) (PermitRequest, error) {
	return s.decidePermit(ctx, token, decision, note, "")
}

// decidePermit decides through a link; decidedBy is recorded as who decided
// ("" = the approver the link was sent to).
func (s *Service) decidePermit(ctx context.Context, token, decision, note, decidedBy string) (PermitRequest, error) {
	f := fieldErrors{}
	status := ""
	switch decision {
	case "approve":
		status = PermitApproved
	case "deny":
		status = PermitDenied
	default:
		f.add("decision", M("errors.field.decision"))
	}
	note, problem := cleanText(note, 0, 1000, true)
	if problem.ID != "" {
		f.add("note", problem)
	}
	if err := f.err(); err != nil {
		return PermitRequest{}, err
	}
	pt, err := s.checkPermitLink(ctx, token)
	if err != nil {
		s.Log.Warn("permit decision refused", "permit_id", pt.PermitID, "code", ErrorCode(err))
		return PermitRequest{}, err
	}
	approver := firstNonBlank(decidedBy, pt.Booking.Permit.ApproverEmail, s.Config.Parking.ApproverEmail)
	b, err := s.Store.DecidePermit(ctx, pt.JTI, status, note, approver, s.Now(), s.permitDecisionEmails)
	switch {
	case errors.Is(err, store.ErrLinkUsed):
		return PermitRequest{}, errLinkUsed
	case errors.Is(err, store.ErrStateChanged):
		return PermitRequest{}, errPermitClosed
	case err != nil:
		return PermitRequest{}, err
	}
	s.Log.Info("permit decided", "permit_id", pt.PermitID, "booking_id", b.ID, "status", status, "by", approver)
	return PermitRequest{Booking: s.withLinks(b), ExpiresAt: pt.ExpiresAt}, nil
}

// ReissuePermitLink sends the approver a new link for a permit still
// requested; every earlier link stops working. Errors: not_found, link_used
// (the request is no longer open).
func (s *Service) ReissuePermitLink(ctx context.Context, permitID, actor string) (Booking, error) {
	now := s.Now()
	var token string
	compose := func(b store.Booking) ([]store.Message, error) {
		return s.permitRequestEmails(b, token, now)
	}
	pt, err := s.Store.FindBookingByPermit(ctx, permitID)
	if err != nil {
		return Booking{}, err
	}
	link, tok, err := s.newPermitLink(permitID, pt.Start, now)
	if err != nil {
		return Booking{}, err
	}
	token = tok
	b, err := s.Store.ReissuePermitLink(ctx, permitID, link, actor, now, compose)
	if errors.Is(err, store.ErrStateChanged) {
		return Booking{}, errPermitClosed
	}
	if err != nil {
		return Booking{}, err
	}
	s.Log.Info("permit link re-issued", "permit_id", permitID, "booking_id", b.ID)
	return s.withLinks(b), nil
}

// ExpirePermits marks expired the permits still undecided when their booking
// starts; the permit-expiry job calls it.
func (s *Service) ExpirePermits(ctx context.Context) (int64, error) {
	return s.Store.ExpirePermits(ctx, s.Now())
}

func firstNonBlank(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// ListPermits returns the permit requests with status ("" = all), pending first.
func (s *Service) ListPermits(ctx context.Context, status string) ([]Booking, error) {
	switch status {
	case "", PermitRequested, PermitApproved, PermitDenied, PermitExpired, PermitCancelled:
	default:
		return nil, NewError(CodeInvalidRequest, "errors.owner.permit_status")
	}
	rows, err := s.Store.ListPermits(ctx, status, 1000)
	if err != nil {
		return nil, err
	}
	return s.withLinksAll(rows), nil
}

// DecidePermitAsOwner approves or denies a permit from the console: it issues
// a fresh link (superseding the approver's) and uses it at once, so the
// decision goes through the same single-use path as the approver's.
func (s *Service) DecidePermitAsOwner(ctx context.Context, permitID, decision, note, actor string) (PermitRequest, error) {
	// Check the decision before the fresh link supersedes the approver's: a
	// refused request must change nothing.
	f := fieldErrors{}
	if decision != "approve" && decision != "deny" {
		f.add("decision", M("errors.field.decision"))
	}
	if _, problem := cleanText(note, 0, 1000, true); problem.ID != "" {
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
