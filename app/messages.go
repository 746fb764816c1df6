package app

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	"venuebook/store"
)

// Email kinds, as the outbox records them.
const (
	KindConfirmation      = "confirmation"
	KindOwnerCopy         = "owner_copy"
	KindCancellation      = "cancellation"
	KindOwnerCancellation = "owner_cancellation"
	KindReminder          = "reminder"
	KindPermitRequest     = "permit_request"
	KindPermitDecision    = "permit_decision"
	KindChange            = "change"       // the customer's booking moved or corrected, with the updated invite
	KindOwnerChange       = "owner_change" // the owner's copy of a change the customer made
)

var mailKinds = []string{KindConfirmation, KindOwnerCopy, KindCancellation, KindOwnerCancellation, KindReminder,
	KindPermitRequest, KindPermitDecision, KindChange, KindOwnerChange}

// ToCustomer reports whether emails of kind go to the booking's customer
// (rather than to the owner or the parking approver): those carry the
// venue's contact and reply to venue.email.
func ToCustomer(kind string) bool {
	switch kind {
	case KindConfirmation, KindCancellation, KindReminder, KindPermitDecision, KindChange:
		return true
	}
	return false
}

// mailTemplates are the email templates, parsed once at start-up: a subject
// and a plain-text body per kind, and an HTML body in a shared layout.
type mailTemplates struct {
	text *texttemplate.Template
	html map[string]*htmltemplate.Template
}

func parseMailTemplates(assets fs.FS) (*mailTemplates, error) {
	text, err := texttemplate.ParseFS(assets, "mail/messages.txt.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse mail templates: %w", err)
	}
	base, err := htmltemplate.ParseFS(assets, "mail/messages.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse mail templates: %w", err)
	}
	mt := &mailTemplates{text: text, html: map[string]*htmltemplate.Template{}}
	for _, name := range []string{"contact", "policy", "signature"} {
		if text.Lookup(name) == nil {
			return nil, fmt.Errorf("mail template %q is missing", name)
		}
	}
	for _, kind := range mailKinds {
		for _, name := range []string{kind + ".subject", kind + ".text"} {
			if text.Lookup(name) == nil {
				return nil, fmt.Errorf("mail template %q is missing", name)
			}
		}
		t, err := base.Clone()
		if err == nil {
			_, err = t.New("body").Parse(`{{template "` + kind + `.html" .}}`)
		}
		if err != nil {
			return nil, fmt.Errorf("mail template %s.html: %w", kind, err)
		}
		mt.html[kind] = t
	}
	return mt, nil
}

// mailData is what the templates see of a booking.
type mailData struct {
	Venue, Address                           string
	Reference, When, WhenShort               string
	Tier, Package, Room, Price               string
	Guests                                   int
	FirstName, CustomerName                  string
	CustomerEmail, CustomerPhone, Notes      string
	Parking                                  string
	ManageURL, GoogleURL, OutlookURL, ICSURL string

	// The customer's emails only (ToCustomer): how to reach the venue, and
	// what can still be done online.
	ForCustomer                          bool
	VenuePhone, VenueEmail, VenueWebsite string
	VenueTel, VenueMailto                htmltemplate.URL // tel: and mailto: links of VenuePhone and VenueEmail
	// Contact says how to reach the venue, to follow "please" or "To
	// cancel it, ": "call +44 20 7946 0000 or write to desk@sauna.example"
	// (the "contact" template; never empty).
	Contact string
	// CanCancel: the customer may still cancel online (the links may say so).
	CanCancel bool
	// Policy says until when (the exact local times, the zone named) the
	// booking can be cancelled or moved online, or that it no longer can and
	// how to reach the venue instead (the "policy" template); "" for a
	// booking that is not confirmed.
	Policy string

	// Permit emails only.
	Registration, PermitLink, PermitExpires string
	Approved                                bool
	DecisionNote                            string
}

