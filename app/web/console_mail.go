package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/app/mail"
	"venuebook/store"
)

type messageJSON struct {
	ID            int64  `json:"id"`
	Kind          string `json:"kind"`
	BookingID     string `json:"booking_id"`
	Recipient     string `json:"recipient"`
	Subject       string `json:"subject"`
	Status        string `json:"status"`
	Attempts      int    `json:"attempts"`
	NextAttemptAt string `json:"next_attempt_at"`
	LastError     string `json:"last_error"`
	Relay         string `json:"relay"`
	CreatedAt     string `json:"created_at"`
	SentAt        string `json:"sent_at,omitempty"`
	MessageID     string `json:"message_id"`
}

func (s *Server) messageJSON(m store.OutboxMessage) messageJSON {
	loc := s.svc.Rules.Location
	out := messageJSON{ID: m.ID, Kind: m.Kind, BookingID: m.BookingID, Recipient: m.Recipient, Subject: m.Subject, Status: m.Status,
		Attempts: m.Attempts, NextAttemptAt: app.FormatInstant(m.NextAttemptAt, loc), LastError: m.LastError, Relay: m.Relay,
		CreatedAt: app.FormatInstant(m.CreatedAt, loc), MessageID: m.MessageID}
	if !m.SentAt.IsZero() {
		out.SentAt = app.FormatInstant(m.SentAt, loc)
	}
	return out
}

func (s *Server) apiAdminOutbox(c *fiber.Ctx) error {
	list, err := s.svc.ListOutbox(c.UserContext(), c.Query("status"))
	if err != nil {
		return err
	}
	out := make([]messageJSON, len(list))
	for i, m := range list {
		out[i] = s.messageJSON(m)
	}
	return c.JSON(fiber.Map{"messages": out})
}

func (s *Server) apiAdminOutboxRetry(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return app.NewError(app.CodeNotFound, "errors.owner.no_message")
	}
	m, err := s.svc.RetryMessage(c.UserContext(), id, owner(c).Email)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"message": s.messageJSON(m)})
}

func (s *Server) pageConsoleMail(c *fiber.Ctx) error {
	status := c.Query("status")
	var list []store.OutboxMessage
	if status == "" {
		for _, st := range []string{store.MailDead, store.MailFailed} {
			part, err := s.svc.ListOutbox(c.UserContext(), st)
			if err != nil {
				return err
			}
			list = append(list, part...)
		}
	} else {
		var err error
		if list, err = s.svc.ListOutbox(c.UserContext(), status); err != nil {
			return err
		}
	}
	var refused, down []mail.RelayStatus
	for _, r := range s.mailRelays() {
		if r.LoginRefused {
			refused = append(refused, r)
		} else if r.Down {
			down = append(down, r)
		}
	}
	var waiting int64
	if len(refused)+len(down) > 0 {
		counts, err := s.svc.Store.OutboxCounts(c.UserContext())
		if err != nil {
			return err
		}
		waiting = counts[store.MailQueued]
	}
	data := struct {
		consoleData
		Messages []store.OutboxMessage
		Status   string
		Loc      *time.Location
		// LoginRefused lists the relays that refuse venuebook's login;
		// Waiting counts the messages queued meanwhile.
		LoginRefused []mail.RelayStatus
		// Down lists the relays that cannot be reached now.
		Down        []mail.RelayStatus
		Waiting     int64
		HasFallback bool
	}{s.console(c, "Email", "mail"), list, status, s.svc.Rules.Location, refused, down, waiting, s.svc.Config.Mail.Fallback.Host != ""}
	return s.render(c, fiber.StatusOK, "admin_mail", data)
}

func (s *Server) submitConsoleRetry(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	if _, err := s.svc.RetryMessage(c.UserContext(), id, owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/mail?done=retried", fiber.StatusSeeOther)
}
