package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// whyVenue is the venue of the day-state browser tests: closed on Mondays,
// Christmas closed, and on Friday 27 November 2026 (the pinned now) every room
// blacked out until the end of November, so the first free date is Tuesday
// 1 December (Monday 30 November is closed anyway). Wednesday 2 December is
// blacked out too, with a reason customers must never see.
func whyVenue(t *testing.T) *testVenue {
	t.Helper()
	v := newVenue(t, venueOptions{Week: map[string]string{"mon": ""}, VenueTOML: `phone = "+44 20 7946 0000"`})
	mustBlackout(t, v, "", "2026-11-27", "2026-11-30", "Sauna repairs")
	mustBlackout(t, v, "", "2026-12-02", "2026-12-02", "Owner's private party")
	return v
}

// noTimes checks the times panel of a day without times: its heading says
// the date and why, and it offers next free dates as links.
func (b *browser) noTimes(date, why string, next ...string) {
	b.t.Helper()
	if h := b.words("#times-label"); h != date+": "+why {
		b.t.Errorf("times heading %q, want %q", h, date+": "+why)
	}
	if n := b.count("a.slot"); n != 0 {
		b.t.Errorf("%s: %d times offered, want none", date, n)
	}
	got := evalAs[[]string](b, `[...document.querySelectorAll("a.next-date")].map(a => a.getAttribute("href"))`)
	if strings.Join(got, " ") != strings.Join(next, " ") {
		b.t.Errorf("%s: next free dates %q, want %q", date, got, next)
	}
	if body := b.text("body"); strings.Contains(body, "repairs") || strings.Contains(body, "private party") {
		b.t.Errorf("a blackout's reason is on the customer's page: %q", body)
	}
}