func (s *Service) mailData(b Booking) mailData {
	loc := s.Rules.Location
	start, end := b.Start.In(loc), b.End.In(loc)
	first := strings.Fields(b.CustomerName)
	d := mailData{
		Venue: s.Config.Venue.Name, Address: s.Config.Venue.Address, Reference: b.Reference,
		When: fmt.Sprintf("%s, %s–%s %s (%s)", start.Format("Monday 2 January 2006"), start.Format("15:04"), end.Format("15:04"),
			start.Format("MST"), s.Config.Venue.Timezone),
		WhenShort: start.Format("Mon 2 Jan 15:04"),
		Tier:      s.TierName(b.TierID), Package: s.PackageName(b.PackageID), Room: s.RoomName(b.RoomID),
		Price: FormatMoney(b.PriceCents, b.Currency), Guests: b.Guests,
		CustomerName: b.CustomerName, CustomerEmail: b.CustomerEmail, CustomerPhone: b.CustomerPhone, Notes: b.Notes,
		ManageURL: b.ManageURL, GoogleURL: b.GoogleURL, OutlookURL: b.OutlookURL, ICSURL: b.ICSURL,
	}
	if len(first) > 0 {
		d.FirstName = first[0]
	}
	if b.Permit != nil {
		d.Parking = "permit requested for " + b.Permit.VehicleRegistration
		d.Registration = b.Permit.VehicleRegistration
		d.Approved = b.Permit.Status == PermitApproved
		d.DecisionNote = b.Permit.DecisionNote
	}
	return d
}

// render renders one email of kind about booking b to recipient.
func (s *Service) render(kind, recipient string, b Booking) (store.Message, error) {
	return s.renderData(kind, recipient, b, s.mailData(b))
}

func (s *Service) renderData(kind, recipient string, b Booking, d mailData) (store.Message, error) {
	replyTo := ""
	if ToCustomer(kind) {
		if err := s.addCustomerWords(&d, b.Booking); err != nil {
			return store.Message{}, fmt.Errorf("render %s: %w", kind, err)
		}
		replyTo = s.Config.Venue.Email
	}
	var subject, text, html bytes.Buffer
	if err := s.mail.text.ExecuteTemplate(&subject, kind+".subject", d); err != nil {
		return store.Message{}, fmt.Errorf("render %s subject: %w", kind, err)
	}
	if err := s.mail.text.ExecuteTemplate(&text, kind+".text", d); err != nil {
		return store.Message{}, fmt.Errorf("render %s text: %w", kind, err)
	}
	subj := strings.Join(strings.Fields(subject.String()), " ") // one line, whatever a name holds
	page := struct {
		Subject string
		D       mailData
	}{subj, d}
	if err := s.mail.html[kind].ExecuteTemplate(&html, "layout", page); err != nil {
		return store.Message{}, fmt.Errorf("render %s html: %w", kind, err)
	}
	return store.Message{Kind: kind, BookingID: b.ID, Recipient: recipient, Subject: subj,
		Text: strings.TrimLeft(text.String(), "\n"), HTML: html.String(), ReplyTo: replyTo}, nil
}

// addCustomerWords adds to d what the customer's emails say beyond the
// booking: the venue's contact, and the honest cancel and move words, as of
// now (when the email is composed).
func (s *Service) addCustomerWords(d *mailData, b store.Booking) error {
	v := s.Config.Venue
	d.ForCustomer = true
	d.VenuePhone, d.VenueEmail, d.VenueWebsite = v.Phone, v.Email, v.Website
	if v.Phone != "" {
		d.VenueTel = htmltemplate.URL(TelURL(v.Phone))
	}
	if v.Email != "" {
		d.VenueMailto = htmltemplate.URL(MailtoURL(v.Email))
	}
	var contact bytes.Buffer
	if err := s.mail.text.ExecuteTemplate(&contact, "contact", d); err != nil {
		return fmt.Errorf("contact: %w", err)
	}
	d.Contact = strings.Join(strings.Fields(contact.String()), " ")
	if b.Status != store.StatusConfirmed {
		return nil
	}
	words := struct{ CancelUntil, MoveUntil, Contact string }{Contact: d.Contact}
	if ok, closes := s.CustomerCanCancel(b); ok {
		d.CanCancel, words.CancelUntil = true, s.FormatDeadline(s.VenueLang(), closes)
	}
	if ok, closes := s.CustomerCanMove(b); ok {
		words.MoveUntil = s.FormatDeadline(s.VenueLang(), closes)
	}
	var policy bytes.Buffer
	if err := s.mail.text.ExecuteTemplate(&policy, "policy", words); err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	d.Policy = strings.Join(strings.Fields(policy.String()), " ")
	return nil
}

