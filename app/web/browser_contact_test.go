package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserEmailSuggestion: with JavaScript, leaving the email field with
// "ada@gmial.con" says "Did you mean ada@gmail.com?" under it (in a live
// region the field is described by), and its button, clicked at 390 px and
// reached with Shift+Tab and pressed with Enter at 1280 px, puts that
// address in the field and the focus back on it; the booking has it. The
// footer shows the venue's contact. Screenshots of the home page and of the
// form with the suggestion at both widths; axe on each; no sideways scroll.
func TestBrowserEmailSuggestion(t *testing.T) {
	for _, width := range []int{390, 1280} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			v := newVenue(t, venueOptions{VenueTOML: contactTOML})
			b := newBrowser(t, v, browserOptions{Width: width, Height: 900})
			const start = "2026-12-03T10:00:00+00:00"

			if st := b.open("/"); st != 200 {
				t.Fatalf("home: status %d", st)
			}
			if f := b.text("footer.site"); !strings.Contains(f, "+44 (0)20 7946 0000") || !strings.Contains(f, "desk@sauna.example") ||
				!strings.Contains(f, "sauna-nord.example") {
				t.Errorf("the footer shows %q", f)
			}
			b.noHorizontalScroll("home", width)
			b.shot(fmt.Sprintf("home-with-contact-%d", width))
			b.axe("home with the venue's contact")

			if st := b.open("/book/classic-60/details?start=" + url.QueryEscape(start)); st != 200 {
				t.Fatalf("details: status %d", st)
			}
			if live := b.attr("#email-suggestion", "aria-live"); live != "polite" {
				t.Errorf("the suggestion's aria-live = %q, want polite", live)
			}
			b.fillDetails("Ada Lovelace", "ada@gmial.con", "2", "")
			b.run("leave the email field", chromedp.Focus(chromedp.ID("email")), chromedp.KeyEvent(kb.Tab),
				chromedp.WaitVisible(chromedp.CSS("#email-suggestion button")))
			if s := b.text("#email-suggestion"); s != "Did you mean ada@gmail.com?" {
				t.Errorf("suggestion %q", s)
			}
			if d := b.attr("#email", "aria-describedby"); d != "email-suggestion" {
				t.Errorf("the email field is described by %q, want the suggestion", d)
			}
			if name := b.attr("#email-suggestion button", "aria-label"); name != "Use ada@gmail.com" {
				t.Errorf("the button's name %q", name)
			}
			if got := b.value("#email"); got != "ada@gmial.con" {
				t.Errorf("the suggestion changed the field by itself: %q", got)
			}
			b.noHorizontalScroll("details with the suggestion", width)
			b.shot(fmt.Sprintf("details-suggestion-%d", width))
			b.axe("details with the email suggestion")

			if width < 600 {
				b.run("take the suggestion", chromedp.Click(chromedp.CSS("#email-suggestion button")))
			} else {
				b.run("back to the suggestion", chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
				if !evalAs[bool](b, `document.activeElement === document.querySelector("#email-suggestion button")`) {
					t.Fatalf("Shift+Tab from the phone field reached %s, not the suggestion", evalAs[string](b, `document.activeElement.outerHTML`))
				}
				b.run("take the suggestion", chromedp.KeyEvent(kb.Enter))
			}
			if got := b.value("#email"); got != "ada@gmail.com" {
				t.Errorf("email after taking the suggestion %q, want ada@gmail.com", got)
			}
			if n := b.count("#email-suggestion *"); n != 0 || b.text("#email-suggestion") != "" {
				t.Errorf("the suggestion is still shown: %q", b.text("#email-suggestion"))
			}
			if f := evalAs[string](b, `document.activeElement.id`); f != "email" {
				t.Errorf("focus after taking the suggestion is on %q, want the email field", f)
			}
			if d := b.attr("#email", "aria-describedby"); d != "" {
				t.Errorf("the email field is still described by %q", d)
			}
			if st := b.click("form.details button[type=submit]"); st != 200 {
				t.Fatalf("confirmation: status %d", st)
			}
			b.confirmed()
			if n := v.bookedAt(t, start, "ada@gmail.com"); n != 1 {
				t.Errorf("%d bookings of ada@gmail.com, want 1", n)
			}
		})
	}
}

// TestBrowserEmailSuggestionWithoutJavaScript: with JavaScript off, an
// address with a likely typo books as typed (nothing in the way), and a
// right address gets no suggestion with JavaScript on.
func TestBrowserEmailSuggestionWithoutJavaScript(t *testing.T) {
	v := newVenue(t, venueOptions{VenueTOML: contactTOML})
	b := newBrowser(t, v, browserOptions{NoScript: true})
	const start = "2026-12-03T10:00:00+00:00"
	if st := b.open("/book/classic-60/details?start=" + url.QueryEscape(start)); st != 200 {
		t.Fatalf("details: status %d", st)
	}
	b.fillDetails("Ada Lovelace", "ada@gmial.con", "2", "")
	b.run("leave the email field", chromedp.Focus(chromedp.ID("email")), chromedp.KeyEvent(kb.Tab))
	if st := b.click("form.details button[type=submit]"); st != 200 {
		t.Fatalf("confirmation: status %d", st)
	}
	b.confirmed()
	if n := v.bookedAt(t, start, "ada@gmial.con"); n != 1 {
		t.Errorf("%d bookings of ada@gmial.con as typed, want 1", n)
	}
	b.shot("confirmation-without-javascript")

	b.scripts(true)
	const later = "2026-12-03T14:00:00+00:00"
	if st := b.open("/book/classic-60/details?start=" + url.QueryEscape(later)); st != 200 {
		t.Fatalf("details: status %d", st)
	}
	b.fillDetails("Grace Hopper", "grace@gmail.com", "2", "")
	// The answer for a right address is "no suggestion": wait for it by
	// asking the same question, then check nothing was shown.
	b.run("leave the email field", chromedp.Focus(chromedp.ID("email")), chromedp.KeyEvent(kb.Tab))
	if got := evalAs[string](b, `fetch("/api/email-suggestion?email=grace%40gmail.com").then(r => r.text())`, chromedp.EvalAwaitPromise); !strings.Contains(got, "null") {
		t.Errorf("suggestion for grace@gmail.com: %s", got)
	}
	if s := b.text("#email-suggestion"); s != "" {
		t.Errorf("a suggestion for a right address: %q", s)
	}
}
