package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// End-to-end tests of the customer pages in Debian's chromium, headless,
// driven by chromedp against a venue served on a loopback port. Every page is
// checked with axe-core (from the npm registry, injected by the test), and
// every step is saved as a PNG under the test's temp dir, and also under
// $VENUEBOOK_SCREENSHOTS when that is set.

// Both bound waits for things that must happen, so they only decide how long
// a failing test takes; they are far longer than a slow, loaded machine needs
// (a test takes some 20 s here, a step well under 2 s).
const (
	browserTimeout = 15 * time.Minute // the whole test, browser included
	stepTimeout    = 3 * time.Minute  // one step: a navigation, a query, axe
)

// axeFile is where `make browser-deps` unpacks axe-core, relative to the repository.
const axeFile = ".cache/axe-core-4.10.3/axe.min.js"

var axeOnce struct {
	sync.Once
	src  string
	path string
	err  error
}

// axeSource returns axe.min.js, from $VENUEBOOK_AXE or the repository's
// .cache; a missing file fails the test: the accessibility checks are part
// of it, never skipped.
func axeSource(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		axeOnce.path = os.Getenv("VENUEBOOK_AXE")
		if axeOnce.path == "" {
			axeOnce.path = filepath.Join("..", "..", filepath.FromSlash(axeFile))
		}
		var b []byte
		b, axeOnce.err = os.ReadFile(axeOnce.path)
		axeOnce.src = string(b)
	})
	if axeOnce.err != nil || !strings.Contains(axeOnce.src, "axe") {
		t.Fatalf("axe-core is missing at %s (%v): run `make browser-deps` to fetch it from the npm registry (the browser tests need it)", axeOnce.path, axeOnce.err)
	}
	return axeOnce.src
}

func chromiumPath() string {
	if p := os.Getenv("VENUEBOOK_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// browserOptions shape a browser; zero values give the defaults.
type browserOptions struct {
	Width, Height int  // the window, default 390×844
	NoScript      bool // JavaScript off in the page (emulation.SetScriptExecutionDisabled)
	// SameProcessFrames turns site isolation off, so that a cross-site
	// iframe shares the tab's process and the tests can reach into it.
	SameProcessFrames bool
}

// browser is one headless chromium with one tab, on a test venue.
type browser struct {
	t    *testing.T
	v    *testVenue
	ctx  context.Context // the tab; ends with the test's timeout
	dirs []string        // where screenshots go
	step int
	// noScript: JavaScript is off in the page; axe needs it on for its run.
	noScript bool

	mu       sync.Mutex
	problems []string // uncaught exceptions and CSP violations in the page
}

// newBrowser starts headless chromium with a fresh profile, opens a tab and
// bounds everything by browserTimeout.
func newBrowser(t *testing.T, v *testVenue, o browserOptions) *browser {
	t.Helper()
	axeSource(t)
	exe := chromiumPath()
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("chromium is missing (%v): run `make browser-deps`, or set VENUEBOOK_CHROMIUM", err)
	}
	if o.Width == 0 {
		o.Width, o.Height = 390, 844
	}
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	features := "Translate,OptimizationHints,MediaRouter"
	var extra []chromedp.ExecAllocatorOption
	if o.SameProcessFrames {
		features += ",IsolateOrigins,site-per-process"
		extra = append(extra, chromedp.Flag("disable-site-isolation-trials", true))
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", features),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(o.Width, o.Height),
	}, extra...)...)
	t.Cleanup(acancel) // waits for chromium to exit, before its profile dir is removed
	tctx, tcancel := chromedp.NewContext(actx)
	t.Cleanup(tcancel)

	b := &browser{t: t, v: v, ctx: tctx, dirs: []string{t.TempDir()}}
	if dir := os.Getenv("VENUEBOOK_SCREENSHOTS"); dir != "" {
		dir = filepath.Join(dir, t.Name())
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		b.dirs = append(b.dirs, dir)
	}
	for _, d := range b.dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	started := time.Now()
	if err := chromedp.Do(tctx); err != nil { // starts chromium and opens the tab
		t.Fatalf("start chromium %s: %v", exe, err)
	}
	t.Logf("chromium started in %v", time.Since(started).Round(time.Millisecond))
	// The page's uncaught exceptions and CSP reports fail the test.
	messages := chromedp.Console(tctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				b.mu.Lock()
				b.problems = append(b.problems, fmt.Sprintf("%s:%d %s", m.URL, m.Line+1, m))
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("page console: %s", p)
		}
	})
	// Headless chromium's window is at least 500 px wide: the viewport is
	// emulated to the exact size.
	b.run("viewport", chromedp.EmulateViewport(int64(o.Width), int64(o.Height), chromedp.EmulatePortrait))
	if o.NoScript {
		b.noScript = true
		b.scripts(false)
	}
	return b
}

