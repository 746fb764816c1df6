package web_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"venuebook/app"
	"venuebook/app/mail/smtptest"
)

// Parking permit links, end to end: a booking asks for a permit, the approver
// gets the link by email through a real SMTP server, and every decision goes
// through HTTP.

const (
	permitSecret   = "permit-tests: a secret of more than 32 characters"
	permitApprover = "gate@venue.test"
	venueBase      = "http://venue.test"
	// mailWait bounds a wait for mail that must arrive (and a delivery pass
	// that must finish): it only decides how long a failing test takes.
	mailWait = 2 * time.Minute
)

// permitKey is the key permit links are signed with, derived as the venue does.
var permitKey = app.DeriveKey(permitSecret, "permit-link")

// permitVenue is a test venue with parking on, a known instance secret, and a
// mail worker sending to a real SMTP server on a loopback port.
type permitVenue struct {
	*testVenue
	smtp *smtptest.Server
}

func newPermitVenue(t *testing.T) *permitVenue {
	t.Helper()
	srv := smtptest.New(t) // before the venue: its cleanup (stopping the worker) runs first
	v := newVenue(t, venueOptions{Parking: true, Approver: permitApprover, SMTPPort: srv.Port,
		ExtraTOML: "[security]\nsecret = \"" + permitSecret + "\"\n"})
	return &permitVenue{testVenue: v, smtp: srv}
}

// reissue sends the approver a new link for a permit, as the owner does.
func (v *permitVenue) reissue(permitID string) error {
	_, err := v.Svc.ReissuePermitLink(context.Background(), permitID, "owner:owner@venue.test")
	return err
}

// permitBooking is a booking made through the API with a permit request.
type permitBooking struct {
	ID, Reference, ManageToken string
	Start                      time.Time
	Email, Reg                 string // customer email; registration as stored
	PermitID                   string
}

// book makes a booking at start (RFC 3339) for customer email, asking for a
// permit for registration reg.
func (v *permitVenue) book(t *testing.T, start, email, reg string) permitBooking {
	t.Helper()
	b := v.mustBook(t, bookingBody(start, func(m map[string]any) {
		m["customer"] = map[string]any{"name": "Ada Lovelace", "email": email, "phone": "+44 20 7946 0958"}
		m["parking"] = map[string]any{"vehicle_registration": reg}
	})).Booking
	if b.Parking == nil || b.Parking.Status != "requested" {
		t.Fatalf("booking parking = %+v", b.Parking)
	}
	_, manage := managePath(t, b.ManageURL)
	st, err := time.Parse(time.RFC3339, b.Start)
	if err != nil {
		t.Fatal(err)
	}
	pb := permitBooking{ID: b.ID, Reference: b.Reference, ManageToken: manage, Start: st, Email: email, Reg: b.Parking.VehicleRegistration}
	if err := v.db.QueryRow("SELECT id FROM parking_permits WHERE booking_id = ?", b.ID).Scan(&pb.PermitID); err != nil {
		t.Fatalf("permit of %s: %v", b.ID, err)
	}
	return pb
}

// permitState is a parking_permits row and its links, read with SQL.
type permitState struct {
	Status     string
	DecidedAt  sql.NullInt64
	DecidedBy  string
	Note       string
	UsedLinks  int
	LinksTotal int
}

func (v *permitVenue) permit(t testing.TB, permitID string) permitState {
	t.Helper()
	var s permitState
	err := v.db.QueryRow(`SELECT status, decided_at, decided_by, decision_note,
		(SELECT count(*) FROM permit_tokens WHERE permit_id = p.id AND used_at IS NOT NULL),
		(SELECT count(*) FROM permit_tokens WHERE permit_id = p.id)
		FROM parking_permits AS p WHERE id = ?`, permitID).Scan(&s.Status, &s.DecidedAt, &s.DecidedBy, &s.Note, &s.UsedLinks, &s.LinksTotal)
	if err != nil {
		t.Fatalf("permit %s: %v", permitID, err)
	}
	return s
}

// requested reports whether a permit is untouched: requested, undecided, no link used.
func (s permitState) requested() bool {
	return s.Status == "requested" && !s.DecidedAt.Valid && s.DecidedBy == "" && s.Note == "" && s.UsedLinks == 0
}

func (v *permitVenue) outboxRows(t testing.TB, kind string) int {
	t.Helper()
	return v.countRows(t, "SELECT count(*) FROM outbox WHERE ?1 = '' OR kind = ?1", kind)
}

// --- mail ---------------------------------------------------------------

// mailMsg is one message the SMTP server accepted, parsed with net/mail and
// mime/multipart.
type mailMsg struct {
	Rcpt    []string // envelope recipients
	To      string   // To header
	Subject string   // decoded
	Text    string   // the text/plain part, decoded
	HTML    string   // the text/html part, decoded
}

func parseMailMsg(t testing.TB, r smtptest.Received) mailMsg {
	t.Helper()
	e := smtptest.Parse(t, r.Data)
	m := mailMsg{Rcpt: r.To, To: e.Header.Get("To"), Subject: e.Subject}
	if e.Has("text/plain") {
		m.Text = string(e.Part(t, "text/plain").Body)
	}
	if e.Has("text/html") {
		m.HTML = string(e.Part(t, "text/html").Body)
	}
	return m
}

// syncMail waits until the SMTP server has accepted as many messages as the
// outbox holds, and returns them parsed, in the order they arrived. Every
// outbox row is one email, so more messages than rows means one was sent twice.
func (v *permitVenue) syncMail(t testing.TB) []mailMsg {
	t.Helper()
	n := v.outboxRows(t, "")
	got := v.smtp.WaitMessages(n, mailWait)
	if len(got) != n {
		t.Fatalf("SMTP server accepted %d messages for %d outbox rows", len(got), n)
	}
	out := make([]mailMsg, len(got))
	for i, r := range got {
		out[i] = parseMailMsg(t, r)
	}
	return out
}

