// Package mail delivers the outbox: it claims due messages, sends them through
// the primary SMTP relay, then the fallback, or writes .eml files when no relay
// is configured, and records each outcome so that no email is lost silently.
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gomail "github.com/wneessen/go-mail"

	"venuebook/app"
	"venuebook/store"
)

// StuckAfter is how long a message may stay "sending" before another attempt
// takes it: longer than any send can last (the SMTP timeout is far shorter).
const StuckAfter = 10 * time.Minute

// SendTimeout bounds one SMTP conversation.
const SendTimeout = 30 * time.Second

// Worker sends the outbox. Wake asks it to look for due messages now; it
// also wakes itself when the next message is due or a relay may be tried again.
type Worker struct {
	store *store.Store
	cfg   *app.Config
	log   *slog.Logger
	now   func() time.Time
	lanes []*lane
	limit app.Rate

	wake    chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
	running atomic.Bool
	mu      sync.Mutex // one delivery pass at a time
}

// lane is one relay, with its health and whether it is busy with a message.
type lane struct {
	relay  relay
	health *relayHealth
	smtp   bool // an SMTP relay (shown by Relays), not the file relay

	mu        sync.Mutex
	busySince time.Time // wall time the message in progress was handed over; zero when idle
}

func (l *lane) setBusy(busy bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if busy {
		l.busySince = time.Now()
	} else {
		l.busySince = time.Time{}
	}
}

// stalled reports a relay that has been silent on its message for longer than
// StallAfter: later messages go to the next relay meanwhile.
func (l *lane) stalled() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.busySince.IsZero() && time.Since(l.busySince) > StallAfter
}

// StallAfter is how long a relay may take over one message before the
// messages after it go to the next relay (a relay that hangs costs one
// message SendTimeout, never the queue).
const StallAfter = 5 * time.Second

// MailGrace bounds how long Stop waits for messages the relays have not
// answered yet: a message cut off stays "sending" and is sent again at the
// next start, so shutdown stays inside the systemd unit's stop timeout.
const MailGrace = 10 * time.Second

// NewWorker builds the worker for cfg's relays.
func NewWorker(st *store.Store, cfg *app.Config, log *slog.Logger, now func() time.Time) (*Worker, error) {
	w := &Worker{store: st, cfg: cfg, log: log.With("part", "mail"), now: now, wake: make(chan struct{}, 1)}
	helo := cfg.HELOName(os.Hostname)
	if cfg.Mail.Primary.Host == "" {
		w.lanes = []*lane{{relay: fileRelay{dir: cfg.Mail.Dir}, health: &relayHealth{status: RelayStatus{Name: "file"}}}}
	} else {
		for _, r := range []struct {
			label string
			cfg   app.SMTPConfig
		}{{"primary", cfg.Mail.Primary}, {"fallback", cfg.Mail.Fallback}} {
			if r.cfg.Host == "" {
				continue
			}
			relay, err := newSMTPRelay(r.label, r.cfg, helo)
			if err != nil {
				return nil, err
			}
			w.lanes = append(w.lanes, &lane{relay: relay, smtp: true,
				health: &relayHealth{status: RelayStatus{Name: r.label, Addr: relay.addr(), Username: r.cfg.Username}}})
		}
	}
	w.limit, _ = app.ParseRate(cfg.Limits.EmailPerRecipient)
	return w, nil
}

// Relays returns the state of each SMTP relay, primary first (none when
// messages are written as files).
func (w *Worker) Relays() []RelayStatus {
	var out []RelayStatus
	for _, l := range w.lanes {
		if l.smtp {
			out = append(out, l.health.snapshot())
		}
	}
	return out
}

// Wake asks the worker to deliver due messages soon; it never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Retry is the mail-retry job: it wakes the running worker, or, when none
// runs, delivers what is due itself.
func (w *Worker) Retry(ctx context.Context) error {
	if w.running.Load() {
		w.Wake()
		return nil
	}
	_, err := w.DeliverDue(ctx)
	return err
}

// Start runs the delivery loop until Stop. The loop first puts back messages
// a crash left "sending" and makes held ones due (writes that wait, in the
// loop, for the start-up integrity check and a disk with room), so Start
// itself writes nothing and never fails on a full disk.
func (w *Worker) Start(ctx context.Context) error {
	ctx, w.stop = context.WithCancel(context.WithoutCancel(ctx))
	w.done = make(chan struct{})
	w.running.Store(true)
	go func() {
		defer close(w.done)
		w.resume(ctx)
		for {
			if _, err := w.DeliverDue(ctx); err != nil && ctx.Err() == nil {
				w.log.Error("mail delivery pass failed", "err", err)
			}
			timer := time.NewTimer(w.untilNextPass(ctx))
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-w.wake:
			case <-timer.C:
			}
			timer.Stop()
		}
	}()
	return nil
}