// scripts turns JavaScript on or off in the page; the setting holds for the
// pages loaded next too.
func (b *browser) scripts(on bool) {
	b.t.Helper()
	b.run(fmt.Sprintf("scripts on: %v", on), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return err
	}))
}

// cookies returns the browser's cookies for the venue as a Cookie header.
func (b *browser) cookies() string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.v.URL}})
	if err != nil {
		b.t.Fatalf("cookies: %v", err)
	}
	var parts []string
	for _, c := range res.Cookies {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// stepCtx bounds one step, so that a wait that cannot succeed fails before
// the whole test's bound.
func (b *browser) stepCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// run runs actions that return nothing, failing the test on error.
func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// load runs actions that cause a navigation (a link, a form), waits for the
// new page and returns its HTTP status.
func (b *browser) load(what string, actions ...chromedp.Action[chromedp.Void]) int {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return int(resp.Status)
}

// open navigates to path on the venue and returns the HTTP status.
func (b *browser) open(path string) int {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.v.URL+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return int(resp.Status)
}

// click clicks the first element matching the CSS selector and waits for the
// page it loads.
func (b *browser) click(sel string) int {
	b.t.Helper()
	return b.load("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

func evalAs[T any](b *browser, expr string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		b.t.Fatalf("evaluate %.80s: %v", expr, err)
	}
	return v
}

// text returns the visible text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// value returns the value of the form field matching sel.
func (b *browser) value(sel string) string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("value of %s: %v", sel, err)
	}
	return s
}

// attr returns an attribute of the first element matching sel, "" if absent.
func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	r, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		b.t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return r.Value
}

// count returns how many elements match the CSS selector now.
func (b *browser) count(sel string) int {
	b.t.Helper()
	return evalAs[int](b, fmt.Sprintf("document.querySelectorAll(%q).length", sel))
}

func (b *browser) location() string {
	b.t.Helper()
	return evalAs[string](b, "location.href")
}

// shot saves a full-page PNG of the current page as NN-name.png.
// follow clicks the day page's link sel: with JavaScript on, app.js replaces
// #picker in place, so it waits for wait to show; with it off, the click loads
// a page, which must answer 200.
func (b *browser) follow(sel, wait string) {
	b.t.Helper()
	if b.noScript {
		if st := b.click(sel); st != 200 {
			b.t.Fatalf("%s: status %d", sel, st)
		}
		return
	}
	b.run("click "+sel, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS(wait)),
		chromedp.WaitNotPresent(chromedp.CSS(`#picker[aria-busy]`)))
}

