package web

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app/l10n"
)

// langCookie remembers the language a customer chose with ?lang=.
const langCookie = "vb_lang"

const langLocal = "vb.lang"

// lang is the language of a customer's (or the approver's) page: the one
// ?lang= (or a form's lang field) names, if it is offered, remembered in a
// cookie; else the cookie's; else the browser's Accept-Language; else the
// venue's. The console is always in the venue's (ownerLayout).
func (s *Server) lang(c *fiber.Ctx) *l10n.Lang {
	if l, ok := c.Locals(langLocal).(*l10n.Lang); ok {
		return l
	}
	offer := s.svc.Offer
	l := offer.Pick(c.Query("lang"))
	if l == nil && c.Method() == fiber.MethodPost {
		l = offer.Pick(string(c.Request().PostArgs().Peek("lang")))
	}
	if l != nil {
		if len(offer.Langs) > 1 && c.Cookies(langCookie) != l.String() {
			c.Cookie(&fiber.Cookie{Name: langCookie, Value: l.String(), Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
				Secure: s.https(), SameSite: fiber.CookieSameSiteLaxMode})
		}
	} else if l = offer.Pick(c.Cookies(langCookie)); l == nil {
		l = offer.Negotiate(c.Get(fiber.HeaderAcceptLanguage))
	}
	if len(offer.Langs) > 1 {
		// The same address answers in several languages.
		c.Vary(fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
	}
	c.Locals(langLocal, l)
	return l
}

// langChoice is one language of the pages' language switch.
type langChoice struct {
	Tag, Name, URL string
	Current        bool
}

// languageChoices is the language switch of a page: each offered language
// in its own name, linking to this page with ?lang=. Only a page reached by
// GET has one (a form's answer has no address to switch).
func (s *Server) languageChoices(c *fiber.Ctx, current *l10n.Lang) []langChoice {
	offer := s.svc.Offer
	if len(offer.Langs) < 2 || c.Method() != fiber.MethodGet {
		return nil
	}
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		q = url.Values{}
	}
	var out []langChoice
	for _, l := range offer.Langs {
		q.Set("lang", l.String())
		out = append(out, langChoice{Tag: l.String(), Name: l.Name(), URL: c.Path() + "?" + q.Encode(), Current: l == current})
	}
	return out
}
