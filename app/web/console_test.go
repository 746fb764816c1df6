package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/cookiejar"
	netmail "net/mail"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"venuebook/app"
	"venuebook/app/mail"
	"venuebook/app/mail/smtptest"
)

// The owner console: its JSON API (API.md "Owner console API") and its pages,
// over HTTP against a real server, a real SQLite file and, where mail
// matters, a real SMTP server. Owners are created with Service.CreateAdmin and
// sign in through POST /api/admin/login like a browser or a script would.

const (
	ownerEmail    = "owner@venue.test"
	ownerPassword = "correct horse battery staple"
)

// consoleLimits is a [limits] table: login_per_ip as given, and the limits
// that many bookings from one test address would reach switched off.
func consoleLimits(loginPerIP string) string {
	return fmt.Sprintf("[limits]\nbooking_per_ip = \"\"\nbooking_per_email = \"\"\nbooking_per_network = \"\"\nread_per_ip = \"\"\nlogin_per_ip = %q\n", loginPerIP)
}

// addOwner creates an owner account the way the CLI and the setup page do.
func addOwner(t testing.TB, v *testVenue, email, password string) {
	t.Helper()
	if _, err := v.Svc.CreateAdmin(context.Background(), email, password); err != nil {
		t.Fatalf("CreateAdmin(%s): %v", email, err)
	}
}

// sendAs makes one request with client c; body as in testVenue.do. A header
// value "" removes that header.
func sendAs(t testing.TB, c *http.Client, base, method, path string, body any, header map[string]string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, val := range header {
		if val == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, val)
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// clientTimeout bounds one request of the console tests' clients: it only
// decides how long a test whose request hangs takes.
const clientTimeout = 2 * time.Minute

// noRedirects is a client without cookies that shows each answer as it is.
var noRedirects = &http.Client{Timeout: clientTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// ownerClient is an owner signed in through the API: a cookie jar holding the
// session cookie, and the CSRF token of the login answer.
type ownerClient struct {
	v      *testVenue
	c      *http.Client
	csrf   string
	cookie *http.Cookie // the session cookie as the login answer set it
}

func newJarClient(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: clientTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// setCookies returns the cookies a response sets.
func setCookies(r response) []*http.Cookie { return (&http.Response{Header: r.Header}).Cookies() }

// consoleLogin signs in through POST /api/admin/login from address xff (sent
// as X-Forwarded-For; "" for none) and returns the raw answer and the client.
func consoleLogin(t testing.TB, v *testVenue, email, password string) *ownerClient {
	t.Helper()
	c := newJarClient(t)
	r := sendAs(t, c, v.URL, "POST", "/api/admin/login", map[string]string{"email": email, "password": password}, nil)
	if r.Status != 200 {
		t.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	var got struct {
		CSRF string `json:"csrf_token"`
	}
	r.json(t, &got)
	o := &ownerClient{v: v, c: c, csrf: got.CSRF}
	for _, ck := range setCookies(r) {
		if ck.Name == "vb_session" || ck.Name == "__Host-vb_session" {
			o.cookie = ck
		}
	}
	if o.csrf == "" || o.cookie == nil {
		t.Fatalf("login answer without CSRF token or session cookie: %v %s", r.Header["Set-Cookie"], r.Body)
	}
	return o
}

// do sends a request as this owner; POST, PUT and DELETE carry the CSRF
// token unless header overrides X-CSRF-Token ("" sends none).
func (o *ownerClient) do(t testing.TB, method, path string, body any, header map[string]string) response {
	t.Helper()
	h := map[string]string{}
	if method != "GET" && method != "HEAD" {
		h["X-CSRF-Token"] = o.csrf
	}
	for k, val := range header {
		h[k] = val
	}
	return sendAs(t, o.c, o.v.URL, method, path, body, h)
}

// getJSON GETs path as this owner and decodes the 200 answer into dst.
func (o *ownerClient) getJSON(t testing.TB, path string, dst any) {
	t.Helper()
	r := o.do(t, "GET", path, nil, nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	r.json(t, dst)
}

// wantAPIError checks a JSON error answer of API.md's shape.
func wantAPIError(t testing.TB, what string, r response, status int, code string) {
	t.Helper()
	ct := r.Header.Get("Content-Type")
	if r.Status != status || r.errorCode() != code || !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: %d %q %.300s; want %d %s as JSON", what, r.Status, ct, r.Body, status, code)
	}
}

// consoleState is what an owner request could change in the database, read
// straight from the file: two equal states mean nothing changed.
func consoleState(t testing.TB, v *testVenue) string {
	t.Helper()
	queries := []string{
		"SELECT id || ' ' || status || ' ' || sequence || ' ' || updated_at FROM bookings ORDER BY id",
		"SELECT id || ' ' || status || ' ' || decided_by || ' ' || decision_note FROM parking_permits ORDER BY id",
		"SELECT jti || ' ' || coalesce(used_at, '-') || ' ' || coalesce(superseded_at, '-') FROM permit_tokens ORDER BY jti",
		"SELECT id || ' ' || coalesce(room_id, '*') || ' ' || start_at || ' ' || end_at FROM blackouts ORDER BY id",
		"SELECT id || ' ' || kind || ' ' || status || ' ' || attempts || ' ' || next_attempt_at FROM outbox ORDER BY id",
		"SELECT id || ' ' || actor || ' ' || action FROM audit_log ORDER BY id",
		"SELECT key || '=' || value FROM settings ORDER BY key",
		"SELECT id_hash || ' ' || admin_id || ' ' || expires_at FROM sessions ORDER BY id_hash",
		"SELECT id || ' ' || email FROM admins ORDER BY id",
	}
	var b strings.Builder
	for _, q := range queries {
		rows, err := v.db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		b.WriteString("--\n")
	}
	return b.String()
}

// --- JSON shapes of the console API --------------------------------------

// adminBooking is a booking as the console API lists it (the public shape).
type adminBooking = apiBooking

type auditEntry struct {
	ID        int64  `json:"id"`
	At        string `json:"at"`
	Actor     string `json:"actor"`
	Action    string `json:"action"`
	BookingID string `json:"booking_id"`
	Details   string `json:"details"`
}

type adminPermit struct {
	ID                  string `json:"id"`
	Status              string `json:"status"`
	VehicleRegistration string `json:"vehicle_registration"`
	BookingID           string `json:"booking_id"`
	BookingReference    string `json:"booking_reference"`
	DecidedBy           string `json:"decided_by"`
	Note                string `json:"note"`
}

type adminMessage struct {
	ID            int64  `json:"id"`
	Kind          string `json:"kind"`
	BookingID     string `json:"booking_id"`
	Recipient     string `json:"recipient"`
	Status        string `json:"status"`
	Attempts      int    `json:"attempts"`
	NextAttemptAt string `json:"next_attempt_at"`
	LastError     string `json:"last_error"`
}

type adminBlackout struct {
	ID     int64  `json:"id"`
	Start  string `json:"start"`
	End    string `json:"end"`
	Room   string `json:"room"`
	Reason string `json:"reason"`
}

func (o *ownerClient) bookings(t testing.TB, query string) []adminBooking {
	t.Helper()
	var got struct {
		Bookings []adminBooking `json:"bookings"`
	}
	o.getJSON(t, "/api/admin/bookings?"+query, &got)
	return got.Bookings
}

func (o *ownerClient) audit(t testing.TB, query string) []auditEntry {
	t.Helper()
	var got struct {
		Entries []auditEntry `json:"entries"`
	}
	o.getJSON(t, "/api/admin/audit?"+query, &got)
	return got.Entries
}

func (o *ownerClient) permits(t testing.TB, status string) []adminPermit {
	t.Helper()
	var got struct {
		Permits []adminPermit `json:"permits"`
	}
	o.getJSON(t, "/api/admin/permits?status="+status, &got)
	return got.Permits
}

func (o *ownerClient) outbox(t testing.TB, status string) []adminMessage {
	t.Helper()
	var got struct {
		Messages []adminMessage `json:"messages"`
	}
	o.getJSON(t, "/api/admin/outbox?status="+status, &got)
	return got.Messages
}

// hasAudit reports whether entries hold action on bookingID by actor.
func hasAudit(entries []auditEntry, actor, action, bookingID string) bool {
	return slices.ContainsFunc(entries, func(e auditEntry) bool {
		return e.Actor == actor && e.Action == action && e.BookingID == bookingID
	})
}

// bookAs makes a booking for customer name and email at start, with edits.
func bookAs(t testing.TB, v *testVenue, start, name, email string, edits ...func(map[string]any)) bookingResponse {
	t.Helper()
	return v.mustBook(t, bookingBody(start, append([]func(map[string]any){func(m map[string]any) {
		m["customer"] = map[string]any{"name": name, "email": email, "phone": "+44 20 7946 0958"}
	}}, edits...)...))
}

func withPackage(tier, pkg string, price int64, guests int) func(map[string]any) {
	return func(m map[string]any) {
		m["tier"], m["package"], m["expected_price_cents"], m["guests"] = tier, pkg, price, guests
	}
}

func withParking(reg string) func(map[string]any) {
	return func(m map[string]any) { m["parking"] = map[string]any{"vehicle_registration": reg} }
}

// --- mail ----------------------------------------------------------------

// mailPart is one leaf MIME part of a message, its body decoded.
type mailPart struct {
	MediaType string
	Params    map[string]string
	Body      string
}

// mailParts parses a message the SMTP server accepted into its subject and
// leaf parts.
func mailParts(t testing.TB, r smtptest.Received) (string, []mailPart) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("net/mail: %v", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	var parts []mailPart
	var walk func(h textproto.MIMEHeader, body io.Reader, depth int)
	walk = func(h textproto.MIMEHeader, body io.Reader, depth int) {
		if depth > 5 {
			t.Fatal("MIME nested too deep")
		}
		ct := h.Get("Content-Type")
		if ct == "" {
			ct = "text/plain"
		}
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("Content-Type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextPart()
				if errors.Is(err, io.EOF) {
					return
				}
				if err != nil {
					t.Fatalf("multipart: %v", err)
				}
				walk(p.Header, p, depth+1)
			}
		}
		rd := body
		switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
		case "base64":
			rd = base64.NewDecoder(base64.StdEncoding, body)
		case "quoted-printable":
			rd = quotedprintable.NewReader(body)
		}
		data, err := io.ReadAll(rd)
		if err != nil {
			t.Fatalf("%s: %v", mt, err)
		}
		parts = append(parts, mailPart{MediaType: mt, Params: params, Body: string(data)})
	}
	walk(textproto.MIMEHeader(msg.Header), msg.Body, 0)
	return subject, parts
}

// received returns what the server accepted for addr.
func received(srv *smtptest.Server, addr string) []smtptest.Received {
	var out []smtptest.Received
	for _, m := range srv.Messages() {
		if len(m.To) == 1 && strings.EqualFold(m.To[0], addr) {
			out = append(out, m)
		}
	}
	return out
}

// settleMail attempts every message due now and returns when each has been
// tried: Worker.DeliverDue holds the worker's lock, so it also waits for a
// send the background loop has in progress.
func settleMail(t testing.TB, w *mail.Worker) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), mailWait)
	defer cancel()
	if _, err := w.DeliverDue(ctx); err != nil {
		t.Fatalf("DeliverDue: %v", err)
	}
}

// --- the table of routes --------------------------------------------------

// consoleRoute is one route of the console API: a request that succeeds,
// what its success looks like, and requests it must refuse.
type consoleRoute struct {
	method, path string
	body         any
	status       int                            // of the happy path
	check        func(t *testing.T, r response) // of the happy path
	bad          []badRequest                   // refused, changing nothing
	elsewhere    string                         // the happy path is tested there instead
}

type badRequest struct {
	name   string
	path   string // "" = the route's
	body   any
	status int
	code   string
	field  string // a field that validation_failed must name
}

