package web

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/ulule/limiter/v3"
	"github.com/ulule/limiter/v3/drivers/store/memory"

	"venuebook/app"
)

// rateLimit is one limit of API.md's [limits] (one rate per limiter), counted
// in memory per key.
type rateLimit struct {
	name string
	lim  *limiter.Limiter
}

// newRateLimit returns the limit, or nil when the rate is "" (off).
func newRateLimit(name, rate string) *rateLimit {
	r, err := app.ParseRate(rate)
	if err != nil || r.Limit == 0 {
		return nil
	}
	store := memory.NewStoreWithOptions(limiter.StoreOptions{Prefix: name, CleanUpInterval: time.Minute})
	return &rateLimit{name: name, lim: limiter.New(store, r)}
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
	return &app.Error{Code: app.CodeRateLimited, Message: "too many attempts; wait a little and try again", RetryAfter: wait}
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
// routes that create bookings. The per-email limit needs the parsed body, so
// it stays in the handlers (limitBookingEmail).
func (s *Server) limitBookingIP(c *fiber.Ctx) error {
	if err := s.bookingIPLimit.take(c, s.clientKey(c)); err != nil {
		return err
	}
	return c.Next()
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
