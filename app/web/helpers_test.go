package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"venuebook/app"
	"venuebook/app/mail"
	"venuebook/app/serve"
	"venuebook/store"
)

// venueOptions shape the test venue's config; zero values give the defaults.
type venueOptions struct {
	Rooms        int    // number of rooms, default 1
	Gap          int    // cleaning gap minutes, default 30 (use -1 for 0)
	Hours        string // every day's hours, default "09:00-21:00"
	NoticeMin    int    // default 120
	AdvanceDays  int    // default 90
	CutoffHours  int    // default 24
	Parking      bool
	ExtraTOML    string // appended to the config
	VenueName    string // default "Test Venue"
	Address      string // venue.address, default "1 Test Street"; "-" for none
	Timezone     string // default Europe/London
	Currency     string // venue.currency, default GBP
	PackageMins  int    // classic-60's duration, default 60
	StepMinutes  int    // default 30
	DatabasePath string
	NoClosures   bool   // leave out the Christmas closure
	Approver     string // parking.approver_email, default parking@example.com
	SMTPPort     int    // when set, [mail.primary] is 127.0.0.1:SMTPPort without TLS and a mail worker runs
	BaseURL      string // server.base_url, default http://venue.test
	ServerTOML   string // more keys of [server] (trusted_proxies, metrics_token, …)
	VenueTOML    string // more keys of [venue] (change_cutoff_hours, phone, …)
	// StoreLimits bounds the store's waits; zero gives patientStore.
	StoreLimits store.Limits
	// LogTo, when set, receives the server's log lines (JSON, debug level).
	LogTo io.Writer
	// Week overrides Hours for the days it names ("mon": "" closes Mondays).
	Week map[string]string
}

// testVenue is a real server on a loopback port with a real SQLite file and a pinned clock.
type testVenue struct {
	t      *testing.T
	URL    string
	Svc    *app.Service
	DBPath string
	Client *http.Client
	now    atomic.Int64
	db     *sql.DB
	main   *serve.Main
	worker *mail.Worker // running when venueOptions.SMTPPort is set

	closeOnce sync.Once
}

// patientStore lets queued writers and readers wait as long as it takes: the
// tests are about what the server decides, and with the production waits of a
// few seconds a slow machine under -race would answer 503 (latency is measured
// by make bench, never asserted). Tests of the waits themselves set their own.
var patientStore = store.Limits{WriteWait: 10 * time.Minute, WriteTimeout: 10 * time.Minute, ReadTimeout: 10 * time.Minute, PingTimeout: 10 * time.Minute}