// TestConsoleAPIRoutes runs every route of the console API (API.md, and the
// additions in server.go) through the same checks: no session → 401
// unauthorized; a state-changing request with a session but a missing, wrong
// or other session's CSRF token → 403 forbidden and nothing changes; bad input
// → its 4xx and nothing changes; then the request that works.
func TestConsoleAPIRoutes(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	srv.RejectRcpt(550, "bounce@example.com")
	// No mail worker runs: the test delivers once, by hand, so that the
	// outbox changes only through the requests under test.
	v := newVenue(t, venueOptions{Rooms: 2, Parking: true, ExtraTOML: fmt.Sprintf(
		"[mail]\nmax_attempts = 1\n[mail.primary]\nhost = \"127.0.0.1\"\nport = %d\ntls = \"none\"\n%s", srv.Port, consoleLimits(""))})
	ctx := context.Background()
	addOwner(t, v, ownerEmail, ownerPassword)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	other := consoleLogin(t, v, ownerEmail, ownerPassword) // a second session of the same owner

	bA := bookAs(t, v, "2026-12-01T10:00:00Z", "Ada Lovelace", "a@example.com", withParking("AB12CDE")).Booking
	bB := bookAs(t, v, "2026-12-01T12:00:00Z", "Bea Bell", "b@example.com").Booking
	bC := bookAs(t, v, "2026-12-01T14:00:00Z", "Cy Coe", "c@example.com").Booking
	bBounce := bookAs(t, v, "2026-12-02T10:00:00Z", "Dee Dee", "bounce@example.com").Booking
	var permitA string
	if err := v.db.QueryRow("SELECT id FROM parking_permits WHERE booking_id = ?", bA.ID).Scan(&permitA); err != nil {
		t.Fatal(err)
	}
	blackout, err := v.Svc.AddBlackout(ctx, app.BlackoutRequest{Start: "2026-12-20", End: "2026-12-20", Reason: "Stocktake"}, ownerEmail)
	if err != nil {
		t.Fatal(err)
	}
	w, err := mail.NewWorker(v.Svc.Store, v.Svc.Config, slog.New(slog.NewTextHandler(io.Discard, nil)), v.Svc.Now)
	if err != nil {
		t.Fatal(err)
	}
	settleMail(t, w)
	var deadID, sentID int64
	if err := v.db.QueryRow("SELECT id FROM outbox WHERE status = 'dead' AND recipient = 'bounce@example.com'").Scan(&deadID); err != nil {
		t.Fatalf("no dead message: %v", err)
	}
	if err := v.db.QueryRow("SELECT id FROM outbox WHERE status = 'sent' AND recipient = 'c@example.com'").Scan(&sentID); err != nil {
		t.Fatalf("no sent message: %v", err)
	}
	var feedURL string

	decode := func(t *testing.T, r response, dst any) {
		t.Helper()
		r.json(t, dst)
	}
	routes := []consoleRoute{
		{method: "GET", path: "/api/admin/session", status: 200, check: func(t *testing.T, r response) {
			var got map[string]string
			decode(t, r, &got)
			want := map[string]string{"email": ownerEmail, "csrf_token": o.csrf, "expires_at": "2026-12-11T10:00:00+00:00"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("session %v, want %v", got, want)
			}
		}},
		{method: "POST", path: "/api/admin/logout", elsewhere: "TestConsoleSessions"},
		{method: "POST", path: "/api/admin/logout-everywhere", elsewhere: "TestConsoleSessions"},
		{method: "GET", path: "/api/admin/bookings?from=2026-12-01&to=2026-12-02", status: 200,
			check: func(t *testing.T, r response) {
				var got struct {
					Bookings []adminBooking `json:"bookings"`
				}
				decode(t, r, &got)
				var refs []string
				for _, b := range got.Bookings {
					refs = append(refs, b.Reference)
				}
				if want := []string{bA.Reference, bB.Reference, bC.Reference, bBounce.Reference}; !slices.Equal(refs, want) {
					t.Errorf("bookings %v, want %v by start", refs, want)
				}
				if b := got.Bookings[0]; b.Customer.Email != "a@example.com" || b.Parking == nil || b.Parking.VehicleRegistration != "AB12CDE" || b.Room == "" {
					t.Errorf("first booking %+v", b)
				}
				if got := o.bookings(t, "from=2026-12-01&q=BEA"); len(got) != 1 || got[0].ID != bB.ID {
					t.Errorf("q=BEA (one day, any case) found %+v", got)
				}
				if got := o.bookings(t, "from=2026-12-01&to=2026-12-02&q="+bBounce.Reference); len(got) != 1 || got[0].ID != bBounce.ID {
					t.Errorf("q=reference found %+v", got)
				}
				if got := o.bookings(t, "from=2026-12-01&to=2026-12-02&q=%25"); len(got) != 0 {
					t.Errorf("q=%% (a LIKE wildcard) found %d bookings", len(got))
				}
				if got := o.bookings(t, "from=2026-12-02&to=2026-12-02&status=confirmed"); len(got) != 1 || got[0].ID != bBounce.ID {
					t.Errorf("status=confirmed on 2 December found %+v", got)
				}
				if got := o.bookings(t, "from=2026-12-01&to=2026-12-02&status=cancelled"); len(got) != 0 {
					t.Errorf("status=cancelled found %+v", got)
				}
			},
			bad: []badRequest{
				{name: "no dates", path: "/api/admin/bookings", status: 400, code: "invalid_request"},
				{name: "to without from", path: "/api/admin/bookings?to=2026-12-01", status: 400, code: "invalid_request"},
				{name: "bad from", path: "/api/admin/bookings?from=2026-13-01&to=2026-12-02", status: 400, code: "invalid_request"},
				{name: "bad to", path: "/api/admin/bookings?from=2026-12-01&to=tomorrow", status: 400, code: "invalid_request"},
				{name: "to before from", path: "/api/admin/bookings?from=2026-12-02&to=2026-12-01", status: 400, code: "invalid_request"},
				{name: "unknown status", path: "/api/admin/bookings?from=2026-12-01&status=pending", status: 400, code: "invalid_request"},
				{name: "over ten years", path: "/api/admin/bookings?from=2026-12-01&to=2037-12-01", status: 400, code: "invalid_request"},
			}},
		{method: "GET", path: "/api/admin/bookings/" + bA.ID, status: 200, check: func(t *testing.T, r response) {
			var got struct {
				Booking adminBooking `json:"booking"`
				Audit   []auditEntry `json:"audit"`
			}
			decode(t, r, &got)
			if got.Booking.ID != bA.ID || got.Booking.Reference != bA.Reference || got.Booking.Status != "confirmed" || got.Audit == nil {
				t.Errorf("booking %+v, audit %v", got.Booking, got.Audit)
			}
		}, bad: []badRequest{
			{name: "unknown id", path: "/api/admin/bookings/01JUNKNOWNUNKNOWNUNKNOWN00", status: 404, code: "not_found"},
			{name: "garbage id", path: "/api/admin/bookings/nope", status: 404, code: "not_found"},
		}},
		{method: "POST", path: "/api/admin/bookings/" + bB.ID + "/status", body: map[string]any{"status": "cancelled", "notify": false}, status: 200,
			check: func(t *testing.T, r response) {
				var got bookingResponse
				decode(t, r, &got)
				if got.Booking.ID != bB.ID || got.Booking.Status != "cancelled" {
					t.Errorf("answer %+v", got.Booking)
				}
				if !hasAudit(o.audit(t, "booking="+bB.ID), ownerEmail, "booking.cancelled", bB.ID) {
					t.Error("no audit entry for the cancellation")
				}
			},
			bad: []badRequest{
				{name: "unknown status", body: map[string]any{"status": "archived"}, status: 400, code: "validation_failed", field: "status"},
				{name: "confirmed is no action", body: map[string]any{"status": "confirmed"}, status: 400, code: "validation_failed", field: "status"},
				{name: "completed before the start", body: map[string]any{"status": "completed"}, status: 400, code: "validation_failed", field: "status"},
				{name: "unknown id", path: "/api/admin/bookings/01JUNKNOWNUNKNOWNUNKNOWN00/status", body: map[string]any{"status": "cancelled"}, status: 404, code: "not_found"},
				{name: "unknown id, completed", path: "/api/admin/bookings/01JUNKNOWNUNKNOWNUNKNOWN00/status", body: map[string]any{"status": "completed"}, status: 404, code: "not_found"},
				{name: "malformed JSON", body: `{"status": "cancelled"`, status: 400, code: "invalid_request"},
				{name: "unknown field", body: map[string]any{"status": "cancelled", "reason": "x"}, status: 400, code: "invalid_request"},
				{name: "wrong type", body: map[string]any{"status": "cancelled", "notify": "no"}, status: 400, code: "invalid_request"},
				{name: "empty body", body: "", status: 400, code: "invalid_request"},
			}},
		{method: "POST", path: "/api/admin/bookings/" + bC.ID + "/resend", status: 200, check: func(t *testing.T, r response) {
			var got bookingResponse
			decode(t, r, &got)
			if got.Booking.ID != bC.ID || got.Booking.Status != "confirmed" {
				t.Errorf("answer %+v", got.Booking)
			}
			if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ? AND kind = 'confirmation' AND status = 'queued'", bC.ID); n != 1 {
				t.Errorf("%d confirmations queued again, want 1", n)
			}
			if !hasAudit(o.audit(t, "booking="+bC.ID), ownerEmail, "booking.confirmation_resent", bC.ID) {
				t.Error("no audit entry for the resend")
			}
		}, bad: []badRequest{
			{name: "unknown id", path: "/api/admin/bookings/01JUNKNOWNUNKNOWNUNKNOWN00/resend", status: 404, code: "not_found"},
			{name: "cancelled booking", path: "/api/admin/bookings/" + bB.ID + "/resend", status: 400, code: "validation_failed"},
		}},
		{method: "GET", path: "/api/admin/blackouts", status: 200, check: func(t *testing.T, r response) {
			var got struct {
				Blackouts []adminBlackout `json:"blackouts"`
			}
			decode(t, r, &got)
			want := []adminBlackout{{ID: blackout.ID, Start: "2026-12-20T00:00:00+00:00", End: "2026-12-21T00:00:00+00:00", Room: "", Reason: "Stocktake"}}
			if !slices.Equal(got.Blackouts, want) {
				t.Errorf("blackouts %+v, want %+v", got.Blackouts, want)
			}
		}},
		{method: "POST", path: "/api/admin/blackouts", body: map[string]string{"start": "2026-12-21T12:00:00Z", "end": "2026-12-22", "room": "room2", "reason": "Painting"},
			status: 201, check: func(t *testing.T, r response) {
				var got struct {
					Blackout adminBlackout `json:"blackout"`
				}
				decode(t, r, &got)
				want := adminBlackout{ID: got.Blackout.ID, Start: "2026-12-21T12:00:00+00:00", End: "2026-12-23T00:00:00+00:00", Room: "room2", Reason: "Painting"}
				if got.Blackout != want || got.Blackout.ID == 0 || got.Blackout.ID == blackout.ID {
					t.Errorf("blackout %+v, want %+v", got.Blackout, want)
				}
			},
			bad: []badRequest{
				{name: "bad start date", body: map[string]string{"start": "2026-02-30", "end": "2026-12-22"}, status: 400, code: "validation_failed", field: "start"},
				{name: "bad end", body: map[string]string{"start": "2026-12-21", "end": "next week"}, status: 400, code: "validation_failed", field: "end"},
				{name: "no start", body: map[string]string{"end": "2026-12-22"}, status: 400, code: "validation_failed", field: "start"},
				{name: "end before start", body: map[string]string{"start": "2026-12-22", "end": "2026-12-21"}, status: 400, code: "validation_failed", field: "end"},
				{name: "empty period", body: map[string]string{"start": "2026-12-21T10:00:00Z", "end": "2026-12-21T10:00:00Z"}, status: 400, code: "validation_failed", field: "end"},
				{name: "unknown room", body: map[string]string{"start": "2026-12-21", "end": "2026-12-21", "room": "attic"}, status: 400, code: "validation_failed", field: "room"},
				{name: "control character", body: map[string]string{"start": "2026-12-21", "end": "2026-12-21", "reason": "a\x07b"}, status: 400, code: "validation_failed", field: "reason"},
				{name: "malformed JSON", body: `{"start": "2026-12-21", `, status: 400, code: "invalid_request"},
				{name: "unknown field", body: map[string]string{"start": "2026-12-21", "end": "2026-12-21", "rooms": "room1"}, status: 400, code: "invalid_request"},
				{name: "wrong type", body: map[string]any{"start": 20261221, "end": "2026-12-21"}, status: 400, code: "invalid_request"},
			}},
		{method: "DELETE", path: fmt.Sprintf("/api/admin/blackouts/%d", blackout.ID), status: 200, check: func(t *testing.T, r response) {
			var got map[string]int64
			decode(t, r, &got)
			if got["deleted"] != blackout.ID || v.countRows(t, "SELECT count(*) FROM blackouts WHERE id = ?", blackout.ID) != 0 {
				t.Errorf("answer %v; the row is still there or another answer", got)
			}
			if !hasAudit(o.audit(t, ""), ownerEmail, "blackout.deleted", "") {
				t.Error("no audit entry for the deletion")
			}
		}, bad: []badRequest{
			{name: "unknown id", path: "/api/admin/blackouts/99999", status: 404, code: "not_found"},
			{name: "not a number", path: "/api/admin/blackouts/abc", status: 404, code: "not_found"},
		}},
		{method: "GET", path: "/api/admin/permits?status=requested", status: 200, check: func(t *testing.T, r response) {
			var got struct {
				Permits []adminPermit `json:"permits"`
			}
			decode(t, r, &got)
			if len(got.Permits) != 1 || got.Permits[0].ID != permitA || got.Permits[0].BookingID != bA.ID || got.Permits[0].VehicleRegistration != "AB12CDE" ||
				got.Permits[0].Status != "requested" {
				t.Errorf("permits %+v", got.Permits)
			}
			if got := o.permits(t, "denied"); len(got) != 0 {
				t.Errorf("denied permits %+v", got)
			}
		}, bad: []badRequest{
			{name: "unknown status", path: "/api/admin/permits?status=pending", status: 400, code: "invalid_request"},
		}},
		{method: "POST", path: "/api/admin/permits/" + permitA + "/resend", status: 200, check: func(t *testing.T, r response) {
			var got struct {
				Permit adminPermit `json:"permit"`
			}
			decode(t, r, &got)
			if got.Permit.ID != permitA || got.Permit.Status != "requested" {
				t.Errorf("permit %+v", got.Permit)
			}
			if n := v.countRows(t, "SELECT count(*) FROM permit_tokens WHERE permit_id = ? AND superseded_at IS NULL", permitA); n != 1 {
				t.Errorf("%d live links, want 1", n)
			}
			if n := v.countRows(t, "SELECT count(*) FROM permit_tokens WHERE permit_id = ?", permitA); n != 2 {
				t.Errorf("%d links, want 2", n)
			}
		}, bad: []badRequest{
			{name: "unknown permit", path: "/api/admin/permits/01JUNKNOWNUNKNOWNUNKNOWN00/resend", status: 404, code: "not_found"},
		}},
		{method: "POST", path: "/api/admin/permits/" + permitA + "/decision", body: map[string]string{"decision": "approve", "note": "Bay 2"}, status: 200,
			check: func(t *testing.T, r response) {
				var got struct {
					Permit adminPermit `json:"permit"`
				}
				decode(t, r, &got)
				if got.Permit.ID != permitA || got.Permit.Status != "approved" || got.Permit.DecidedBy != ownerEmail || got.Permit.Note != "Bay 2" {
					t.Errorf("permit %+v", got.Permit)
				}
			},
			bad: []badRequest{
				{name: "unknown decision", body: map[string]string{"decision": "maybe"}, status: 400, code: "validation_failed", field: "decision"},
				{name: "control character in the note", body: map[string]string{"decision": "deny", "note": "a\x00b"}, status: 400, code: "validation_failed", field: "note"},
				{name: "unknown permit", path: "/api/admin/permits/01JUNKNOWNUNKNOWNUNKNOWN00/decision", body: map[string]string{"decision": "approve"}, status: 404, code: "not_found"},
				{name: "malformed JSON", body: `{"decision": approve}`, status: 400, code: "invalid_request"},
				{name: "unknown field", body: map[string]string{"decision": "approve", "status": "approved"}, status: 400, code: "invalid_request"},
			}},
		{method: "GET", path: "/api/admin/outbox?status=dead", status: 200, check: func(t *testing.T, r response) {
			var got struct {
				Messages []adminMessage `json:"messages"`
			}
			decode(t, r, &got)
			if len(got.Messages) != 1 || got.Messages[0].ID != deadID || got.Messages[0].Recipient != "bounce@example.com" ||
				got.Messages[0].Attempts != 1 || !strings.Contains(got.Messages[0].LastError, "550") {
				t.Errorf("dead messages %+v", got.Messages)
			}
			if all := o.outbox(t, ""); len(all) != v.countRows(t, "SELECT count(*) FROM outbox") {
				t.Errorf("all messages: %d listed", len(all))
			}
		}, bad: []badRequest{
			{name: "unknown status", path: "/api/admin/outbox?status=lost", status: 400, code: "invalid_request"},
		}},
		{method: "POST", path: fmt.Sprintf("/api/admin/outbox/%d/retry", deadID), status: 200, check: func(t *testing.T, r response) {
			var got struct {
				Message adminMessage `json:"message"`
			}
			decode(t, r, &got)
			if got.Message.ID != deadID || got.Message.Status != "queued" || got.Message.Attempts != 0 || got.Message.NextAttemptAt != "2026-11-27T10:00:00+00:00" {
				t.Errorf("message %+v", got.Message)
			}
		}, bad: []badRequest{
			{name: "unknown id", path: "/api/admin/outbox/99999/retry", status: 404, code: "not_found"},
			{name: "not a number", path: "/api/admin/outbox/abc/retry", status: 404, code: "not_found"},
			{name: "a sent message", path: fmt.Sprintf("/api/admin/outbox/%d/retry", sentID), status: 400, code: "validation_failed", field: "status"},
		}},
		{method: "GET", path: "/api/admin/stats?from=2026-12-01&to=2026-12-02", status: 200, check: func(t *testing.T, r response) {
			var got struct {
				From, To, Currency string
				Tiers              []app.TierMonth
				Rooms              []app.RoomMonth
			}
			decode(t, r, &got)
			if got.From != "2026-12-01" || got.To != "2026-12-02" || got.Currency != "GBP" || len(got.Tiers) != 1 || got.Tiers[0].Bookings != 3 || len(got.Rooms) != 2 {
				t.Errorf("stats %+v", got)
			}
		}, bad: []badRequest{
			{name: "no dates", path: "/api/admin/stats", status: 400, code: "invalid_request"},
			{name: "bad date", path: "/api/admin/stats?from=2026-12-01&to=2026-12-32", status: 400, code: "invalid_request"},
			{name: "to before from", path: "/api/admin/stats?from=2026-12-02&to=2026-12-01", status: 400, code: "invalid_request"},
		}},
		{method: "GET", path: "/api/admin/export.csv?from=2026-12-01&to=2026-12-02", status: 200, check: func(t *testing.T, r response) {
			rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
			if err != nil || len(rows) != 5 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
				t.Errorf("CSV %q: %d rows, %v", r.Header.Get("Content-Type"), len(rows), err)
			}
		}, bad: []badRequest{
			{name: "no dates", path: "/api/admin/export.csv", status: 400, code: "invalid_request"},
			{name: "bad date", path: "/api/admin/export.csv?from=01/12/2026", status: 400, code: "invalid_request"},
		}},
		{method: "GET", path: "/api/admin/audit", status: 200, check: func(t *testing.T, r response) {
			var got struct {
				Entries []auditEntry `json:"entries"`
			}
			decode(t, r, &got)
			if len(got.Entries) == 0 || !slices.IsSortedFunc(got.Entries, func(a, b auditEntry) int { return int(b.ID - a.ID) }) ||
				!hasAudit(got.Entries, ownerEmail, "blackout.added", "") || !hasAudit(got.Entries, ownerEmail, "mail.retried", bBounce.ID) {
				t.Errorf("audit %+v", got.Entries)
			}
		}},
		{method: "GET", path: "/api/admin/jobs", status: 200, check: func(t *testing.T, r response) {
			// The real wiring's jobs, by name; none has run (the tests drive them).
			var got struct {
				Jobs []struct {
					Name     string `json:"name"`
					Schedule string `json:"schedule"`
					Runs     int    `json:"runs"`
				} `json:"jobs"`
			}
			decode(t, r, &got)
			var names []string
			for _, j := range got.Jobs {
				names = append(names, j.Name+" "+j.Schedule)
			}
			want := []string{"backup 0 3 * * *", "mail-retry @every 30s", "maintenance 30 4 * * *", "permit-expiry @every 5m", "reminders @every 5m"}
			if !slices.Equal(names, want) {
				t.Errorf("jobs %v, want %v", names, want)
			}
		}},
		{method: "GET", path: "/api/admin/calendar-feed", status: 200, check: func(t *testing.T, r response) {
			var got map[string]string
			decode(t, r, &got)
			feedURL = got["url"]
			if !regexp.MustCompile(`^http://venue\.test/calendar/[A-Za-z0-9_-]{32}\.ics$`).MatchString(feedURL) {
				t.Errorf("feed URL %q", feedURL)
			}
		}},
		{method: "POST", path: "/api/admin/calendar-feed/rotate", status: 200, check: func(t *testing.T, r response) {
			var got map[string]string
			decode(t, r, &got)
			if got["url"] == feedURL || !strings.HasPrefix(got["url"], "http://venue.test/calendar/") {
				t.Errorf("rotated URL %q, was %q", got["url"], feedURL)
			}
		}},
		{method: "GET", path: "/api/admin/day?date=2026-12-01", elsewhere: "TestConsoleDayAPI"},
		// Backups (API.md) have their own tests (TestConsoleBackups): here
		// only the session and CSRF checks every route under /api/admin passes.
		{method: "GET", path: "/api/admin/backups", elsewhere: "TestConsoleBackups"},
		{method: "POST", path: "/api/admin/backups", elsewhere: "TestConsoleBackups"},
		{method: "GET", path: "/api/admin/backups/venuebook-20261127T100000Z.db", elsewhere: "TestConsoleBackups"},
	}

	bogus := &http.Cookie{Name: "vb_session", Value: strings.Repeat("A", 43)}
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			mutating := rt.method != "GET"
			before := consoleState(t, v)
			// No session: 401, whatever else the request holds.
			wantAPIError(t, "no cookie", sendAs(t, noRedirects, v.URL, rt.method, rt.path, rt.body, nil), 401, "unauthorized")
			wantAPIError(t, "no cookie but a CSRF token", sendAs(t, noRedirects, v.URL, rt.method, rt.path, rt.body,
				map[string]string{"X-CSRF-Token": o.csrf}), 401, "unauthorized")
			wantAPIError(t, "unknown session", sendAs(t, noRedirects, v.URL, rt.method, rt.path, rt.body,
				map[string]string{"Cookie": bogus.String(), "X-CSRF-Token": o.csrf}), 401, "unauthorized")
			if mutating {
				// A session, but not this session's CSRF token: 403.
				for name, token := range map[string]string{"no CSRF token": "", "wrong CSRF token": o.csrf + "x",
					"another session's CSRF token": other.csrf} {
					wantAPIError(t, name, o.do(t, rt.method, rt.path, rt.body, map[string]string{"X-CSRF-Token": token}), 403, "forbidden")
				}
				// The token in a form field does not count for the API.
				wantAPIError(t, "CSRF token as a form field", o.do(t, rt.method, rt.path, "csrf="+url.QueryEscape(o.csrf),
					map[string]string{"X-CSRF-Token": "", "Content-Type": "application/x-www-form-urlencoded"}), 403, "forbidden")
			}
			if after := consoleState(t, v); after != before {
				t.Fatalf("refused requests changed the database:\n%s\nbecame\n%s", before, after)
			}
			for _, b := range rt.bad {
				path := rt.path
				if b.path != "" {
					path = b.path
				}
				r := o.do(t, rt.method, path, b.body, nil)
				wantAPIError(t, b.name, r, b.status, b.code)
				if b.field != "" && r.errorFields()[b.field] == "" {
					t.Errorf("%s: fields %v do not name %s", b.name, r.errorFields(), b.field)
				}
				if after := consoleState(t, v); after != before {
					t.Fatalf("%s changed the database:\n%s\nbecame\n%s", b.name, before, after)
				}
			}
			if rt.elsewhere != "" {
				return
			}
			r := o.do(t, rt.method, rt.path, rt.body, nil)
			if r.Status != rt.status {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, rt.status)
			}
			if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			rt.check(t, r)
		})
	}
	// The sessions used above are alive and untouched by the refusals.
	if r := other.do(t, "GET", "/api/admin/session", nil, nil); r.Status != 200 {
		t.Errorf("the other session: %d", r.Status)
	}
}