// TestBrowserDayStates: the day page opens on the first date with free times,
// a day without times says why and offers the next free dates, and those
// lead to a day with times — with JavaScript on (the picker replaced in place)
// and off (whole pages). axe runs on each state at 390 px.
func TestBrowserDayStates(t *testing.T) {
	for _, script := range []bool{true, false} {
		name := map[bool]string{true: "JavaScript", false: "NoJavaScript"}[script]
		t.Run(name, func(t *testing.T) {
			v := whyVenue(t)
			b := newBrowser(t, v, browserOptions{NoScript: !script})
			// go follows a link: in place with JavaScript, as a page load without.

			// Neither month nor date: December, with 1 December chosen.
			if st := b.open("/book/classic-60"); st != 200 {
				t.Fatalf("day page: status %d", st)
			}
			evalAs[chromedp.Void](b, `window.vbMarker = "same page"`)
			if m := b.text("#month-label"); m != "December 2026" {
				t.Errorf("the day page opens on %q, want December 2026 (November has no free times left)", m)
			}
			if c := b.attr(daySel(dec1), "aria-current"); c != "date" {
				t.Errorf("1 December is not the chosen date (aria-current %q)", c)
			}
			if h := b.text("#times-label"); h != "Free times on Tuesday 1 December" {
				t.Errorf("times heading %q", h)
			}
			// Each day's state is in its link's words, for screen readers too.
			for _, words := range []string{
				"Tuesday 1 December, free times",
				"Wednesday 2 December, fully booked",
				"Monday 7 December, closed",
				"Friday 25 December, closed: Christmas",
			} {
				// What a screen reader says: the hidden words; the number is aria-hidden.
				day := words[:strings.Index(words, ",")]
				got := evalAs[string](b, `[...document.querySelectorAll("table.month .day .visually-hidden")].map(s => s.textContent).find(w => w.startsWith(`+jsString(day+",")+`)) || ""`)
				if got != words {
					t.Errorf("%s reads %q, want %q", day, got, words)
				}
			}
			b.shot("opens-on-1-december")
			b.axe("day page opened on the first free date")

			// Christmas: closed, with the reason; the next free dates follow.
			b.follow(daySel("2026-12-25"), ".next-date")
			b.noTimes("Friday 25 December", "Closed — Christmas",
				"/book/classic-60?date=2026-12-27", "/book/classic-60?date=2026-12-29", "/book/classic-60?date=2026-12-30")
			if got := b.words(".next-date"); got != "Sunday 27 December from 09:00" {
				t.Errorf("first suggestion reads %q", got)
			}
			b.shot("christmas")
			b.axe("Christmas, closed")

			// A suggestion leads to a day with times.
			b.follow(`a.next-date[href$="date=2026-12-27"]`, slotSel("2026-12-27T09:00:00+00:00"))
			if h := b.text("#times-label"); h != "Free times on Sunday 27 December" {
				t.Errorf("after the suggestion: times heading %q", h)
			}
			if n := b.count("a.slot"); n != 23 {
				t.Errorf("27 December offers %d times, want 23", n)
			}
			if c := b.attr(daySel("2026-12-27"), "aria-current"); c != "date" {
				t.Errorf("27 December is not the chosen date after its suggestion")
			}
			if !strings.HasSuffix(b.location(), "/book/classic-60?date=2026-12-27") {
				t.Errorf("address after the suggestion: %s", b.location())
			}

			// A full day (all rooms blacked out) and a closed Monday.
			b.follow(daySel("2026-12-02"), ".next-date")
			b.noTimes("Wednesday 2 December", "Fully booked",
				"/book/classic-60?date=2026-12-03", "/book/classic-60?date=2026-12-04", "/book/classic-60?date=2026-12-05")
			b.shot("full")
			b.axe("a full day")
			b.follow(daySel("2026-12-07"), ".next-date")
			b.noTimes("Monday 7 December", "Closed on Mondays",
				"/book/classic-60?date=2026-12-08", "/book/classic-60?date=2026-12-09", "/book/classic-60?date=2026-12-10")

			if m := evalAs[*string](b, `window.vbMarker`); script != (m != nil) {
				t.Errorf("JavaScript %v, but the window marker after the clicks is %v", script, m)
			}

			// November, asked for: nothing free left, so no date is chosen,
			// and the next free dates are offered.
			if st := b.open("/book/classic-60?month=2026-11"); st != 200 {
				t.Fatalf("November: status %d", st)
			}
			if h := b.text("#times-label"); h != "No free times in November" {
				t.Errorf("November's heading %q", h)
			}
			if got := evalAs[[]string](b, `[...document.querySelectorAll("a.next-date")].map(a => a.getAttribute("href"))`); strings.Join(got, " ") !=
				"/book/classic-60?date=2026-12-01 /book/classic-60?date=2026-12-03 /book/classic-60?date=2026-12-04" {
				t.Errorf("November offers %q", got)
			}
			for _, words := range []string{"Thursday 26 November, past", "Friday 27 November, fully booked, today", "Monday 30 November, closed"} {
				day := words[:strings.Index(words, ",")]
				got := evalAs[string](b, `[...document.querySelectorAll("table.month .day .visually-hidden")].map(s => s.textContent).find(w => w.startsWith(`+jsString(day+",")+`)) || ""`)
				if got != words {
					t.Errorf("%s reads %q, want %q", day, got, words)
				}
			}
			if n := b.count(`table.month a.day[href$="date=2026-11-26"]`); n != 0 {
				t.Error("a past day is a link")
			}
			b.shot("november")
			b.axe("November, nothing free")

			// Beyond the window (25 February 2027 is its last date): not yet,
			// and the earliest free dates instead.
			if st := b.open("/book/classic-60?date=2027-02-26"); st != 200 {
				t.Fatalf("26 February: status %d", st)
			}
			b.noTimes("Friday 26 February", "Not bookable yet",
				"/book/classic-60?date=2026-12-01", "/book/classic-60?date=2026-12-03", "/book/classic-60?date=2026-12-04")
			if h := b.text("#next-label"); h != "Earliest free dates" {
				t.Errorf("suggestions heading %q", h)
			}
			b.shot("beyond-the-window")
			b.axe("beyond the window")
			b.follow(`a.next-date[href$="date=2026-12-01"]`, slotSel(dec1At9))
			if n := b.count("a.slot"); n != 23 {
				t.Errorf("1 December from its suggestion offers %d times", n)
			}
		})
	}
}

