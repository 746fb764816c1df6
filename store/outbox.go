package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Message is an email to queue in the outbox, fully rendered.
type Message struct {
	Kind      string
	BookingID string // "" when the email concerns no booking
	Recipient string
	Subject   string
	Text      string
	HTML      string
	ICS       string // optional calendar attachment
	ICSMethod string // "PUBLISH" or "CANCEL" with ICS
	// ReplyTo is where the recipient's replies go ("" for the From address):
	// the venue's own address on the customer's emails.
	ReplyTo string
}

// OutboxMessage is a row of the outbox.
type OutboxMessage struct {
	Message
	ID            int64
	MessageID     string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	Relay         string
	CreatedAt     time.Time
	SentAt        time.Time
}

// Outbox statuses.
const (
	MailQueued  = "queued"
	MailSending = "sending"
	MailSent    = "sent"
	MailFailed  = "failed"
	MailDead    = "dead"
)

// Composer renders the emails a change causes, from the booking as the
// transaction has just written it. It runs inside the transaction: it must not
// touch the database.
type Composer func(b Booking) ([]Message, error)

// queueComposed queues, within tx, the emails compose renders from b as the
// transaction has just written it; a nil compose queues none. It is how every
// change that causes email queues it.
func (s *Store) queueComposed(ctx context.Context, tx *sql.Tx, compose Composer, b Booking, now time.Time) error {
	if compose == nil {
		return nil
	}
	msgs, err := compose(b)
	if err != nil {
		return fmt.Errorf("compose emails: %w", err)
	}
	return s.queueMessages(ctx, tx, msgs, now)
}

// queueMessages inserts messages into the outbox within tx, due now, and has
// the mail worker woken after the commit. A message without a recipient (to
// the customer of a booking taken at the desk with a phone only) is not
// queued: there is no one to send it to.
func (s *Store) queueMessages(ctx context.Context, tx *sql.Tx, msgs []Message, now time.Time) error {
	msgs = slices.DeleteFunc(slices.Clone(msgs), func(m Message) bool { return m.Recipient == "" })
	for _, m := range msgs {
		_, err := tx.StmtContext(ctx, s.hot.insertOutbox).ExecContext(ctx,
			m.Kind, nullIfEmpty(m.BookingID), m.Recipient, m.Subject, m.Text, m.HTML, m.ICS, m.ICSMethod,
			newMessageID(s.mailDomain), now.Unix(), now.Unix(), now.Unix(), m.ReplyTo)
		if err != nil {
			return fmt.Errorf("queue %s email: %w", m.Kind, err)
		}
	}
	if len(msgs) > 0 && s.OnMailQueued != nil {
		s.afterCommit(s.OnMailQueued)
	}
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// newMessageID returns a unique Message-ID (without angle brackets), fixed for
// the row at insert so that a resend after a crash carries the same one.
func newMessageID(domain string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "vb." + hex.EncodeToString(b[:]) + "@" + domain
}

// SetMailDomain sets the domain of generated Message-IDs (the venue's host).
func (s *Store) SetMailDomain(domain string) { s.mailDomain = domain }

const outboxColumns = `id, kind, coalesce(booking_id, ''), recipient, subject, body_text, body_html, ics, ics_method, message_id,
	status, attempts, next_attempt_at, last_error, relay, created_at, coalesce(sent_at, 0), reply_to`

func scanOutbox(row rowScanner) (OutboxMessage, error) {
	var m OutboxMessage
	var next, created, sent int64
	err := row.Scan(&m.ID, &m.Kind, &m.BookingID, &m.Recipient, &m.Subject, &m.Text, &m.HTML, &m.ICS, &m.ICSMethod, &m.MessageID,
		&m.Status, &m.Attempts, &next, &m.LastError, &m.Relay, &created, &sent, &m.ReplyTo)
	m.NextAttemptAt, m.CreatedAt = time.Unix(next, 0).UTC(), time.Unix(created, 0).UTC()
	if sent > 0 {
		m.SentAt = time.Unix(sent, 0).UTC()
	}
	return m, err
}

// ClaimDueMessages marks up to limit messages that are due (queued or failed
// with their next attempt reached, or left sending for longer than stuckAfter
// by a worker that died) as sending, counts the attempt, and returns them.
// One UPDATE … RETURNING claims them, so two workers never take the same row.
func (s *Store) ClaimDueMessages(ctx context.Context, now time.Time, limit int, stuckAfter time.Duration) ([]OutboxMessage, error) {
	var out []OutboxMessage
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryAll(ctx, tx, scanOutbox, `UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ?1, updated_at = ?1
			WHERE id IN (SELECT id FROM outbox
				WHERE (status IN ('queued', 'failed') AND next_attempt_at <= ?1)
				   OR (status = 'sending' AND claimed_at <= ?2)
				ORDER BY next_attempt_at, id LIMIT ?3)
			RETURNING `+outboxColumns, now.Unix(), now.Add(-stuckAfter).Unix(), limit)
		if err != nil {
			return fmt.Errorf("claim messages: %w", err)
		}
		return nil
	})
	return out, err
}