// mailsTo returns the messages sent to addr whose subject starts with prefix.
func mailsTo(msgs []mailMsg, addr, prefix string) []mailMsg {
	var out []mailMsg
	for _, m := range msgs {
		if len(m.Rcpt) == 1 && strings.EqualFold(m.Rcpt[0], addr) && strings.HasPrefix(m.Subject, prefix) {
			out = append(out, m)
		}
	}
	return out
}

var permitLinkRe = regexp.MustCompile(`https?://\S*/permits/decide\S*`)

// permitLink returns the approval link of the newest approver email about b,
// after checking that the email went to the approver and that the link is
// {base_url}/permits/decide?token=JWT and nothing else.
func (v *permitVenue) permitLink(t testing.TB, msgs []mailMsg, b permitBooking) string {
	t.Helper()
	found := mailsTo(msgs, permitApprover, "Parking permit request "+b.Reference+":")
	if len(found) == 0 {
		t.Fatalf("no permit request email to %s about %s among %d messages", permitApprover, b.Reference, len(msgs))
	}
	m := found[len(found)-1]
	if !strings.Contains(m.To, permitApprover) {
		t.Errorf("To header %q, want the approver %s", m.To, permitApprover)
	}
	links := permitLinkRe.FindAllString(m.Text, -1)
	if len(links) != 1 {
		t.Fatalf("%d permit links in the text part, want 1:\n%s", len(links), m.Text)
	}
	link := links[0]
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	q := u.Query()
	token := q.Get("token")
	if u.Scheme+"://"+u.Host != venueBase || u.Path != "/permits/decide" || u.User != nil || u.Fragment != "" ||
		len(q) != 1 || len(q["token"]) != 1 || link != venueBase+"/permits/decide?token="+token {
		t.Fatalf("link %q is not %s/permits/decide?token=JWT", link, venueBase)
	}
	if strings.Count(token, ".") != 2 {
		t.Fatalf("token %q is not a JWT", token)
	}
	for _, secret := range []string{b.ID, b.Reference, b.PermitID, b.Email, b.Reg, permitSecret, "key"} {
		if strings.Contains(link, secret) {
			t.Errorf("link %q carries %q", link, secret)
		}
	}
	// The HTML part links to the same page, and not from an image.
	if !strings.Contains(html.UnescapeString(m.HTML), `href="`+link+`"`) || strings.Contains(m.HTML, "<img") {
		t.Errorf("HTML part does not carry the same link as a plain anchor:\n%s", m.HTML)
	}
	for _, other := range msgs {
		if !strings.EqualFold(other.Rcpt[0], permitApprover) && (strings.Contains(other.Text, token) || strings.Contains(other.HTML, token)) {
			t.Errorf("the approval token also went to %v (%q)", other.Rcpt, other.Subject)
		}
	}
	return token
}

// checkClaims verifies token with the venue's permit key and checks its
// claims: HS256, issuer base_url, subject the permit, a jti the venue
// recorded for it, iat issued and exp = min(issued + link_ttl, booking start).
func (v *permitVenue) checkClaims(t testing.TB, token string, b permitBooking, issued time.Time) jwt.RegisteredClaims {
	t.Helper()
	var c jwt.RegisteredClaims
	tok, err := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation()).
		ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return permitKey, nil })
	if err != nil {
		t.Fatalf("token does not verify with DeriveKey(secret, \"permit-link\"): %v", err)
	}
	exp := issued.Add(72 * time.Hour)
	if b.Start.Before(exp) {
		exp = b.Start
	}
	if tok.Header["alg"] != "HS256" || c.Issuer != venueBase || len(c.Audience) != 1 || c.Audience[0] == "" || c.Subject != b.PermitID ||
		len(c.ID) < 16 || c.IssuedAt == nil || !c.IssuedAt.Equal(issued) || c.ExpiresAt == nil || !c.ExpiresAt.Equal(exp) {
		t.Errorf("header %v claims %+v; want iss %s, sub %s, iat %s, exp %s", tok.Header, c, venueBase, b.PermitID, issued, exp)
	}
	var recordedExp int64
	if err := v.db.QueryRow("SELECT expires_at FROM permit_tokens WHERE jti = ? AND permit_id = ? AND used_at IS NULL AND superseded_at IS NULL",
		c.ID, b.PermitID).Scan(&recordedExp); err != nil || recordedExp != exp.Unix() {
		t.Errorf("permit_tokens row of jti %s: expires_at %d, err %v; want %d", c.ID, recordedExp, err, exp.Unix())
	}
	return c
}

// --- HTTP ---------------------------------------------------------------

func (v *permitVenue) openLink(t testing.TB, token string) response {
	t.Helper()
	return v.do(t, "GET", "/permits/decide?token="+url.QueryEscape(token), nil, nil)
}

func (v *permitVenue) decideForm(t testing.TB, token, decision, note string) response {
	t.Helper()
	form := url.Values{"token": {token}, "decision": {decision}, "note": {note}}.Encode()
	return v.do(t, "POST", "/permits/decide", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

func (v *permitVenue) decideAPI(t testing.TB, token, decision, note string) response {
	t.Helper()
	return v.do(t, "POST", "/api/permits/decision", map[string]string{"token": token, "decision": decision, "note": note}, nil)
}

var (
	h1Re      = regexp.MustCompile(`(?s)<h1>(.*?)</h1>`)
	problemRe = regexp.MustCompile(`(?s)</h1>\s*<p>(.*?)</p>`)
	scriptRe  = regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`)
	srcRe     = regexp.MustCompile(`src="([^"]*)"`)
)

// page is what a permit page says: its heading and first paragraph.
type page struct {
	Status   int
	H1, Text string
}