// TestBrowserDayLayout: at 1280 px the calendar and the times stand side by
// side with the summary of the choice; the zone is named once in words and
// not on the buttons; many times are grouped by part of the day. At 390 px the
// phone layout: one column, no summary box, no sideways scroll. Screenshots of
// both, on a day with times and on one without.
func TestBrowserDayLayout(t *testing.T) {
	v := whyVenue(t)
	type box struct{ Left, Right, Top, Bottom, Width float64 }
	rect := func(b *browser, sel string) box {
		t.Helper()
		var r box
		raw := evalAs[[]byte](b, `(() => { const e = document.querySelector(`+jsString(sel)+`); if (!e) return null;
			const r = e.getBoundingClientRect(); return {Left: r.left, Right: r.right, Top: r.top, Bottom: r.bottom, Width: r.width}; })()`)
		if err := json.Unmarshal(raw, &r); err != nil || string(raw) == "null" {
			t.Fatalf("no %s (%s)", sel, raw)
		}
		return r
	}
	visible := func(b *browser, sel string) bool {
		return evalAs[bool](b, `(() => { const e = document.querySelector(`+jsString(sel)+`); return !!e && e.getClientRects().length > 0; })()`)
	}
	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, v, browserOptions{Width: size.width, Height: size.height})
			if st := b.open("/book/classic-60?date=" + dec3); st != 200 {
				t.Fatalf("3 December: status %d", st)
			}
			cal, times := rect(b, "section.calendar"), rect(b, "section.times")
			if size.width >= 900 {
				if times.Left < cal.Right || times.Top > cal.Top+40 || cal.Width < 300 {
					t.Errorf("calendar %+v and times %+v are not side by side", cal, times)
				}
				choice := rect(b, "aside.choice")
				if choice.Top < cal.Bottom || choice.Left > cal.Left+1 {
					t.Errorf("the summary %+v is not under the calendar %+v", choice, cal)
				}
				summary := strings.Join(strings.Fields(b.text("aside.choice")), " ")
				for _, want := range []string{"Classic: 60 minutes", "60 minutes", "Up to 4", "£45.00", "Thursday 3 December 2026"} {
					if !strings.Contains(summary, want) {
						t.Errorf("the summary %q lacks %q", summary, want)
					}
				}
				if visible(b, ".day-lead") {
					t.Error("the lead line repeats the summary on a wide screen")
				}
			} else {
				if times.Top < cal.Bottom {
					t.Errorf("on a phone the times %+v are not under the calendar %+v", times, cal)
				}
				if visible(b, "aside.choice") {
					t.Error("the summary box shows on a phone (the lead line says it)")
				}
				if !visible(b, ".day-lead") {
					t.Error("the lead line is missing on a phone")
				}
				b.noHorizontalScroll("3 December", size.width)
			}
			// The zone once, in words; the buttons carry only the time.
			if n := evalAs[int](b, `document.body.innerText.split("UK time").length - 1`); n != 1 {
				t.Errorf("\"UK time\" appears %d times, want once", n)
			}
			if z := b.text(".times .zone"); z != "Times are UK time (GMT)." {
				t.Errorf("zone note %q", z)
			}
			if n := b.count("a.slot .tz"); n != 0 {
				t.Errorf("%d times carry a zone", n)
			}
			if got := b.text(slotSel(dec3At9)); got != "09:00" {
				t.Errorf("the 09:00 button reads %q", got)
			}
			groups := evalAs[[]string](b, `[...document.querySelectorAll(".times h3.period")].map(h => h.textContent)`)
			if strings.Join(groups, ",") != "Morning,Afternoon,Evening" {
				t.Errorf("groups %q, want Morning, Afternoon, Evening", groups)
			}
			for group, n := range map[string]int{"morning": 6, "afternoon": 10, "evening": 7} {
				if got := b.count(`ul[aria-labelledby="period-` + group + `"] a.slot`); got != n {
					t.Errorf("%s: %d times, want %d", group, got, n)
				}
			}
			b.shot("3-december-" + size.name)
			b.axe("3 December at " + size.name)

			if st := b.open("/book/classic-60?date=2026-12-25"); st != 200 {
				t.Fatalf("Christmas: status %d", st)
			}
			if size.width >= 900 {
				if got := b.text("aside.choice dd:last-of-type"); got != "Friday 25 December 2026" {
					t.Errorf("the summary's day on Christmas reads %q", got)
				}
			} else {
				b.noHorizontalScroll("Christmas", size.width)
			}
			b.shot("christmas-" + size.name)
			b.axe("Christmas at " + size.name)

			// Keyboard: Tab from the top reaches a suggested date, then Enter opens it.
			if st := b.open("/book/classic-60?date=2026-12-02"); st != 200 {
				t.Fatalf("2 December: status %d", st)
			}
			reached := false
			for i := 0; i < 80 && !reached; i++ {
				b.run("Tab", chromedp.KeyEvent(kb.Tab))
				reached = evalAs[bool](b, `document.activeElement.matches("a.next-date")`)
			}
			if !reached {
				t.Fatal("Tab never reached a suggested date")
			}
			b.shot("2-december-suggestion-focused-" + size.name)
			b.run("Enter", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("a.slot")), chromedp.WaitNotPresent(chromedp.CSS(`#picker[aria-busy]`)))
			if h := b.text("#times-label"); h != "Free times on Thursday 3 December" {
				t.Errorf("Enter on the first suggestion led to %q", h)
			}
			if !evalAs[bool](b, `document.activeElement === document.getElementById("times-label")`) {
				t.Error("after a suggestion, the focus is not on the new times' heading")
			}
		})
	}
}