// testNow is the pinned "now" of every test venue: Friday 27 November 2026, 10:00 UTC.
var testNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func configTOML(o venueOptions, dbPath string) string {
	def := func(v, d int) int {
		if v == 0 {
			return d
		}
		if v < 0 {
			return 0
		}
		return v
	}
	if o.Hours == "" {
		o.Hours = "09:00-21:00"
	}
	if o.Currency == "" {
		o.Currency = "GBP"
	}
	if o.Timezone == "" {
		o.Timezone = "Europe/London"
	}
	if o.Approver == "" {
		o.Approver = "parking@example.com"
	}
	if o.BaseURL == "" {
		o.BaseURL = "http://venue.test"
	}
	if o.VenueName == "" {
		o.VenueName = "Test Venue"
	}
	switch o.Address {
	case "":
		o.Address = "1 Test Street"
	case "-":
		o.Address = ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n[server]\nbase_url = %q\n%s\n", o.BaseURL, o.ServerTOML)
	fmt.Fprintf(&b, `
[database]
path = %q
[venue]
name = %[9]q
timezone = %[2]q
currency = "CURRENCY"
address = %[10]q
slot_step_minutes = %[3]d
cleaning_gap_minutes = %d
min_notice_minutes = %d
max_advance_days = %d
cancel_cutoff_hours = %d
%s
[venue.hours]
`, dbPath, o.Timezone, def(o.StepMinutes, 30), def(o.Gap, 30), def(o.NoticeMin, 120), def(o.AdvanceDays, 90), def(o.CutoffHours, 24), o.VenueTOML, o.VenueName, o.Address)
	for _, day := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		hours, ok := o.Week[day]
		if !ok {
			hours = o.Hours
		}
		fmt.Fprintf(&b, "%s = %q\n", day, hours)
	}
	if !o.NoClosures {
		b.WriteString("[[closures]]\nstart = \"2026-12-25\"\nend = \"2026-12-26\"\nreason = \"Christmas\"\n")
	}
	for i := 0; i < def(o.Rooms, 1); i++ {
		fmt.Fprintf(&b, "[[rooms]]\nid = \"room%d\"\nname = \"Room %d\"\n", i+1, i+1)
	}
	fmt.Fprintf(&b, `
[[tiers]]
id = "classic"
name = "Classic"
  [[tiers.packages]]
  id = "classic-60"
  name = "60 minutes"
  duration_minutes = %d
  price_cents = 4500
  max_guests = 4
  [[tiers.packages]]
  id = "classic-90"
  name = "90 minutes"
  duration_minutes = 90
  price_cents = 6000
  max_guests = 4
[[tiers]]
id = "private"
name = "Private"
rooms = ["room1"]
  [[tiers.packages]]
  id = "private-120"
  name = "2 hours"
  duration_minutes = 120
  price_cents = 12000
  max_guests = 8
[parking]
enabled = %v
approver_email = %q
[log]
level = "error"
`, def(o.PackageMins, 60), o.Parking, o.Approver)
	if o.SMTPPort != 0 {
		fmt.Fprintf(&b, "[mail.primary]\nhost = \"127.0.0.1\"\nport = %d\ntls = \"none\"\n", o.SMTPPort)
	}
	if !strings.Contains(o.ExtraTOML, "[limits]") {
		// Tests send many requests from one address and fill forms at once.
		b.WriteString("[limits]\nbooking_per_ip = \"\"\nbooking_per_email = \"\"\nbooking_per_network = \"\"\nread_per_ip = \"\"\npermit_per_ip = \"\"\nmin_fill_seconds = 0\n")
	}
	b.WriteString(o.ExtraTOML + "\n")
	return strings.Replace(b.String(), `currency = "CURRENCY"`, fmt.Sprintf("currency = %q", o.Currency), 1)
}

