package app

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"venuebook/app/l10n"
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
// and a plain-text body per kind, and an HTML body in a shared layout. Each
// language an email is written in gets its own copy with the language's
// words (forLang), made when it is first needed.
type mailTemplates struct {
	text *texttemplate.Template
	html map[string]*htmltemplate.Template // by kind; never executed, only cloned

	mu     sync.Mutex
	byLang map[string]*mailSet
}

// mailSet is the templates in one language.
type mailSet struct {
	text *texttemplate.Template
	html map[string]*htmltemplate.Template
}

func parseMailTemplates(assets fs.FS) (*mailTemplates, error) {
	cats, err := l10n.Default()
	if err != nil {
		return nil, err
	}
	en := cats.Parse(l10n.Source)
	text, err := texttemplate.New("mail").Funcs(mailFuncs(en)).ParseFS(assets, "mail/messages.txt.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse mail templates: %w", err)
	}
	base, err := htmltemplate.New("mail").Funcs(htmltemplate.FuncMap(mailFuncs(en))).ParseFS(assets, "mail/messages.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse mail templates: %w", err)
	}
	mt := &mailTemplates{text: text, html: map[string]*htmltemplate.Template{}, byLang: map[string]*mailSet{}}
	if text.Lookup("signature") == nil {
		return nil, fmt.Errorf("mail template %q is missing", "signature")
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

// forLang is the templates speaking l.
func (mt *mailTemplates) forLang(l *l10n.Lang) (*mailSet, error) {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	if set := mt.byLang[l.String()]; set != nil {
		return set, nil
	}
	funcs := mailFuncs(l)
	text, err := mt.text.Clone()
	if err != nil {
		return nil, err
	}
	set := &mailSet{text: text.Funcs(funcs), html: map[string]*htmltemplate.Template{}}
	for kind, base := range mt.html {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("mail template %s.html: %w", kind, err)
		}
		set.html[kind] = t.Funcs(htmltemplate.FuncMap(funcs))
	}
	mt.byLang[l.String()] = set
	return set, nil
}

// The labels of the text emails line their values up in groups: a
// booking's details, the signature's contact lines, the calendar links.
var mailLabelGroups = [][]string{
	{"mail.common.reference", "mail.common.when", "mail.common.experience", "mail.common.guests", "mail.common.price",
		"mail.common.where", "mail.common.parking", "mail.common.room", "mail.common.customer", "mail.common.vehicle",
		"mail.common.guest", "mail.common.booking"},
	{"mail.common.phone", "mail.common.email", "mail.common.web"},
	{"mail.confirmation.add_google", "mail.confirmation.add_outlook"},
}

// mailLink is a link as the HTML emails write one.
var mailLink = htmltemplate.Must(htmltemplate.New("link").Parse(`<a href="{{.URL}}">{{.Text}}</a>`))

// mailFuncs are the template functions of the emails in language l: t (a
// message), th (a message whose fields hold markup), lang (its tag), colon
// (a label with its colon, "Reference:"), label (the same followed by the
// spaces that line up the values of its group in the text emails), and link
// (an <a>, for th).
func mailFuncs(l *l10n.Lang) texttemplate.FuncMap {
	colon := func(id string) string { return l.T("mail.common.label", "Label", l.T(id)) }
	width := map[string]int{}
	for _, group := range mailLabelGroups {
		w := 0
		for _, id := range group {
			w = max(w, utf8.RuneCountInString(colon(id))+1)
		}
		for _, id := range group {
			width[id] = w
		}
	}
	return texttemplate.FuncMap{
		"t":     l.T,
		"th":    l.HTML,
		"lang":  l.String,
		"colon": colon,
		"label": func(id string) string {
			c := colon(id)
			return c + strings.Repeat(" ", max(1, width[id]-utf8.RuneCountInString(c)))
		},
		"link": func(url, text string) (htmltemplate.HTML, error) {
			var b bytes.Buffer
			err := mailLink.Execute(&b, struct{ URL, Text string }{url, text})
			return htmltemplate.HTML(b.String()), err
		},
	}
}

// mailData is what the templates see of a booking, its words in the
// email's language.
type mailData struct {
	Venue, Address                           string
	Reference, When, WhenShort               string
	Tier, Package, Room, Price               string
	Guests                                   int
	FirstName, CustomerName                  string
	CustomerEmail, CustomerPhone, Notes      string
	ManageURL, GoogleURL, OutlookURL, ICSURL string
	// Parking is the booking's permit and its status ("permit approved for
	// AB12CDE"); ParkingPending while it is not decided.
	Parking        string
	ParkingPending bool

	// The customer's emails only (ToCustomer): how to reach the venue, and
	// what can still be done online.
	ForCustomer                          bool
	VenuePhone, VenueEmail, VenueWebsite string
	VenueTel, VenueMailto                htmltemplate.URL // tel: and mailto: links of VenuePhone and VenueEmail
	// Contact says how to reach the venue, to follow "please" or "To
	// cancel it, ": "call +44 20 7946 0000 or write to desk@sauna.example"
	// (mail.common.contact_*; never empty).
	Contact string
	// CanCancel: the customer may still cancel online (the links may say so).
	CanCancel bool
	// Policy says until when (the exact local times, the zone named) the
	// booking can be cancelled or moved online, or that it no longer can and
	// how to reach the venue instead (mail.common.policy_*); "" for a
	// booking that is not confirmed.
	Policy string

	// Permit emails only.
	Registration, PermitLink, PermitExpires string
	Approved                                bool
	DecisionNote                            string

	lang *l10n.Lang // the email's language
}

