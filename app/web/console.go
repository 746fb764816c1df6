package web

import (
	"venuebook/app/l10n"
	"venuebook/store"

	"github.com/gofiber/fiber/v2"
)

// The owner console's JSON API (API.md "Owner console API"). Every route but
// login needs a session cookie; every POST/PUT/DELETE also the X-CSRF-Token
// header (requireOwner checks both).

// The owner console's pages: server-rendered like the customer's, usable on
// a phone, every action a form POST carrying the session's CSRF token. They
// call the same Service functions as the console API.
//
// The console speaks the venue's language (venue.language), whatever the
// browser asks for: its words are the catalogs' console.* messages.
//
// Each feature's API handlers and pages share a file: console_<feature>.go.

type consoleData struct {
	layoutData
	Owner   string
	CSRF    string
	Section string
	Flash   string
}

// console is the frame of a console page; title is in the venue's language
// (s.svc.VenueLang()).
func (s *Server) console(c *fiber.Ctx, title, section string) consoleData {
	sess := owner(c)
	return consoleData{layoutData: s.ownerLayout(title), Owner: sess.Email, CSRF: sess.CSRFToken, Section: section,
		Flash: flashText(s.svc.VenueLang(), c.Query("done"))}
}

// flashCodes are the ?done= codes and their messages (console.flash.*).
var flashCodes = map[string]string{
	store.StatusCancelled: "cancelled", store.StatusCompleted: "completed", store.StatusNoShow: "no_show", store.StatusConfirmed: "confirmed",
	"created": "created", "changed": "changed", "resent": "resent", "blackout": "blackout", "unblocked": "unblocked", "permit": "permit",
	"reissued": "reissued", "retried": "retried", "rotated": "rotated", "backup": "backup", "none-selected": "none_selected",
}

// flashText turns a ?done= code into the confirmation shown after an action.
func flashText(l *l10n.Lang, code string) string {
	if id, ok := flashCodes[code]; ok {
		return l.T("console.flash." + id)
	}
	return ""
}