// resume puts every message left "sending" by an earlier run back in the
// queue (no worker runs yet, so a crash left them) and makes the messages
// held for a relay or postponed for their recipient due at once: a restart,
// often with a fixed password, tries again. It retries until it succeeds.
func (w *Worker) resume(ctx context.Context) {
	for wait := time.Second; ctx.Err() == nil; wait = min(2*wait, time.Minute) {
		released, err := w.store.ReleaseSending(ctx, w.now())
		var requeued int64
		if err == nil {
			requeued, err = w.store.RequeueWaiting(ctx, w.now())
		}
		if err == nil {
			if released > 0 {
				w.log.Warn("requeued messages left sending by an earlier run", "count", released)
			}
			if requeued > 0 {
				w.log.Info("waiting messages are due again after the restart", "count", requeued)
			}
			return
		}
		w.log.Error("cannot requeue the messages of the earlier run yet; trying again", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// untilNextPass is how long the loop may sleep: until the next message is
// due and a relay may take it, a minute at most (the mail-retry job and every
// commit that queues mail wake it sooner).
func (w *Worker) untilNextPass(ctx context.Context) time.Duration {
	now := w.now()
	due, err := w.store.NextMessageDue(ctx)
	if err != nil || due.IsZero() {
		return time.Minute
	}
	at := due
	if open := w.relayOpensAt(now); open.After(at) {
		at = open
	}
	return min(max(at.Sub(now), 50*time.Millisecond), time.Minute)
}

// relayOpensAt is the first time a relay may be used: now when one may be.
func (w *Worker) relayOpensAt(now time.Time) time.Time {
	var first time.Time
	for _, l := range w.lanes {
		until, held := l.health.heldUntil(now)
		if !held {
			return now
		}
		first = earliest(first, until)
	}
	return first
}

// Stop ends the loop and waits, MailGrace at most, for the messages the
// relays have not answered yet.
func (w *Worker) Stop() {
	if w.stop == nil {
		return
	}
	w.stop()
	w.stop = nil
	select {
	case <-w.done:
	case <-time.After(MailGrace):
		w.log.Warn("stopping with a message a relay has not answered: it stays \"sending\" and goes out again at the next start", "waited", MailGrace)
	}
	w.running.Store(false)
	for _, l := range w.lanes {
		l.relay.close()
	}
}

// job is one claimed message on its way through the relays.
type job struct {
	m         store.OutboxMessage
	msg       *gomail.Msg
	next      int       // the first relay not tried yet
	failures  []string  // what each relay tried said
	spent     bool      // a relay refused the message for now: the attempt counts
	heldUntil time.Time // the earliest a relay that was down or held may be tried
	skipped   bool      // a relay was passed over as stalled
}

// result is a relay's answer to a job.
type result struct {
	j    *job
	lane int
	err  error
}

// DeliverDue sends every message that is due now, through the relays that
// may be used now, and returns how many messages it dealt with. Messages wait
// in the queue, untouched, while no relay may be used.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := &pass{w: w, results: make(chan result, len(w.lanes))}
	return p.run(ctx)
}

// pass is one run of DeliverDue: it claims due messages in batches, hands
// each to the first relay that may take it (each relay has its own goroutine
// and carries one message at a time), and records every outcome.
type pass struct {
	w         *Worker
	results   chan result
	pending   []*job // claimed, waiting for a relay
	inflight  int
	attempted int
	err       error
	// perRecipient counts the messages of the pass to each address (by
	// store.AddressKey) for limits.email_per_recipient.
	perRecipient map[string]int
	// sent are the messages delivered and not yet marked sent.
	sent []store.SentMessage
	// claimed are the ids of the messages this pass has claimed.
	claimed map[int64]bool
}

// markBatch is how many delivered messages a pass marks sent in one write.
const markBatch = 32

// flushSent marks the messages delivered since the last flush sent, in one
// write: when markBatch are waiting, when the pass has nothing left to hand
// a relay, at its tick, and at its end, so a mark lags its relay's 250 by
// at most a second while messages flow. While the write commits the relays
// carry the next messages. A crash before the flush sends those again
// (never loses them), as a crash between a 250 and its mark always could.
func (p *pass) flushSent() {
	if len(p.sent) == 0 {
		return
	}
	if err := p.w.store.MarkMessagesSent(context.Background(), p.sent); err != nil {
		// Kept for the next flush (the pass ends on an error, and its end
		// flushes again); not marked at all, they stay "sending" and go
		// out again after a restart, never lost.
		p.record(err)
		return
	}
	p.sent = p.sent[:0]
}

func (p *pass) run(ctx context.Context) (int, error) {
	w := p.w
	ins := make([]chan *job, len(w.lanes))
	var wg sync.WaitGroup
	for i, l := range w.lanes {
		ins[i] = make(chan *job)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ins[i] {
				l.setBusy(true)
				// A message once handed over is sent and its outcome
				// recorded even if ctx ends meanwhile (SendTimeout bounds
				// it): cut short, its row would stay "sending".
				sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), SendTimeout)
				err := l.relay.send(sendCtx, j.msg, j.m)
				cancel()
				l.setBusy(false)
				p.results <- result{j, i, err}
			}
		}()
	}
	defer func() {
		for _, in := range ins {
			close(in)
		}
		wg.Wait()
		p.flushSent()
	}()
	drained := false
	tick := time.NewTicker(StallAfter / 5)
	defer tick.Stop()
	for {
		stopping := ctx.Err() != nil || p.err != nil
		if !stopping && !drained && len(p.pending) == 0 {
			drained = p.claim(ctx)
		}
		if stopping && len(p.pending) > 0 {
			p.release(p.pending)
			p.pending = nil
		}
		if len(p.pending) == 0 {
			if p.inflight == 0 {
				p.flushSent()
				if p.err == nil && ctx.Err() != nil {
					p.err = ctx.Err()
				}
				return p.attempted, p.err
			}
			select {
			case r := <-p.results:
				p.settle(r, stopping)
			default:
				p.flushSent()
				p.settle(<-p.results, stopping)
			}
			continue
		}
		j := p.pending[0]
		li := p.route(j)
		if li < 0 {
			p.pending = p.pending[1:]
			p.finish(j)
			continue
		}
		select {
		case ins[li] <- j:
			p.pending = p.pending[1:]
			p.inflight++
			continue
		case r := <-p.results:
			p.settle(r, stopping)
			continue
		default:
		}
		if len(p.sent) >= markBatch {
			p.flushSent()
		}
		select {
		case ins[li] <- j:
			p.pending = p.pending[1:]
			p.inflight++
		case r := <-p.results:
			p.settle(r, stopping)
		case <-tick.C: // a relay may have stalled meanwhile: route again
			p.flushSent()
		case <-ctx.Done():
		}
	}
}

