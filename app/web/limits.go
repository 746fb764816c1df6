package web

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ulule/limiter/v3"

	"venuebook/app"
)

// rateLimit is one limit of API.md's [limits] (one rate per limiter), counted
// in memory per key.
type rateLimit struct {
	name   string
	lim    *limiter.Limiter
	counts *keyCounts
}

// newRateLimit returns the limit, counting at most tracked keys apart, or nil
// when the rate is "" (off).
func newRateLimit(name, rate string, tracked int) *rateLimit {
	r, err := app.ParseRate(rate)
	if err != nil || r.Limit == 0 {
		return nil
	}
	counts := newKeyCounts(tracked)
	return &rateLimit{name: name, lim: limiter.New(counts, r), counts: counts}
}

// take counts one event for key and answers 429 rate_limited, with
// Retry-After and X-RateLimit-* headers, when the limit is reached.
func (rl *rateLimit) take(c *fiber.Ctx, key string) error {
	if rl == nil {
		return nil
	}
	ctx, err := rl.lim.Get(context.Background(), key)
	if err != nil {
		return err
	}
	return rl.answer(c, ctx)
}

// takeQuietly is take that sets the X-RateLimit-* headers only when it
// refuses.
func (rl *rateLimit) takeQuietly(c *fiber.Ctx, key string) error {
	if rl == nil {
		return nil
	}
	ctx, err := rl.lim.Get(context.Background(), key)
	if err != nil || !ctx.Reached {
		return err
	}
	return rl.answer(c, ctx)
}

// reached reports whether key has used all of the limit, without counting
// an event or setting headers.
func (rl *rateLimit) reached(key string) bool {
	if rl == nil {
		return false
	}
	ctx, err := rl.lim.Peek(context.Background(), key)
	return err == nil && ctx.Remaining == 0
}

// count counts one event for key without answering.
func (rl *rateLimit) count(key string) {
	if rl != nil {
		_, _ = rl.lim.Increment(context.Background(), key, 1)
	}
}

// giveBack uncounts an event take counted for key, when what it counted was
// refused for another reason.
func (rl *rateLimit) giveBack(key string) {
	if rl != nil {
		_, _ = rl.lim.Increment(context.Background(), key, -1)
	}
}

// answer sets the X-RateLimit-* headers of ctx and, when its limit is
// reached, returns the 429 with Retry-After.
func (rl *rateLimit) answer(c *fiber.Ctx, ctx limiter.Context) error {
	c.Set("X-RateLimit-Limit", strconv.FormatInt(ctx.Limit, 10))
	c.Set("X-RateLimit-Remaining", strconv.FormatInt(ctx.Remaining, 10))
	c.Set("X-RateLimit-Reset", strconv.FormatInt(ctx.Reset, 10))
	if !ctx.Reached {
		return nil
	}
	wait := time.Until(time.Unix(ctx.Reset, 0))
	if wait < time.Second {
		wait = time.Second
	}
	return app.NewError(app.CodeRateLimited, "errors.request.rate_limited").Retry(wait)
}

// rateLimits are the server's limits that are on, for /metrics.
func (s *Server) rateLimits() []*rateLimit {
	var on []*rateLimit
	for _, rl := range []*rateLimit{s.readLimit, s.bookingIPLimit, s.bookingEmailLimit, s.bookingNetworkLimit,
		s.loginLimit, s.loginFailures, s.loginLocked, s.permitLimit} {
		if rl != nil {
			on = append(on, rl)
		}
	}
	return on
}

// limitLogin applies limits.login_per_ip, as route middleware, to the API's
// sign-in. (The sign-in page takes the same limit in its handler, to answer a
// 429 page in its own words.)
func (s *Server) limitLogin(c *fiber.Ctx) error {
	if err := s.loginLimit.take(c, s.clientKey(c)); err != nil {
		return err
	}
	return c.Next()
}

// limitBookingIP applies limits.booking_per_ip, as route middleware, to the
// routes that create bookings. The per-email and per-network limits count
// only bookings made, so they stay in the handlers (reserveBooking).
func (s *Server) limitBookingIP(c *fiber.Ctx) error {
	if err := s.bookingIPLimit.take(c, s.clientKey(c)); err != nil {
		return err
	}
	return c.Next()
}

// limitPermits applies limits.permit_per_ip, as route middleware, to the
// routes that decide a parking permit.
func (s *Server) limitPermits(c *fiber.Ctx) error {
	if err := s.permitLimit.take(c, s.clientKey(c)); err != nil {
		return err
	}
	return c.Next()
}

// networkKey is the client's network for limits.booking_per_network: its
// IPv4 /24 or IPv6 /48, the most one person or household usually holds.
func (s *Server) networkKey(c *fiber.Ctx) string {
	a := s.clientAddr(c).WithZone("")
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return a.String()
	}
	return p.String()
}

// clientKey is the client's address for rate limits, IPv6 grouped by /64 so
// one host cannot dodge a limit by changing its interface id.
func (s *Server) clientKey(c *fiber.Ctx) string {
	a := s.clientAddr(c)
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}

// clientAddr is the peer's address, or, when the peer is a trusted proxy, the
// address its proxy header names. Proxies append the address they received
// from, so the header is read from the right: entries that are trusted proxies
// are skipped, and the first other address is the client. Whatever stands
// left of it came from the client and is not believed, nor is anything past an
// entry that is not an address.
func (s *Server) clientAddr(c *fiber.Ctx) netip.Addr {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	addr := peer.Unmap()
	if !c.IsProxyTrusted() {
		return addr
	}
	var hops []string // every line of the header, in order (RFC 9110 5.3)
	for _, line := range c.Request().Header.PeekAll(s.svc.Config.Server.ProxyHeader) {
		hops = append(hops, strings.Split(string(line), ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		addr = hop.Unmap()
		if !s.trustedProxy(addr) {
			break
		}
	}
	return addr
}

// trustedProxy reports whether a is in server.trusted_proxies.
func (s *Server) trustedProxy(a netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseProxies turns server.trusted_proxies (addresses or CIDR ranges,
// checked by the config) into prefixes.
func parseProxies(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, tp := range list {
		if p, err := netip.ParsePrefix(tp); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(tp); err == nil {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}