// --- sign-in --------------------------------------------------------------

func TestConsoleLogin(t *testing.T) {
	t.Parallel()

	// A wrong password and an unknown email get the same answer; the right
	// one gets a CSRF token and an HttpOnly, SameSite=Lax session cookie.
	t.Run("refusals and cookie", func(t *testing.T) {
		t.Parallel()
		v := newVenue(t, venueOptions{})
		addOwner(t, v, ownerEmail, ownerPassword)
		login := func(body any) response {
			return sendAs(t, noRedirects, v.URL, "POST", "/api/admin/login", body, nil)
		}
		wrong := login(map[string]string{"email": ownerEmail, "password": "not the password"})
		unknown := login(map[string]string{"email": "nobody@venue.test", "password": ownerPassword})
		tooLong := login(map[string]string{"email": ownerEmail, "password": strings.Repeat("x", 1025)})
		for name, r := range map[string]response{"wrong password": wrong, "unknown email": unknown, "1025-byte password": tooLong} {
			wantAPIError(t, name, r, 401, "unauthorized")
			if !bytes.Equal(r.Body, wrong.Body) {
				t.Errorf("%s answers %s, a wrong password %s", name, r.Body, wrong.Body)
			}
			if c := setCookies(r); len(c) != 0 {
				t.Errorf("%s sets cookies %v", name, c)
			}
		}
		wantAPIError(t, "malformed JSON", login(`{"email": "owner@venue.test", `), 400, "invalid_request")
		wantAPIError(t, "unknown field", login(map[string]any{"email": ownerEmail, "password": ownerPassword, "remember": true}), 400, "invalid_request")
		wantAPIError(t, "empty body", login(""), 400, "invalid_request")
		if n := v.countRows(t, "SELECT count(*) FROM sessions"); n != 0 {
			t.Fatalf("%d sessions after refused sign-ins", n)
		}

		// The email is matched whatever its case and surrounding spaces.
		r := login(map[string]string{"email": "  Owner@Venue.TEST ", "password": ownerPassword})
		if r.Status != 200 {
			t.Fatalf("sign-in: %d %s", r.Status, r.Body)
		}
		var body map[string]string
		r.json(t, &body)
		if len(body) != 1 || len(body["csrf_token"]) < 32 {
			t.Errorf("login answer %s, want only a csrf_token", r.Body)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		cookies := setCookies(r)
		if len(cookies) != 1 {
			t.Fatalf("cookies %v, want one", r.Header["Set-Cookie"])
		}
		ck := cookies[0]
		if ck.Name != "vb_session" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure || ck.Domain != "" ||
			!ck.Expires.Equal(testNow.Add(app.SessionMax)) || !regexp.MustCompile(`^[A-Za-z0-9_-]{43,}$`).MatchString(ck.Value) {
			t.Errorf("session cookie %q: %+v", r.Header.Get("Set-Cookie"), ck)
		}
		ok := sendAs(t, noRedirects, v.URL, "GET", "/api/admin/session", nil, map[string]string{"Cookie": "vb_session=" + ck.Value})
		if ok.Status != 200 || !strings.Contains(string(ok.Body), body["csrf_token"]) {
			t.Errorf("the cookie does not open the session: %d %s", ok.Status, ok.Body)
		}
	})

	// On https the cookie is Secure and __Host- prefixed.
	t.Run("https", func(t *testing.T) {
		t.Parallel()
		v := newVenue(t, venueOptions{BaseURL: "https://venue.test"})
		addOwner(t, v, ownerEmail, ownerPassword)
		r := sendAs(t, noRedirects, v.URL, "POST", "/api/admin/login", map[string]string{"email": ownerEmail, "password": ownerPassword}, nil)
		cookies := setCookies(r)
		if r.Status != 200 || len(cookies) != 1 {
			t.Fatalf("sign-in: %d %v", r.Status, r.Header["Set-Cookie"])
		}
		ck := cookies[0]
		if ck.Name != "__Host-vb_session" || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("session cookie %q: %+v", r.Header.Get("Set-Cookie"), ck)
		}
		if r := sendAs(t, noRedirects, v.URL, "GET", "/api/admin/session", nil, map[string]string{"Cookie": "__Host-vb_session=" + ck.Value}); r.Status != 200 {
			t.Errorf("__Host-vb_session: %d", r.Status)
		}
		r = sendAs(t, noRedirects, v.URL, "GET", "/api/admin/session", nil, map[string]string{"Cookie": "vb_session=" + ck.Value})
		wantAPIError(t, "the cookie under its http name", r, 401, "unauthorized")
	})

	// login_per_ip = "3-H": the fourth attempt from an address is refused
	// with 429 and Retry-After, and so is the right password after it, through
	// the API and the sign-in page alike; another address is not held up.
	// (The limiter counts in wall-clock time, not the venue's clock, so the
	// end of the window is read from its headers rather than waited for; an
	// hour, not a minute, so that a slow machine's attempts fall in one window.)
	t.Run("throttled", func(t *testing.T) {
		t.Parallel()
		v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1"]`, ExtraTOML: consoleLimits("3-H")})
		addOwner(t, v, ownerEmail, ownerPassword)
		from := func(ip, email, password string) response {
			return sendAs(t, noRedirects, v.URL, "POST", "/api/admin/login", map[string]string{"email": email, "password": password},
				map[string]string{"X-Forwarded-For": ip})
		}
		const ip = "198.51.100.7"
		wantAPIError(t, "attempt 1", from(ip, ownerEmail, "wrong password 1"), 401, "unauthorized")
		wantAPIError(t, "attempt 2", from(ip, "nobody@venue.test", ownerPassword), 401, "unauthorized")
		wantAPIError(t, "attempt 3", from(ip, ownerEmail, "wrong password 3"), 401, "unauthorized")
		started := time.Now()
		for i, password := range []string{"wrong password 4", ownerPassword} {
			r := from(ip, ownerEmail, password)
			wantAPIError(t, fmt.Sprintf("attempt %d", i+4), r, 429, "rate_limited")
			if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 3600 {
				t.Errorf("attempt %d: Retry-After %q, want 1 to 3600 seconds", i+4, r.Header.Get("Retry-After"))
			}
			if reset, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64); err != nil ||
				reset < started.Unix() || reset > started.Add(time.Hour+time.Second).Unix() {
				t.Errorf("attempt %d: X-RateLimit-Reset %q, want within the hour", i+4, r.Header.Get("X-RateLimit-Reset"))
			}
			if c := setCookies(r); len(c) != 0 {
				t.Errorf("attempt %d sets cookies %v", i+4, c)
			}
		}
		form := url.Values{"email": {ownerEmail}, "password": {ownerPassword}, "next": {"/admin"}}.Encode()
		r := sendAs(t, noRedirects, v.URL, "POST", "/admin/login", form,
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": ip})
		if r.Status != 429 || !strings.Contains(string(r.Body), "Too many attempts") || r.Header.Get("Retry-After") == "" || len(setCookies(r)) != 0 {
			t.Errorf("sign-in page while throttled: %d Retry-After %q cookies %v", r.Status, r.Header.Get("Retry-After"), setCookies(r))
		}
		if n := v.countRows(t, "SELECT count(*) FROM sessions"); n != 0 {
			t.Fatalf("%d sessions opened while throttled", n)
		}
		if r := from("203.0.113.9", ownerEmail, ownerPassword); r.Status != 200 || len(setCookies(r)) != 1 {
			t.Errorf("another address: %d %s", r.Status, r.Body)
		}
	})
}