// NextMessageDue is when the next queued or failed message is due (it may
// be past), or the zero time when none waits.
func (s *Store) NextMessageDue(ctx context.Context) (time.Time, error) {
	var due sql.NullInt64
	err := s.read(ctx, func(tx *sql.Tx) error {
		// One probe of the due index per status, not a scan.
		return tx.QueryRowContext(ctx, `SELECT min(t) FROM (
			SELECT min(next_attempt_at) AS t FROM outbox WHERE status = 'queued'
			UNION ALL SELECT min(next_attempt_at) FROM outbox WHERE status = 'failed')`).Scan(&due)
	})
	if err != nil || !due.Valid {
		return time.Time{}, err
	}
	return time.Unix(due.Int64, 0).UTC(), nil
}

// QueueMessages queues msgs, fully rendered, in one transaction, due now.
func (s *Store) QueueMessages(ctx context.Context, msgs []Message, now time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error { return s.queueMessages(ctx, tx, msgs, now) })
}

// ReleaseSending puts every message left sending back in the queue. At start-up
// no worker is running, so such rows were left by a crash.
func (s *Store) ReleaseSending(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE outbox SET status = 'queued', next_attempt_at = ?1, updated_at = ?1 WHERE status = 'sending'", now.Unix())
		if err != nil {
			return fmt.Errorf("release sending messages: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// MarkMessageSent records that message id went out through relay; a
// confirmation also marks its booking's confirmation as sent.
func (s *Store) MarkMessageSent(ctx context.Context, id int64, relay string, now time.Time) error {
	n, err := s.markSent(ctx, []SentMessage{{ID: id, Relay: relay, At: now}})
	if err == nil && n == 0 {
		return ErrNotFound
	}
	return err
}

// SentMessage is a message that went out: its outbox id, the relay that
// took it, and when.
type SentMessage struct {
	ID    int64
	Relay string
	At    time.Time
}

// MarkMessagesSent is MarkMessageSent for each of sent, in one write, so
// that a mail worker sending hundreds a second commits its marks together.
// A message no longer in the outbox is passed over; the others are marked.
func (s *Store) MarkMessagesSent(ctx context.Context, sent []SentMessage) error {
	if len(sent) == 0 {
		return nil
	}
	_, err := s.markSent(ctx, sent)
	return err
}

// markSent marks sent and returns how many of them were in the outbox.
func (s *Store) markSent(ctx context.Context, sent []SentMessage) (int, error) {
	var marked int
	err := s.write(ctx, func(tx *sql.Tx) error {
		marked = 0
		for _, m := range sent {
			var kind, bookingID string
			err := tx.QueryRowContext(ctx, `UPDATE outbox SET status = 'sent', relay = ?1, sent_at = ?2, updated_at = ?2, last_error = ''
				WHERE id = ?3 RETURNING kind, coalesce(booking_id, '')`, m.Relay, m.At.Unix(), m.ID).Scan(&kind, &bookingID)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("mark message sent: %w", err)
			}
			marked++
			if kind == "confirmation" && bookingID != "" {
				if _, err := tx.ExecContext(ctx, "UPDATE bookings SET confirmation_sent_at = ? WHERE id = ? AND confirmation_sent_at IS NULL", m.At.Unix(), bookingID); err != nil {
					return fmt.Errorf("mark confirmation sent: %w", err)
				}
			}
		}
		return nil
	})
	return marked, err
}

// MarkMessageFailed records a failed attempt: the message is retried at next,
// or, when dead, never again.
func (s *Store) MarkMessageFailed(ctx context.Context, id int64, cause string, next time.Time, dead bool, now time.Time) error {
	status := MailFailed
	if dead {
		status = MailDead
	}
	if len(cause) > 2000 {
		cause = cause[:2000]
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = ?1, last_error = ?2, next_attempt_at = ?3, updated_at = ?4 WHERE id = ?5`,
			status, strings.ToValidUTF8(cause, "?"), next.Unix(), now.Unix(), id)
		if err != nil {
			return fmt.Errorf("mark message failed: %w", err)
		}
		return nil
	})
}

// PostponeMessage puts a claimed message back in the queue until until without
// counting the attempt (used when its recipient has had enough mail for now).
func (s *Store) PostponeMessage(ctx context.Context, id int64, until, now time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'queued', attempts = max(attempts - 1, 0), next_attempt_at = ?1, updated_at = ?2 WHERE id = ?3`,
			until.Unix(), now.Unix(), id)
		if err != nil {
			return fmt.Errorf("postpone message: %w", err)
		}
		return nil
	})
}

