package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// permitFuzzNow is the pinned clock of the fuzzed service: the real token
// stays valid throughout.
var permitFuzzNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// permitFuzzService opens a Service on a temporary database with one booking
// that asked for a parking permit, and returns it with the real approval token
// (read from the approver's queued email) and the permit's id.
func permitFuzzService(tb testing.TB) (*Service, string, string) {
	tb.Helper()
	dir := tb.TempDir()
	cfg := MustParseConfig(tb, fmt.Sprintf(`
[server]
base_url = "http://venue.test"
[database]
path = %q
[venue]
timezone = "Europe/London"
[parking]
enabled = true
approver_email = "gate@venue.test"
[security]
secret = "fuzz: a secret of more than 32 characters"
`, filepath.Join(dir, "venuebook.db"))+catalogTOML)
	schema, err := os.ReadFile("../schema.sql")
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	s, err := Open(ctx, cfg, string(schema), os.DirFS("../assets"), slog.New(slog.DiscardHandler), func() time.Time { return permitFuzzNow })
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	price := int64(4500)
	b, created, err := s.CreateBooking(ctx, BookingRequest{
		Tier: "classic", Package: "classic-60", Start: "2026-12-01T10:00:00Z", Guests: 2,
		Customer:           CustomerRequest{Name: "Ada Lovelace", Email: "ada@example.com"},
		ExpectedPriceCents: &price, Parking: &ParkingRequest{VehicleRegistration: "AB12CDE"},
	}, "")
	if err != nil || !created || b.Permit == nil {
		tb.Fatalf("booking: created %v, err %v", created, err)
	}
	msgs, err := s.Store.ListOutbox(ctx, "", 10)
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range msgs {
		if m.Kind != KindPermitRequest {
			continue
		}
		link := regexp.MustCompile(`/permits/decide\?token=(\S+)`).FindStringSubmatch(m.Text)
		if link == nil {
			tb.Fatalf("no link in the approver's email:\n%s", m.Text)
		}
		token, err := url.QueryUnescape(link[1])
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := s.checkPermitLink(ctx, token); err != nil {
			tb.Fatalf("the real token is refused: %v", err)
		}
		return s, token, b.Permit.ID
	}
	tb.Fatal("no permit request email queued")
	return nil, "", ""
}

// permitTokenSeeds are the real token and mutations of it: forged, re-signed,
// re-encoded and cut versions.
func permitTokenSeeds(s *Service, token string) []string {
	parts := strings.Split(token, ".")
	head, payload, sig := parts[0], parts[1], parts[2]
	var claims jwt.RegisteredClaims
	_, _, _ = jwt.NewParser().ParseUnverified(token, &claims)
	sign := func(m jwt.SigningMethod, key any, edit func(*jwt.RegisteredClaims)) string {
		c := claims
		if edit != nil {
			edit(&c)
		}
		out, _ := jwt.NewWithClaims(m, c).SignedString(key)
		return out
	}
	enc := base64.RawURLEncoding.EncodeToString
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, sig[len(sig)-1])
	return []string{
		token,
		"",
		".",
		"..",
		"a.b.c",
		token[:len(token)-1],
		token + "A",
		token + "=",
		token + ".",
		token + "\n",
		token + "\r\n",
		" " + token,
		head + "." + payload,
		head + "." + payload + ".",
		head + "." + payload + "." + sig[:len(sig)-1] + string(alphabet[last^1]), // spare bits of the last character
		head + "." + payload + "." + sig[:len(sig)-1] + string(alphabet[last^3]),
		head + "." + payload + "." + sig[:10] + "\n" + sig[10:],
		head + "." + payload + "." + sig[:10] + "\r" + sig[10:],
		head + "\n." + payload + "." + sig,
		head + "." + payload + "." + strings.ToUpper(sig),
		payload + "." + head + "." + sig,
		enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + payload + ".",
		enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + payload + "." + sig,
		enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + payload + "." + sig,
		enc([]byte(`{"alg":"HS256","typ":"JWT","kid":"../../etc/passwd"}`)) + "." + payload + "." + sig,
		enc([]byte(`{"alg":"HS256"}`)) + "." + enc([]byte(`{"exp":1e300,"iat":-1e300,"aud":[1,2],"sub":null}`)) + "." + sig,
		head + "." + enc([]byte(`{"exp":"soon"}`)) + "." + sig,
		sign(jwt.SigningMethodHS512, s.permitKey, nil),
		sign(jwt.SigningMethodHS384, s.permitKey, nil),
		sign(jwt.SigningMethodHS256, DeriveKey("another secret of more than 32 characters", "permit-link"), nil),
		sign(jwt.SigningMethodHS256, s.manageKey, nil),
		sign(jwt.SigningMethodHS256, s.permitKey, func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil }),
		sign(jwt.SigningMethodHS256, s.permitKey, func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"venuebook/manage-link"} }),
		sign(jwt.SigningMethodHS256, s.permitKey, func(c *jwt.RegisteredClaims) { c.Issuer = "http://evil.test" }),
		sign(jwt.SigningMethodHS256, s.permitKey, func(c *jwt.RegisteredClaims) { c.Subject = "another-permit-id" }),
		sign(jwt.SigningMethodHS256, s.permitKey, func(c *jwt.RegisteredClaims) { c.ID = "00112233445566778899aabbccddeeff" }),
		sign(jwt.SigningMethodHS256, s.permitKey, func(c *jwt.RegisteredClaims) {
			c.ExpiresAt = jwt.NewNumericDate(permitFuzzNow.Add(-time.Hour))
		}),
		sign(jwt.SigningMethodHS256, s.permitKey, func(c *jwt.RegisteredClaims) {
			c.IssuedAt = jwt.NewNumericDate(permitFuzzNow.Add(time.Hour))
		}),
		strings.Repeat("A", 2049),
		"\x00\xff\xfe.\x80.\xc0",
	}
}

// FuzzPermitToken feeds arbitrary strings to the permit link check: it never
// panics, accepts nothing but the exact token the venue issued, and refuses
// everything else with a domain error a page can explain.
func FuzzPermitToken(f *testing.F) {
	s, token, permitID := permitFuzzService(f)
	for _, seed := range permitTokenSeeds(s, token) {
		f.Add(seed)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, tok string) {
		pt, err := s.checkPermitLink(ctx, tok)
		if err == nil {
			if tok != token {
				t.Fatalf("accepted %q, which is not the issued token %q", tok, token)
			}
			if pt.PermitID != permitID || pt.Booking.Permit == nil || pt.Booking.Permit.Status != PermitRequested {
				t.Fatalf("the issued token gave %+v", pt)
			}
			return
		}
		if tok == token {
			t.Fatalf("the issued token is refused: %v", err)
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%q: error %T %v is not an *app.Error", tok, err, err)
		}
		switch e.Code {
		case CodeForbidden, CodeLinkUsed, CodeLinkExpired:
		default:
			t.Fatalf("%q: code %s (%v)", tok, e.Code, err)
		}
		if e.Message == "" {
			t.Fatalf("%q: an error without a message", tok)
		}
	})
}