// --- sessions -------------------------------------------------------------

// TestConsoleSessions: a new session id at each sign-in, only its hash kept;
// logout deletes it; "sign out everywhere" ends every session of that owner
// and no one else's; a session ends after SessionIdle without use and
// SessionMax after sign-in however busy.
func TestConsoleSessions(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{ExtraTOML: consoleLimits("")})
	const partner, partnerPassword = "partner@venue.test", "another long passphrase"
	addOwner(t, v, ownerEmail, ownerPassword)
	addOwner(t, v, partner, partnerPassword)
	a := consoleLogin(t, v, ownerEmail, ownerPassword)
	b := consoleLogin(t, v, ownerEmail, ownerPassword)
	d := consoleLogin(t, v, ownerEmail, ownerPassword)
	c := consoleLogin(t, v, partner, partnerPassword)
	alive := func(o *ownerClient) bool {
		t.Helper()
		r := o.do(t, "GET", "/api/admin/session", nil, nil)
		if r.Status != 200 && r.Status != 401 {
			t.Fatalf("session: %d %s", r.Status, r.Body)
		}
		return r.Status == 200
	}

	seen := map[string]bool{}
	for _, o := range []*ownerClient{a, b, c, d} {
		if seen[o.cookie.Value] || seen[o.csrf] {
			t.Fatal("two sign-ins share a session id or CSRF token")
		}
		seen[o.cookie.Value], seen[o.csrf] = true, true
		sum := sha256.Sum256([]byte(o.cookie.Value))
		if n := v.countRows(t, "SELECT count(*) FROM sessions WHERE id_hash = ?", hex.EncodeToString(sum[:])); n != 1 {
			t.Errorf("%d sessions stored under the SHA-256 of the cookie, want 1", n)
		}
		if n := v.countRows(t, `SELECT (SELECT count(*) FROM sessions WHERE instr(id_hash || csrf_token, ?1) > 0)
			+ (SELECT count(*) FROM audit_log WHERE instr(details || actor, ?1) > 0)
			+ (SELECT count(*) FROM settings WHERE instr(value, ?1) > 0)`, o.cookie.Value); n != 0 {
			t.Errorf("the cookie's value is stored in the database (%d rows)", n)
		}
	}

	// Logout ends this session only, and clears the cookie.
	r := a.do(t, "POST", "/api/admin/logout", nil, nil)
	if r.Status != 200 {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	if cs := setCookies(r); len(cs) != 1 || cs[0].Name != "vb_session" || cs[0].Value != "" || (cs[0].MaxAge >= 0 && cs[0].Expires.After(testNow)) {
		t.Errorf("logout cookies %v, want vb_session cleared", r.Header["Set-Cookie"])
	}
	sum := sha256.Sum256([]byte(a.cookie.Value))
	if n := v.countRows(t, "SELECT count(*) FROM sessions WHERE id_hash = ?", hex.EncodeToString(sum[:])); n != 0 {
		t.Error("logout left the session row")
	}
	replay := map[string]string{"Cookie": "vb_session=" + a.cookie.Value, "X-CSRF-Token": a.csrf}
	wantAPIError(t, "the old cookie", sendAs(t, noRedirects, v.URL, "GET", "/api/admin/session", nil, replay), 401, "unauthorized")
	wantAPIError(t, "the old cookie and CSRF token", sendAs(t, noRedirects, v.URL, "POST", "/api/admin/calendar-feed/rotate", nil, replay), 401, "unauthorized")
	if alive(a) || !alive(b) || !alive(c) || !alive(d) {
		t.Fatalf("after a's logout: a %v b %v c %v d %v", alive(a), alive(b), alive(c), alive(d))
	}

	// Sign out everywhere: every session of this owner, not the partner's.
	if r := b.do(t, "POST", "/api/admin/logout-everywhere", nil, nil); r.Status != 200 {
		t.Fatalf("logout-everywhere: %d %s", r.Status, r.Body)
	}
	if alive(b) || alive(d) || !alive(c) {
		t.Fatalf("after signing out everywhere: b %v d %v partner %v", alive(b), alive(d), alive(c))
	}
	if n := v.countRows(t, "SELECT count(*) FROM sessions AS s JOIN admins AS a ON a.id = s.admin_id WHERE a.email = ?", ownerEmail); n != 0 {
		t.Errorf("%d sessions of the owner left", n)
	}
	if !hasAudit(c.audit(t, ""), ownerEmail, "admin.signed_out_everywhere", "") {
		t.Error("signing out everywhere is not in the audit log")
	}

	// Idle expiry: each use within SessionIdle keeps a session alive; a
	// SessionIdle without use ends it.
	e := consoleLogin(t, v, ownerEmail, ownerPassword)
	at := testNow
	for i := 0; i < 2; i++ {
		at = at.Add(app.SessionIdle - time.Second)
		v.setNow(at)
		if !alive(e) {
			t.Fatalf("used %s after its last use, the session ended", app.SessionIdle-time.Second)
		}
	}
	v.setNow(at.Add(app.SessionIdle))
	if alive(e) {
		t.Error("the session outlived SessionIdle without use")
	}
	if alive(c) {
		t.Error("the partner's session, unused since sign-in, is still alive")
	}

	// Absolute expiry: however busy, a session ends SessionMax after sign-in.
	start := at.Add(app.SessionIdle + time.Hour)
	v.setNow(start)
	f := consoleLogin(t, v, ownerEmail, ownerPassword)
	steps := 0
	for at := start.Add(11 * time.Hour); at.Before(start.Add(app.SessionMax)); at = at.Add(11 * time.Hour) {
		v.setNow(at)
		if !alive(f) {
			t.Fatalf("a busy session ended %s after sign-in", at.Sub(start))
		}
		steps++
	}
	v.setNow(start.Add(app.SessionMax - time.Second))
	if !alive(f) || steps < 30 {
		t.Fatalf("a busy session ended before SessionMax (%d steps)", steps)
	}
	v.setNow(start.Add(app.SessionMax))
	if alive(f) {
		t.Error("a busy session outlived SessionMax")
	}
}