func (b *browser) shot(name string) {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.step++
	file := fmt.Sprintf("%02d-%s.png", b.step, name)
	for _, d := range b.dirs {
		if err := os.WriteFile(filepath.Join(d, file), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.t.Logf("screenshot %s", filepath.Join(b.dirs[len(b.dirs)-1], file))
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  json.RawMessage `json:"target"`
		Summary string          `json:"summary"`
	} `json:"nodes"`
}

// axe runs axe-core on the current page and fails the test for every serious
// or critical violation; lesser ones are logged.
func (b *browser) axe(page string) {
	b.t.Helper()
	if b.noScript {
		// axe.run needs timers and promises. Turning scripts on does not
		// run the page's own script, which only runs when a page loads.
		b.scripts(true)
		defer b.scripts(false)
	}
	if !evalAs[bool](b, `typeof window.axe === "object"`) {
		evalAs[chromedp.Void](b, axeSource(b.t))
	}
	raw := evalAs[[]byte](b, `axe.run(document, {resultTypes: ["violations"]}).then(r => ({
		passes: r.passes.length,
		violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}))}))`, chromedp.EvalAwaitPromise)
	var res struct {
		Passes     int            `json:"passes"`
		Violations []axeViolation `json:"violations"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		b.t.Fatalf("axe on %s: %v in %s", page, err, raw)
	}
	if res.Passes == 0 {
		b.t.Fatalf("axe on %s checked nothing", page)
	}
	b.t.Logf("axe on %s: %d rules passed, %d violated", page, res.Passes, len(res.Violations))
	for _, v := range res.Violations {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, string(n.Target))
		}
		msg := fmt.Sprintf("axe on %s: %s (%s) %s: %s", page, v.ID, v.Impact, v.Help, strings.Join(targets, " "))
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Error(msg)
			for _, n := range v.Nodes {
				b.t.Logf("    %s: %s", n.Target, n.Summary)
			}
		} else {
			b.t.Log(msg)
		}
	}
}

// noHorizontalScroll fails unless the page fits the viewport's width.
func (b *browser) noHorizontalScroll(page string, width int) {
	b.t.Helper()
	var r struct {
		Inner, Scroll int
		Wide          []string
	}
	// Wide lists what sticks out on the right: elements, and text that
	// overflows its element.
	raw := evalAs[[]byte](b, `(() => {
		const w = document.documentElement.clientWidth, wide = [];
		const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).trim().replace(/ +/g, ".") : "");
		for (const el of document.querySelectorAll("body *")) {
			const r = el.getBoundingClientRect();
			if (r.width > 0 && r.right > w + 0.5) wide.push(name(el) + " right edge " + Math.round(r.right));
		}
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			const range = document.createRange();
			range.selectNodeContents(n);
			const r = range.getBoundingClientRect();
			if (r.width > 0 && r.right > w + 0.5) wide.push("text " + JSON.stringify(n.textContent.trim().slice(0, 40)) + " in " + name(n.parentElement) + " right edge " + Math.round(r.right));
		}
		return {Inner: window.innerWidth, Scroll: document.documentElement.scrollWidth, Wide: wide.slice(0, 10)};
	})()`)
	if err := json.Unmarshal(raw, &r); err != nil {
		b.t.Fatal(err)
	}
	if r.Inner != width {
		b.t.Fatalf("%s: the viewport is %d px wide, want %d", page, r.Inner, width)
	}
	if r.Scroll > width {
		b.t.Errorf("%s scrolls sideways at %d px: scrollWidth %d; too wide: %v", page, width, r.Scroll, r.Wide)
	}
}

// fillDetails types the customer's details into the details form.
func (b *browser) fillDetails(name, email, guests, registration string) {
	b.t.Helper()
	actions := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.Clear(chromedp.ID("name")), chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.Clear(chromedp.ID("email")), chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SetValue(chromedp.ID("guests"), guests),
	}
	if registration != "" {
		actions = append(actions, chromedp.SendKeys(chromedp.ID("registration"), registration))
	}
	b.run("fill in the details form", actions...)
}

var referenceRe = regexp.MustCompile(`^VB-[A-Z0-9]{6}$`)

// confirmed checks the confirmation page and returns the reference shown.
func (b *browser) confirmed() string {
	b.t.Helper()
	if h := b.text("h1"); h != "You're booked" {
		b.t.Fatalf("confirmation page heading %q, want \"You're booked\" (at %s)", h, b.location())
	}
	ref := b.text("dd.reference")
	if !referenceRe.MatchString(ref) {
		b.t.Fatalf("reference %q is not of the form VB-7K3Q9M", ref)
	}
	if st := b.text("dd.status"); st != "confirmed" {
		b.t.Errorf("status on the confirmation page = %q, want confirmed", st)
	}
	return ref
}

// The day view opens on November (testNow is 27 November); these are in the
// next month. Europe/London is on GMT in December; the pages and the API
// write instants with a numeric offset.
const (
	dec1    = "2026-12-01"
	dec1At9 = "2026-12-01T09:00:00+00:00"
	dec3    = "2026-12-03"
	dec3At9 = "2026-12-03T09:00:00+00:00"
)

// slotSel selects the link of the time start (RFC 3339); the template
// escapes the query value, in lower-case hex.
func slotSel(start string) string {
	return fmt.Sprintf(`a.slot[href$="start=%s" i]`, url.QueryEscape(start))
}

func daySel(date string) string { return fmt.Sprintf(`a.day[href$="date=%s"]`, date) }

// bookedAt counts the confirmed bookings at start (RFC 3339) for email.
func (v *testVenue) bookedAt(t *testing.T, start, email string) int {
	t.Helper()
	st, err := time.Parse(time.RFC3339, start)
	if err != nil {
		t.Fatal(err)
	}
	return v.countRows(t, "SELECT count(*) FROM bookings WHERE start_at = ? AND customer_email = ? AND status = 'confirmed'", st.Unix(), email)
}

// offered reports whether GET /api/availability offers start for classic-60.
func (v *testVenue) offered(t *testing.T, start string) bool {
	t.Helper()
	a := v.availability(t, "package=classic-60&from="+start[:10])
	for _, d := range a.Days {
		for _, s := range d.Slots {
			if s.Start == start {
				return true
			}
		}
	}
	return false
}

// TestBrowserBookWithJavaScript books through the pages with JavaScript on:
// home → package → day (the date picker updates in place) → time → details →
// confirmation, with axe on each page and the booking checked in SQL. With
// parking on, the approver's permit decision page is checked too.
func TestBrowserBookWithJavaScript(t *testing.T) {
	v := newVenue(t, venueOptions{Parking: true})
	b := newBrowser(t, v, browserOptions{})

	if st := b.open("/"); st != 200 {
		t.Fatalf("home: status %d", st)
	}
	b.shot("home")
	b.axe("home")

	if st := b.click("a.package"); st != 200 {
		t.Fatalf("day view: status %d", st)
	}
	if loc := b.location(); !strings.HasSuffix(loc, "/book/classic-60") {
		t.Fatalf("the first package led to %s", loc)
	}
	b.shot("day")
	b.axe("day")

	// With JavaScript the picker is replaced in place: no page load, so a
	// marker set on window survives, and the address follows the choice.
	evalAs[chromedp.Void](b, `window.vbMarker = "same page"`)
	b.run("next month", chromedp.Click(chromedp.CSS(`a.nav[href$="month=2026-12"]`)),
		chromedp.WaitVisible(chromedp.CSS(daySel(dec3))),
		chromedp.WaitNotPresent(chromedp.CSS(`#picker[aria-busy]`)))
	if h := b.text("#month-label"); h != "December 2026" {
		t.Errorf("month after next month %q", h)
	}
	b.run("choose 3 December", chromedp.Click(chromedp.CSS(daySel(dec3))),
		chromedp.WaitVisible(chromedp.CSS(daySel(dec3)+`.selected[aria-current="date"]`)),
		chromedp.WaitVisible(chromedp.CSS(slotSel(dec3At9))),
		chromedp.WaitNotPresent(chromedp.CSS(`#picker[aria-busy]`)))
	if m := evalAs[*string](b, `window.vbMarker`); m == nil || *m != "same page" {
		t.Errorf("choosing a month and a date reloaded the page (window marker %v)", m)
	}
	if loc := b.location(); !strings.HasSuffix(loc, "/book/classic-60?date="+dec3) {
		t.Errorf("address after choosing a date = %s", loc)
	}
	if h := b.text("#times-label"); h != "Free times on Thursday 3 December" {
		t.Errorf("times heading %q", h)
	}
	if n := b.count("a.slot"); n != 23 {
		t.Errorf("%d free times on 3 December, want 23 (09:00 to 20:00 every 30 minutes)", n)
	}
	b.shot("day-3-december")
	b.axe("day, 3 December chosen")

	if st := b.click(slotSel(dec3At9)); st != 200 {
		t.Fatalf("details: status %d", st)
	}
	if w := b.text(".summary"); !strings.Contains(w, "Thursday 3 December 2026, 09:00–10:00 (GMT)") {
		t.Errorf("details summary %q", w)
	}
	b.shot("details")
	b.axe("details")

	b.fillDetails("Ada Lovelace", "ada@example.com", "3", "ab12 cde")
	b.shot("details-filled")
	if st := b.click("form.details button[type=submit]"); st != 200 {
		t.Fatalf("confirmation: status %d", st)
	}
	ref := b.confirmed()
	if loc := b.location(); !strings.Contains(loc, "&new=1") {
		t.Errorf("confirmation at %s, want the /b/{id}?t=…&new=1 redirect", loc)
	}
	b.shot("confirmation")
	b.axe("confirmation")

	st, _ := time.Parse(time.RFC3339, dec3At9)
	if n := v.countRows(t, `SELECT count(*) FROM bookings WHERE reference = ? AND package_id = 'classic-60' AND start_at = ?
		AND guests = 3 AND customer_name = 'Ada Lovelace' AND customer_email = 'ada@example.com' AND status = 'confirmed'`, ref, st.Unix()); n != 1 {
		t.Errorf("bookings row of %s as typed: %d, want 1", ref, n)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 1 {
		t.Errorf("%d bookings, want 1", n)
	}
	if n := v.countRows(t, `SELECT count(*) FROM parking_permits AS p JOIN bookings AS b ON b.id = p.booking_id
		WHERE b.reference = ? AND p.vehicle_registration = 'AB12CDE' AND p.status = 'requested'`, ref); n != 1 {
		t.Errorf("permit request of %s: %d rows, want 1", ref, n)
	}
	if !strings.Contains(b.text("dl.booking"), "AB12CDE: permit requested") {
		t.Errorf("the confirmation does not show the permit request: %q", b.text("dl.booking"))
	}

	// The approver's page, from the link in the queued email.
	var body string
	if err := v.db.QueryRow("SELECT body_text FROM outbox WHERE kind = 'permit_request' ORDER BY id DESC LIMIT 1").Scan(&body); err != nil {
		t.Fatalf("permit request email: %v", err)
	}
	link := regexp.MustCompile(`/permits/decide\?token=[A-Za-z0-9._-]+`).FindString(body)
	if link == "" {
		t.Fatalf("no permit link in the email:\n%s", body)
	}
	if st := b.open(link); st != 200 {
		t.Fatalf("permit page: status %d", st)
	}
	if h := b.text("h1"); h != "Parking permit request" {
		t.Errorf("permit page heading %q", h)
	}
	b.shot("permit-request")
	b.axe("permit decision")
}