// mailLang is the language of an email of kind about b: the owner's copies
// speak the venue's language, the customer's and the approver's the one
// the booking was made in.
func (s *Service) mailLang(kind string, b store.Booking) *l10n.Lang {
	switch kind {
	case KindOwnerCopy, KindOwnerCancellation, KindOwnerChange:
		return s.VenueLang()
	}
	return s.BookingLang(b)
}

func (s *Service) mailData(b Booking, l *l10n.Lang) mailData {
	loc := s.Rules.Location
	start := b.Start.In(loc)
	first := strings.Fields(b.CustomerName)
	d := mailData{
		Venue: s.Config.Venue.Name, Address: s.Config.Venue.Address, Reference: b.Reference,
		When:      s.mailWhen(l, b.Start, b.End),
		WhenShort: l.T("mail.common.when_short", "Date", l.Format(start, l10n.DateShort), "Time", l.Clock(start)),
		Tier:      s.TierName(b.TierID), Package: s.PackageName(b.PackageID), Room: s.RoomName(b.RoomID),
		Price: l.Money(b.PriceCents, b.Currency), Guests: b.Guests,
		CustomerName: b.CustomerName, CustomerEmail: b.CustomerEmail, CustomerPhone: b.CustomerPhone, Notes: b.Notes,
		ManageURL: b.ManageURL, GoogleURL: b.GoogleURL, OutlookURL: b.OutlookURL, ICSURL: b.ICSURL,
		lang: l,
	}
	if len(first) > 0 {
		d.FirstName = first[0]
	}
	if p := b.Permit; p != nil {
		id := "mail.common.permit_requested"
		switch p.Status {
		case store.PermitApproved:
			id = "mail.common.permit_approved"
		case store.PermitDenied:
			id = "mail.common.permit_denied"
		case store.PermitExpired:
			id = "mail.common.permit_expired"
		case store.PermitCancelled:
			id = "mail.common.permit_cancelled"
		}
		d.Parking = l.T(id, "Registration", p.VehicleRegistration)
		d.ParkingPending = p.Status == store.PermitRequested
		d.Registration = p.VehicleRegistration
		d.Approved = p.Status == PermitApproved
		d.DecisionNote = p.DecisionNote
	}
	return d
}

// mailWhen writes a booking's time as its emails say it: the venue's
// local date, the times and the zone in words, "Wednesday 9 December 2026,
// 14:00–15:00 (UK time)" (a zone without words is named as it is). On a
// day the clocks change the zone's abbreviations say which 01:30 it is:
// "(UK time, BST)", "(UK time, BST–GMT)".
func (s *Service) mailWhen(l *l10n.Lang, start, end time.Time) string {
	loc := s.Rules.Location
	start, end = start.In(loc), end.In(loc)
	zone := s.zoneWords(l)
	y, m, d := start.Date()
	_, before := time.Date(y, m, d, 0, 0, 0, 0, loc).Zone()
	_, after := time.Date(y, m, d+1, 0, 0, 0, 0, loc).Zone()
	_, endOffset := end.Zone()
	if _, startOffset := start.Zone(); before != after || startOffset != endOffset {
		abbr := start.Format("MST")
		if e := end.Format("MST"); e != abbr {
			abbr += "–" + e
		}
		zone = l.T("mail.common.zone_clock_change", "Zone", zone, "Abbreviation", abbr)
	}
	return l.T("format.when", "Date", l.Format(start, l10n.DateFull), "From", l.Clock(start), "To", l.Clock(end), "Zone", zone)
}

// zoneWords names the venue's zone in l: "UK time", else its IANA name.
func (s *Service) zoneWords(l *l10n.Lang) string {
	if zone := ZoneInWords(l, s.Config.Venue.Timezone); zone != "" {
		return zone
	}
	return s.Config.Venue.Timezone
}

// render renders one email of kind about booking b to recipient, in the
// email's language (mailLang).
func (s *Service) render(kind, recipient string, b Booking) (store.Message, error) {
	return s.renderData(kind, recipient, b, s.mailData(b, s.mailLang(kind, b.Booking)))
}