func newVenue(t testing.TB, o venueOptions) *testVenue {
	t.Helper()
	dir := t.TempDir()
	dbPath := o.DatabasePath
	if dbPath == "" {
		dbPath = filepath.Join(dir, "venuebook.db")
	}
	cfg, err := app.ParseConfig([]byte(configTOML(o, dbPath)), "test config", dir, nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	cfg.Server.Listen = "127.0.0.1:0"
	schema, err := os.ReadFile("../../schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	v := &testVenue{DBPath: dbPath}
	if tt, ok := t.(*testing.T); ok {
		v.t = tt
	}
	v.now.Store(testNow.UnixNano())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("VENUEBOOK_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if o.LogTo != nil {
		log = slog.New(slog.NewJSONHandler(o.LogTo, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	// The real wiring; with the clock pinned, the scheduled jobs are left to
	// the tests, and so is the mail loop unless an SMTP server listens.
	v.main = &serve.Main{Config: cfg, Schema: string(schema), Assets: os.DirFS("../../assets"), Log: log,
		Now:         func() time.Time { return time.Unix(0, v.now.Load()).UTC() },
		StoreLimits: o.StoreLimits, ManualJobs: true, ManualMail: o.SMTPPort == 0}
	if o.StoreLimits == (store.Limits{}) {
		v.main.StoreLimits = patientStore
	}
	if err := v.main.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	v.Svc = v.main.Service
	v.URL = v.main.URL()
	v.Client = &http.Client{Timeout: 10 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 600, MaxIdleConns: 600}}
	v.db, err = sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(60000)&mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	if o.SMTPPort != 0 {
		v.worker = v.main.Mail
	}
	t.Cleanup(func() { v.close(t) })
	return v
}

// close shuts the venue down in production order (HTTP, mail, database);
// later calls do nothing.
func (v *testVenue) close(t testing.TB) {
	v.closeOnce.Do(func() {
		v.Client.CloseIdleConnections()
		// The console's and the pages' clients use the default transport:
		// a connection it dialled for a burst of requests and never used
		// holds the server's shutdown until its read timeout.
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		if err := v.main.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		v.db.Close()
	})
}

// setNow moves the venue's clock.
func (v *testVenue) setNow(t time.Time) { v.now.Store(t.UnixNano()) }

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t testing.TB, dst any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, dst); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// errorCode returns the API error code of the response, "" if none.
func (r response) errorCode() string {
	var e struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

func (r response) errorFields() map[string]string {
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Fields
}

// do sends a request; body may be nil, a string/[]byte sent as is, or a value encoded as JSON.
func (v *testVenue) do(t testing.TB, method, path string, body any, header map[string]string) response {
	t.Helper()
	r, err := v.try(method, path, body, header)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (v *testVenue) try(method, path string, body any, header map[string]string) (response, error) {
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
			return response{}, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, v.URL+path, rd)
	if err != nil {
		return response{}, err
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
	resp, err := v.Client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}, err
}

// bookingBody returns a valid booking request for start, changed by the given edits.
func bookingBody(start string, edits ...func(map[string]any)) map[string]any {
	b := map[string]any{
		"tier": "classic", "package": "classic-60", "start": start, "guests": 2,
		"customer": map[string]any{"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0958"},
		"notes":    "", "expected_price_cents": 4500,
	}
	for _, e := range edits {
		e(b)
	}
	return b
}

type bookingResponse struct {
	Booking apiBooking `json:"booking"`
}

// apiBooking is a booking as the JSON API answers it.
type apiBooking struct {
	ID         string `json:"id"`
	Reference  string `json:"reference"`
	Status     string `json:"status"`
	Tier       string `json:"tier"`
	Package    string `json:"package"`
	Room       string `json:"room"`
	Start      string `json:"start"`
	End        string `json:"end"`
	Guests     int    `json:"guests"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	Source     string `json:"source"`
	Customer   struct {
		Name  string `json:"name"`
		Email string `json:"email"`
		Phone string `json:"phone"`
	} `json:"customer"`
	Notes   string `json:"notes"`
	Parking *struct {
		Status              string `json:"status"`
		VehicleRegistration string `json:"vehicle_registration"`
	} `json:"parking"`
	ManageURL string `json:"manage_url"`
	Calendar  struct {
		ICSURL    string `json:"ics_url"`
		GoogleURL string `json:"google_url"`
	} `json:"calendar"`
}

// mustBook creates a booking and fails the test unless it answers 201.
func (v *testVenue) mustBook(t testing.TB, body map[string]any) bookingResponse {
	t.Helper()
	r := v.do(t, "POST", "/api/bookings", body, nil)
	if r.Status != http.StatusCreated {
		t.Fatalf("booking: %d %s", r.Status, r.Body)
	}
	var b bookingResponse
	r.json(t, &b)
	return b
}

// managePath turns a manage_url into the path and token of the booking's API.
func managePath(t testing.TB, manageURL string) (id, token string) {
	t.Helper()
	_, rest, ok := strings.Cut(manageURL, "/b/")
	if !ok {
		t.Fatalf("manage_url %q has no /b/", manageURL)
	}
	id, token, ok = strings.Cut(rest, "?t=")
	if !ok {
		t.Fatalf("manage_url %q has no token", manageURL)
	}
	return id, token
}

// countRows counts rows of a table straight from the database file.
func (v *testVenue) countRows(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := v.db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