func readPage(t testing.TB, r response) page {
	t.Helper()
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s: not an HTML page: %.300s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	checkLinkHeaders(t, r)
	p := page{Status: r.Status}
	if m := h1Re.FindSubmatch(r.Body); m != nil {
		p.H1 = html.UnescapeString(string(m[1]))
	}
	if m := problemRe.FindSubmatch(r.Body); m != nil {
		p.Text = html.UnescapeString(string(m[1]))
	}
	return p
}

// checkLinkHeaders: a page reached through an emailed link is neither cached
// nor allowed to leak its URL through Referer.
func checkLinkHeaders(t testing.TB, r response) {
	t.Helper()
	if cc, rp := r.Header.Get("Cache-Control"), r.Header.Get("Referrer-Policy"); cc != "no-store" || rp != "no-referrer" {
		t.Errorf("%d: Cache-Control %q, Referrer-Policy %q; want no-store, no-referrer", r.Status, cc, rp)
	}
}

// wantProblem checks that all three ways to use a link (open it, post the
// form, call the API) answer status with code, and returns the page opening it shows.
func (v *permitVenue) wantProblem(t testing.TB, what, token string, status int, code string) page {
	t.Helper()
	p := readPage(t, v.openLink(t, token))
	if p.Status != status || p.Text == "" || strings.Contains(p.H1, "Parking permit request") {
		t.Errorf("%s: GET answered %d %+v; want %d with a problem page", what, p.Status, p, status)
	}
	for _, decision := range []string{"approve", "deny"} {
		fp := readPage(t, v.decideForm(t, token, decision, "note"))
		if fp.Status != status || fp.H1 != p.H1 || fp.Text != p.Text {
			t.Errorf("%s: form %s answered %d %+v; want %d %+v", what, decision, fp.Status, fp, status, p)
		}
		r := v.decideAPI(t, token, decision, "note")
		if r.Status != status || r.errorCode() != code {
			t.Errorf("%s: API %s answered %d %s; want %d %s", what, decision, r.Status, r.Body, status, code)
		}
	}
	return p
}

// wantRequestPage checks the page an approver sees on opening a live link:
// the request, Approve and Deny buttons in a POST form, nothing that acts on
// its own.
func (v *permitVenue) wantRequestPage(t testing.TB, r response, token string, b permitBooking) {
	t.Helper()
	p := readPage(t, r)
	body := string(r.Body)
	if r.Status != 200 || p.H1 != "Parking permit request" {
		t.Fatalf("GET answered %d %q:\n%s", r.Status, p.H1, body)
	}
	for _, want := range []string{
		`<form method="post" action="/permits/decide"`,
		`<input type="hidden" name="token" value="` + token + `">`,
		`<button type="submit" name="decision" value="approve">Approve</button>`,
		`<button type="submit" name="decision" value="deny">Deny</button>`,
		b.Reg, b.Reference, "Ada",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("request page lacks %q", want)
		}
	}
	lower := strings.ToLower(body)
	for _, bad := range []string{"onload", "onfocus", "onerror", "http-equiv", "autofocus", "submit()", "lovelace", strings.ToLower(b.Email), "7946"} {
		if strings.Contains(lower, bad) {
			t.Errorf("request page contains %q", bad)
		}
	}
	if img := regexp.MustCompile(`<img[^>]*token`).FindString(body); img != "" {
		t.Errorf("the token is in an image URL: %s", img)
	}
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("CSP %q allows scripts from elsewhere", r.Header.Get("Content-Security-Policy"))
	}
	// Scripts: none inline, and none that submits a form.
	for _, m := range scriptRe.FindAllStringSubmatch(body, -1) {
		src := srcRe.FindStringSubmatch(m[1])
		if src == nil || !strings.HasPrefix(src[1], "/static/") || strings.TrimSpace(m[2]) != "" {
			t.Errorf("request page has a script that is not a static file: %s", m[0])
			continue
		}
		js := v.do(t, "GET", src[1], nil, nil)
		if js.Status != 200 || bytes.Contains(js.Body, []byte("submit")) {
			t.Errorf("script %s (%d) may submit a form:\n%s", src[1], js.Status, js.Body)
		}
	}
	if strings.Count(body, token) != 1 {
		t.Errorf("the token appears %d times on the page, want once (the hidden field)", strings.Count(body, token))
	}
}

// --- tests --------------------------------------------------------------

// The approver gets the link by email; opening it shows the request and
// changes nothing, however often a mail scanner opens it.
func TestPermitLinkEmailAndRequestPage(t *testing.T) {
	t.Parallel()
	v := newPermitVenue(t)
	b := v.book(t, "2026-12-10T10:00:00Z", "ada@example.com", "ab12 cde")
	if b.Reg != "AB12CDE" {
		t.Fatalf("registration stored as %q", b.Reg)
	}
	msgs := v.syncMail(t)
	if len(msgs) != 2 || len(mailsTo(msgs, b.Email, "Booking confirmed: ")) != 1 || len(mailsTo(msgs, permitApprover, "Parking permit request ")) != 1 {
		t.Errorf("emails after booking: %d, want the customer's confirmation and the approver's request", len(msgs))
	}
	token := v.permitLink(t, msgs, b)
	req := mailsTo(msgs, permitApprover, "Parking permit request")[0]
	for _, want := range []string{b.Reg, b.Reference, "Ada", "expires"} {
		if !strings.Contains(req.Text, want) {
			t.Errorf("approver email lacks %q:\n%s", want, req.Text)
		}
	}
	// Far from the booking: the link lasts link_ttl.
	v.checkClaims(t, token, b, testNow)

	rows := v.outboxRows(t, "")
	for i := 0; i < 3; i++ {
		v.wantRequestPage(t, v.openLink(t, token), token, b)
	}
	if s := v.permit(t, b.PermitID); !s.requested() || s.LinksTotal != 1 {
		t.Errorf("after GETs: %+v", s)
	}
	if n := v.outboxRows(t, ""); n != rows {
		t.Errorf("GET queued %d emails", n-rows)
	}

	// Close to the booking: the link ends when the booking starts.
	soon := v.book(t, "2026-11-28T09:00:00Z", "grace@example.com", "XY99ZZZ")
	msgs = v.syncMail(t)
	v.checkClaims(t, v.permitLink(t, msgs, soon), soon, testNow)
}

