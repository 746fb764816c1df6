package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserConsole signs in to the owner console in chromium, on a phone-sized
// screen, and runs the front desk's day: the day view shows the bookings per
// room with their cleaning gaps, a booking opens, and it is marked as a
// no-show once it has started. axe checks each page; screenshots are kept.
func TestBrowserConsole(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 2, Parking: true})
	if _, err := v.Svc.CreateAdmin(context.Background(), "owner@example.com", "front desk 2026"); err != nil {
		t.Fatal(err)
	}
	v.mustBook(t, bookingBody("2026-11-27T15:00:00Z", func(m map[string]any) {
		m["customer"].(map[string]any)["name"] = "Grace Hopper"
		m["parking"] = map[string]any{"vehicle_registration": "GH 1906"}
	}))
	v.mustBook(t, bookingBody("2026-11-27T17:00:00Z"))
	b := newBrowser(t, v, browserOptions{Width: 360, Height: 780})

	// Without a session the console sends to the sign-in page.
	b.open("/admin")
	if loc := b.location(); !strings.Contains(loc, "/admin/login") {
		t.Fatalf("not sent to sign in: %s", loc)
	}
	b.shot("console-login")
	b.axe("console sign-in")
	b.run("type the wrong password",
		chromedp.WaitVisible(chromedp.CSS("#email")), chromedp.SendKeys(chromedp.CSS("#email"), "owner@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "wrong password"))
	if status := b.click(`form button[type=submit]`); status != 401 || !strings.Contains(b.text("main"), "wrong") {
		t.Fatalf("wrong password: %d %q", status, b.text("main"))
	}
	b.run("type the right password",
		chromedp.Clear(chromedp.CSS("#password")), chromedp.SendKeys(chromedp.CSS("#password"), "front desk 2026"))
	if status := b.click(`form button[type=submit]`); status != 200 {
		t.Fatalf("sign in: %d", status)
	}

	// The day view shows one room at a time on a phone: both bookings are
	// in Room 2 (classic prefers it), with the cleaning after each.
	if status := b.click(`nav.room-tabs a[href$="room=room2"]`); status != 200 {
		t.Fatalf("Room 2 tab: %d", status)
	}
	day := b.text("main")
	for _, want := range []string{"Today, Friday 27 November 2026", "15:00–16:00", "Grace Hopper", "Cleaning 16:00–16:30", "17:00–18:00", "Parking GH1906: requested"} {
		if !strings.Contains(day, want) {
			t.Errorf("day view lacks %q:\n%s", want, day)
		}
	}
	b.noHorizontalScroll("console day", 360)
	b.shot("console-day")
	b.axe("console day")

	// Open Grace's booking; once it has started, mark the no-show.
	b.click(`.booking a[href^="/admin/bookings/"]`)
	if !strings.Contains(b.text("h1"), "Booking VB-") {
		t.Fatalf("booking page: %q", b.text("h1"))
	}
	if b.count(`input[name=status][value=no_show]`) != 0 {
		t.Error("no-show offered before the booking started")
	}
	b.shot("console-booking")
	b.axe("console booking")
	v.setNow(testNow.Add(6 * 3600e9)) // 16:00, an hour after the start
	b.load("reload", chromedp.Reload())
	b.click(`form:has(input[value=no_show]) button`)
	if !strings.Contains(b.text("body"), "Marked as a no-show") || !strings.Contains(b.text("dd.status"), "No-show") {
		t.Fatalf("after no-show: %q", b.text("main"))
	}
	// A no-show clicked by mistake is undone, and may then be marked again.
	b.click(`form:has(input[value=confirmed]) button`)
	if !strings.Contains(b.text("body"), "Set back to confirmed") || !strings.Contains(b.text("dd.status"), "Confirmed") {
		t.Fatalf("after undo: %q", b.text("main"))
	}
	b.click(`form:has(input[value=no_show]) button`)
	if !strings.Contains(b.text("dd.status"), "No-show") {
		t.Fatalf("after the second no-show: %q", b.text("main"))
	}
	if n := v.countRows(t, "SELECT count(*) FROM audit_log WHERE action = 'booking.no_show' AND actor = 'owner@example.com'"); n != 2 {
		t.Errorf("audit rows for the no-show: %d", n)
	}
	b.shot("console-no-show")

	// Reports and permits pages render for the owner on a phone.
	for _, page := range []string{"/admin/bookings?from=2026-11-01&to=2026-12-31", "/admin/reports", "/admin/permits", "/admin/mail", "/admin/blackouts", "/admin/settings", "/admin/backups", "/admin/audit"} {
		if status := b.open(page); status != 200 {
			t.Errorf("%s: %d", page, status)
			continue
		}
		b.noHorizontalScroll("console "+page, 360)
		b.axe("console " + page)
		if name, _, _ := strings.Cut(strings.TrimPrefix(page, "/admin/"), "?"); name == "bookings" || name == "mail" {
			b.shot("console-" + name)
		}
	}
	b.open("/admin/permits")
	b.shot("console-permits")
}