// TestBrowserBookWithoutJavaScript books through the same pages with
// JavaScript disabled: every step is a plain link or a form POST.
func TestBrowserBookWithoutJavaScript(t *testing.T) {
	v := newVenue(t, venueOptions{})
	b := newBrowser(t, v, browserOptions{NoScript: true})

	if st := b.open("/"); st != 200 {
		t.Fatalf("home: status %d", st)
	}
	if !evalAs[bool](b, `document.querySelector("script[src]") !== null`) {
		t.Fatal("the page has no script, so this test proves nothing")
	}
	b.shot("home")
	if st := b.click("a.package"); st != 200 {
		t.Fatalf("day view: status %d", st)
	}
	b.shot("day")
	evalAs[chromedp.Void](b, `window.vbMarker = "same page"`)
	// The month and date links load whole pages (b.click waits for the document).
	if st := b.click(`a.nav[href$="month=2026-12"]`); st != 200 {
		t.Fatalf("next month: status %d", st)
	}
	if m := evalAs[*string](b, `window.vbMarker`); m != nil {
		t.Errorf("the month link did not load a page with JavaScript off (marker %q)", *m)
	}
	if h := b.text("#month-label"); h != "December 2026" {
		t.Errorf("month after next month %q", h)
	}
	if st := b.click(daySel(dec3)); st != 200 {
		t.Fatalf("3 December: status %d", st)
	}
	if c := b.attr(daySel(dec3), "aria-current"); c != "date" {
		t.Errorf("3 December is not the current date after choosing it (aria-current %q)", c)
	}
	if loc := b.location(); !strings.HasSuffix(loc, "/book/classic-60?date="+dec3) {
		t.Errorf("address after choosing a date = %s", loc)
	}
	b.shot("day-3-december")
	b.axe("day without JavaScript")

	if st := b.click(slotSel(dec3At9)); st != 200 {
		t.Fatalf("details: status %d", st)
	}
	b.fillDetails("Charles Babbage", "charles@example.com", "2", "")
	b.shot("details")
	if st := b.click("form.details button[type=submit]"); st != 200 {
		t.Fatalf("confirmation: status %d", st)
	}
	ref := b.confirmed()
	b.shot("confirmation")
	if n := v.bookedAt(t, dec3At9, "charles@example.com"); n != 1 {
		t.Errorf("%d bookings of charles@example.com at %s, want 1", n, dec3At9)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE reference = ? AND guests = 2", ref); n != 1 {
		t.Errorf("booking %s with 2 guests: %d rows", ref, n)
	}
}

