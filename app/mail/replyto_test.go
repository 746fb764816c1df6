package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"venuebook/app"
	"venuebook/app/mail/smtptest"
	"venuebook/store"
)

// The customer's emails reach a real SMTP server with "Reply-To:
// venue.email", kept through the queue (the outbox row holds it); the
// owner's and the approver's have none, so their replies go to mail.from.
func TestCustomerEmailsReplyToTheVenue(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port,
		VenueExtra: "phone = \"+49 30 1234567\"\nemail = \"desk@venue.example\"\nwebsite = \"https://venue.example\""})
	ctx := context.Background()
	b := v.book(berlin(t, 30, 11, 0), func(r *app.BookingRequest) {
		r.Parking = &app.ParkingRequest{VehicleRegistration: "B AB 123"}
	})
	if _, err := v.Svc.DecidePermitAsOwner(ctx, b.Permit.ID, "approve", "", owner); err != nil {
		t.Fatal(err)
	}
	start := berlin(t, 30, 15, 0).Format(time.RFC3339)
	if _, err := v.Svc.ChangeBooking(ctx, b.ID, app.BookingPatch{Start: &start}, owner); err != nil {
		t.Fatal(err)
	}
	v.Clock.Add(time.Hour)
	v.cancel(b)
	v.deliver()

	msgs := parseAll(t, srv.Messages())
	kinds := map[string]bool{}
	for _, row := range v.outbox() {
		kinds[row.Kind] = true
		if row.Status != store.MailSent {
			t.Errorf("%s: status %s (%s)", row.Kind, row.Status, row.LastError)
			continue
		}
		m := byMessageID(t, msgs, row.MessageID)
		got := m.Header["Reply-To"]
		if !app.ToCustomer(row.Kind) {
			if len(got) != 0 || row.ReplyTo != "" {
				t.Errorf("the %s email to %s has Reply-To %q (row %q)", row.Kind, row.Recipient, got, row.ReplyTo)
			}
			continue
		}
		if row.ReplyTo != "desk@venue.example" {
			t.Errorf("%s row: reply_to %q", row.Kind, row.ReplyTo)
		}
		list, err := m.Header.AddressList("Reply-To")
		if len(got) != 1 || err != nil || len(list) != 1 || list[0].Address != "desk@venue.example" {
			t.Errorf("the %s email: Reply-To %q (%v), want desk@venue.example once", row.Kind, got, err)
		}
		if from, _ := m.Header.AddressList("From"); len(from) != 1 || from[0].Address != "bookings@venue.test" {
			t.Errorf("the %s email: From %v, want mail.from", row.Kind, from)
		}
		text := string(m.Part(t, "text/plain").Body)
		for _, w := range []string{"+49 30 1234567", "desk@venue.example", "https://venue.example"} {
			if !strings.Contains(text, w) {
				t.Errorf("the %s email's text lacks %q:\n%s", row.Kind, w, text)
			}
		}
	}
	for _, kind := range []string{app.KindConfirmation, app.KindOwnerCopy, app.KindPermitRequest, app.KindPermitDecision,
		app.KindChange, app.KindCancellation, app.KindOwnerCancellation} {
		if !kinds[kind] {
			t.Errorf("no %s email was sent: the test proves less than it says", kind)
		}
	}
}

// A venue.email that would add a header is refused by the config check, and
// were one to reach the Service anyway, the outbox refuses to queue it: the
// booking fails and nothing is sent.
func TestVenueEmailCannotInjectHeaders(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{`desk@venue.example\r\nBcc: evil@example.com`, `desk@venue.example\nBcc: evil@example.com`,
		`desk@venue.example\rBcc: evil@example.com`, `Desk <desk@venue.example>`, `desk@venue.example, evil@example.com`} {
		_, err := app.ParseConfig([]byte("[venue]\nemail = \""+bad+"\"\n"+minimalCatalog), "test config", t.TempDir(), nil)
		if err == nil || !strings.Contains(err.Error(), "venue.email") {
			t.Errorf("venue.email %q: %v, want a problem named venue.email", bad, err)
		}
	}

	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Primary: srv.Port})
	v.Svc.Config.Venue.Email = "desk@venue.example\r\nBcc: evil@example.com"
	req := request(berlin(t, 30, 11, 0), customer)
	if _, _, err := v.Svc.CreateBooking(context.Background(), req, ""); err == nil {
		t.Error("a booking whose confirmation would carry a broken Reply-To was made")
	}
	if rows := v.outbox(); len(rows) != 0 {
		t.Errorf("%d outbox rows queued", len(rows))
	}
	v.deliver()
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages sent", n)
	}
}

const minimalCatalog = `
[[rooms]]
id = "main"
name = "Main room"
[[tiers]]
id = "classic"
name = "Classic"
  [[tiers.packages]]
  id = "classic-60"
  name = "60 minutes"
  duration_minutes = 60
  price_cents = 4500
  max_guests = 4
`
