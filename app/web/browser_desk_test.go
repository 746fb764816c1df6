package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"venuebook/app/mail/smtptest"

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
			// The blackout form's date and time pickers, and its warning
			// for the booking it covers.
			b.open("/admin/blackouts")
			b.run("close room 2 from 19:00 that day",
				chromedp.SetValue(chromedp.CSS("#start_date"), "2026-11-30"), chromedp.SetValue(chromedp.CSS("#start_time"), "19:00"),
				chromedp.SetValue(chromedp.CSS("#room"), "room2"), chromedp.SendKeys(chromedp.CSS("#reason"), "Heater repair"))
			if status := b.click(`form[action="/admin/blackouts"] button[type=submit]`); status != 200 || !strings.Contains(b.text("#blackout-covers"), "covers 1 booking") {
				t.Fatalf("blackout: %d %q", status, b.text("main"))
			}
			b.noHorizontalScroll("blackouts", width)
			b.shot(fmt.Sprintf("desk-blackouts-%d", width))
			b.axe("blackouts")
		})
	}
}

// The desk's day in chromium: a booking created from a free cell of the Day
// page, moved, its email corrected and the confirmation resent to the new
// address, then marked completed once it has started; axe clean throughout.
func TestBrowserDeskFlow(t *testing.T) {
	srv := smtptest.New(t)
	v := newVenue(t, venueOptions{Rooms: 2, SMTPPort: srv.Port})
	if _, err := v.Svc.CreateAdmin(context.Background(), ownerEmail, ownerPassword); err != nil {
		t.Fatal(err)
	}
	v.setNow(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)) // the morning of the day
	b := newBrowser(t, v, browserOptions{Width: 1280, Height: 900})
	b.signIn(ownerEmail, ownerPassword)
	b.open("/admin?date=2026-11-30")
	if b.count(`a[href*="/admin/bookings/new?date=2026-11-30"]`) == 0 {
		t.Fatalf("no free cell on an empty day: %q", b.text("main"))
	}
	b.click(`a[href*="/admin/bookings/new?date=2026-11-30"]`)
	if b.value("#date") != "2026-11-30" || b.value("#time") == "" {
		t.Fatalf("the free cell did not fill the form: %q %q", b.value("#date"), b.value("#time"))
	}
	b.run("a guest on the phone, with a typo in the email",
		chromedp.SendKeys(chromedp.CSS("#name"), "Phone Caller"), chromedp.SendKeys(chromedp.CSS("#phone"), "+44 20 7946 1111"),
		chromedp.SendKeys(chromedp.CSS("#email"), "caller@gmial.com"))
	if status := b.click(`form.desk button[type=submit]`); status != 200 || !strings.Contains(b.text(".console-flash"), "Booked.") {
		t.Fatalf("book: %d %q", status, b.text("main"))
	}
	b.axe("booking taken at the desk")
	b.click(`a[href$="/change"]`)
	b.run("move to 15:00 and correct the email",
		chromedp.SetValue(chromedp.CSS("#time"), "15:00"), chromedp.SetValue(chromedp.CSS("#email"), "caller@gmail.com"))
	if status := b.click(`form.desk button[type=submit]`); status != 200 || !strings.Contains(b.text("main"), "15:00–16:00") || !strings.Contains(b.text("main"), "caller@gmail.com") {
		t.Fatalf("change: %d %q", status, b.text("main"))
	}
	b.click(`form[action$="/resend"] button`)
	srv.WaitMessages(3, mailWait) // the confirmation, the change and the resend
	if n := len(received(srv, "caller@gmail.com")); n != 2 {
		t.Errorf("%d messages to the corrected address, want the change and the resent confirmation", n)
	}
	v.setNow(time.Date(2026, 11, 30, 15, 30, 0, 0, time.UTC))
	b.open("/admin?date=2026-11-30")
	if status := b.click(`form:has(input[value=completed]) button`); status != 200 || !strings.Contains(b.text("body"), "Marked completed.") {
		t.Fatalf("completed from the Day page: %d %q", status, b.text("main"))
	}
	b.shot("desk-flow-day")
	b.axe("day after the desk's flow")
}