// claimBatch is how many due messages one claim takes. A claimed message
// another pass may take back after StuckAfter, so a batch must be sent
// well within it even at SendTimeout a message: 16 × 30 s is 8 minutes.
const claimBatch = 16

// claim takes the next batch of due messages, when a relay may be used now;
// it reports whether there is nothing more to do.
func (p *pass) claim(ctx context.Context) bool {
	w := p.w
	now := w.now()
	if opens := w.relayOpensAt(now); opens.After(now) {
		// Every relay is held: the due messages wait for the first to
		// open, keeping their attempts, and say why.
		var why []string
		for _, l := range w.lanes {
			until, _ := l.health.heldUntil(now)
			why = append(why, fmt.Sprintf("%s: not tried before %s: %s", l.relay.name(), until.UTC().Format(time.RFC3339), heldReason(l.health)))
		}
		if _, err := w.store.HoldDue(ctx, now, opens, strings.Join(why, "; ")); err != nil {
			p.err = err
		}
		return true
	}
	batch, err := w.store.ClaimDueMessages(ctx, now, claimBatch, StuckAfter)
	if err != nil {
		p.err = err
		return true
	}
	for _, m := range batch {
		// A message this pass already holds (at a relay, or sent and not
		// yet marked) may be claimed again when it looks stuck — a pass
		// longer than StuckAfter, or a clock that jumped: its first job
		// records its outcome, and it is not sent twice.
		if p.claimed[m.ID] {
			continue
		}
		if p.claimed == nil {
			p.claimed = map[int64]bool{}
		}
		p.claimed[m.ID] = true
		if j, ok := p.prepare(ctx, m); ok {
			p.pending = append(p.pending, j)
		}
	}
	return len(batch) == 0
}

