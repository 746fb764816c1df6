package mail_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"venuebook/app/mail/smtptest"
	"venuebook/store"
)

// queue puts n messages in the outbox at once, each to its own recipient,
// and returns their Message-IDs.
func (v *venue) queue(n int) map[string]bool {
	v.t.Helper()
	ctx := context.Background()
	for from := 0; from < n; from += 500 {
		var msgs []store.Message
		for i := from; i < min(from+500, n); i++ {
			msgs = append(msgs, store.Message{Kind: "reminder", Recipient: fmt.Sprintf("guest%d@example.com", i),
				Subject: fmt.Sprintf("Message %d", i), Text: "Hello."})
		}
		if err := v.Svc.Store.QueueMessages(ctx, msgs, v.main.Now()); err != nil {
			v.t.Fatal(err)
		}
	}
	ids := map[string]bool{}
	rows, err := v.Svc.Store.ListOutbox(ctx, "", n+10)
	if err != nil {
		v.t.Fatal(err)
	}
	for _, m := range rows {
		ids[m.MessageID] = true
	}
	if len(ids) != n {
		v.t.Fatalf("%d distinct messages queued, want %d", len(ids), n)
	}
	return ids
}

// waitFor polls cond until it holds or patience runs out; it waits on a
// condition, never on a time a fast machine would meet.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", patience, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (v *venue) counts() map[string]int64 {
	v.t.Helper()
	c, err := v.Svc.Store.OutboxCounts(context.Background())
	if err != nil {
		v.t.Fatal(err)
	}
	return c
}

// An outage with thousands of messages queued: while the relay is down the
// worker tries it with a growing backoff and spends no attempt; when it comes
// back limiting connections (421 beyond 5 a second) and closing the
// connection right after every 50th message's 250, every message is
// delivered, over few connections, none dead, each attempted once, none
// received more than twice (here: exactly once, as no answer is truly lost).
func TestOutageOfThousands(t *testing.T) {
	t.Parallel()
	const n = 2000
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port, NoOwner: true, RealTime: true, PerRecipient: "1000-H"})
	srv.Stop()
	ids := v.queue(n)
	v.startWorker()
	waitFor(t, "the worker has not found the relay down twice", func() bool {
		r := v.Worker.Relays()
		return len(r) == 1 && r[0].Down && r[0].Faults >= 2
	})
	if c := v.counts(); c[store.MailQueued]+c[store.MailSending] != n || c[store.MailDead] != 0 || c[store.MailFailed] != 0 {
		t.Fatalf("during the outage: %v; want all %d queued", c, n)
	}
	for _, m := range v.outbox()[:20] {
		if m.Attempts != 0 {
			t.Fatalf("message %d used %d attempts on a relay that was down", m.ID, m.Attempts)
		}
	}

	page := v.ownerGet("/admin/mail")
	for _, want := range []string{"primary mail relay is not taking messages", "connection refused", "none of them loses an attempt"} {
		if !strings.Contains(page, want) {
			t.Errorf("during the outage the Email page does not say %q", want)
		}
	}
	if m := get(t, http.DefaultClient, v.main.URL()+"/metrics"); !strings.Contains(m, `venuebook_mail_relay_up{relay="primary"} 0`) {
		t.Error("during the outage /metrics does not say the relay is down")
	}

	srv.LimitConnections(5, time.Second)
	srv.CloseAfterAccept(50)
	srv.Restart()
	waitFor(t, "not every message was sent", func() bool {
		c := v.counts()
		if c[store.MailDead] > 0 {
			t.Fatalf("dead messages: %v", c)
		}
		return c[store.MailSent] == n
	})
	got := map[string]int{}
	for _, r := range srv.Messages() {
		got[smtptest.Parse(t, r.Data).MessageID()]++
	}
	twice := 0
	for id := range ids {
		switch c := got[id]; {
		case c == 0:
			t.Errorf("message %s never arrived", id)
		case c > 2:
			t.Errorf("message %s arrived %d times", id, c)
		case c == 2:
			twice++
		}
	}
	if twice > 0 {
		t.Errorf("%d messages arrived twice although every answer arrived", twice)
	}
	rows, err := v.Svc.Store.ListOutbox(context.Background(), store.MailSent, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range rows {
		if m.Attempts != 1 {
			t.Fatalf("message %d: %d attempts, want 1 (neither the outage nor a 421 spends one)", m.ID, m.Attempts)
		}
	}
	if c := srv.Connections(); c > n/20 {
		t.Errorf("%d connections for %d messages: connections are not reused", c, n)
	}
	if m := get(t, http.DefaultClient, v.main.URL()+"/metrics"); !strings.Contains(m, `venuebook_mail_relay_up{relay="primary"} 1`) {
		t.Error("after the outage /metrics does not say the relay is up")
	}
	t.Logf("%d messages after the outage: %d connections served, %d answered 421", n, srv.Connections(), srv.Throttled())
}

