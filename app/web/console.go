package web

import (
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
// Each feature's API handlers and pages share a file: console_<feature>.go.

type consoleData struct {
	layoutData
	Owner   string
	CSRF    string
	Section string
	Flash   string
}

func (s *Server) console(c *fiber.Ctx, title, section string) consoleData {
	sess := owner(c)
	return consoleData{layoutData: s.ownerLayout(title), Owner: sess.Email, CSRF: sess.CSRFToken, Section: section, Flash: flashText(c.Query("done"))}
}

// flashText turns a ?done= code into the confirmation shown after an action.
func flashText(code string) string {
	return map[string]string{
		store.StatusCancelled: "The booking is cancelled.", store.StatusCompleted: "Marked completed.", store.StatusNoShow: "Marked as a no-show.", store.StatusConfirmed: "Set back to confirmed.", "created": "Booked.", "changed": "The booking is changed.",
		"resent": "The confirmation is queued to be sent again.", "blackout": "The blackout is added.",
		"unblocked": "The blackout is removed.", "permit": "The permit is decided; the guest is emailed.",
		"reissued": "A new link is on its way to the approver; earlier links no longer work.",
		"retried":  "The message is queued to be sent again.", "rotated": "The calendar address is changed; the old one no longer works.",
		"backup": "The backup is made and verified.", "none-selected": "No booking was selected: tick the bookings to cancel.",
	}[code]
}