// prepare builds the job of a claimed message; a message whose recipient has
// had enough mail for now is put back until later instead.
func (p *pass) prepare(ctx context.Context, m store.OutboxMessage) (*job, bool) {
	w := p.w
	now := w.now()
	if w.limit.Limit > 0 && !w.trusted(m.Recipient) {
		sent, err := w.store.SentTo(ctx, m.Recipient, now.Add(-w.limit.Period))
		if err != nil {
			p.err = err
			p.release([]*job{{m: m}})
			return nil, false
		}
		// The messages of this pass not yet marked sent count too.
		key := store.AddressKey(m.Recipient)
		if int64(sent+p.perRecipient[key]) >= w.limit.Limit {
			until := now.Add(w.limit.Period / time.Duration(w.limit.Limit))
			w.log.Warn("recipient over email_per_recipient; message waits", "outbox_id", m.ID, "until", until)
			p.record(w.store.PostponeMessage(context.Background(), m.ID, until, now))
			p.attempted++
			return nil, false
		}
	}
	msg, err := w.compose(m)
	if err != nil { // cannot happen for rows we wrote; never retry it
		w.log.Error("message cannot be built", "outbox_id", m.ID, "err", err)
		p.record(w.store.MarkMessageFailed(context.Background(), m.ID, "cannot build message: "+err.Error(), now, true, now))
		p.attempted++
		return nil, false
	}
	if w.limit.Limit > 0 {
		if p.perRecipient == nil {
			p.perRecipient = map[string]int{}
		}
		p.perRecipient[store.AddressKey(m.Recipient)]++
	}
	return &job{m: m, msg: msg}, true
}

// route picks the relay for j: the first one not yet tried that may be used
// now, passing over one that has stalled on its message when a later one is
// free. It returns -1 when no relay is left for j.
func (p *pass) route(j *job) int {
	w := p.w
	now := w.now()
	first := -1
	for i := j.next; i < len(w.lanes); i++ {
		l := w.lanes[i]
		if until, held := l.health.heldUntil(now); held {
			if !slices.ContainsFunc(j.failures, func(f string) bool { return strings.HasPrefix(f, l.relay.name()+":") }) {
				j.failures = append(j.failures, fmt.Sprintf("%s: not tried before %s: %s", l.relay.name(), until.UTC().Format(time.RFC3339), heldReason(l.health)))
			}
			j.heldUntil = earliest(j.heldUntil, until)
			continue
		}
		if first < 0 {
			first = i
		}
		if !l.stalled() {
			if i > first {
				j.skipped = true
			}
			return i
		}
	}
	return first
}

func heldReason(h *relayHealth) string {
	st := h.snapshot()
	if st.LoginRefused {
		return "it refused the login"
	}
	return "it is down: " + st.Fault
}

// settle records a relay's answer to a job: sent, dead, or on to the next
// relay (and, when none is left, back to the queue).
func (p *pass) settle(r result, stopping bool) {
	p.inflight--
	w, j := p.w, r.j
	l := w.lanes[r.lane]
	name := l.relay.name()
	now := w.now()
	switch v := classify(r.err); v {
	case delivered:
		if loginWas, downSince := l.health.accepted(); loginWas {
			w.log.Info("mail relay accepts the login again", "relay", name)
		} else if !downSince.IsZero() {
			w.log.Info("mail relay takes messages again", "relay", name, "down_for", now.Sub(downSince).Round(time.Second).String())
		}
		if r.err != nil {
			w.log.Info("the relay took the message (its final 250); the error after it does not make it unsent", "outbox_id", j.m.ID, "relay", name, "err", r.err)
		}
		w.log.Info("email sent", "outbox_id", j.m.ID, "kind", j.m.Kind, "relay", name, "attempt", j.m.Attempts, "message_id", j.m.MessageID)
		// Marked with the others sent meanwhile (flushSent), in one write.
		p.sent = append(p.sent, store.SentMessage{ID: j.m.ID, Relay: name, At: now})
		p.attempted++
		return
	case refusedForGood:
		j.failures = append(j.failures, fmt.Sprintf("%s: refused for good: %s", name, describe(r.err)))
		w.log.Error("email refused for good by the relay: it will not be sent (the address is probably wrong)", "outbox_id", j.m.ID, "kind", j.m.Kind,
			"recipient", j.m.Recipient, "relay", name, "err", r.err)
		p.record(w.store.MarkMessageFailed(context.Background(), j.m.ID, strings.Join(j.failures, "; "), now, true, now))
		p.attempted++
		return
	case loginRefused:
		j.failures = append(j.failures, fmt.Sprintf("%s: the relay refused the login (is the mail password wrong?): %s", name, describe(r.err)))
		// One line per refusal, not per message: the relay is left alone
		// until then, and the messages wait for it.
		until, refusals := l.health.refused(now, describe(r.err))
		w.log.Error("mail relay refused the login: the mail password (or username) is wrong; not using the relay until retry_at",
			"relay", name, "username", l.health.snapshot().Username, "refusals_in_a_row", refusals, "retry_at", until, "err", r.err)
		j.heldUntil = earliest(j.heldUntil, until)
	case relayFault:
		what := describe(r.err)
		j.failures = append(j.failures, fmt.Sprintf("%s: %s", name, what))
		until, first := l.health.fault(now, what)
		if first {
			w.log.Warn("mail relay unavailable: its messages go to the next relay or wait, keeping their attempts", "relay", name, "retry_at", until, "err", r.err)
		}
		j.heldUntil = earliest(j.heldUntil, until)
	case tryLater:
		j.spent = true
		j.failures = append(j.failures, fmt.Sprintf("%s: %s", name, describe(r.err)))
		w.log.Warn("email not sent", "outbox_id", j.m.ID, "kind", j.m.Kind, "relay", name, "attempt", j.m.Attempts, "err", r.err)
	}
	j.next = r.lane + 1
	if stopping {
		p.finish(j)
		return
	}
	p.pending = append([]*job{j}, p.pending...)
}