// --- owner actions --------------------------------------------------------

// calendarOf reads a calendar part with an independent iCalendar parser.
func calendarOf(t testing.TB, p mailPart) (method string, events []*ics.VEvent) {
	t.Helper()
	cal, err := ics.ParseCalendar(strings.NewReader(p.Body))
	if err != nil {
		t.Fatalf("golang-ical: %v\n%s", err, p.Body)
	}
	for _, prop := range cal.CalendarProperties {
		if prop.IANAToken == string(ics.PropertyMethod) {
			method = prop.Value
		}
	}
	return method, cal.Events()
}

func eventProp(ev *ics.VEvent, p ics.ComponentProperty) string {
	if prop := ev.GetProperty(p); prop != nil {
		return prop.Value
	}
	return ""
}

// TestConsoleBookingActions: the owner cancels (emailing the customer a
// METHOD:CANCEL invite through a real SMTP server, or not), marks bookings
// completed or no-show once they have started, and each action is in the
// audit log under the owner's email.
func TestConsoleBookingActions(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t) // before the venue: its cleanup (stopping the worker) runs first
	v := newVenue(t, venueOptions{Rooms: 2, SMTPPort: srv.Port})
	addOwner(t, v, ownerEmail, ownerPassword)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	x := bookAs(t, v, "2026-12-02T10:00:00Z", "Xena Xu", "x@example.com").Booking
	y := bookAs(t, v, "2026-12-02T12:00:00Z", "Yuri Yo", "y@example.com").Booking
	z := bookAs(t, v, "2026-11-27T12:30:00Z", "Zoe Zed", "z@example.com").Booking
	w := bookAs(t, v, "2026-11-27T14:00:00Z", "Wim Wu", "w@example.com").Booking
	srv.WaitMessages(4, mailWait)
	setStatus := func(id string, body any) response {
		t.Helper()
		return o.do(t, "POST", "/api/admin/bookings/"+id+"/status", body, nil)
	}

	// Cancelled with notify (the default): the customer gets a cancellation
	// carrying the same event, METHOD:CANCEL, a higher SEQUENCE.
	r := setStatus(x.ID, map[string]string{"status": "cancelled"})
	var got bookingResponse
	r.json(t, &got)
	if r.Status != 200 || got.Booking.Status != "cancelled" || got.Booking.ID != x.ID {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	srv.WaitMessages(5, mailWait)
	toX := received(srv, "x@example.com")
	if len(toX) != 2 {
		t.Fatalf("%d messages to the customer, want the confirmation and the cancellation", len(toX))
	}
	var uids []string
	for i, m := range toX {
		subject, parts := mailParts(t, m)
		wantSubject, wantMethod, wantSeq := "Booking confirmed: ", "PUBLISH", "0"
		if i == 1 {
			wantSubject, wantMethod, wantSeq = "Booking cancelled: ", "CANCEL", "1"
		}
		if !strings.HasPrefix(subject, wantSubject) || !strings.Contains(subject, x.Reference) {
			t.Errorf("message %d: subject %q", i, subject)
		}
		var cals []mailPart
		for _, p := range parts {
			if p.MediaType == "text/calendar" {
				cals = append(cals, p)
			}
		}
		if len(cals) != 1 {
			t.Fatalf("message %d: %d calendar parts", i, len(cals))
		}
		method, events := calendarOf(t, cals[0])
		if method != wantMethod || !strings.EqualFold(cals[0].Params["method"], wantMethod) || len(events) != 1 ||
			eventProp(events[0], ics.ComponentPropertySequence) != wantSeq {
			t.Fatalf("message %d: METHOD %s (Content-Type method=%s), %d events; want %s, SEQUENCE %s:\n%s",
				i, method, cals[0].Params["method"], len(events), wantMethod, wantSeq, cals[0].Body)
		}
		if i == 1 && eventProp(events[0], ics.ComponentPropertyStatus) != "CANCELLED" {
			t.Errorf("cancellation event STATUS %q", eventProp(events[0], ics.ComponentPropertyStatus))
		}
		uids = append(uids, eventProp(events[0], ics.ComponentPropertyUniqueId))
	}
	if uids[0] == "" || uids[0] != uids[1] {
		t.Errorf("UIDs %v: the cancellation must name the confirmed event", uids)
	}

	// Cancelled with notify=false: the customer is sent nothing.
	r = setStatus(y.ID, map[string]any{"status": "cancelled", "notify": false})
	if r.Status != 200 {
		t.Fatalf("cancel without notice: %d %s", r.Status, r.Body)
	}
	settleMail(t, v.worker)
	if n := len(received(srv, "y@example.com")); n != 1 {
		t.Errorf("%d messages to y, want only the confirmation", n)
	}
	if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ?", y.ID); n != 1 {
		t.Errorf("%d outbox rows for y, want only the confirmation", n)
	}
	wantAPIError(t, "cancel twice", setStatus(x.ID, map[string]string{"status": "cancelled"}), 409, "cancellation_closed")
	// Both slots are free again.
	a := v.availability(t, "package=classic-60&from=2026-12-02")
	for _, s := range a.Days[0].Slots {
		if (s.Start == "2026-12-02T10:00:00+00:00" || s.Start == "2026-12-02T12:00:00+00:00") && s.RoomsFree != 2 {
			t.Errorf("slot %s: %d rooms free after the cancellations, want 2", s.Start, s.RoomsFree)
		}
	}

	// The audit log, whole and per booking, names the owner.
	entries := o.audit(t, "")
	for _, id := range []string{x.ID, y.ID} {
		if !hasAudit(entries, ownerEmail, "booking.cancelled", id) {
			t.Errorf("no booking.cancelled by %s for %s in %+v", ownerEmail, id, entries)
		}
	}
	var one struct {
		Booking adminBooking `json:"booking"`
		Audit   []auditEntry `json:"audit"`
	}
	o.getJSON(t, "/api/admin/bookings/"+x.ID, &one)
	if one.Booking.Status != "cancelled" || len(one.Audit) != 1 || one.Audit[0].Actor != ownerEmail || one.Audit[0].Action != "booking.cancelled" ||
		one.Audit[0].Details != "from confirmed" || one.Audit[0].At != "2026-11-27T10:00:00+00:00" {
		t.Errorf("booking %s: %+v, audit %+v", x.ID, one.Booking, one.Audit)
	}

	// completed and no_show: refused before the start, allowed from it.
	settleMail(t, v.worker)
	before := consoleState(t, v)
	for _, c := range []struct{ id, status string }{{z.ID, "completed"}, {z.ID, "no_show"}, {w.ID, "no_show"}, {w.ID, "completed"}} {
		r := setStatus(c.id, map[string]string{"status": c.status})
		wantAPIError(t, c.status+" before the start", r, 400, "validation_failed")
		if r.errorFields()["status"] == "" {
			t.Errorf("%s before the start: fields %v", c.status, r.errorFields())
		}
	}
	if after := consoleState(t, v); after != before {
		t.Fatalf("refused status changes changed the database:\n%s\nbecame\n%s", before, after)
	}
	v.setNow(time.Date(2026, 11, 27, 12, 30, 0, 0, time.UTC)) // z starts
	if r := setStatus(z.ID, map[string]string{"status": "completed"}); r.Status != 200 || !strings.Contains(string(r.Body), `"status":"completed"`) {
		t.Errorf("completed at the start: %d %s", r.Status, r.Body)
	}
	wantAPIError(t, "no_show before w starts", setStatus(w.ID, map[string]string{"status": "no_show"}), 400, "validation_failed")
	v.setNow(time.Date(2026, 11, 27, 14, 45, 0, 0, time.UTC))
	if r := setStatus(w.ID, map[string]string{"status": "no_show"}); r.Status != 200 || !strings.Contains(string(r.Body), `"status":"no_show"`) {
		t.Errorf("no_show after the start: %d %s", r.Status, r.Body)
	}
	// Only a confirmed booking changes.
	wantAPIError(t, "cancel a completed booking", setStatus(z.ID, map[string]string{"status": "cancelled"}), 409, "cancellation_closed")
	wantAPIError(t, "no_show after completed", setStatus(z.ID, map[string]string{"status": "no_show"}), 400, "validation_failed")
	wantAPIError(t, "complete a cancelled booking", setStatus(x.ID, map[string]string{"status": "completed"}), 400, "validation_failed")
	entries = o.audit(t, "")
	if !hasAudit(entries, ownerEmail, "booking.completed", z.ID) || !hasAudit(entries, ownerEmail, "booking.no_show", w.ID) {
		t.Errorf("audit lacks completed or no_show: %+v", entries)
	}
	settleMail(t, v.worker)
	if len(received(srv, "z@example.com")) != 1 || len(received(srv, "w@example.com")) != 1 {
		t.Error("marking completed or no-show emailed the customer")
	}
}