// HoldMessage puts a claimed message back in the queue until until without
// counting the attempt, and records why in last_error: the relays it needs
// are held back (one refused venuebook's login), which is no fault of the
// message's.
func (s *Store) HoldMessage(ctx context.Context, id int64, until time.Time, reason string, now time.Time) error {
	if len(reason) > 2000 {
		reason = reason[:2000]
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'queued', attempts = max(attempts - 1, 0), next_attempt_at = ?1,
			last_error = ?2, updated_at = ?3 WHERE id = ?4`, until.Unix(), strings.ToValidUTF8(reason, "?"), now.Unix(), id)
		if err != nil {
			return fmt.Errorf("hold message: %w", err)
		}
		return nil
	})
}

// HoldDue makes every queued or failed message that is due at now wait until
// until, with reason as its last_error, keeping its status and attempts: no
// relay may be used before then. One statement, however long the queue.
func (s *Store) HoldDue(ctx context.Context, now, until time.Time, reason string) (int64, error) {
	if len(reason) > 2000 {
		reason = reason[:2000]
	}
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = ?1, last_error = ?2, updated_at = ?3
			WHERE status IN ('queued', 'failed') AND next_attempt_at <= ?3`, until.Unix(), strings.ToValidUTF8(reason, "?"), now.Unix())
		if err != nil {
			return fmt.Errorf("hold due messages: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// RequeueWaiting makes every queued message that waits for a later time due
// now (held for a relay, or postponed for its recipient), and returns how
// many. At start-up the reasons they waited for are forgotten: a relay's
// login is tried again and the per-recipient limit is checked again.
func (s *Store) RequeueWaiting(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE outbox SET next_attempt_at = ?1, updated_at = ?1 WHERE status = 'queued' AND next_attempt_at > ?1", now.Unix())
		if err != nil {
			return fmt.Errorf("requeue waiting messages: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// AddressKey is the one spelling of an email address under which the limits
// count it (limits.booking_per_email, limits.email_per_recipient): trimmed,
// letters A-Z in lower case (as SQLite's NOCASE and DNS compare them), and
// the local part without a "+tag", so that Pat@x.example, pat@x.example and
// pat+1@x.example are one person.
func AddressKey(email string) string {
	email = asciiLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return email
	}
	local, domain := email[:at], email[at:]
	if plus := strings.IndexByte(local, '+'); plus > 0 {
		local = local[:plus]
	}
	return local + domain
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// SentTo counts the messages sent since since to recipient, or to any other
// spelling of it with the same AddressKey.
func (s *Store) SentTo(ctx context.Context, recipient string, since time.Time) (int, error) {
	key := AddressKey(recipient)
	local := key
	if at := strings.LastIndexByte(key, '@'); at >= 0 {
		local = key[:at]
	}
	// Every spelling of key starts with its local part followed by "+" or
	// "@" (0x2B, 0x40): one range of the recipient index holds them all
	// (named, as the planner without statistics prefers the status index).
	n := 0
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT recipient FROM outbox INDEXED BY outbox_recipient_sent
			WHERE recipient COLLATE NOCASE >= ?1 AND recipient COLLATE NOCASE < ?2 AND status = 'sent' AND sent_at >= ?3`,
			local+"+", local+"A", since.Unix())
		if err != nil {
			return fmt.Errorf("count sent messages: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var to string
			if err := rows.Scan(&to); err != nil {
				return err
			}
			if AddressKey(to) == key {
				n++
			}
		}
		return rows.Err()
	})
	return n, err
}

// ListOutbox returns the outbox's messages with status (all when ""), newest first.
func (s *Store) ListOutbox(ctx context.Context, status string, limit int) ([]OutboxMessage, error) {
	var out []OutboxMessage
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryAll(ctx, tx, scanOutbox, "SELECT "+outboxColumns+" FROM outbox WHERE ?1 = '' OR status = ?1 ORDER BY id DESC LIMIT ?2", status, limit)
		return err
	})
	return out, err
}

// QueueReminders queues, once, the reminder of every confirmed booking that
// starts in (now, now+before] and was made before its reminder time (a booking
// made later has just had its confirmation). compose renders each; it returns
// how many bookings got one.
func (s *Store) QueueReminders(ctx context.Context, now time.Time, before time.Duration, compose Composer) (int, error) {
	queued := 0
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT b.id FROM bookings AS b WHERE b.reminder_queued_at IS NULL AND b.status = 'confirmed'"+
			" AND b.start_at > ?1 AND b.start_at <= ?2 AND b.created_at <= b.start_at - ?3 ORDER BY b.start_at LIMIT 500",
			now.Unix(), now.Add(before).Unix(), int64(before/time.Second))
		if err != nil {
			return fmt.Errorf("find reminders due: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			b, err := findBooking(ctx, tx, "b.id = ?", id)
			if err != nil {
				return err
			}
			if err := s.queueComposed(ctx, tx, compose, b, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE bookings SET reminder_queued_at = ? WHERE id = ?", now.Unix(), id); err != nil {
				return fmt.Errorf("mark reminder queued: %w", err)
			}
			queued++
		}
		return nil
	})
	return queued, err
}

// OutboxCounts returns how many messages the outbox holds in each status.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT status, count(*) FROM outbox GROUP BY status")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st string
			var n int64
			if err := rows.Scan(&st, &n); err != nil {
				return err
			}
			out[st] = n
		}
		return rows.Err()
	})
	return out, err
}

// RetryMessage puts a failed or dead message back in the queue, due now.
func (s *Store) RetryMessage(ctx context.Context, id int64, actor string, now time.Time) (OutboxMessage, error) {
	var m OutboxMessage
	err := s.write(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = ?1, updated_at = ?1
			WHERE id = ?2 AND status IN ('failed', 'dead') RETURNING `+outboxColumns, now.Unix(), id)
		var err error
		m, err = scanOutbox(row)
		if errors.Is(err, sql.ErrNoRows) {
			var exists int
			if tx.QueryRowContext(ctx, "SELECT count(*) FROM outbox WHERE id = ?", id).Scan(&exists); exists == 0 {
				return ErrNotFound
			}
			return ErrStateChanged
		}
		if err != nil {
			return err
		}
		if s.OnMailQueued != nil {
			s.afterCommit(s.OnMailQueued)
		}
		return insertAudit(ctx, tx, now, actor, "mail.retried", m.BookingID, fmt.Sprintf("message %d to %s", id, m.Recipient))
	})
	return m, err
}