// finish puts back a message no relay took: with its attempt counted when a
// relay refused it for now (dead after the last), else waiting for the first
// relay that may be tried again, its attempt kept.
func (p *pass) finish(j *job) {
	w := p.w
	now := w.now()
	p.attempted++
	if j.spent {
		dead := j.m.Attempts >= w.cfg.Mail.MaxAttempts
		if dead {
			w.log.Error("email dead after its last attempt", "outbox_id", j.m.ID, "kind", j.m.Kind, "attempts", j.m.Attempts)
		}
		p.record(w.store.MarkMessageFailed(context.Background(), j.m.ID, strings.Join(j.failures, "; "), now.Add(w.backoff(j.m.Attempts)), dead, now))
		return
	}
	until := j.heldUntil
	if until.IsZero() || j.skipped && until.After(now.Add(FaultBackoffStart)) {
		until = now.Add(FaultBackoffStart) // passed over a stalled relay: soon again
	}
	p.record(w.store.HoldMessage(context.Background(), j.m.ID, until, strings.Join(j.failures, "; "), now))
}

// release puts claimed messages that were not handed to a relay back in the
// queue, due now and without counting an attempt.
func (p *pass) release(jobs []*job) {
	now := p.w.now()
	for _, j := range jobs {
		p.record(p.w.store.PostponeMessage(context.Background(), j.m.ID, now, now))
	}
}

// record keeps the first error writing an outcome; the pass then stops
// claiming (a message whose outcome was not written is claimed again after
// StuckAfter).
func (p *pass) record(err error) {
	if err != nil && p.err == nil {
		p.err = err
	}
}

// earliest returns the earlier of a and b, where a zero a means none yet.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// trusted reports the venue's own addresses (owner, approver): the
// per-recipient limit protects addresses customers type, not these.
func (w *Worker) trusted(recipient string) bool {
	return strings.EqualFold(recipient, w.cfg.Mail.OwnerEmail) || strings.EqualFold(recipient, w.cfg.Parking.ApproverEmail)
}

// backoff is the delay after the attempt-th failure: retry_base doubled for
// each earlier failure, with ±10% jitter so retries of many messages spread.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.cfg.Mail.RetryBase
	for i := 1; i < attempt && d < 7*24*time.Hour; i++ {
		d *= 2
	}
	jitter := time.Duration((rand.Float64()*0.2 - 0.1) * float64(d))
	return d + jitter
}

// compose builds the MIME message of an outbox row: plain text with an HTML
// alternative, the calendar invite attached with the METHOD of its content,
// the Reply-To and the Message-ID fixed at queue time.
func (w *Worker) compose(m store.OutboxMessage) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(w.cfg.Mail.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.Recipient); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(w.now())
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if m.ICS != "" {
		ct := gomail.ContentType("text/calendar; method=" + m.ICSMethod)
		if err := msg.AttachReader("invite.ics", strings.NewReader(m.ICS), gomail.WithFileContentType(ct)); err != nil {
			return nil, fmt.Errorf("attach invite: %w", err)
		}
	}
	return msg, nil
}
