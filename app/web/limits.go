package web

import (
	"context"
	"net"
	"strconv"
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

// clientKey is the client's address for rate limits: c.IP() (which believes
// the proxy header only from trusted proxies), IPv6 grouped by /64 so one
// host cannot dodge a limit by changing its interface id.
func clientKey(c *fiber.Ctx) string {
	ip := net.ParseIP(c.IP())
	if ip == nil {
		return c.IP()
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