// TestBrowserSlotTakenMeanwhile: a time taken by another request between
// opening the form and submitting it gives the friendly message with the
// day's other times, and the next form is filled in with what was typed.
func TestBrowserSlotTakenMeanwhile(t *testing.T) {
	v := newVenue(t, venueOptions{})
	b := newBrowser(t, v, browserOptions{})
	const start = "2026-12-02T10:00:00+00:00"

	if st := b.open("/book/classic-60?date=2026-12-02"); st != 200 {
		t.Fatalf("day: status %d", st)
	}
	if st := b.click(slotSel(start)); st != 200 {
		t.Fatalf("details: status %d", st)
	}
	b.fillDetails("Grace Hopper", "grace@example.com", "2", "")

	// Someone else books that start through the API meanwhile.
	v.mustBook(t, bookingBody(start))

	if st := b.click("form.details button[type=submit]"); st != 409 {
		t.Errorf("submitting a taken time: status %d, want 409", st)
	}
	msg := b.text(`.notice[role="alert"]`)
	if !strings.Contains(msg, "just taken") || !strings.Contains(msg, "what you typed is kept") {
		t.Errorf("message %q, want the friendly \"just taken\" one", msg)
	}
	if h := b.text("#times-label"); h != "Free times on Wednesday 2 December" {
		t.Errorf("times heading %q, want the same day's", h)
	}
	if n := b.count(slotSel(start)); n != 0 {
		t.Errorf("the taken time is still offered")
	}
	// 09:00 to 20:00 every 30 minutes (23), less 10:00 and the starts that
	// overlap 10:00–11:00 with the 30-minute cleaning gap: 09:00, 09:30,
	// 10:30, 11:00.
	if n := b.count("a.slot"); n != 18 {
		t.Errorf("%d other times offered, want 18", n)
	}
	b.shot("slot-taken")
	b.axe("slot taken (day with message)")

	if st := b.click(slotSel("2026-12-02T14:00:00+00:00")); st != 200 {
		t.Fatalf("another time's details: status %d", st)
	}
	if name, email := b.value("#name"), b.value("#email"); name != "Grace Hopper" || email != "grace@example.com" {
		t.Errorf("the next form has name %q email %q, want what was typed before", name, email)
	}
	if g := b.value("#guests"); g != "2" {
		t.Errorf("guests %q, want 2 as chosen before", g)
	}
	b.shot("details-refilled")
	if n := v.bookedAt(t, start, "grace@example.com"); n != 0 {
		t.Errorf("the form booked the taken time")
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 1 {
		t.Errorf("%d bookings, want only the API's", n)
	}
}

// TestBrowserValidationErrors: an invalid email is shown next to the field
// (aria-invalid, the message it is described by), what was typed is kept, and
// the corrected form books.
func TestBrowserValidationErrors(t *testing.T) {
	v := newVenue(t, venueOptions{})
	b := newBrowser(t, v, browserOptions{})
	const start = "2026-12-03T15:00:00+00:00"

	if st := b.open("/book/classic-60/details?start=" + url.QueryEscape(start)); st != 200 {
		t.Fatalf("details: status %d", st)
	}
	b.fillDetails("Alan Turing", "alan-at-example", "4", "")
	if st := b.click("form.details button[type=submit]"); st != 400 {
		t.Errorf("invalid email: status %d, want 400", st)
	}
	if a := b.attr("#email", "aria-invalid"); a != "true" {
		t.Errorf("email aria-invalid = %q", a)
	}
	if d := b.attr("#email", "aria-describedby"); d != "email-error" {
		t.Errorf("email aria-describedby = %q", d)
	}
	if msg := b.text("#email-error"); !strings.Contains(msg, "Your email") || !strings.Contains(msg, "name@example.com") {
		t.Errorf("email error %q", msg)
	}
	// The message is right after the field.
	if !evalAs[bool](b, `document.getElementById("email").nextElementSibling === document.getElementById("email-error")`) {
		t.Error("the email error is not next to the email field")
	}
	if n := b.count(`[aria-invalid="true"]`); n != 1 {
		t.Errorf("%d fields marked invalid, want only the email", n)
	}
	if m := b.text("#form-message"); m == "" {
		t.Error("no summary message above the form")
	}
	if name, email, g := b.value("#name"), b.value("#email"), b.value("#guests"); name != "Alan Turing" || email != "alan-at-example" || g != "4" {
		t.Errorf("after the error the form has %q %q %q, want what was typed", name, email, g)
	}
	b.shot("details-with-errors")
	b.axe("details with errors")

	b.run("correct the email", chromedp.Clear(chromedp.ID("email")), chromedp.SendKeys(chromedp.ID("email"), "alan@example.com"))
	if st := b.click("form.details button[type=submit]"); st != 200 {
		t.Fatalf("corrected form: status %d", st)
	}
	b.confirmed()
	if n := v.bookedAt(t, start, "alan@example.com"); n != 1 {
		t.Errorf("%d bookings after the correction, want 1", n)
	}
}

// TestBrowserCancelFromManagePage: "Cancel this booking" on the manage page
// asks first (that page changes nothing), "Yes, cancel my booking" cancels,
// and the time is offered again; with JavaScript on and off.
func TestBrowserCancelFromManagePage(t *testing.T) {
	for _, script := range []bool{true, false} {
		t.Run(map[bool]string{true: "JavaScript", false: "NoJavaScript"}[script], func(t *testing.T) {
			testBrowserCancel(t, script)
		})
	}
}

func testBrowserCancel(t *testing.T, script bool) {
	v := newVenue(t, venueOptions{})
	b := newBrowser(t, v, browserOptions{NoScript: !script})
	const start = "2026-12-04T11:00:00+00:00"

	bk := v.mustBook(t, bookingBody(start)).Booking
	if v.offered(t, start) {
		t.Fatal("a booked time is offered")
	}
	id, token := managePath(t, bk.ManageURL)
	if st := b.open("/b/" + id + "?t=" + url.QueryEscape(token)); st != 200 {
		t.Fatalf("manage page: status %d", st)
	}
	if h := b.text("h1"); h != "Your booking" {
		t.Errorf("manage page heading %q", h)
	}
	b.shot("manage")
	b.axe("manage")

	if st := b.load("ask", chromedp.Click(chromedp.Search("//a[normalize-space()='Cancel this booking']"))); st != 200 {
		t.Fatalf("the cancel confirmation: status %d", st)
	}
	if h := b.text("h1"); h != "Cancel this booking?" {
		t.Errorf("cancel confirmation heading %q", h)
	}
	b.shot("cancel-confirm")
	b.axe("cancel confirmation")
	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE id = ? AND status = 'cancelled'", bk.ID); n != 0 {
		t.Fatal("the confirmation page cancelled the booking")
	}
	if st := b.load("cancel", chromedp.Click(chromedp.Search("//button[normalize-space()='Yes, cancel my booking']"))); st != 200 {
		t.Fatalf("after cancelling: status %d", st)
	}
	if h := b.text("h1"); h != "Booking cancelled" {
		t.Errorf("heading after cancelling %q", h)
	}
	if s := b.text("dd.status"); s != "cancelled" {
		t.Errorf("status shown %q, want cancelled", s)
	}
	if n := b.count("a[href*='/cancel']"); n != 0 {
		t.Error("a cancelled booking still offers to cancel")
	}
	b.shot("manage-cancelled")
	b.axe("manage after cancelling")

	if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE id = ? AND status = 'cancelled' AND cancelled_at IS NOT NULL", bk.ID); n != 1 {
		t.Errorf("booking %s is not cancelled in the database", bk.ID)
	}
	if !v.offered(t, start) {
		t.Errorf("%s is not offered again after the cancellation", start)
	}
}

