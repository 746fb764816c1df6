package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"venuebook/app/l10n"

	"github.com/gofiber/fiber/v2"
)

// Embedding the booking pages in the venue's own site (API.md, "Embedding in
// the venue's own site"): /embed.js puts them in an iframe there, the
// customer pages may be framed by embed.allowed_origins, and the public API
// answers those origins' browsers (CORS, never with credentials).

// customerPage reports whether path is one of the customer's pages, the only
// ones an allowed site may frame: the start page, a package's dates and
// times, the details form and its answer, and a booking's own pages. The
// console, the approver's page and the API stay unframeable.
func customerPage(path string) bool {
	return path == "/" || path == "/book" || strings.HasPrefix(path, "/book/") || strings.HasPrefix(path, "/b/")
}

// frameAncestors is the CSP frame-ancestors source list of the answer to c.
func (s *Server) frameAncestors(c *fiber.Ctx) string {
	origins := s.svc.Config.Embed.AllowedOrigins
	if len(origins) == 0 || !customerPage(c.Path()) {
		return "'none'"
	}
	return "'self' " + strings.Join(origins, " ")
}

// corsFor answers an allowed origin's browser for the public reads and the
// booking POST: Access-Control-Allow-Origin names that origin alone (never
// "*", never credentials), and Vary: Origin tells caches the answer depends
// on it. A request from any other origin gets no CORS headers, so its
// browser keeps the answer from the page that asked.
func (s *Server) corsFor(methods string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Vary(fiber.HeaderOrigin)
		origin := c.Get(fiber.HeaderOrigin)
		allowed := origin != "" && s.svc.Config.Embed.AllowsOrigin(origin)
		if allowed {
			c.Set(fiber.HeaderAccessControlAllowOrigin, origin)
			c.Set(fiber.HeaderAccessControlExposeHeaders, "Retry-After, X-Request-Id")
		}
		if c.Method() != fiber.MethodOptions {
			return c.Next()
		}
		// The preflight: what the real request may be.
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set(fiber.HeaderAllow, methods+", OPTIONS")
		if origin == "" {
			return c.SendStatus(fiber.StatusNoContent) // not a browser's preflight: only what the route allows
		}
		if !allowed {
			return c.SendStatus(fiber.StatusForbidden)
		}
		c.Set(fiber.HeaderAccessControlAllowMethods, methods)
		c.Set(fiber.HeaderAccessControlAllowHeaders, "Content-Type, Idempotency-Key, Accept, Accept-Language")
		c.Set(fiber.HeaderAccessControlMaxAge, "600")
		return c.SendStatus(fiber.StatusNoContent)
	}
}

// embedScript serves /embed.js: the venue's site loads it with a script tag.
// Its name carries no hash (sites paste the address once), so it is cached
// for five minutes only.
func (s *Server) embedScript(c *fiber.Ctx) error {
	s.embedOnce.Do(func() {
		s.embedJS = embedIn(s.pages.static[strings.TrimPrefix(s.pages.urls["embed.js"], "/static/")], s.svc.VenueLang())
	})
	f := s.embedJS
	if f.body == nil {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set(fiber.HeaderETag, f.etag)
	c.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if c.Get(fiber.HeaderIfNoneMatch) == f.etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	return c.Send(f.body)
}

// embedWords is the line of embed.js that holds its words, in English.
const embedWords = `var words = {"title": "Booking", "button": "Book now", "close": "Close"};`

// embedIn is embed.js with its words in l: the frame's name for screen
// readers, the button's label and the dialog's close button.
func embedIn(f staticFile, l *l10n.Lang) staticFile {
	words, _ := json.Marshal(map[string]string{"title": l.T("embed.title"), "button": l.T("embed.button"), "close": l.T("embed.close")})
	body := bytes.Replace(f.body, []byte(embedWords), []byte("var words = "+string(words)+";"), 1)
	sum := sha256.Sum256(body)
	return staticFile{body: body, etag: `"` + hex.EncodeToString(sum[:6]) + `"`, contentType: f.contentType}
}
