package web_test

import (
	"strings"
	"testing"
	"time"
)

// TestDayPageSaysWhy: the day page without JavaScript (plain HTML) says why a
// day has no times, offers the next free dates as links, and when nothing is
// free names how to reach the venue.
func TestDayPageSaysWhy(t *testing.T) {
	v := newVenue(t, venueOptions{Week: map[string]string{"mon": ""}, VenueTOML: `phone = "+44 20 7946 0000"`})
	c := formClient(t)
	page := func(path string) string {
		t.Helper()
		status, body := getPage(t, c, v.URL+path)
		if status != 200 {
			t.Fatalf("%s: %d", path, status)
		}
		return body
	}
	link := func(date string) string {
		return `<a class="next-date" href="/book/classic-60?date=` + date + `" data-nav="day">`
	}
	tests := []struct {
		name, path string
		now        time.Time
		want       []string
		not        []string
	}{
		{name: "Christmas", path: "?date=2026-12-25",
			want: []string{`<span class="why">Closed — Christmas</span>`, link("2026-12-27"), link("2026-12-29"), link("2026-12-30"), "Next free dates"},
			not:  []string{`class="slot"`}},
		{name: "a Monday", path: "?date=2026-12-07", want: []string{`<span class="why">Closed on Mondays</span>`, link("2026-12-08")}},
		{name: "beyond the window", path: "?date=2027-03-02",
			want: []string{`<span class="why">Not bookable yet</span>`, "Bookings open 90 days ahead.", "Earliest free dates", link("2026-11-27")}},
		{name: "late in the day", path: "?date=2026-12-01", now: time.Date(2026, 12, 1, 19, 30, 0, 0, time.UTC),
			want: []string{`<span class="why">Too late to book online</span>`, "Online bookings close 2 hours before the start.", link("2026-12-02")}},
		{name: "a past day", path: "?date=2026-11-26",
			// Not a link in the calendar, but asked for, it says why.
			want: []string{`<span class="why">Not bookable any more</span>`, "This day has passed.", link("2026-11-27"),
				`<span class="visually-hidden">Thursday 26 November, past</span>`},
			not: []string{`href="/book/classic-60?date=2026-11-26"`}},
		{name: "neither month nor date", path: "",
			want: []string{"Free times on Friday 27 November", `aria-current="date"`, "Times are UK time (GMT)."}},
		{name: "a few times are not grouped", path: "?date=2026-11-27", now: time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC),
			// From 17:00 to 20:00: seven times.
			want: []string{`>17:00</a>`, `>20:00</a>`}, not: []string{`class="period"`, ">16:30</a>"}},
		{name: "many times are grouped", path: "?date=2026-12-01",
			want: []string{`<h3 class="period" id="period-morning">Morning</h3>`, `<h3 class="period" id="period-afternoon">Afternoon</h3>`, `<h3 class="period" id="period-evening">Evening</h3>`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.now.IsZero() {
				v.setNow(tc.now)
				defer v.setNow(testNow)
			}
			body := page("/book/classic-60" + tc.path)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %s", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("the page has %s", n)
				}
			}
			if n := strings.Count(body, "UK time"); n != 1 {
				t.Errorf("the zone is named %d times, want once", n)
			}
		})
	}

	// Nothing free in the whole window: the venue's phone instead.
	mustBlackout(t, v, "", "2026-11-27", "2027-02-25", "closed for the winter")
	body := page("/book/classic-60")
	for _, w := range []string{"No free times in November", "Nothing can be booked online at the moment.",
		`Please contact the venue: <a href="tel:&#43;442079460000">&#43;44 20 7946 0000</a>.`} {
		if !strings.Contains(body, w) {
			t.Errorf("with nothing free, the page lacks %s in\n%s", w, body[strings.Index(body, `<section class="times"`):])
		}
	}
	if strings.Contains(body, "winter") || strings.Contains(body, `class="next-date"`) {
		t.Error("with nothing free, the page shows a blackout's reason or a suggestion")
	}
}

// TestDayPageClockChange: on the day the clocks go back, each time shows its
// zone (there are two 01:00s) and a note says why; on other days the zone is
// named once.
func TestDayPageClockChange(t *testing.T) {
	v := newVenue(t, venueOptions{NoClosures: true, Hours: "00:00-04:00", StepMinutes: 60})
	v.setNow(time.Date(2027, 10, 20, 10, 0, 0, 0, time.UTC))
	c := formClient(t)
	_, body := getPage(t, c, v.URL+"/book/classic-60?date=2027-10-31")
	for _, w := range []string{`>00:00 <span class="tz">BST</span></a>`, `>01:00 <span class="tz">BST</span></a>`, `>01:00 <span class="tz">GMT</span></a>`,
		`>03:00 <span class="tz">GMT</span></a>`, "Times are UK time. The clocks change on this day (from BST to GMT), so each time shows which it is in."} {
		if !strings.Contains(body, w) {
			t.Errorf("31 October lacks %s", w)
		}
	}
	// With the 30-minute gap the starts are every other hour: 00:00 BST,
	// 01:00 GMT (the second), 03:00 GMT — all five, as nothing is booked.
	if n := strings.Count(body, `class="slot"`); n != 5 {
		t.Errorf("31 October offers %d times, want 5 (five real hours)", n)
	}
	_, body = getPage(t, c, v.URL+"/book/classic-60?date=2027-10-30")
	if !strings.Contains(body, "Times are UK time (BST).") || strings.Contains(body, `class="tz"`) {
		t.Errorf("30 October names the zone on its buttons, or not once")
	}

	berlin := newVenue(t, venueOptions{Timezone: "Europe/Berlin"})
	_, body = getPage(t, formClient(t), berlin.URL+"/book/classic-60?date=2026-12-01")
	if !strings.Contains(body, "Times are Berlin time (CET).") {
		t.Error("a Berlin venue does not say Berlin time (CET)")
	}
}