// TestBrowserDoubleSubmit: two quick clicks on the submit button book once.
func TestBrowserDoubleSubmit(t *testing.T) {
	v := newVenue(t, venueOptions{})
	b := newBrowser(t, v, browserOptions{})
	const start = "2026-12-07T16:30:00+00:00"

	if st := b.open("/book/classic-60/details?start=" + url.QueryEscape(start)); st != 200 {
		t.Fatalf("details: status %d", st)
	}
	b.fillDetails("Katherine Johnson", "katherine@example.com", "1", "")

	// The button's centre, then two clicks as fast as the protocol goes.
	const button = "form.details button[type=submit]"
	b.run("scroll to the button", chromedp.ScrollIntoView(chromedp.CSS(button)))
	at := evalAs[[]float64](b, fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect();
		return [r.left + r.width / 2, r.top + r.height / 2]; })()`, button))
	// What the form sends, and the CSRF cookie, to send it once more below.
	form := evalAs[string](b, `new URLSearchParams(new FormData(document.querySelector("form.details"))).toString()`)
	cookies := b.cookies()
	var mu sync.Mutex
	posts := 0
	requests := chromedp.Events(b.ctx, network.RequestWillBeSent)
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			if ev.Request.Method == "POST" && strings.HasSuffix(ev.Request.URL, "/book/classic-60") {
				mu.Lock()
				posts++
				mu.Unlock()
			}
		}
	}()
	// The browser aborts the first POST's navigation for the second, so
	// wait for the page rather than for one navigation.
	b.run("double click", chromedp.MouseClickXY(at[0], at[1]), chromedp.MouseClickXY(at[0], at[1]),
		chromedp.WaitVisible(chromedp.CSS("dd.reference")))
	ref := b.confirmed()
	b.shot("confirmation")
	mu.Lock()
	// Two when the second click aborted the first navigation, one when the
	// first page had already gone: timing; either way one booking.
	t.Logf("the browser sent %d POSTs of the form", posts)
	mu.Unlock()

	// The same form once more, as a browser that sent it again would: the
	// same booking, not a second one.
	r := v.do(t, "POST", "/book/classic-60", form, map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies})
	if r.Status != 200 || !strings.Contains(string(r.Body), ref) {
		t.Errorf("the form sent again: status %d, want the confirmation of %s", r.Status, ref)
	}
	if n := v.bookedAt(t, start, "katherine@example.com"); n != 1 {
		t.Errorf("%d bookings after a double submit, want 1", n)
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != 1 {
		t.Errorf("%d bookings in all, want 1", n)
	}
}

// TestBrowserNarrowViewport: at 360 px no page scrolls sideways (and axe
// passes there too), with long input where a page shows it.
func TestBrowserNarrowViewport(t *testing.T) {
	v := newVenue(t, venueOptions{Parking: true})
	b := newBrowser(t, v, browserOptions{Width: 360, Height: 740})
	const width = 360

	check := func(name string, path string, want int) {
		t.Helper()
		if path != "" {
			if st := b.open(path); st != want {
				t.Fatalf("%s: status %d, want %d", name, st, want)
			}
		}
		b.noHorizontalScroll(name, width)
		b.shot(name + "-360")
		b.axe(name + " at 360 px")
	}
	check("home", "/", 200)
	check("day", "/book/classic-60?date="+dec1, 200)
	check("details", "/book/classic-60/details?start="+url.QueryEscape(dec1At9), 200)
	b.fillDetails("Hedy Lamarr", "hedy-at-example", "2", "XY99ZZZ")
	if st := b.click("form.details button[type=submit]"); st != 400 {
		t.Fatalf("details with errors: status %d", st)
	}
	check("details-with-errors", "", 0)
	b.run("correct the email", chromedp.Clear(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "hedy.lamarr.with.a.rather.long.address@example.com"))
	if st := b.click("form.details button[type=submit]"); st != 200 {
		t.Fatalf("confirmation: status %d", st)
	}
	b.confirmed()
	check("confirmation", "", 0)
	if st := b.click("a.button.danger"); st != 200 {
		t.Fatalf("cancel confirmation: status %d", st)
	}
	check("cancel-confirm", "", 0)
	if st := b.load("cancel", chromedp.Click(chromedp.CSS("form.confirm button.danger"))); st != 200 {
		t.Fatalf("cancel: status %d", st)
	}
	check("manage-cancelled", "", 0)
	check("error", "/book/no-such-experience", 404)
	check("permit-link-problem", "/permits/decide?token=not-a-token", 403)
}

// TestBrowserKeyboard: from the day page, Tab reaches a time with a visible
// focus ring, and Enter opens its details form.
func TestBrowserKeyboard(t *testing.T) {
	v := newVenue(t, venueOptions{})
	b := newBrowser(t, v, browserOptions{})

	if st := b.open("/book/classic-60?date=" + dec1); st != 200 {
		t.Fatalf("day: status %d", st)
	}
	var focused string
	for i := 0; i < 60 && focused == ""; i++ {
		b.run("Tab", chromedp.KeyEvent(kb.Tab))
		if evalAs[bool](b, `document.activeElement.matches("a.slot")`) {
			focused = evalAs[string](b, `document.activeElement.getAttribute("href")`)
		}
	}
	if focused == "" {
		t.Fatal("Tab never reached a time")
	}
	var ring struct{ Style, Width string }
	raw := evalAs[[]byte](b, `(() => { const s = getComputedStyle(document.activeElement);
		return {Style: s.outlineStyle, Width: s.outlineWidth}; })()`)
	if err := json.Unmarshal(raw, &ring); err != nil {
		t.Fatal(err)
	}
	if ring.Style == "none" || ring.Width == "0px" {
		t.Errorf("the focused time %s has no visible outline (%+v)", focused, ring)
	}
	b.shot("day-keyboard-focus")

	if st := b.load("Enter", chromedp.KeyEvent(kb.Enter)); st != 200 {
		t.Fatalf("Enter on a time: status %d", st)
	}
	if loc, _ := url.Parse(b.location()); loc == nil || loc.Path != "/book/classic-60/details" || !strings.HasSuffix(focused, "start="+url.QueryEscape(loc.Query().Get("start"))) &&
		!strings.EqualFold(focused, "/book/classic-60/details?start="+url.QueryEscape(loc.Query().Get("start"))) {
		t.Errorf("Enter on %s opened %s", focused, loc)
	}
	if h := b.text("h1"); h != "Your details" {
		t.Errorf("heading after Enter %q, want the details form", h)
	}
	b.shot("details-from-keyboard")
}