// words returns the text of the first element matching sel as a screen
// reader gets it (hidden words too), its white space collapsed.
func (b *browser) words(sel string) string {
	b.t.Helper()
	return strings.Join(strings.Fields(evalAs[string](b, `(document.querySelector(`+jsString(sel)+`) || {}).textContent || ""`)), " ")
}

// jsString quotes s for a script.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// TestBrowserDayClockChange: on the day the clocks go back, each time shows
// its zone, and the buttons still hold their text at 390 and 1280 px.
func TestBrowserDayClockChange(t *testing.T) {
	v := newVenue(t, venueOptions{NoClosures: true, Hours: "00:00-04:00", StepMinutes: 60, Gap: -1})
	v.setNow(time.Date(2027, 10, 20, 10, 0, 0, 0, time.UTC))
	for _, width := range []int{390, 1280} {
		t.Run(fmt.Sprint(width), func(t *testing.T) { clockChangeAt(t, v, width) })
	}
}

func clockChangeAt(t *testing.T, v *testVenue, width int) {
	{
		b := newBrowser(t, v, browserOptions{Width: width, Height: 844})
		if st := b.open("/book/classic-60?date=2027-10-31"); st != 200 {
			t.Fatalf("31 October: status %d", st)
		}
		got := evalAs[[]string](b, `[...document.querySelectorAll("a.slot")].map(a => a.textContent.replace(/\s+/g, " ").trim())`)
		if want := "00:00 BST,01:00 BST,01:00 GMT,02:00 GMT,03:00 GMT"; strings.Join(got, ",") != want {
			t.Errorf("at %d px the times read %q, want %s", width, got, want)
		}
		if n := evalAs[int](b, `[...document.querySelectorAll("a.slot")].filter(a => a.scrollWidth > a.clientWidth).length`); n != 0 {
			t.Errorf("at %d px %d time buttons overflow", width, n)
		}
		if z := b.text(".times .zone"); !strings.Contains(z, "from BST to GMT") {
			t.Errorf("zone note %q", z)
		}
		b.noHorizontalScroll("31 October", width)
		b.shot(fmt.Sprintf("clocks-go-back-%d", width))
		b.axe(fmt.Sprintf("clock change at %d px", width))
	}
}