// TestConsoleBlackouts: blackouts given as local dates or as instants, for a
// room or all, take the slots they overlap out of availability (and out of
// booking); deleting them gives back exactly what was there.
func TestConsoleBlackouts(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{Rooms: 2})
	addOwner(t, v, ownerEmail, ownerPassword)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	const query = "package=classic-60&from=2026-12-03&to=2026-12-04"
	open := v.availability(t, query)
	if len(open.Days) != 2 || len(open.Days[0].Slots) != 23 || len(open.Days[1].Slots) != 23 {
		t.Fatalf("open availability %+v", open)
	}

	add := func(body map[string]string) adminBlackout {
		t.Helper()
		r := o.do(t, "POST", "/api/admin/blackouts", body, nil)
		var got struct {
			Blackout adminBlackout `json:"blackout"`
		}
		r.json(t, &got)
		if r.Status != 201 {
			t.Fatalf("add %v: %d %s", body, r.Status, r.Body)
		}
		return got.Blackout
	}
	day := add(map[string]string{"start": "2026-12-03", "end": "2026-12-03", "room": "", "reason": "Private event"})
	hours := add(map[string]string{"start": "2026-12-04T12:00:00Z", "end": "2026-12-04T14:00:00Z", "room": "room1", "reason": "Boiler"})
	if day.Start != "2026-12-03T00:00:00+00:00" || day.End != "2026-12-04T00:00:00+00:00" || day.Room != "" ||
		hours.Start != "2026-12-04T12:00:00+00:00" || hours.End != "2026-12-04T14:00:00+00:00" || hours.Room != "room1" {
		t.Errorf("blackouts %+v %+v", day, hours)
	}
	var list struct {
		Blackouts []adminBlackout `json:"blackouts"`
	}
	o.getJSON(t, "/api/admin/blackouts", &list)
	if !slices.Equal(list.Blackouts, []adminBlackout{day, hours}) {
		t.Errorf("list %+v, want %+v", list.Blackouts, []adminBlackout{day, hours})
	}

	closed := v.availability(t, query)
	if len(closed.Days[0].Slots) != 0 {
		t.Errorf("3 December (blacked out for every room) offers %d slots", len(closed.Days[0].Slots))
	}
	// 4 December: the slots overlapping 12:00–14:00 lose room1, the others keep both rooms.
	if len(closed.Days[1].Slots) != len(open.Days[1].Slots) {
		t.Fatalf("4 December: %d slots, want %d", len(closed.Days[1].Slots), len(open.Days[1].Slots))
	}
	for i, s := range closed.Days[1].Slots {
		start, _ := time.Parse(time.RFC3339, s.Start)
		want := 2
		if start.After(time.Date(2026, 12, 4, 11, 0, 0, 0, time.UTC)) && start.Before(time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)) {
			want = 1
		}
		if s.Start != open.Days[1].Slots[i].Start || s.RoomsFree != want {
			t.Errorf("4 December slot %s: %d rooms free, want %d", s.Start, s.RoomsFree, want)
		}
	}
	r := v.do(t, "POST", "/api/bookings", bookingBody("2026-12-03T10:00:00Z"), nil)
	wantAPIError(t, "booking in a blackout", r, 409, "slot_unavailable")

	for _, b := range []adminBlackout{day, hours} {
		if r := o.do(t, "DELETE", fmt.Sprintf("/api/admin/blackouts/%d", b.ID), nil, nil); r.Status != 200 {
			t.Fatalf("delete %d: %d %s", b.ID, r.Status, r.Body)
		}
	}
	reopened := v.availability(t, query)
	if fmt.Sprintf("%+v", reopened) != fmt.Sprintf("%+v", open) {
		t.Errorf("after deleting the blackouts:\n%+v\nwant\n%+v", reopened, open)
	}
	o.getJSON(t, "/api/admin/blackouts", &list)
	if len(list.Blackouts) != 0 {
		t.Errorf("blackouts left: %+v", list.Blackouts)
	}
	wantAPIError(t, "delete twice", o.do(t, "DELETE", fmt.Sprintf("/api/admin/blackouts/%d", day.ID), nil, nil), 404, "not_found")
	entries := o.audit(t, "")
	var added, deleted int
	for _, e := range entries {
		if e.Actor == ownerEmail && e.Action == "blackout.added" {
			added++
		}
		if e.Actor == ownerEmail && e.Action == "blackout.deleted" {
			deleted++
		}
	}
	if added != 2 || deleted != 2 {
		t.Errorf("audit: %d added, %d deleted by the owner; want 2 and 2", added, deleted)
	}
	v.mustBook(t, bookingBody("2026-12-03T10:00:00Z"))
}

// TestConsolePermitsAndOutbox: the permit list shows pending requests first;
// re-sending a link supersedes the approver's (which then answers
// link_used); the owner's own decision works, once, and a refused one
// changes nothing; a message that died on a 550 is listed as dead and a
// retry queues it again, after which it goes out.
func TestConsolePermitsAndOutbox(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	pv := &permitVenue{testVenue: newVenue(t, venueOptions{Parking: true, Approver: permitApprover, SMTPPort: srv.Port,
		ExtraTOML: "[mail]\nmax_attempts = 1\n"}), smtp: srv}
	v := pv.testVenue
	addOwner(t, v, ownerEmail, ownerPassword)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	p1 := pv.book(t, "2026-12-05T10:00:00Z", "one@example.com", "AB12CDE")
	p2 := pv.book(t, "2026-12-06T10:00:00Z", "two@example.com", "CD34EFG")
	p3 := pv.book(t, "2026-12-04T10:00:00Z", "three@example.com", "EF56GHJ")
	msgs := pv.syncMail(t)
	link1, link2, link3 := pv.permitLink(t, msgs, p1), pv.permitLink(t, msgs, p2), pv.permitLink(t, msgs, p3)
	if r := pv.decideAPI(t, link3, "approve", ""); r.Status != 200 {
		t.Fatalf("approver's decision: %d %s", r.Status, r.Body)
	}

	ids := func(ps []adminPermit) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.ID+" "+p.Status)
		}
		return out
	}
	// Pending first (by start), then the decided, though p3 starts first.
	if got, want := ids(o.permits(t, "")), []string{p1.PermitID + " requested", p2.PermitID + " requested", p3.PermitID + " approved"}; !slices.Equal(got, want) {
		t.Errorf("permits %v, want %v", got, want)
	}
	if got, want := ids(o.permits(t, "requested")), []string{p1.PermitID + " requested", p2.PermitID + " requested"}; !slices.Equal(got, want) {
		t.Errorf("requested permits %v, want %v", got, want)
	}
	if got, want := ids(o.permits(t, "approved")), []string{p3.PermitID + " approved"}; !slices.Equal(got, want) {
		t.Errorf("approved permits %v, want %v", got, want)
	}

	// Re-send p1's link: the approver's first link is superseded.
	if r := o.do(t, "POST", "/api/admin/permits/"+p1.PermitID+"/resend", nil, nil); r.Status != 200 {
		t.Fatalf("resend: %d %s", r.Status, r.Body)
	}
	msgs = pv.syncMail(t)
	fresh := pv.permitLink(t, msgs, p1)
	if fresh == link1 {
		t.Fatal("the re-sent link is the old one")
	}
	wantAPIError(t, "superseded link", pv.decideAPI(t, link1, "approve", ""), 409, "link_used")
	if r := pv.openLink(t, fresh); r.Status != 200 {
		t.Errorf("the re-sent link: %d", r.Status)
	}
	if s := pv.permit(t, p1.PermitID); !s.requested() || s.LinksTotal != 2 {
		t.Errorf("after the resend: %+v", s)
	}

	// A refused owner decision changes nothing: the approver's link still works.
	settleMail(t, v.worker)
	before := consoleState(t, v)
	for _, body := range []map[string]string{{"decision": "maybe"}, {"decision": "approve", "note": "bad\x1bnote"}} {
		r := o.do(t, "POST", "/api/admin/permits/"+p2.PermitID+"/decision", body, nil)
		wantAPIError(t, "decision "+body["decision"], r, 400, "validation_failed")
	}
	if after := consoleState(t, v); after != before {
		t.Errorf("refused owner decisions changed the database:\n%s\nbecame\n%s", before, after)
	}
	pv.wantRequestPage(t, pv.openLink(t, link2), link2, p2)

	// The owner decides p1: the re-sent link is used up too.
	decidedAt := testNow.Add(30 * time.Minute)
	v.setNow(decidedAt)
	r := o.do(t, "POST", "/api/admin/permits/"+p1.PermitID+"/decision", map[string]string{"decision": "deny", "note": "Full that day."}, nil)
	var dec struct {
		Permit adminPermit `json:"permit"`
	}
	r.json(t, &dec)
	if r.Status != 200 || dec.Permit.Status != "denied" || dec.Permit.DecidedBy != ownerEmail || dec.Permit.Note != "Full that day." {
		t.Fatalf("owner decision: %d %s", r.Status, r.Body)
	}
	if s := pv.permit(t, p1.PermitID); s.Status != "denied" || s.DecidedBy != ownerEmail || s.DecidedAt.Int64 != decidedAt.Unix() || s.UsedLinks != 1 {
		t.Errorf("permit row %+v", s)
	}
	pv.wantProblem(t, "the re-sent link after the owner decided", fresh, 409, "link_used")
	wantAPIError(t, "decide again", o.do(t, "POST", "/api/admin/permits/"+p1.PermitID+"/decision", map[string]string{"decision": "approve"}, nil), 409, "link_used")
	wantAPIError(t, "resend a decided permit", o.do(t, "POST", "/api/admin/permits/"+p3.PermitID+"/resend", nil, nil), 409, "link_used")
	msgs = pv.syncMail(t)
	if n := len(mailsTo(msgs, p1.Email, "Parking permit not approved")); n != 1 {
		t.Errorf("%d decision emails to the customer, want 1", n)
	}
	entries := o.audit(t, "booking="+p1.ID)
	if !hasAudit(entries, ownerEmail, "permit.link_reissued", p1.ID) || !hasAudit(entries, "approver:"+ownerEmail, "permit.denied", p1.ID) {
		t.Errorf("audit of p1: %+v", entries)
	}

	// A message refused with 550 dies at once (max_attempts = 1).
	srv.RejectRcpt(550, "bounce@example.com")
	bounce := bookAs(t, v, "2026-12-07T10:00:00Z", "Bo Unce", "bounce@example.com").Booking
	settleMail(t, v.worker)
	dead := o.outbox(t, "dead")
	if len(dead) != 1 || dead[0].Recipient != "bounce@example.com" || dead[0].Kind != "confirmation" || dead[0].BookingID != bounce.ID ||
		dead[0].Attempts != 1 || !strings.Contains(dead[0].LastError, "550") {
		t.Fatalf("dead messages %+v", dead)
	}
	if q := o.outbox(t, "queued"); len(q) != 0 {
		t.Errorf("queued messages %+v", q)
	}
	for _, m := range o.outbox(t, "sent") {
		if m.Status != "sent" || m.Recipient == "bounce@example.com" {
			t.Errorf("sent list holds %+v", m)
		}
	}
	// The relay takes it now; the owner retries it: queued again, then sent.
	srv.AcceptAll()
	r = o.do(t, "POST", fmt.Sprintf("/api/admin/outbox/%d/retry", dead[0].ID), nil, nil)
	var retried struct {
		Message adminMessage `json:"message"`
	}
	r.json(t, &retried)
	if r.Status != 200 || retried.Message.ID != dead[0].ID || retried.Message.Status != "queued" || retried.Message.Attempts != 0 ||
		retried.Message.NextAttemptAt != app.FormatInstant(decidedAt, time.UTC) {
		t.Fatalf("retry: %d %s", r.Status, r.Body)
	}
	settleMail(t, v.worker)
	if n := len(received(srv, "bounce@example.com")); n != 1 {
		t.Fatalf("%d messages to bounce@example.com after the retry, want 1", n)
	}
	if d := o.outbox(t, "dead"); len(d) != 0 {
		t.Errorf("still dead: %+v", d)
	}
	wantAPIError(t, "retry a sent message", o.do(t, "POST", fmt.Sprintf("/api/admin/outbox/%d/retry", dead[0].ID), nil, nil), 400, "validation_failed")
	if !hasAudit(o.audit(t, "booking="+bounce.ID), ownerEmail, "mail.retried", bounce.ID) {
		t.Error("the retry is not in the audit log")
	}
}

// --- reports --------------------------------------------------------------