// Approve and deny, through the form and through the API: the answer, the
// recorded decision and the customer's email.
func TestPermitDecisions(t *testing.T) {
	t.Parallel()
	v := newPermitVenue(t)
	cases := []struct {
		name, via, decision, note string
		b                         permitBooking
		token                     string
	}{
		{name: "form approve", via: "form", decision: "approve", note: "Bay 3, by the gate."},
		{name: "form deny", via: "form", decision: "deny", note: "The car park is closed that day."},
		{name: "api approve", via: "api", decision: "approve"},
		{name: "api deny", via: "api", decision: "deny", note: "Sorry: full."},
	}
	regs := []string{"AB12CDE", "CD34EFG", "EF56GHJ", "GH78JKL"}
	for i := range cases {
		cases[i].b = v.book(t, "2026-12-1"+string(rune('0'+i))+"T10:00:00Z", "guest"+string(rune('a'+i))+"@example.com", regs[i])
	}
	msgs := v.syncMail(t)
	for i := range cases {
		cases[i].token = v.permitLink(t, msgs, cases[i].b)
	}
	decidedAt := testNow.Add(90 * time.Minute)
	v.setNow(decidedAt)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status := map[string]string{"approve": "approved", "deny": "denied"}[c.decision]
			if c.via == "form" {
				r := v.decideForm(t, c.token, c.decision, c.note)
				p := readPage(t, r)
				if r.Status != 200 || p.H1 != "Permit "+status || !strings.Contains(string(r.Body), c.b.Reference) || !strings.Contains(string(r.Body), c.b.Reg) {
					t.Fatalf("form: %d %q\n%s", r.Status, p.H1, r.Body)
				}
				if bytes.Contains(r.Body, []byte("<form")) {
					t.Error("the result page still offers a form")
				}
			} else {
				r := v.decideAPI(t, c.token, c.decision, c.note)
				var got map[string]map[string]any
				r.json(t, &got)
				want := map[string]map[string]any{"permit": {"status": status, "booking_reference": c.b.Reference, "vehicle_registration": c.b.Reg}}
				gotJSON, _ := json.Marshal(got)
				wantJSON, _ := json.Marshal(want)
				if r.Status != 200 || !bytes.Equal(gotJSON, wantJSON) {
					t.Fatalf("API: %d %s; want 200 %s", r.Status, r.Body, wantJSON)
				}
				if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control %q", cc)
				}
			}
			s := v.permit(t, c.b.PermitID)
			want := permitState{Status: status, DecidedAt: sql.NullInt64{Int64: decidedAt.Unix(), Valid: true}, DecidedBy: permitApprover,
				Note: c.note, UsedLinks: 1, LinksTotal: 1}
			if s != want {
				t.Errorf("permit row %+v, want %+v", s, want)
			}
			var usedAt int64
			if err := v.db.QueryRow("SELECT used_at FROM permit_tokens WHERE permit_id = ?", c.b.PermitID).Scan(&usedAt); err != nil || usedAt != decidedAt.Unix() {
				t.Errorf("link used_at %d (%v), want %d", usedAt, err, decidedAt.Unix())
			}
			// The customer's own view of the booking shows the decision.
			r := v.do(t, "GET", "/api/bookings/"+c.b.ID+"?t="+c.b.ManageToken, nil, nil)
			var got bookingResponse
			r.json(t, &got)
			if got.Booking.Parking == nil || got.Booking.Parking.Status != status {
				t.Errorf("booking shows parking %+v", got.Booking.Parking)
			}
		})
	}

	// Each customer is emailed their decision, once, in the right words.
	msgs = v.syncMail(t)
	for _, c := range cases {
		decisions := mailsTo(msgs, c.b.Email, "Parking permit")
		if len(decisions) != 1 {
			t.Fatalf("%s: %d decision emails to %s, want 1", c.name, len(decisions), c.b.Email)
		}
		m := decisions[0]
		var subject, text string
		if c.decision == "approve" {
			subject = "Parking permit approved: Test Venue, "
			text = "your parking permit for " + c.b.Reg + " is approved for your booking " + c.b.Reference
		} else {
			subject = "Parking permit not approved: Test Venue, "
			text = "your parking permit for " + c.b.Reg + " was not approved for your booking " + c.b.Reference
		}
		if !strings.HasPrefix(m.Subject, subject) || !strings.HasSuffix(m.Subject, "("+c.b.Reference+")") || !strings.Contains(m.Text, text) ||
			!strings.Contains(m.To, c.b.Email) || !strings.Contains(m.Text, "View your booking: "+venueBase+"/b/"+c.b.ID+"?t=") {
			t.Errorf("%s: decision email %q:\n%s", c.name, m.Subject, m.Text)
		}
		if c.note != "" && !strings.Contains(m.Text, "Note from the approver: "+c.note) {
			t.Errorf("%s: the note is missing:\n%s", c.name, m.Text)
		}
		if c.note == "" && strings.Contains(m.Text, "Note from the approver") {
			t.Errorf("%s: an empty note is announced:\n%s", c.name, m.Text)
		}
		if strings.Contains(m.Text, c.token) || strings.Contains(m.HTML, c.token) {
			t.Errorf("%s: the approval token reached the customer", c.name)
		}
	}

	// A link decides once: using it again, either way and through either
	// door, answers link_used and changes nothing.
	v.setNow(decidedAt.Add(time.Hour))
	rows := v.outboxRows(t, "")
	for _, c := range cases {
		before := v.permit(t, c.b.PermitID)
		p := v.wantProblem(t, c.name+" second use", c.token, 409, "link_used")
		if p.H1 != "Nothing left to decide" || !strings.Contains(p.Text, "already used") {
			t.Errorf("%s second use: page %+v", c.name, p)
		}
		if after := v.permit(t, c.b.PermitID); after != before {
			t.Errorf("%s: second use changed %+v into %+v", c.name, before, after)
		}
	}
	if n := v.outboxRows(t, ""); n != rows {
		t.Errorf("second uses queued %d emails", n-rows)
	}
}