func (s *Service) renderData(kind, recipient string, b Booking, d mailData) (store.Message, error) {
	l := d.lang
	if l == nil {
		l = s.mailLang(kind, b.Booking)
	}
	set, err := s.mail.forLang(l)
	if err != nil {
		return store.Message{}, fmt.Errorf("render %s: %w", kind, err)
	}
	replyTo := ""
	if ToCustomer(kind) {
		s.addCustomerWords(&d, l, b.Booking)
		replyTo = s.Config.Venue.Email
	}
	var subject, text, html bytes.Buffer
	if err := set.text.ExecuteTemplate(&subject, kind+".subject", d); err != nil {
		return store.Message{}, fmt.Errorf("render %s subject: %w", kind, err)
	}
	if err := set.text.ExecuteTemplate(&text, kind+".text", d); err != nil {
		return store.Message{}, fmt.Errorf("render %s text: %w", kind, err)
	}
	subj := strings.Join(strings.Fields(subject.String()), " ") // one line, whatever a name holds
	page := struct {
		Subject string
		D       mailData
	}{subj, d}
	if err := set.html[kind].ExecuteTemplate(&html, "layout", page); err != nil {
		return store.Message{}, fmt.Errorf("render %s html: %w", kind, err)
	}
	return store.Message{Kind: kind, BookingID: b.ID, Recipient: recipient, Subject: subj,
		Text: strings.TrimLeft(text.String(), "\n"), HTML: html.String(), ReplyTo: replyTo}, nil
}

// addCustomerWords adds to d what the customer's emails say beyond the
// booking, in l: the venue's contact, and the honest cancel and move words,
// as of now (when the email is composed).
func (s *Service) addCustomerWords(d *mailData, l *l10n.Lang, b store.Booking) {
	v := s.Config.Venue
	d.ForCustomer = true
	d.VenuePhone, d.VenueEmail, d.VenueWebsite = v.Phone, v.Email, v.Website
	if v.Phone != "" {
		d.VenueTel = htmltemplate.URL(TelURL(v.Phone))
	}
	if v.Email != "" {
		d.VenueMailto = htmltemplate.URL(MailtoURL(v.Email))
	}
	var contact string
	switch {
	case v.Phone != "" && v.Email != "":
		contact = l.T("mail.common.contact_call_or_write", "Phone", v.Phone, "Email", v.Email)
	case v.Phone != "":
		contact = l.T("mail.common.contact_call", "Phone", v.Phone)
	case v.Email != "":
		contact = l.T("mail.common.contact_write", "Email", v.Email)
	case v.Website != "":
		contact = l.T("mail.common.contact_see", "Website", v.Website)
	case v.Address != "":
		contact = l.T("mail.common.contact_ask_at", "Address", v.Address)
	default:
		contact = l.T("mail.common.contact_reply")
	}
	d.Contact = oneLine(contact)
	if b.Status != store.StatusConfirmed {
		return
	}
	var cancelUntil, moveUntil string
	if ok, closes := s.CustomerCanCancel(b); ok {
		d.CanCancel, cancelUntil = true, s.FormatDeadline(l, closes)
	}
	if ok, closes := s.CustomerCanMove(b); ok {
		moveUntil = s.FormatDeadline(l, closes)
	}
	var policy string
	switch {
	case cancelUntil != "" && cancelUntil == moveUntil:
		policy = l.T("mail.common.policy_both", "Until", cancelUntil)
	case cancelUntil != "" && moveUntil != "":
		policy = l.T("mail.common.policy_both_two", "CancelUntil", cancelUntil, "MoveUntil", moveUntil)
	case cancelUntil != "":
		policy = l.T("mail.common.policy_cancel_only", "CancelUntil", cancelUntil, "Contact", d.Contact)
	case moveUntil != "":
		policy = l.T("mail.common.policy_move_only", "MoveUntil", moveUntil, "Contact", d.Contact)
	default:
		policy = l.T("mail.common.policy_closed", "Contact", d.Contact)
	}
	d.Policy = oneLine(policy)
}

// oneLine is s with every run of white space one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

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
	l := s.BookingLang(b)
	q.Set("subject", s.eventTitle(l, b))
	q.Set("startdt", b.Start.UTC().Format(time.RFC3339))
	q.Set("enddt", b.End.UTC().Format(time.RFC3339))
	q.Set("body", l.T("ics.booking", "Reference", b.Reference))
	if s.Config.Venue.Address != "" {
		q.Set("location", s.Config.Venue.Address)
	}
	return "https://outlook.live.com/calendar/0/deeplink/compose?" + q.Encode()
}

// FormatMoney writes an amount in a currency's minor units as English
// writes it (CLDR: "£45.00", "CHF 45.00", "¥5,000"). The emails and the
// pages write money in their own language (l10n.Lang.Money).
func FormatMoney(minor int64, currency string) string {
	cats, err := l10n.Default()
	if err != nil {
		return strconv.FormatInt(minor, 10) + " " + currency
	}
	return cats.Parse(l10n.Source).Money(minor, currency)
}

// permitRequestEmails composes the approver's email with the approval link.
func (s *Service) permitRequestEmails(sb store.Booking, token string, now time.Time) ([]store.Message, error) {
	b := s.withLinks(sb)
	approver := b.Permit.ApproverEmail
	if approver == "" {
		approver = s.Config.Parking.ApproverEmail
	}
	l := s.mailLang(KindPermitRequest, b.Booking)
	d := s.mailData(b, l)
	d.PermitLink = s.PermitLinkURL(token)
	exp := now.Add(s.Config.Parking.LinkTTL)
	if b.Start.Before(exp) {
		exp = b.Start
	}
	d.PermitExpires = s.FormatDeadline(l, exp)
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