// TestConsoleReports books a small known set — two months, two tiers, a
// no-show, a cancellation, customers whose names a spreadsheet would run as
// formulas — and checks the CSV export, the stats and the calendar feed
// against it.
func TestConsoleReports(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{Rooms: 2, Parking: true})
	addOwner(t, v, ownerEmail, ownerPassword)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	type row struct {
		start, name, tier, pkg string
		price                  int64
		guests                 int
		minutes                int
		edits                  []func(map[string]any)
		id                     string
		b                      adminBooking
	}
	set := []*row{
		{start: "2026-11-27T12:30:00Z", name: `=HYPERLINK("http://evil")`, tier: "classic", pkg: "classic-60", price: 4500, guests: 2, minutes: 60},
		{start: "2026-11-28T10:00:00Z", name: "+SUM(A1:A9)", tier: "classic", pkg: "classic-60", price: 4500, guests: 2, minutes: 60,
			edits: []func(map[string]any){withParking("AB12CDE")}},
		{start: "2026-12-01T10:00:00Z", name: "-2+3", tier: "classic", pkg: "classic-90", price: 6000, guests: 3, minutes: 90},
		{start: "2026-12-01T14:00:00Z", name: "@SUM(1)", tier: "private", pkg: "private-120", price: 12000, guests: 6, minutes: 120},
		// Formulas a German or French spreadsheet (splitting on ;) or a line
		// break would start.
		{start: "2026-12-02T10:00:00Z", name: "Zoë;=1+2", tier: "classic", pkg: "classic-60", price: 4500, guests: 4, minutes: 60,
			edits: []func(map[string]any){func(m map[string]any) { m["notes"] = "=1+1 please\n=2+2\n-3\t@x" }}},
	}
	for i, r := range set {
		edits := append([]func(map[string]any){withPackage(r.tier, r.pkg, r.price, r.guests)}, r.edits...)
		b := bookAs(t, v, r.start, r.name, fmt.Sprintf("guest%d@example.com", i), edits...).Booking
		if b.Customer.Name != r.name {
			t.Fatalf("name stored as %q, want %q", b.Customer.Name, r.name)
		}
		r.id = b.ID
	}
	// The last is cancelled; the first, once it has started, is a no-show.
	if r := o.do(t, "POST", "/api/admin/bookings/"+set[4].id+"/status", map[string]any{"status": "cancelled", "notify": false}, nil); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	v.setNow(time.Date(2026, 11, 27, 13, 30, 0, 0, time.UTC))
	if r := o.do(t, "POST", "/api/admin/bookings/"+set[0].id+"/status", map[string]string{"status": "no_show"}, nil); r.Status != 200 {
		t.Fatalf("no_show: %d %s", r.Status, r.Body)
	}
	listed := o.bookings(t, "from=2026-11-27&to=2026-12-02")
	if len(listed) != len(set) {
		t.Fatalf("%d bookings listed, want %d", len(listed), len(set))
	}
	for i := range set {
		set[i].b = listed[i]
		if listed[i].ID != set[i].id {
			t.Fatalf("listed in another order: %+v", listed)
		}
	}

	t.Run("CSV export", func(t *testing.T) {
		r := o.do(t, "GET", "/api/admin/export.csv?from=2026-11-27&to=2026-12-02", nil, nil)
		if r.Status != 200 || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			r.Header.Get("Content-Disposition") != `attachment; filename="bookings-2026-11-27-2026-12-02.csv"` {
			t.Fatalf("%d %q %q", r.Status, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
		}
		body, bom := bytes.CutPrefix(r.Body, []byte("\ufeff"))
		if !bom {
			t.Errorf("export.csv does not start with a UTF-8 byte-order mark: %q", r.Body[:min(len(r.Body), 12)])
		}
		// Whatever a spreadsheet splits on, no field starts a formula.
		for _, piece := range strings.FieldsFunc(string(body), func(c rune) bool { return strings.ContainsRune(",;\t\r\n", c) }) {
			p := strings.TrimLeft(piece, ` "`)
			if p != "" && strings.ContainsRune("=+-@", rune(p[0])) {
				if _, err := strconv.ParseFloat(p, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
					t.Errorf("field %q starts a formula when split on , ; tab or a line break", piece)
				}
			}
		}
		cr := csv.NewReader(bytes.NewReader(body))
		cr.FieldsPerRecord = 19
		rows, err := cr.ReadAll()
		if err != nil {
			t.Fatalf("encoding/csv: %v\n%s", err, r.Body)
		}
		header := []string{"reference", "status", "date", "start", "end", "tier", "package", "room", "guests", "price", "currency",
			"name", "email", "phone", "notes", "vehicle_registration", "permit_status", "created_at", "source"}
		if len(rows) != len(set)+1 || !slices.Equal(rows[0], header) {
			t.Fatalf("%d rows, header %q", len(rows), rows[0])
		}
		escaped := []string{`'=HYPERLINK("http://evil")`, "'+SUM(A1:A9)", "'-2+3", "'@SUM(1)", "Zoë;'=1+2"}
		for i, s := range set {
			b := s.b
			reg, permit, notes := "", "", ""
			if b.Parking != nil {
				reg, permit = b.Parking.VehicleRegistration, b.Parking.Status
			}
			if i == 4 {
				notes = "'=1+1 please\n'=2+2\n-3\t'@x"
			}
			want := []string{b.Reference, b.Status, b.Start[:10], b.Start, b.End, b.Tier, b.Package, b.Room, strconv.Itoa(b.Guests),
				fmt.Sprintf("%d.%02d", b.PriceCents/100, b.PriceCents%100), "GBP", escaped[i], b.Customer.Email, "'+44 20 7946 0958",
				notes, reg, permit, "2026-11-27T10:00:00+00:00", "online"}
			if !slices.Equal(rows[i+1], want) {
				t.Errorf("row %d:\n got %q\nwant %q", i+1, rows[i+1], want)
			}
		}
		if rows[2][15] != "AB12CDE" || rows[2][16] != "requested" || rows[1][1] != "no_show" || rows[5][1] != "cancelled" || rows[4][9] != "120.00" {
			t.Errorf("rows %q", rows)
		}
		// No cell a spreadsheet would run as a formula.
		for _, rec := range rows {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("cell %q starts a formula", cell)
				}
			}
		}
		// An empty range is just the header.
		r = o.do(t, "GET", "/api/admin/export.csv?from=2026-12-10", nil, nil)
		if rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll(); r.Status != 200 || err != nil || len(rows) != 1 {
			t.Errorf("empty range: %d %d rows %v", r.Status, len(rows), err)
		}
	})

	t.Run("stats", func(t *testing.T) {
		var got struct {
			From     string          `json:"from"`
			To       string          `json:"to"`
			Currency string          `json:"currency"`
			Tiers    []app.TierMonth `json:"tiers"`
			Rooms    []app.RoomMonth `json:"rooms"`
		}
		o.getJSON(t, "/api/admin/stats?from=2026-11-27&to=2026-12-02", &got)
		wantTiers := []app.TierMonth{
			{Tier: "classic", Month: "2026-11", Bookings: 2, Guests: 4, RevenueCents: 9000, NoShows: 1},
			{Tier: "classic", Month: "2026-12", Bookings: 1, Guests: 3, RevenueCents: 6000, Cancelled: 1},
			{Tier: "private", Month: "2026-12", Bookings: 1, Guests: 6, RevenueCents: 12000},
		}
		if got.From != "2026-11-27" || got.To != "2026-12-02" || got.Currency != "GBP" || !slices.Equal(got.Tiers, wantTiers) {
			t.Errorf("stats %+v\nwant tiers %+v", got, wantTiers)
		}
		// Revenue adds up to the prices of the bookings not cancelled.
		var revenue, sum int64
		for _, s := range set {
			if s.b.Status != "cancelled" {
				revenue += s.price
			}
		}
		for _, tm := range got.Tiers {
			sum += tm.RevenueCents
		}
		if sum != revenue || revenue != 27000 {
			t.Errorf("revenue %d, bookings not cancelled %d", sum, revenue)
		}
		// Occupancy: booked minutes (not cancelled) over open minutes (12 h a
		// day: 4 days in November, 2 in December), per room and month.
		booked := map[[2]string]int{}
		for _, s := range set {
			if s.b.Status != "cancelled" {
				booked[[2]string{s.b.Room, s.b.Start[:7]}] += s.minutes
			}
		}
		var wantRooms []app.RoomMonth
		for _, month := range []string{"2026-11", "2026-12"} {
			open := 4 * 720
			if month == "2026-12" {
				open = 2 * 720
			}
			for _, room := range []string{"room1", "room2"} {
				b := booked[[2]string{room, month}]
				occ := math.Round(float64(b)/float64(open)*1000) / 1000 // to 0.1 %, halves up
				wantRooms = append(wantRooms, app.RoomMonth{Room: room, Month: month, BookedMinutes: b, OpenMinutes: open, Occupancy: occ})
			}
		}
		if !slices.Equal(got.Rooms, wantRooms) {
			t.Errorf("rooms %+v\nwant %+v", got.Rooms, wantRooms)
		}
		if booked[[2]string{"room1", "2026-12"}]+booked[[2]string{"room2", "2026-12"}] != 90+120 {
			t.Errorf("booked minutes in December %v, want 210", booked)
		}
	})

	t.Run("calendar feed", func(t *testing.T) {
		feed := func() string {
			var got map[string]string
			o.getJSON(t, "/api/admin/calendar-feed", &got)
			u, ok := strings.CutPrefix(got["url"], "http://venue.test")
			if !ok || !strings.HasPrefix(u, "/calendar/") || !strings.HasSuffix(u, ".ics") {
				t.Fatalf("feed URL %q", got["url"])
			}
			return u
		}
		first := feed()
		if again := feed(); again != first {
			t.Errorf("the feed URL changed between reads: %s, %s", first, again)
		}
		fetch := func(path string) response { return sendAs(t, noRedirects, v.URL, "GET", path, nil, nil) }
		r := fetch(first)
		if r.Status != 200 || r.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
			t.Fatalf("feed: %d %q", r.Status, r.Header.Get("Content-Type"))
		}
		cal, err := ics.ParseCalendar(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatalf("golang-ical: %v", err)
		}
		events := cal.Events()
		if len(events) != len(set) {
			t.Fatalf("%d VEVENTs, want one per booking (%d)", len(events), len(set))
		}
		uids := map[string]bool{}
		cancelled := 0
		for _, ev := range events {
			uids[eventProp(ev, ics.ComponentPropertyUniqueId)] = true
			if eventProp(ev, ics.ComponentPropertyStatus) == "CANCELLED" {
				cancelled++
			}
		}
		if len(uids) != len(set) || cancelled != 1 {
			t.Errorf("%d distinct UIDs, %d cancelled events", len(uids), cancelled)
		}
		if bytes.Contains(r.Body, []byte("/b/")) {
			t.Error("the feed holds manage links")
		}

		var rotated map[string]string
		rr := o.do(t, "POST", "/api/admin/calendar-feed/rotate", nil, nil)
		rr.json(t, &rotated)
		second := feed()
		if rr.Status != 200 || rotated["url"] != "http://venue.test"+second || second == first {
			t.Fatalf("rotate: %d %s; feed now %s, was %s", rr.Status, rr.Body, second, first)
		}
		// A calendar URL is not under /api/: its 404 is a page.
		notFound := func(what string, r response) {
			t.Helper()
			if r.Status != 404 || strings.Contains(string(r.Body), "VEVENT") {
				t.Errorf("%s: %d %q", what, r.Status, r.Header.Get("Content-Type"))
			}
		}
		notFound("the old feed URL", fetch(first))
		if r := fetch(second); r.Status != 200 || bytes.Count(r.Body, []byte("BEGIN:VEVENT")) != len(set) {
			t.Errorf("the new feed URL: %d", r.Status)
		}
		token := strings.TrimSuffix(strings.TrimPrefix(second, "/calendar/"), ".ics")
		for _, bad := range []string{
			"/calendar/" + strings.Repeat("A", len(token)) + ".ics", // wrong token, same length
			"/calendar/" + token[:len(token)-1] + ".ics",            // cut short
			"/calendar/" + token,                                    // no .ics
			"/calendar/" + token + "x.ics",
			"/calendar/short.ics",
		} {
			notFound(bad, fetch(bad))
		}
		if !hasAudit(o.audit(t, ""), ownerEmail, "calendar_feed.rotated", "") {
			t.Error("the rotation is not in the audit log")
		}
	})
}

// --- pages ----------------------------------------------------------------

var (
	tagRe   = regexp.MustCompile(`<[^>]*>`)
	inputRe = regexp.MustCompile(`<input type="(?:hidden|checkbox)" name="([a-z]+)" value="([^"]*)"`)
)

// dayTimeline reads the day page's grid: per room, its bookings and cleaning
// gaps as "kind[ status-S] text", in time order.
func dayTimeline(page string) map[string][]string {
	out := map[string][]string{}
	for room, items := range dayGridItems(page) {
		out[room] = []string{}
		for _, it := range items {
			if it.Kind == "booking" || it.Kind == "cleaning" {
				out[room] = append(out[room], strings.TrimSpace(it.Kind+" "+it.Status)+" "+it.Text)
			}
		}
	}
	return out
}