// Re-issuing a link supersedes the earlier one, which then answers link_used
// and changes nothing; the new link works, once.
func TestPermitLinkSuperseded(t *testing.T) {
	t.Parallel()
	v := newPermitVenue(t)
	b := v.book(t, "2026-12-10T10:00:00Z", "ada@example.com", "AB12CDE")
	old := v.permitLink(t, v.syncMail(t), b)

	reissued := testNow.Add(time.Hour)
	v.setNow(reissued)
	if err := v.reissue(b.PermitID); err != nil {
		t.Fatalf("ReissuePermitLink: %v", err)
	}
	msgs := v.syncMail(t)
	if n := len(mailsTo(msgs, permitApprover, "Parking permit request "+b.Reference)); n != 2 {
		t.Fatalf("%d permit request emails, want 2", n)
	}
	token := v.permitLink(t, msgs, b)
	if token == old {
		t.Fatal("the re-issued link is the old one")
	}
	v.checkClaims(t, token, b, reissued)

	p := v.wantProblem(t, "superseded", old, 409, "link_used")
	if !strings.Contains(p.Text, "newer link") {
		t.Errorf("superseded page: %+v", p)
	}
	if s := v.permit(t, b.PermitID); !s.requested() || s.LinksTotal != 2 {
		t.Errorf("superseded link changed the permit: %+v", s)
	}
	if n := v.outboxRows(t, app.KindPermitDecision); n != 0 {
		t.Errorf("%d decision emails queued", n)
	}

	v.wantRequestPage(t, v.openLink(t, token), token, b)
	if r := v.decideAPI(t, token, "deny", ""); r.Status != 200 {
		t.Fatalf("new link: %d %s", r.Status, r.Body)
	}
	if s := v.permit(t, b.PermitID); s.Status != "denied" || s.UsedLinks != 1 {
		t.Errorf("after deciding: %+v", s)
	}
	v.wantProblem(t, "superseded after the decision", old, 409, "link_used")
	v.wantProblem(t, "used", token, 409, "link_used")
	if err := v.reissue(b.PermitID); app.ErrorCode(err) != app.CodeLinkUsed {
		t.Errorf("re-issue for a decided permit: %v", err)
	}
	msgs = v.syncMail(t)
	if n := len(mailsTo(msgs, b.Email, "Parking permit not approved")); n != 1 {
		t.Errorf("%d decision emails, want 1", n)
	}
}

// A link expires link_ttl after it is sent, or when its booking starts if
// sooner; an expired link answers link_expired and changes nothing.
func TestPermitLinkExpiry(t *testing.T) {
	t.Parallel()
	t.Run("link_ttl", func(t *testing.T) {
		v := newPermitVenue(t)
		b := v.book(t, "2026-12-10T10:00:00Z", "ada@example.com", "AB12CDE")
		token := v.permitLink(t, v.syncMail(t), b)
		exp := testNow.Add(72 * time.Hour)

		v.setNow(exp.Add(-time.Second))
		v.wantRequestPage(t, v.openLink(t, token), token, b)
		v.setNow(exp)
		rows := v.outboxRows(t, "")
		p := v.wantProblem(t, "expired", token, 410, "link_expired")
		if p.H1 != "This link has expired" {
			t.Errorf("expired page %+v", p)
		}
		if n, err := v.Svc.ExpirePermits(context.Background()); err != nil || n != 0 {
			t.Errorf("ExpirePermits before the booking starts: %d, %v", n, err)
		}
		if s := v.permit(t, b.PermitID); !s.requested() {
			t.Errorf("expired link changed the permit: %+v", s)
		}
		if n := v.outboxRows(t, ""); n != rows {
			t.Errorf("expired link queued %d emails", n-rows)
		}
		// The owner can send a new link, which works.
		if err := v.reissue(b.PermitID); err != nil {
			t.Fatal(err)
		}
		fresh := v.permitLink(t, v.syncMail(t), b)
		v.checkClaims(t, fresh, b, exp)
		if r := v.decideAPI(t, fresh, "approve", ""); r.Status != 200 {
			t.Errorf("re-issued link: %d %s", r.Status, r.Body)
		}
	})

	t.Run("booking start", func(t *testing.T) {
		v := newPermitVenue(t)
		b := v.book(t, "2026-11-28T09:00:00Z", "ada@example.com", "AB12CDE")
		token := v.permitLink(t, v.syncMail(t), b)

		v.setNow(b.Start.Add(-time.Second))
		v.wantRequestPage(t, v.openLink(t, token), token, b)
		if n, err := v.Svc.ExpirePermits(context.Background()); err != nil || n != 0 {
			t.Errorf("ExpirePermits before the start: %d, %v", n, err)
		}
		v.setNow(b.Start)
		v.wantProblem(t, "booking started", token, 410, "link_expired")
		if s := v.permit(t, b.PermitID); !s.requested() {
			t.Errorf("expired link changed the permit: %+v", s)
		}

		// The expiry job closes the request; the link still says expired.
		if n, err := v.Svc.ExpirePermits(context.Background()); err != nil || n != 1 {
			t.Fatalf("ExpirePermits at the start: %d, %v", n, err)
		}
		rows := v.outboxRows(t, "")
		v.wantProblem(t, "permit expired", token, 410, "link_expired")
		want := permitState{Status: "expired", LinksTotal: 1}
		if s := v.permit(t, b.PermitID); s != want {
			t.Errorf("permit %+v, want %+v", s, want)
		}
		if n := v.outboxRows(t, ""); n != rows || v.outboxRows(t, app.KindPermitDecision) != 0 {
			t.Errorf("expired permit queued %d emails", n-rows)
		}
		if err := v.reissue(b.PermitID); app.ErrorCode(err) != app.CodeLinkUsed {
			t.Errorf("re-issue for an expired permit: %v", err)
		}
		// Running the job again changes nothing.
		if n, err := v.Svc.ExpirePermits(context.Background()); err != nil || n != 0 {
			t.Errorf("ExpirePermits again: %d, %v", n, err)
		}
	})
}

