package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
)

// The customer's forms are protected without a cookie, so that they work in
// a third-party iframe where the browser keeps none: each form carries a
// signed, short-lived token (app.FormToken), and a POST another site's page
// sent is refused by what the browser says of its origin. The bot traps (a
// hidden field, the minimum fill time) and the Idempotency-Key against a
// double click are form fields too; a cookie only remembers what was typed.

// foreignForm reports a form POST that another site's page sent: the
// browser's Sec-Fetch-Site says cross-site (or same-site: another host of
// the same domain) and its Origin is not one of embed.allowed_origins; or,
// from a browser that sends no Sec-Fetch-Site, an Origin whose host is not
// this request's. Chromium sends "Origin: null" for pages with
// Referrer-Policy: no-referrer, as ours are: that alone proves nothing.
func (s *Server) foreignForm(c *fiber.Ctx) bool {
	origin := c.Get(fiber.HeaderOrigin)
	allowed := origin != "" && s.svc.Config.Embed.AllowsOrigin(origin)
	switch c.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return false
	case "cross-site", "same-site":
		return !allowed
	}
	if origin == "" || origin == "null" || allowed {
		return false
	}
	u, err := url.Parse(origin)
	return err != nil || u.Host != c.Get(fiber.HeaderHost)
}

// checkForm is the guard of the customer's form POSTs: not sent by another
// site, and carrying a token this server made in the last day.
func (s *Server) checkForm(c *fiber.Ctx) error {
	if s.foreignForm(c) {
		return app.NewError(app.CodeForbidden, "errors.booking.form_foreign")
	}
	return s.svc.CheckFormToken(c.FormValue("csrf"))
}
