package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// hostSite is the venue's own website on another origin: localhost on its
// own port, while the venue is served on 127.0.0.1 — another site.
func hostSite(t *testing.T, body func(venueURL string) string) (origin string, venueURL *string) {
	t.Helper()
	var venue string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body(venue))
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return "http://localhost:" + port, &venue
}

func sauna(script string) func(string) string {
	return func(venue string) string {
		return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sauna Nord</title><style>body{font-family:sans-serif;margin:0 auto;max-width:960px;padding:1rem}</style></head>
<body><header><h1>Sauna Nord</h1><p>Wood-fired sauna by the lake.</p></header><main><h2>Book your session</h2>` +
			strings.ReplaceAll(script, "VENUE", venue) + `</main><footer><p>Sauna Nord, Lakeside 1</p></footer></body></html>`
	}
}

// inFrame evaluates expr in the page's first iframe (an isolated world: the
// frame's DOM, not its scripts) and returns its JSON value.
func (b *browser) inFrame(expr string) (json.RawMessage, error) {
	ctx, cancel := b.stepCtx()
	defer cancel()
	tree, err := chromedp.Call(ctx, cdppage.GetFrameTree, cdp.Empty{})
	if err != nil {
		return nil, err
	}
	if tree.FrameTree == nil || len(tree.FrameTree.ChildFrames) == 0 {
		return nil, fmt.Errorf("no frame yet")
	}
	world, err := chromedp.Call(ctx, cdppage.CreateIsolatedWorld, cdppage.CreateIsolatedWorldParams{FrameID: tree.FrameTree.ChildFrames[0].Frame.ID, WorldName: "test"})
	if err != nil {
		return nil, err
	}
	yes := true
	res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: expr, ContextID: world.ExecutionContextID, ReturnByValue: &yes, AwaitPromise: &yes})
	if err != nil {
		return nil, err
	}
	if res.ExceptionDetails != nil {
		return nil, fmt.Errorf("%s %v", res.ExceptionDetails.Text, res.ExceptionDetails.Exception)
	}
	return json.RawMessage(res.Result.Value), nil
}

// waitFrame evaluates expr in the frame until it gives something other than
// false, null or an error (a frame still loading), and returns it.
func (b *browser) waitFrame(what, expr string) json.RawMessage {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var last error
	for time.Now().Before(deadline) {
		v, err := b.inFrame(expr)
		if err == nil && len(v) > 0 && string(v) != "false" && string(v) != "null" {
			return v
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("%s: the frame never showed it (%v)", what, last)
	return nil
}

// frameFits waits until the iframe is as tall as its content.
func (b *browser) frameFits(what string) float64 {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var outer, inner float64
	for time.Now().Before(deadline) {
		outer = evalAs[float64](b, `document.querySelector("[data-venuebook] iframe").getBoundingClientRect().height`)
		if v, err := b.inFrame(`document.documentElement.scrollHeight`); err == nil {
			_ = json.Unmarshal(v, &inner)
			if inner > 0 && math.Abs(outer-inner) <= 2 {
				return outer
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("%s: the frame is %.0f px tall, its content %.0f px", what, outer, inner)
	return 0
}

// A customer books through the iframe on the venue's own site, with
// third-party cookies blocked: the frame takes its content's height on each
// page, the page inside is accessible, and no cookie is needed or kept.
func TestBrowserBookingThroughAnEmbed(t *testing.T) {
	for _, width := range []int{390, 1280} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			origin, venueURL := hostSite(t, sauna(`<script src="VENUE/embed.js" async></script><div data-venuebook data-venuebook-package="classic-60"></div>`))
			v := newVenue(t, venueOptions{Parking: true, ExtraTOML: "[embed]\nallowed_origins = [\"" + origin + "\"]\n"})
			*venueURL = v.URL
			b := newBrowser(t, v, browserOptions{SameProcessFrames: true, Width: width, Height: 900})
			ctx, cancel := b.stepCtx()
			if _, err := chromedp.Call(ctx, network.SetCookieControls, network.SetCookieControlsParams{EnableThirdPartyCookieRestriction: true}); err != nil {
				t.Fatalf("block third-party cookies: %v", err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Navigate(origin+"/")); err != nil {
				t.Fatal(err)
			}
			cancel()
			b.waitFrame("the dates and times", `document.querySelector("a.slot") !== null`)
			first := b.frameFits("the dates and times")
			b.shot("host-day")
			b.axeFrame("the day page in the frame")

			// Another page's message is ignored: only the venue's server may
			// size the frame.
			evalAs[chromedp.Void](b, `window.postMessage({type: "venuebook:height", height: 5}, "*")`)

			b.inFrame(`document.querySelector("a.slot").click(); true`)
			b.waitFrame("the details form", `document.getElementById("name") !== null`)
			second := b.frameFits("the details form")
			if second == first {
				t.Logf("the day page and the form are both %.0f px tall", first)
			}
			b.axeFrame("the details form in the frame")
			b.inFrame(`(function () {
				var f = document.getElementById("name").form;
				document.getElementById("name").value = "Ada Lovelace";
				document.getElementById("email").value = "ada@example.com";
				document.getElementById("guests").value = "2";
				f.requestSubmit();
				return true;
			})()`)
			heading := b.waitFrame("the confirmation", `document.querySelector("h1") && document.querySelector("h1").textContent.indexOf("booked") >= 0 && document.querySelector("h1").textContent`)
			if !strings.Contains(string(heading), "You're booked") {
				t.Errorf("confirmation heading %s", heading)
			}
			b.frameFits("the confirmation")
			b.shot("host-booked")
			b.axeFrame("the confirmation in the frame")
			if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE customer_email = 'ada@example.com'"); n != 1 {
				t.Errorf("%d bookings made through the frame, want 1", n)
			}
			if c, _ := b.inFrame(`document.cookie`); string(c) != `""` {
				t.Errorf("the frame kept cookies: %s", c)
			}
			ctx, cancel = b.stepCtx()
			defer cancel()
			cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{v.URL}})
			if err != nil {
				t.Fatal(err)
			}
			if len(cookies.Cookies) != 0 {
				t.Errorf("the venue's cookies were kept in the frame: %v", cookies.Cookies)
			}
		})
	}
}

// A site that embed.allowed_origins does not name cannot frame the pages:
// the browser refuses (frame-ancestors), and nothing shows.
func TestBrowserEmbedRefusedElsewhere(t *testing.T) {
	allowed, _ := hostSite(t, sauna(""))
	other, venueURL := hostSite(t, sauna(`<script src="VENUE/embed.js" async></script><div data-venuebook></div>`))
	v := newVenue(t, venueOptions{ExtraTOML: "[embed]\nallowed_origins = [\"" + allowed + "\"]\n"})
	*venueURL = v.URL
	b := newBrowser(t, v, browserOptions{SameProcessFrames: true})
	ctx, cancel := b.stepCtx()
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Navigate(other+"/")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(stepTimeout)
	refused := false
	for !refused && time.Now().Before(deadline) {
		b.mu.Lock()
		kept := b.problems[:0]
		for _, p := range b.problems {
			if strings.Contains(p, "frame-ancestors") {
				refused = true // expected: the browser says why it refused
			} else {
				kept = append(kept, p)
			}
		}
		b.problems = kept
		b.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	if !refused {
		t.Fatal("the browser framed the booking pages for a site embed.allowed_origins does not name")
	}
	if v, err := b.inFrame(`document.querySelector("a.package") !== null`); err == nil && string(v) == "true" {
		t.Error("the refused frame shows the booking page")
	}
}

// axeFrame runs axe-core inside the frame.
func (b *browser) axeFrame(what string) {
	b.t.Helper()
	if _, err := b.inFrame(axeSource(b.t) + ";true"); err != nil {
		b.t.Fatalf("axe into the frame: %v", err)
	}
	raw, err := b.inFrame(`axe.run(document, {resultTypes: ["violations"]}).then(r => ({passes: r.passes.length,
		violations: r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => v.id + ": " + v.help + " " + v.nodes.map(n => n.target).join(" "))}))`)
	if err != nil {
		b.t.Fatalf("axe in the frame: %v", err)
	}
	var res struct {
		Passes     int      `json:"passes"`
		Violations []string `json:"violations"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.Passes == 0 {
		b.t.Fatalf("axe in the frame on %s: %v %s", what, err, raw)
	}
	for _, v := range res.Violations {
		b.t.Errorf("axe in the frame on %s: %s", what, v)
	}
}

