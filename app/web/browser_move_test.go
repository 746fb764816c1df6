package web_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
)

// A customer moves their booking in Chromium, with JavaScript on and off, on
// a phone and on a desktop: from the manage page to the package's calendar,
// to a day and a time, to the confirmation (which changes nothing), and the
// move; the manage page then shows the new time and the old slot is offered
// again. axe-core finds nothing on any step.
func TestBrowserMoveBooking(t *testing.T) {
	for _, c := range []struct {
		script bool
		width  int
	}{{true, 390}, {false, 390}, {true, 1280}} {
		name := fmt.Sprintf("%s-%d", map[bool]string{true: "JavaScript", false: "NoJavaScript"}[c.script], c.width)
		t.Run(name, func(t *testing.T) {
			v := newVenue(t, venueOptions{})
			b := newBrowser(t, v, browserOptions{NoScript: !c.script, Width: c.width, Height: 900})
			const from, to = "2026-12-01T09:00:00+00:00", "2026-12-03T15:00:00+00:00"
			bk := v.mustBook(t, bookingBody(from)).Booking
			id, token := managePath(t, bk.ManageURL)
			if st := b.open("/b/" + id + "?t=" + url.QueryEscape(token)); st != 200 {
				t.Fatalf("manage page: %d", st)
			}
			if st := b.load("picker", chromedp.Click(chromedp.Search("//a[normalize-space()='Change date or time']"))); st != 200 {
				t.Fatalf("the move picker: %d", st)
			}
			if h := b.text("h1"); h != "Move your booking" {
				t.Errorf("picker heading %q", h)
			}
			b.axe("move picker")
			b.follow(`a.nav[href*="month=2026-12"]`, `#month-label`)
			b.follow(daySel("2026-12-03"), `a.slot`)
			if h := b.text("#times-label"); h != "Free times on Thursday 3 December" {
				t.Errorf("times heading %q", h)
			}
			b.shot("move-picker")
			if st := b.click(`a.slot[href*="start=2026-12-03T15%3A00"]`); st != 200 {
				t.Fatalf("the confirmation step: %d", st)
			}
			if h := b.text("h1"); h != "Move your booking?" {
				t.Errorf("confirmation heading %q", h)
			}
			b.shot("move-confirm")
			b.axe("move confirmation")
			if v.bookedAt(t, from, "ada@example.com") != 1 {
				t.Fatal("the confirmation step moved the booking")
			}
			if st := b.load("move", chromedp.Click(chromedp.Search("//button[normalize-space()='Yes, move my booking']"))); st != 200 {
				t.Fatalf("after moving: %d", st)
			}
			if h := b.text("h1"); h != "Booking moved" {
				t.Errorf("heading after the move %q", h)
			}
			b.shot("moved")
			b.axe("manage page after the move")
			if v.bookedAt(t, to, "ada@example.com") != 1 || v.bookedAt(t, from, "ada@example.com") != 0 {
				t.Error("the booking is not at its new time in the database")
			}
			if !v.offered(t, from) {
				t.Error("the old time is not offered again")
			}
		})
	}
}