// b64 is the JWT encoding of a segment.
func b64(data []byte) string { return base64.RawURLEncoding.EncodeToString(data) }

func hs256(key []byte, text string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(text))
	return b64(m.Sum(nil))
}

func signWith(t testing.TB, method jwt.SigningMethod, key any, claims jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// flip changes the character at i of a base64url segment into another
// letter; before the last character it changes the decoded bytes.
func flip(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// forgedTokens returns links that must never decide, built from a real link
// (token, claims) of one permit and the jti of another.
func forgedTokens(t testing.TB, token string, c jwt.RegisteredClaims, otherPermit, otherJTI string) [][2]string {
	t.Helper()
	parts := strings.Split(token, ".")
	head, payload, sig := parts[0], parts[1], parts[2]
	with := func(edit func(*jwt.RegisteredClaims)) jwt.RegisteredClaims {
		cc := c
		edit(&cc)
		return cc
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	// The last character of a 32-byte signature carries two spare bits: a
	// lenient decoder reads the same signature from another string.
	spare := sig[:len(sig)-1] + string(alphabet[strings.IndexByte(alphabet, sig[len(sig)-1])^1])
	noneHead := b64([]byte(`{"alg":"none","typ":"JWT"}`))
	rsHead := b64([]byte(`{"alg":"RS256","typ":"JWT"}`))
	return [][2]string{
		{"signature flipped", head + "." + payload + "." + flip(sig, 0)},
		{"signature's spare bits set", head + "." + payload + "." + spare},
		{"line break in the signature", head + "." + payload + "." + sig[:20] + "\n" + sig[20:]},
		{"CRLF after the token", token + "\r\n"},
		{"payload flipped", head + "." + flip(payload, 5) + "." + sig},
		{"alg none", noneHead + "." + payload + "."},
		{"alg none with the signature", noneHead + "." + payload + "." + sig},
		{"another secret", signWith(t, jwt.SigningMethodHS256, app.DeriveKey("another venue's secret, also 32+ characters", "permit-link"), c)},
		{"another purpose's key", signWith(t, jwt.SigningMethodHS256, app.DeriveKey(permitSecret, "manage-link"), c)},
		{"another permit", signWith(t, jwt.SigningMethodHS256, permitKey, with(func(x *jwt.RegisteredClaims) { x.Subject = otherPermit }))},
		{"another permit's jti", signWith(t, jwt.SigningMethodHS256, permitKey, with(func(x *jwt.RegisteredClaims) { x.ID = otherJTI }))},
		{"unknown jti", signWith(t, jwt.SigningMethodHS256, permitKey, with(func(x *jwt.RegisteredClaims) { x.ID = "00112233445566778899aabbccddeeff" }))},
		{"another audience", signWith(t, jwt.SigningMethodHS256, permitKey, with(func(x *jwt.RegisteredClaims) { x.Audience = jwt.ClaimStrings{"venuebook/manage-link"} }))},
		{"no audience", signWith(t, jwt.SigningMethodHS256, permitKey, with(func(x *jwt.RegisteredClaims) { x.Audience = nil }))},
		{"another issuer", signWith(t, jwt.SigningMethodHS256, permitKey, with(func(x *jwt.RegisteredClaims) { x.Issuer = "http://evil.test" }))},
		{"no exp", signWith(t, jwt.SigningMethodHS256, permitKey, with(func(x *jwt.RegisteredClaims) { x.ExpiresAt = nil }))},
		{"issued in the future", signWith(t, jwt.SigningMethodHS256, permitKey, with(func(x *jwt.RegisteredClaims) { x.IssuedAt = jwt.NewNumericDate(testNow.Add(3 * time.Hour)) }))},
		{"HS512", signWith(t, jwt.SigningMethodHS512, permitKey, c)},
		{"HS384", signWith(t, jwt.SigningMethodHS384, permitKey, c)},
		{"RS256 header, HMAC signature", rsHead + "." + payload + "." + hs256(permitKey, rsHead+"."+payload)},
		{"RS256 header, real signature", rsHead + "." + payload + "." + sig},
		{"cut short", token[:len(token)*2/3]},
		{"signature missing", head + "." + payload},
		{"extra segment", token + ".e30"},
		{"padded", token + "="},
		{"spaces around", " " + token + " "},
		{"not a token", "not-a-token"},
		{"dots", ".."},
		{"JSON", `{"token":"x"}`},
		{"too long", strings.Repeat("A", 3000) + "." + payload + "." + sig},
		{"empty", ""},
	}
}

// Tampered, forged and malformed links answer 403 forbidden and change
// nothing; the real link still works afterwards.
func TestPermitBadLinksForbidden(t *testing.T) {
	t.Parallel()
	v := newPermitVenue(t)
	a := v.book(t, "2026-12-10T10:00:00Z", "ada@example.com", "AB12CDE")
	other := v.book(t, "2026-12-11T10:00:00Z", "grace@example.com", "XY99ZZZ")
	msgs := v.syncMail(t)
	token := v.permitLink(t, msgs, a)
	claims := v.checkClaims(t, token, a, testNow)
	otherClaims := v.checkClaims(t, v.permitLink(t, msgs, other), other, testNow)
	v.setNow(testNow.Add(time.Hour))

	rows := v.outboxRows(t, "")
	for _, f := range forgedTokens(t, token, claims, other.PermitID, otherClaims.ID) {
		p := v.wantProblem(t, f[0], f[1], 403, "forbidden")
		if p.H1 != "This link does not work" {
			t.Errorf("%s: page %+v", f[0], p)
		}
	}
	// No token at all.
	r := v.do(t, "GET", "/permits/decide", nil, nil)
	if p := readPage(t, r); r.Status != 403 || p.H1 != "This link does not work" {
		t.Errorf("GET without a token: %d %+v", r.Status, p)
	}
	r = v.do(t, "POST", "/api/permits/decision", map[string]string{"decision": "approve"}, nil)
	if r.Status != 403 || r.errorCode() != "forbidden" {
		t.Errorf("API without a token: %d %s", r.Status, r.Body)
	}

	for _, b := range []permitBooking{a, other} {
		if s := v.permit(t, b.PermitID); !s.requested() || s.LinksTotal != 1 {
			t.Errorf("forged links changed permit %s: %+v", b.PermitID, s)
		}
	}
	if n := v.outboxRows(t, ""); n != rows {
		t.Errorf("forged links queued %d emails", n-rows)
	}
	v.wantRequestPage(t, v.openLink(t, token), token, a)
	if r := v.decideForm(t, token, "approve", ""); r.Status != 200 {
		t.Errorf("the real link after the forgeries: %d", r.Status)
	}
}

// A cancelled booking cancels its permit request: the link then answers
// link_used and changes nothing.
func TestPermitCancelledBooking(t *testing.T) {
	t.Parallel()
	v := newPermitVenue(t)
	b := v.book(t, "2026-12-10T10:00:00Z", "ada@example.com", "AB12CDE")
	token := v.permitLink(t, v.syncMail(t), b)

	r := v.do(t, "POST", "/api/bookings/"+b.ID+"/cancel?t="+b.ManageToken, nil, nil)
	var got bookingResponse
	r.json(t, &got)
	if r.Status != 200 || got.Booking.Status != "cancelled" || got.Booking.Parking == nil || got.Booking.Parking.Status != "cancelled" {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	rows := v.outboxRows(t, "")
	p := v.wantProblem(t, "cancelled booking", token, 409, "link_used")
	if p.H1 != "Nothing left to decide" || !strings.Contains(p.Text, "cancelled") {
		t.Errorf("cancelled booking's page %+v", p)
	}
	want := permitState{Status: "cancelled", LinksTotal: 1}
	if s := v.permit(t, b.PermitID); s != want {
		t.Errorf("permit %+v, want %+v", s, want)
	}
	if n := v.outboxRows(t, ""); n != rows || v.outboxRows(t, app.KindPermitDecision) != 0 {
		t.Errorf("the link of a cancelled booking queued %d emails", n-rows)
	}
	msgs := v.syncMail(t)
	if len(msgs) != 3 || len(mailsTo(msgs, b.Email, "Parking permit")) != 0 {
		t.Errorf("emails: %d; want confirmation, permit request, cancellation and no decision", len(msgs))
	}
}

// Concurrent decisions with one link: exactly one decides, the others answer
// link_used, and the customer gets exactly one email.
func TestPermitConcurrentDecisions(t *testing.T) {
	t.Parallel()
	v := newPermitVenue(t)
	for i, n := range []int{2, 50} {
		b := v.book(t, "2026-12-1"+string(rune('0'+i))+"T10:00:00Z", "guest"+string(rune('a'+i))+"@example.com", "AB12CD"+string(rune('0'+i)))
		token := v.permitLink(t, v.syncMail(t), b)
		type result struct {
			via, decision string
			status        int
			code          string
			err           error
		}
		results := make([]result, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for j := 0; j < n; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := result{via: "api", decision: "approve"}
				if j%2 == 1 {
					res.decision = "deny"
				}
				<-start
				var r response
				if j%4 < 2 {
					r, res.err = v.try("POST", "/api/permits/decision", map[string]string{"token": token, "decision": res.decision}, nil)
					res.code = r.errorCode()
				} else {
					res.via = "form"
					form := url.Values{"token": {token}, "decision": {res.decision}}.Encode()
					r, res.err = v.try("POST", "/permits/decide", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
				}
				res.status = r.Status
				results[j] = res
			}()
		}
		close(start)
		wg.Wait()

		var winner *result
		for j := range results {
			res := &results[j]
			switch {
			case res.err != nil:
				t.Errorf("%d: request %d: %v", n, j, res.err)
			case res.status == 200:
				if winner != nil {
					t.Errorf("%d concurrent: requests %+v and %+v both decided", n, *winner, *res)
				}
				winner = res
			case res.status != 409 || res.via == "api" && res.code != "link_used":
				t.Errorf("%d concurrent: request %d answered %d %q", n, j, res.status, res.code)
			}
		}
		if winner == nil {
			t.Fatalf("%d concurrent: nobody decided", n)
		}
		status := map[string]string{"approve": "approved", "deny": "denied"}[winner.decision]
		if s := v.permit(t, b.PermitID); s.Status != status || s.UsedLinks != 1 || s.DecidedBy != permitApprover {
			t.Errorf("%d concurrent: permit %+v, want %s by the winner", n, s, status)
		}
		if k := v.countRows(t, "SELECT count(*) FROM outbox WHERE kind = 'permit_decision' AND recipient = ?", b.Email); k != 1 {
			t.Errorf("%d concurrent: %d decision emails queued", n, k)
		}
		msgs := v.syncMail(t)
		decisions := mailsTo(msgs, b.Email, "Parking permit")
		wantSubject := map[string]string{"approved": "Parking permit approved", "denied": "Parking permit not approved"}[status]
		if len(decisions) != 1 || !strings.HasPrefix(decisions[0].Subject, wantSubject) {
			t.Errorf("%d concurrent: decision emails %d, want one %q", n, len(decisions), wantSubject)
		}
	}
}

// Each way a link can fail has its own page: the approver can tell an expired
// link from a used, a superseded, a tampered or an incomplete one.
func TestPermitProblemPages(t *testing.T) {
	t.Parallel()
	v := newPermitVenue(t)
	used := v.book(t, "2026-12-10T10:00:00Z", "a@example.com", "AA11AAA")
	superseded := v.book(t, "2026-12-11T10:00:00Z", "b@example.com", "BB22BBB")
	cancelled := v.book(t, "2026-12-12T10:00:00Z", "c@example.com", "CC33CCC")
	expiring := v.book(t, "2026-11-28T09:00:00Z", "d@example.com", "DD44DDD")
	msgs := v.syncMail(t)
	usedToken := v.permitLink(t, msgs, used)
	supersededToken := v.permitLink(t, msgs, superseded)
	cancelledToken := v.permitLink(t, msgs, cancelled)
	expiringToken := v.permitLink(t, msgs, expiring)

	live := readPage(t, v.openLink(t, usedToken))
	if r := v.decideAPI(t, usedToken, "approve", ""); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	if err := v.reissue(superseded.PermitID); err != nil {
		t.Fatal(err)
	}
	if r := v.do(t, "POST", "/api/bookings/"+cancelled.ID+"/cancel?t="+cancelled.ManageToken, nil, nil); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	parts := strings.Split(usedToken, ".")
	pages := []struct {
		name   string
		token  string
		status int
		h1     string
	}{
		{"used", usedToken, 409, "Nothing left to decide"},
		{"superseded", supersededToken, 409, ""},
		{"closed", cancelledToken, 409, "Nothing left to decide"},
		{"tampered", parts[0] + "." + parts[1] + "." + flip(parts[2], 10), 403, "This link does not work"},
		{"malformed", usedToken[:40], 403, "This link does not work"},
		{"expired", expiringToken, 410, "This link has expired"},
	}
	if live.Status != 200 || live.H1 != "Parking permit request" {
		t.Fatalf("live link: %+v", live)
	}
	texts := map[string]string{}    // problem text → page
	headings := map[string]string{} // page → heading
	for _, c := range pages {
		if c.name == "expired" {
			v.setNow(expiring.Start)
		}
		r := v.openLink(t, c.token)
		p := readPage(t, r)
		if p.Status != c.status || c.h1 != "" && p.H1 != c.h1 || p.H1 == "" || p.Text == "" || p.H1 == live.H1 {
			t.Errorf("%s: %d %+v; want %d %q", c.name, p.Status, p, c.status, c.h1)
		}
		if bytes.Contains(r.Body, []byte("<form")) || bytes.Contains(r.Body, []byte("<button")) {
			t.Errorf("%s: the page offers buttons", c.name)
		}
		if prev, dup := texts[p.Text]; dup {
			t.Errorf("%s says the same as %s: %q", c.name, prev, p.Text)
		}
		texts[p.Text] = c.name
		headings[c.name] = p.H1
	}
	// Expired, used, superseded and tampered each have their own heading: a
	// superseded link is not a used one, its request is still open.
	distinct := map[string]string{}
	for _, name := range []string{"expired", "used", "superseded", "tampered"} {
		if prev, dup := distinct[headings[name]]; dup {
			t.Errorf("%s and %s pages share the heading %q", prev, name, headings[name])
		}
		distinct[headings[name]] = name
	}
}

// A booking whose permit was approved (or denied) can still be cancelled, by
// the customer and by the owner: the permit becomes cancelled and keeps the
// time of its decision.
func TestCancelBookingWithDecidedPermit(t *testing.T) {
	t.Parallel()
	v := newPermitVenue(t)
	approved := v.book(t, "2026-12-14T10:00:00Z", "ada@example.com", "EF56GHI")
	denied := v.book(t, "2026-12-15T10:00:00Z", "grace@example.com", "JK78LMN")
	msgs := v.syncMail(t)
	if r := v.decideAPI(t, v.permitLink(t, msgs, approved), "approve", "Bay 3"); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if r := v.decideAPI(t, v.permitLink(t, msgs, denied), "deny", ""); r.Status != 200 {
		t.Fatalf("deny: %d %s", r.Status, r.Body)
	}

	r := v.do(t, "POST", "/api/bookings/"+approved.ID+"/cancel?t="+approved.ManageToken, nil, nil)
	var got bookingResponse
	r.json(t, &got)
	if r.Status != 200 || got.Booking.Status != "cancelled" || got.Booking.Parking == nil || got.Booking.Parking.Status != "cancelled" {
		t.Fatalf("customer cancel with an approved permit: %d %s", r.Status, r.Body)
	}
	if s := v.permit(t, approved.PermitID); s.Status != "cancelled" || !s.DecidedAt.Valid || s.Note != "Bay 3" {
		t.Errorf("approved then cancelled permit: %+v", s)
	}
	if !v.offered(t, "2026-12-14T10:00:00+00:00") {
		t.Error("the slot is not free again")
	}

	// The owner cancels the one whose permit was denied: a denied permit stays denied.
	if _, err := v.Svc.SetBookingStatus(context.Background(), denied.ID, "cancelled", false, "owner@example.com"); err != nil {
		t.Fatalf("owner cancel with a denied permit: %v", err)
	}
	if s := v.permit(t, denied.PermitID); s.Status != "denied" || !s.DecidedAt.Valid {
		t.Errorf("denied then cancelled booking's permit: %+v", s)
	}
}
