package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"venuebook/app"
	"venuebook/app/l10n"
)

// Every page a customer, the approver or the owner can reach, followed link
// by link from the start page, the booking's links and the console, in
// every shipped language: no English left over, no field or catalog id
// showing, and <html lang> the language's. The areas' own tests check each
// page's words; this one finds the page nobody listed.
func TestEveryPageSpeaksTheVenuesLanguage(t *testing.T) {
	cats, err := l10n.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range cats.Languages() {
		if lang == l10n.Source {
			continue
		}
		t.Run(lang, func(t *testing.T) {
			v := newVenue(t, venueOptions{Parking: true, Rooms: 2, VenueTOML: `language = "` + lang + `"` + "\nphone = \"+44 20 7946 0000\"\nemail = \"desk@venue.test\"\nwebsite = \"https://venue.test\"",
				ExtraTOML: consoleLimits("")})
			b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z", func(m map[string]any) {
				m["parking"] = map[string]any{"vehicle_registration": "AB12 CDE"}
				m["expected_price_cents"] = 4500
			})).Booking
			if _, err := v.Svc.AddBlackout(context.Background(), app.BlackoutRequest{Start: "2026-12-24", End: "2026-12-26", Reason: "Weihnachten"}, "owner@venue.test"); err != nil {
				t.Fatal(err)
			}
			addOwner(t, v, ownerEmail, ownerPassword)
			seen := map[string]bool{}
			customer := formClient(t)
			manage, err := url.Parse(b.ManageURL)
			if err != nil {
				t.Fatal(err)
			}
			crawl(t, cats, lang, v.URL, customer, []string{"/", manage.RequestURI()}, seen, 80)
			owner := signInPage(t, v)
			crawl(t, cats, lang, v.URL, owner, []string{"/admin", "/admin/bookings/" + b.ID}, seen, 80)
			var pages []string
			for p, fetched := range seen {
				if fetched {
					pages = append(pages, p)
				}
			}
			sort.Strings(pages)
			t.Logf("%s: %d pages: %s", lang, len(pages), strings.Join(pages, " "))
		})
	}
}

var (
	hrefRe   = regexp.MustCompile(`href="(/[^"#]*)"`)
	htmlLang = regexp.MustCompile(`<html lang="([^"]+)"`)
	// catalogID is a message id that reached a page: "day.title".
	catalogID = regexp.MustCompile(`\b(?:home|day|details|booked|manage|cancel|move|permit_page|error_page|words|console|signin|setup|errors|mail|layout|format|status|zone|contact|language)\.[a-z_]+(?:\.[a-z_]+)*\b`)
)

func crawl(t *testing.T, cats *l10n.Catalogs, lang, base string, c *http.Client, start []string, seen map[string]bool, max int) {
	t.Helper()
	queue := append([]string{}, start...)
	shapes := map[string]int{}
	for n := 0; len(queue) > 0 && n < max; {
		p := queue[0]
		queue = queue[1:]
		u, err := url.Parse(p)
		if _, done := seen[p]; err != nil || done || strings.HasPrefix(u.Path, "/static/") || strings.HasSuffix(u.Path, ".ics") || strings.HasSuffix(u.Path, ".csv") ||
			u.Path == "/admin/logout" || u.Query().Get("lang") != "" {
			continue
		}
		// Pages of one shape (a path and its query's keys) are alike: three
		// of each (a closed day, a full one, a free one) are enough.
		keys := []string{}
		for k := range u.Query() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		shape := u.Path + "?" + strings.Join(keys, "&")
		seen[p] = false
		if shapes[shape]++; shapes[shape] > 3 {
			continue
		}
		seen[p] = true
		n++
		resp, err := c.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(resp)
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			continue
		}
		if resp.StatusCode >= 500 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
		if m := htmlLang.FindStringSubmatch(body); m == nil || m[1] != lang {
			t.Errorf("%s: <html lang> %v, want %s", p, m, lang)
		}
		text := pageText(body)
		if left := cats.EnglishLeftovers(lang, text); len(left) > 0 {
			t.Errorf("%s (%s): English left over: %q", p, lang, left)
		}
		for _, bad := range []string{"{{", "<no value>", "%!"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: shows %q", p, bad)
			}
		}
		if id := catalogID.FindString(text); id != "" {
			t.Errorf("%s: shows the catalog id %q", p, id)
		}
		for _, m := range hrefRe.FindAllStringSubmatch(body, -1) {
			queue = append(queue, strings.ReplaceAll(m[1], "&amp;", "&"))
		}
	}
}

// pageText is what a page says: its text and the attributes people read
// (alt, title, aria-label, placeholder, value of buttons), without the
// markup, the scripts, or the values that are data (addresses, ids).
func pageText(body string) string {
	var out strings.Builder
	attrs := regexp.MustCompile(`(?:alt|title|aria-label|placeholder)="([^"]*)"`)
	for _, m := range attrs.FindAllStringSubmatch(body, -1) {
		out.WriteString(m[1] + "\n")
	}
	text := regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>`).ReplaceAllString(body, " ")
	text = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(text, "\n")
	out.WriteString(text)
	return strings.NewReplacer("&#39;", "'", "&amp;", "&", "&quot;", `"`, "&lt;", "<", "&gt;", ">", "&#34;", `"`).Replace(out.String())
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	return b.String()
}