// The "Book now" button: on a phone it opens the booking in a dialog over
// the site, on a wide screen below the button; Escape closes the dialog and
// gives the focus back to the button.
func TestBrowserEmbedButton(t *testing.T) {
	for _, width := range []int{390, 1280} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			origin, venueURL := hostSite(t, sauna(`<script src="VENUE/embed.js" async></script><div data-venuebook data-venuebook-button="Book now"></div>`))
			v := newVenue(t, venueOptions{ExtraTOML: "[embed]\nallowed_origins = [\"" + origin + "\"]\n"})
			*venueURL = v.URL
			b := newBrowser(t, v, browserOptions{SameProcessFrames: true, Width: width, Height: 844})
			ctx, cancel := b.stepCtx()
			defer cancel()
			if _, err := chromedp.Run(ctx, chromedp.Navigate(origin+"/")); err != nil {
				t.Fatal(err)
			}
			b.run("open", chromedp.WaitVisible(chromedp.CSS(".venuebook-button")), chromedp.Click(chromedp.CSS(".venuebook-button")))
			b.waitFrame("the start page", `document.querySelector("a.package") !== null`)
			inDialog := evalAs[bool](b, `!!document.querySelector("dialog.venuebook-dialog[open] iframe")`)
			if width < 640 && !inDialog {
				t.Error("on a phone the booking does not open in a dialog")
			}
			if width >= 640 && inDialog {
				t.Error("on a wide screen the booking opens in a dialog, not below the button")
			}
			if got := evalAs[string](b, `document.querySelector(".venuebook-button").getAttribute("aria-expanded")`); got != "true" {
				t.Errorf("aria-expanded %q after opening", got)
			}
			b.shot("open")
			if inDialog {
				b.run("escape", chromedp.KeyEvent("\x1b"))
				b.run("closed", chromedp.WaitNotPresent(chromedp.CSS("dialog[open]")))
				if f := evalAs[bool](b, `document.activeElement === document.querySelector(".venuebook-button")`); !f {
					t.Error("closing the dialog does not give the focus back to the button")
				}
			}
		})
	}
}