// bookingEmails composes what a new booking sends: the customer's confirmation
// with its calendar invite, and the owner's copy when an owner address is set.
func (s *Service) bookingEmails(sb store.Booking) ([]store.Message, error) {
	msgs, err := s.customerConfirmation(sb)
	if err != nil {
		return nil, err
	}
	if owner := s.Config.Mail.OwnerEmail; owner != "" {
		copyMsg, err := s.render(KindOwnerCopy, owner, s.withLinks(sb))
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, copyMsg)
	}
	return msgs, nil
}

// cancellationEmails composes what a cancellation sends: the customer's notice
// with a METHOD:CANCEL invite (same UID, higher SEQUENCE), and the owner's.
func (s *Service) cancellationEmails(sb store.Booking) ([]store.Message, error) {
	b := s.withLinks(sb)
	notice, err := s.render(KindCancellation, b.CustomerEmail, b)
	if err != nil {
		return nil, err
	}
	notice.ICS, notice.ICSMethod = string(s.ICS(b, MethodCancel, s.Now())), string(MethodCancel)
	msgs := []store.Message{notice}
	if owner := s.Config.Mail.OwnerEmail; owner != "" {
		ownerMsg, err := s.render(KindOwnerCancellation, owner, b)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, ownerMsg)
	}
	return msgs, nil
}

func (s *Service) reminderEmails(sb store.Booking) ([]store.Message, error) {
	b := s.withLinks(sb)
	m, err := s.render(KindReminder, b.CustomerEmail, b)
	if err != nil {
		return nil, err
	}
	return []store.Message{m}, nil
}

// QueueReminders queues the reminder of every booking whose start is within
// mail.reminder_before, once each; the reminders cron job calls it.
func (s *Service) QueueReminders(ctx context.Context) (int, error) {
	if s.Config.Mail.ReminderBefore <= 0 {
		return 0, nil
	}
	return s.Store.QueueReminders(ctx, s.Now(), s.Config.Mail.ReminderBefore, s.reminderEmails)
}

func (s *Service) outlookCalendarURL(b store.Booking) string {
	q := url.Values{}
	q.Set("path", "/calendar/action/compose")
	q.Set("rru", "addevent")
	q.Set("subject", s.eventTitle(b))
	q.Set("startdt", b.Start.UTC().Format(time.RFC3339))
	q.Set("enddt", b.End.UTC().Format(time.RFC3339))
	q.Set("body", "Booking "+b.Reference)
	if s.Config.Venue.Address != "" {
		q.Set("location", s.Config.Venue.Address)
	}
	return "https://outlook.live.com/calendar/0/deeplink/compose?" + q.Encode()
}

// FormatMoney writes an amount in minor units with the currency's symbol where
// it has a common one, else its code.
func FormatMoney(cents int64, currency string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	amount := fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
	switch currency {
	case "GBP":
		return "£" + amount
	case "EUR":
		return "€" + amount
	case "USD":
		return "$" + amount
	}
	return amount + " " + currency
}

// permitRequestEmails composes the approver's email with the approval link.
func (s *Service) permitRequestEmails(sb store.Booking, token string, now time.Time) ([]store.Message, error) {
	b := s.withLinks(sb)
	approver := b.Permit.ApproverEmail
	if approver == "" {
		approver = s.Config.Parking.ApproverEmail
	}
	d := s.mailData(b)
	d.PermitLink = s.PermitLinkURL(token)
	exp := now.Add(s.Config.Parking.LinkTTL)
	if b.Start.Before(exp) {
		exp = b.Start
	}
	d.PermitExpires = exp.In(s.Rules.Location).Format("Monday 2 January 2006, 15:04 MST")
	m, err := s.renderData(KindPermitRequest, approver, b, d)
	if err != nil {
		return nil, err
	}
	return []store.Message{m}, nil
}

// permitDecisionEmails composes the customer's email with the decision.
func (s *Service) permitDecisionEmails(sb store.Booking) ([]store.Message, error) {
	b := s.withLinks(sb)
	m, err := s.render(KindPermitDecision, b.CustomerEmail, b)
	if err != nil {
		return nil, err
	}
	return []store.Message{m}, nil
}
