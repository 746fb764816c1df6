package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// signIn signs the browser in to the console as the owner.
func (b *browser) signIn(email, password string) {
	b.t.Helper()
	b.open("/admin/login")
	b.run("type the owner's email and password",
		chromedp.WaitVisible(chromedp.CSS("#email")), chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password))
	if status := b.click(`form button[type=submit]`); status != 200 {
		b.t.Fatalf("sign in: %d", status)
	}
}

// The desk's New booking and Change forms in chromium, on a phone and on a
// desktop: prefilled from the Day page's free time, booked with a name and a
// phone only, moved; no sideways scrolling, axe clean, screenshots kept.
func TestBrowserDeskForms(t *testing.T) {
	for _, width := range []int{390, 1280} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			v := newVenue(t, venueOptions{Rooms: 2, Parking: true})
			if _, err := v.Svc.CreateAdmin(context.Background(), ownerEmail, ownerPassword); err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t, v, browserOptions{Width: width, Height: 900})
			b.signIn(ownerEmail, ownerPassword)
			b.open("/admin/bookings/new?date=2026-11-30&start=08:15&room=room2")
			if b.value("#time") != "08:15" || b.value("#room") != "room2" {
				t.Errorf("the form is not filled from the link: time %q room %q", b.value("#time"), b.value("#room"))
			}
			b.noHorizontalScroll("new booking", width)
			b.shot(fmt.Sprintf("desk-new-%d", width))
			b.axe("new booking")
			// Nothing typed yet: the browser's own checks stop the form; with
			// the name and a phone it books.
			b.run("type a name and a phone",
				chromedp.SendKeys(chromedp.CSS("#name"), "Phone Caller"), chromedp.SendKeys(chromedp.CSS("#phone"), "+44 20 7946 1111"))
			if status := b.click(`form.desk button[type=submit]`); status != 200 || !strings.Contains(b.text(".console-flash"), "Booked.") {
				t.Fatalf("book: %d %q", status, b.text("main"))
			}
			if !strings.Contains(b.text("main"), "taken at the desk") || !strings.Contains(b.text("main"), "08:15") {
				t.Errorf("the booking page: %q", b.text("main"))
			}
			b.click(`a[href$="/change"]`)
			b.noHorizontalScroll("change booking", width)
			b.shot(fmt.Sprintf("desk-change-%d", width))
			b.axe("change booking")
			b.run("move it to 19:45", chromedp.SetValue(chromedp.CSS("#time"), "19:45"))
			if status := b.click(`form.desk button[type=submit]`); status != 200 || !strings.Contains(b.text(".console-flash"), "The booking is changed.") || !strings.Contains(b.text("main"), "19:45") {
				t.Fatalf("change: %d %q", status, b.text("main"))
			}
		})
	}
}