// formFields returns the hidden and checkbox inputs of the form whose
// opening tag is open.
func formFields(t testing.TB, page, open string) url.Values {
	t.Helper()
	i := strings.Index(page, open)
	if i < 0 {
		t.Fatalf("no %s on the page:\n%s", open, page)
	}
	form := page[i:]
	form = form[:strings.Index(form, "</form>")]
	v := url.Values{}
	for _, m := range inputRe.FindAllStringSubmatch(form, -1) {
		v.Add(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// TestConsolePages: the console's pages without JavaScript. Without a
// session they send to the sign-in form, which signs in and goes back; the
// day page shows each room's bookings and cleaning gaps; the booking page's
// cancel form cancels, and only with its CSRF field.
func TestConsolePages(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{Rooms: 2})
	addOwner(t, v, ownerEmail, ownerPassword)
	ba := bookAs(t, v, "2026-11-28T10:00:00Z", "Ann Able", "ann@example.com")
	bb := bookAs(t, v, "2026-11-28T10:00:00Z", "Ben Bo", "ben@example.com")
	bc := bookAs(t, v, "2026-11-28T14:00:00Z", "Cat Cee", "cat@example.com", withPackage("private", "private-120", 12000, 5))
	a, b, c := ba.Booking, bb.Booking, bc.Booking
	if a.Room == b.Room || c.Room != "room1" {
		t.Fatalf("rooms %s %s %s", a.Room, b.Room, c.Room)
	}
	roomName := func(id string) string { return "Room " + strings.TrimPrefix(id, "room") }
	// timeline is the day page's view of the bookings given: each booking,
	// then its cleaning gap; a cancelled booking is not in the grid.
	timeline := func(bs ...bookingResponse) map[string][]string {
		out := map[string][]string{"Room 1": {}, "Room 2": {}}
		for _, bk := range bs {
			b := bk.Booking
			if b.Status == "cancelled" {
				continue
			}
			start, end := b.Start[11:16], b.End[11:16]
			line := fmt.Sprintf("booking status-%s %s–%s Confirmed %s · %d guests %s", b.Status, start, end, b.Customer.Name, b.Guests, b.Reference)
			out[roomName(b.Room)] = append(out[roomName(b.Room)], line)
			gapEnd, _ := time.Parse(time.RFC3339, b.End)
			out[roomName(b.Room)] = append(out[roomName(b.Room)], "cleaning Cleaning "+end+"–"+gapEnd.Add(30*time.Minute).UTC().Format("15:04"))
		}
		return out
	}
	browser := formClient(t)
	get := func(path string) response { return sendAs(t, browser, v.URL, "GET", path, nil, nil) }

	// Without a session: 303 to the sign-in form, next = where it was going.
	for _, path := range []string{"/admin", "/admin/bookings?q=ann&status=confirmed", "/admin/bookings/" + a.ID, "/admin/settings"} {
		r := get(path)
		if r.Status != 303 || r.Header.Get("Location") != "/admin/login?next="+url.QueryEscape(path) {
			t.Errorf("GET %s without a session: %d to %q", path, r.Status, r.Header.Get("Location"))
		}
	}
	r := sendAs(t, browser, v.URL, "POST", "/admin/bookings/"+a.ID+"/status", "status=cancelled&csrf=x",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.Status != 401 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("form POST without a session: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	// The sign-in form keeps next on this site's console.
	for next, want := range map[string]string{"/admin?date=2026-11-28": "/admin?date=2026-11-28", "//evil.example/admin": "/admin",
		"https://evil.example/admin": "/admin", "/admin\\@evil.example": "/admin", "/elsewhere": "/admin"} {
		status, page := getPage(t, browser, v.URL+"/admin/login?next="+url.QueryEscape(next))
		if got := formFields(t, page, `<form method="post" action="/admin/login"`).Get("next"); status != 200 || got != want {
			t.Errorf("sign-in form for next=%q: %d, next field %q, want %q", next, status, got, want)
		}
		if strings.Contains(page, `<nav class="console"`) {
			t.Error("the sign-in page shows the console menu")
		}
	}
	login := url.Values{"email": {ownerEmail}, "password": {"wrong password"}, "next": {"/admin?date=2026-11-28"}}
	resp, page := postForm(t, browser, v.URL+"/admin/login", login)
	if resp.StatusCode != 401 || !strings.Contains(page, "The email or the password is wrong.") || len(resp.Cookies()) != 0 {
		t.Errorf("wrong password: %d %v", resp.StatusCode, resp.Cookies())
	}
	login.Set("password", ownerPassword)
	resp, _ = postForm(t, browser, v.URL+"/admin/login", login)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin?date=2026-11-28" {
		t.Fatalf("sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if ck := resp.Cookies(); len(ck) != 1 || ck[0].Name != "vb_session" || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteLaxMode {
		t.Errorf("sign-in cookie %v", resp.Header["Set-Cookie"])
	}

	// The day page: each room's bookings, each followed by its cleaning gap.
	r = get("/admin?date=2026-11-28")
	if r.Status != 200 || !strings.Contains(string(r.Body), "Saturday 28 November 2026") {
		t.Fatalf("day page: %d", r.Status)
	}
	want := timeline(ba, bb, bc)
	if len(want["Room 1"]) != 4 || len(want["Room 2"]) != 2 {
		t.Fatalf("expected timeline %q", want)
	}
	if got := dayTimeline(string(r.Body)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("day timeline:\n%q\nwant\n%q", got, want)
	}
	if got := dayTimeline(string(get("/admin?date=2026-11-30").Body)); fmt.Sprint(got) != fmt.Sprint(map[string][]string{"Room 1": {}, "Room 2": {}}) {
		t.Errorf("an empty day: %q", got)
	}
	// What customers type is shown as text.
	eve := bookAs(t, v, "2026-11-29T10:00:00Z", `<img src=x onerror=alert(1)> & "Eve"`, "eve@example.com").Booking
	for _, path := range []string{"/admin/bookings/" + eve.ID, "/admin?date=2026-11-29", "/admin/bookings?q=eve"} {
		page := string(get(path).Body)
		if strings.Contains(page, "<img src=x") || !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt; &amp; &#34;Eve&#34;") {
			t.Errorf("%s does not escape the customer's name", path)
		}
	}
	// Every console page answers.
	for _, path := range []string{"/admin", "/admin/bookings", "/admin/blackouts", "/admin/permits", "/admin/mail", "/admin/reports", "/admin/audit", "/admin/settings"} {
		r := get(path)
		if r.Status != 200 || !strings.Contains(string(r.Body), `<nav class="console"`) || !strings.Contains(string(r.Body), "<h1>") {
			t.Errorf("GET %s: %d", path, r.Status)
		}
	}

	// The booking page's cancel form.
	r = get("/admin/bookings/" + a.ID)
	if r.Status != 200 || !strings.Contains(string(r.Body), "Booking "+a.Reference) || strings.Contains(string(r.Body), "Mark completed") {
		t.Fatalf("booking page: %d", r.Status)
	}
	form := formFields(t, string(r.Body), `<form method="post" action="/admin/bookings/`+a.ID+`/status" class="cancel">`)
	if len(form["csrf"]) != 1 || len(form.Get("csrf")) < 32 || form.Get("status") != "cancelled" || form.Get("notify") != "1" {
		t.Fatalf("cancel form fields %v", form)
	}
	before := consoleState(t, v)
	for name, f := range map[string]url.Values{
		"no csrf field":    {"status": {"cancelled"}, "notify": {"1"}},
		"wrong csrf field": {"status": {"cancelled"}, "notify": {"1"}, "csrf": {form.Get("csrf") + "x"}},
	} {
		resp, page := postForm(t, browser, v.URL+"/admin/bookings/"+a.ID+"/status", f)
		if resp.StatusCode != 403 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || strings.Contains(page, "is cancelled") {
			t.Errorf("%s: %d %q", name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if after := consoleState(t, v); after != before {
		t.Fatalf("refused forms changed the database:\n%s\nbecame\n%s", before, after)
	}
	resp, _ = postForm(t, browser, v.URL+"/admin/bookings/"+a.ID+"/status", form)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin/bookings/"+a.ID+"?done=cancelled" {
		t.Fatalf("cancel form: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	r = get(resp.Header.Get("Location"))
	body := string(r.Body)
	if r.Status != 200 || !strings.Contains(body, "The booking is cancelled.") || !strings.Contains(body, `<dd class="status status-cancelled">Cancelled</dd>`) ||
		!strings.Contains(body, "booking.cancelled by "+ownerEmail) || strings.Contains(body, `class="cancel"`) {
		t.Errorf("booking page after cancelling: %d\n%s", r.Status, body)
	}
	if n := v.countRows(t, "SELECT count(*) FROM outbox WHERE booking_id = ? AND kind = 'cancellation' AND recipient = 'ann@example.com'", a.ID); n != 1 {
		t.Errorf("%d cancellation emails queued for the customer, want 1", n)
	}
	ba.Booking.Status = "cancelled"
	want = timeline(ba, bb, bc)
	dayPage := string(get("/admin?date=2026-11-28").Body)
	if got := dayTimeline(dayPage); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("day timeline after the cancellation:\n%q\nwant\n%q", got, want)
	}
	if cancelled := dayCancelled(dayPage); len(cancelled) != 1 || cancelled[0] != "10:00–11:00 · Room 2 · Ann Able · "+a.Reference+" · Cancelled" {
		t.Errorf("the day's cancelled bookings: %q", cancelled)
	}

	// Sign out from the menu: the session ends.
	nav := formFields(t, body, `<form method="post" action="/admin/logout" class="inline">`)
	resp, _ = postForm(t, browser, v.URL+"/admin/logout", nav)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin/login" {
		t.Errorf("sign out: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if r := get("/admin"); r.Status != 303 {
		t.Errorf("after signing out, /admin: %d", r.Status)
	}
	if n := v.countRows(t, "SELECT count(*) FROM sessions"); n != 0 {
		t.Errorf("%d sessions after signing out", n)
	}
}

// TestConsoleSetupLink: with no owner yet, SetupLink gives a one-time link
// whose form creates the first account, once (also when submitted several
// times at once); the link then refuses.
func TestConsoleSetupLink(t *testing.T) {
	t.Parallel()
	v := newVenue(t, venueOptions{})
	ctx := context.Background()
	link, err := v.Svc.SetupLink(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path, ok := strings.CutPrefix(link, "http://venue.test/admin/setup?token=")
	if !ok || len(path) < 32 {
		t.Fatalf("setup link %q", link)
	}
	token := path
	browser := formClient(t)
	status, page := getPage(t, browser, v.URL+"/admin/setup?token="+url.QueryEscape(token))
	if status != 200 || !strings.Contains(page, `<form method="post" action="/admin/setup"`) ||
		formFields(t, page, `<form method="post" action="/admin/setup"`).Get("token") != token {
		t.Fatalf("setup form: %d\n%s", status, page)
	}
	if status, _ := getPage(t, browser, v.URL+"/admin/setup?token="+url.QueryEscape(token[1:])); status != 403 {
		t.Errorf("a wrong token: %d", status)
	}
	// A refused password keeps the link.
	resp, page := postForm(t, browser, v.URL+"/admin/setup", url.Values{"token": {token}, "email": {ownerEmail}, "password": {"short"}})
	if resp.StatusCode != 400 || !strings.Contains(page, "The password must be at least 8 characters") ||
		v.countRows(t, "SELECT count(*) FROM admins") != 0 {
		t.Fatalf("short password: %d\n%s", resp.StatusCode, page)
	}

	// Three submissions at once: one account.
	const n = 3
	var wg sync.WaitGroup
	statuses := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := noRedirects.PostForm(v.URL+"/admin/setup", url.Values{"token": {token},
				"email": {fmt.Sprintf("first%d@venue.test", i)}, "password": {ownerPassword}})
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	slices.Sort(statuses)
	if want := []int{303, 403, 403}; !slices.Equal(statuses, want) || v.countRows(t, "SELECT count(*) FROM admins") != 1 {
		t.Fatalf("simultaneous setups answered %v and made %d accounts; want %v and 1", statuses, v.countRows(t, "SELECT count(*) FROM admins"), want)
	}
	var created string
	if err := v.db.QueryRow("SELECT email FROM admins").Scan(&created); err != nil {
		t.Fatal(err)
	}

	// The link is spent.
	if status, _ := getPage(t, browser, v.URL+"/admin/setup?token="+url.QueryEscape(token)); status != 403 {
		t.Errorf("the used link: GET %d", status)
	}
	resp, _ = postForm(t, browser, v.URL+"/admin/setup", url.Values{"token": {token}, "email": {"late@venue.test"}, "password": {ownerPassword}})
	if resp.StatusCode != 403 || v.countRows(t, "SELECT count(*) FROM admins") != 1 {
		t.Errorf("the used link: POST %d", resp.StatusCode)
	}
	if again, err := v.Svc.SetupLink(ctx); err != nil || again != "" {
		t.Errorf("SetupLink with an owner: %q %v", again, err)
	}
	// The account signs in.
	resp, _ = postForm(t, browser, v.URL+"/admin/login", url.Values{"email": {created}, "password": {ownerPassword}, "next": {"/admin"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin" {
		t.Errorf("sign-in with the new account: %d", resp.StatusCode)
	}
}
