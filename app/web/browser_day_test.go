package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// gridLayout is what the browser made of the Day grid: its visible blocks'
// boxes, and those that overlap or whose text does not fit.
type gridLayout struct {
	Columns  int      // visible room headings
	Blocks   int      // visible blocks
	Overlaps []string // pairs of blocks of one column drawn over each other
	Clipped  []string // booking and blackout blocks whose text overflows them
	ScrollW  int      // document.scrollingElement.scrollWidth
	InnerW   int      // innerWidth
}

// dayLayout measures the Day grid in the browser.
func (b *browser) dayLayout() gridLayout {
	b.t.Helper()
	raw := evalAs[[]byte](b, `(() => {
		const vis = el => el.getClientRects().length > 0;
		const blocks = [...document.querySelectorAll(".day-grid .item")].filter(vis);
		const out = {Columns: [...document.querySelectorAll(".day-grid .room-head")].filter(vis).length, Blocks: blocks.length,
			Overlaps: [], Clipped: [], ScrollW: document.scrollingElement.scrollWidth, InnerW: window.innerWidth};
		const label = el => el.className.split(" ").slice(1, 3).join(" ") + " " + el.textContent.trim().replace(/\s+/g, " ").slice(0, 30);
		for (let i = 0; i < blocks.length; i++) {
			const a = blocks[i].getBoundingClientRect();
			if ((blocks[i].matches(".booking, .blackout")) && blocks[i].scrollHeight > blocks[i].clientHeight + 1) out.Clipped.push(label(blocks[i]));
			for (let j = i + 1; j < blocks.length; j++) {
				const c = blocks[j].getBoundingClientRect();
				if (a.left < c.right - 1 && c.left < a.right - 1 && a.top < c.bottom - 1 && c.top < a.bottom - 1) out.Overlaps.push(label(blocks[i]) + " / " + label(blocks[j]));
			}
		}
		return out;
	})()`)
	var l gridLayout
	if err := json.Unmarshal(raw, &l); err != nil {
		b.t.Fatal(err)
	}
	return l
}

// TestBrowserConsoleDay: the Day page in chromium at 1280 px (every room a
// column) and 390 px (one room, switched by tabs, with JavaScript off), on a
// busy and on an empty day: no blocks drawn over each other, no text
// overflowing a booking, no sideways scrolling on the phone, axe clean; the
// one-tap Completed button works from the grid. Screenshots are kept.
func TestBrowserConsoleDay(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 3, Parking: true})
	addOwner(t, v, ownerEmail, ownerPassword)
	// Friday 27 November 2026, London; now 10:00.
	bookAs(t, v, "2026-11-27T12:00:00Z", "Grace Hopper", "grace@example.com", withParking("GH 1906"), func(m map[string]any) {
		m["notes"] = "Celebrating a retirement; a quiet corner please, and one guest uses a wheelchair"
	})
	bookAs(t, v, "2026-11-27T12:00:00Z", "Alan Turing", "alan@example.com")
	bookAs(t, v, "2026-11-27T12:00:00Z", "Katherine Johnson", "kj@example.com", withPackage("classic", "classic-90", 6000, 3))
	bookAs(t, v, "2026-11-27T14:30:00Z", "Maximiliane Wolkenstein-Rautenberg", "max@example.com", withPackage("private", "private-120", 12000, 8))
	bookAs(t, v, "2026-11-27T15:00:00Z", "Ada Lovelace", "ada@example.com", withParking("AL 1815"))
	dan := bookAs(t, v, "2026-11-27T17:00:00Z", "Dan Dee", "dan@example.com").Booking
	bookAs(t, v, "2026-11-27T19:00:00Z", "Edsger Dijkstra", "ed@example.com", withPackage("classic", "classic-90", 6000, 4))
	mustBlackout(t, v, "room3", "2026-11-27T16:00:00Z", "2026-11-27T18:00:00Z", "Heater repair")
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	o.setStatus(t, dan.ID, "cancelled")
	v.setNow(time.Date(2026, 11, 27, 13, 10, 0, 0, time.UTC))

	b := newBrowser(t, v, browserOptions{Width: 1280, Height: 900})
	b.open("/admin/login")
	b.run("sign in", chromedp.WaitVisible(chromedp.CSS("#email")), chromedp.SendKeys(chromedp.CSS("#email"), ownerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), ownerPassword))
	if status := b.click(`form button[type=submit]`); status != 200 {
		t.Fatalf("sign in: %d", status)
	}
	check := func(name string, width, columns int, empty bool) {
		t.Helper()
		l := b.dayLayout()
		if l.Columns != columns || len(l.Overlaps) > 0 || len(l.Clipped) > 0 {
			t.Errorf("%s: %d columns (want %d), overlapping %q, text overflowing %q", name, l.Columns, columns, l.Overlaps, l.Clipped)
		}
		if l.Blocks == 0 {
			t.Errorf("%s: no blocks", name)
		}
		if width < 640 && l.ScrollW > l.InnerW {
			t.Errorf("%s: scrollWidth %d > innerWidth %d", name, l.ScrollW, l.InnerW)
		}
		if width < 640 {
			b.noHorizontalScroll(name, width)
		}
		if got := strings.Contains(b.text("main"), "Nothing is booked on this day."); got != empty {
			t.Errorf("%s: says nothing is booked: %v", name, got)
		}
		b.shot(fmt.Sprintf("day-%s-%d", name, width))
		b.axe(fmt.Sprintf("day %s at %d px", name, width))
	}

	// A laptop: every room a column.
	check("busy", 1280, 3, false)
	if n := b.count(".now-line"); n != 1 {
		t.Errorf("%d now lines on today", n)
	}
	if status := b.open("/admin?date=2026-11-30"); status != 200 {
		t.Fatalf("empty day: %d", status)
	}
	check("empty", 1280, 3, true)
	if n := b.count(".now-line"); n != 0 {
		t.Errorf("%d now lines on another day", n)
	}

	// A phone, JavaScript off: one room at a time.
	b.run("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait))
	b.scripts(false)
	b.noScript = true // axe turns them on for its run
	b.open("/admin")
	check("busy", 390, 1, false)
	if h := b.text(".room-head.on h2"); h != "Room 1" {
		t.Errorf("the phone shows %q first", h)
	}
	if status := b.click(`nav.room-tabs a[href$="room=room2"]`); status != 200 {
		t.Fatalf("Room 2 tab: %d", status)
	}
	if h := b.text(".room-head.on h2"); h != "Room 2" || !strings.Contains(b.text(".day-grid"), "Grace Hopper") || strings.Contains(b.text(".day-grid"), "Alan Turing") {
		t.Errorf("after the Room 2 tab: %q, %q", h, b.text(".day-grid"))
	}
	check("busy-room2", 390, 1, false)
	// One tap: Grace's booking has started; Completed brings back this day
	// and room, the booking completed.
	if status := b.click(`.booking.on form:has(input[value=completed]) button`); status != 200 {
		t.Fatalf("Completed: %d", status)
	}
	if loc := b.location(); !strings.Contains(loc, "/admin?date=2026-11-27&room=room2&done=completed#b-") {
		t.Errorf("after Completed: %s", loc)
	}
	if txt := b.text(".booking.on.status-completed"); !strings.Contains(txt, "Grace Hopper") || !strings.Contains(txt, "Undo") {
		t.Errorf("Grace's block after Completed: %q", txt)
	}
	check("completed", 390, 1, false)
	if status := b.open("/admin?date=2026-11-30"); status != 200 {
		t.Fatalf("empty day: %d", status)
	}
	check("empty", 390, 1, true)
}