// A relay that hangs (accepts the connection, never answers) costs one
// message the wait, not the queue: the messages behind it go through the
// fallback while it hangs, and stopping does not wait for it to answer
// (MailGrace bounds the wait).
func TestHangingRelayStallsNothing(t *testing.T) {
	t.Parallel()
	const n = 30
	primary, fallback := smtptest.New(t), smtptest.New(t)
	primary.Hang(true)
	v := newVenue(t, venueOptions{Primary: primary.Port, Fallback: fallback.Port, NoOwner: true, RealTime: true})
	v.queue(n)
	v.startWorker()
	began := time.Now()
	fallback.WaitMessages(n-1, patience)
	t.Logf("%d messages through the fallback %s after the start", n-1, time.Since(began))
	if primary.Hung() == 0 {
		t.Fatal("the hanging relay was never tried")
	}
	if h := primary.Hung(); h > 2 { // the connection and the TLS probe of dialAwaitingGreeting
		t.Errorf("the hanging relay was tried %d times while it hung: one message at a time should wait for it", h)
	}
	start := time.Now()
	v.Worker.Stop()
	t.Logf("Stop took %s", time.Since(start))
	// Stop returned while the relay still held its message (the send's own
	// timeout has not ended it): the row is still "sending", for the next
	// start to send again. Had Stop waited for the send, it would be queued.
	if c := v.counts(); c[store.MailSending] != 1 || c[store.MailSent] != n-1 {
		t.Errorf("after Stop: %v; want the hung message still sending and the rest sent", c)
	}
}

// Accepted, then closed: an error after the relay's final 250 (the
// connection closed before RSET or QUIT) is a delivery, recorded once.
func TestClosedAfterAcceptIsSent(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	srv.CloseAfterAccept(1)
	v := newVenue(t, venueOptions{Primary: srv.Port, NoOwner: true})
	v.queue(5)
	if n := v.deliver(); n != 5 {
		t.Fatalf("attempted %d, want 5", n)
	}
	for _, m := range v.outbox() {
		if m.Status != store.MailSent || m.Attempts != 1 {
			t.Errorf("message %d: status %s attempts %d last_error %q; want sent once", m.ID, m.Status, m.Attempts, m.LastError)
		}
	}
	if got := len(srv.Messages()); got != 5 {
		t.Errorf("the relay received %d messages, want 5 (each once)", got)
	}
}

// mail.primary.rate paces the messages through the relay: six messages at
// ten a second take at least half a second (a lower bound, which no slow
// machine breaks).
func TestRelayPace(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port, NoOwner: true, PrimaryExtra: `rate = "10-S"`})
	v.queue(6)
	start := time.Now()
	if n := v.deliver(); n != 6 {
		t.Fatalf("attempted %d, want 6", n)
	}
	if took := time.Since(start); took < 500*time.Millisecond {
		t.Errorf("six messages at 10 a second went out in %s", took)
	}
	if got := len(srv.Messages()); got != 6 {
		t.Errorf("the relay received %d messages, want 6", got)
	}
}

// A 421 or a refused sender at MAIL FROM is the relay's state, not the
// message's: the message goes through the fallback, or, without one, waits
// with its attempt kept and the relay's answer recorded.
func TestRefusalBeforeTheRecipientIsTheRelays(t *testing.T) {
	t.Parallel()
	for _, code := range []int{421, 451, 553} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			primary, fallback := smtptest.New(t), smtptest.New(t)
			primary.RejectMail(code)
			v := newVenue(t, venueOptions{Primary: primary.Port, Fallback: fallback.Port, NoOwner: true})
			v.queue(3)
			v.deliver()
			for _, m := range v.outbox() {
				if m.Status != store.MailSent || m.Relay != "fallback" || m.Attempts != 1 {
					t.Errorf("message %d: status %s relay %q attempts %d; want sent once through the fallback", m.ID, m.Status, m.Relay, m.Attempts)
				}
			}
			alone := newVenue(t, venueOptions{Primary: primary.Port, NoOwner: true})
			alone.queue(3)
			alone.deliver()
			for _, m := range alone.outbox() {
				if m.Status != store.MailQueued || m.Attempts != 0 || !strings.Contains(m.LastError, fmt.Sprint(code)) {
					t.Errorf("without a fallback, message %d: status %s attempts %d last_error %q; want queued, no attempt used, the reply kept", m.ID, m.Status, m.Attempts, m.LastError)
				}
			}
		})
	}
}
