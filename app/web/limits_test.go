package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"venuebook/app"
)

// Limits added by the outside review (issue 11): permit decisions per
// address, bookings per email counting people and only bookings made,
// bookings per network, sign-ins per account and through a bounded hashing
// queue, and a bound on the clients each limit remembers. Each limit is per
// minute or longer and a test sends a handful of requests, as in
// operations_test.go.

// permit_per_ip counts the decisions one client sends, through the API and
// the approver's page alike; another client has its own count.
func TestRateLimitPermitDecisions(t *testing.T) {
	v := newVenue(t, venueOptions{Parking: true, ServerTOML: `trusted_proxies = ["127.0.0.1"]`, ExtraTOML: limits{PermitPerIP: "3-M"}.toml()})
	forged := map[string]string{"token": "not.a.token", "decision": "approve", "note": ""}
	client := from("203.0.113.20")
	for i := range 2 {
		r := v.do(t, "POST", "/api/permits/decision", forged, client)
		if r.Status != http.StatusForbidden {
			t.Fatalf("decision %d: %d %s, want 403", i+1, r.Status, r.Body)
		}
		checkLimitHeaders(t, fmt.Sprintf("decision %d", i+1), r, 3, 2-i)
	}
	form := url.Values{"token": {"not.a.token"}, "decision": {"deny"}}.Encode()
	formHeader := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "203.0.113.20"}
	if r := v.do(t, "POST", "/permits/decide", form, formHeader); r.Status != http.StatusForbidden {
		t.Fatalf("third decision, from the page: %d", r.Status)
	}
	checkLimited(t, "4th decision (API)", v.do(t, "POST", "/api/permits/decision", forged, client), 3, time.Minute, false)
	checkLimited(t, "5th decision (page)", v.do(t, "POST", "/permits/decide", form, formHeader), 3, time.Minute, true)
	if r := v.do(t, "POST", "/api/permits/decision", forged, from("203.0.113.21")); r.Status != http.StatusForbidden {
		t.Errorf("another client: %d %s, want 403", r.Status, r.Body)
	}
}

// booking_per_email counts people, not spellings, and only bookings made: a
// request refused for another reason, or replayed, uses none of it.
func TestBookingPerEmailCountsPeople(t *testing.T) {
	v := newVenue(t, venueOptions{ExtraTOML: limits{BookingPerEmail: "2-H"}.toml()})
	v.mustBook(t, bookingBody(bookingsAt[0], withEmail("someone@example.com"))) // takes bookingsAt[0]
	refusals := []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"validation", bookingBody(bookingsAt[1], withEmail("Pat@x.example"), func(b map[string]any) { b["guests"] = 99 }), 400},
		{"slot taken", bookingBody(bookingsAt[0], withEmail("pat@x.example")), 409},
		{"price changed", bookingBody(bookingsAt[1], withEmail("pat+1@x.example"), func(b map[string]any) { b["expected_price_cents"] = 1 }), 409},
		{"off the grid", bookingBody("2026-12-01T10:10:00Z", withEmail("PAT@X.EXAMPLE")), 409},
		{"name missing", bookingBody(bookingsAt[1], withEmail("pat+2@x.example"), func(b map[string]any) { b["customer"].(map[string]any)["name"] = "" }), 400},
		{"validation again", bookingBody(bookingsAt[1], withEmail("pat@x.example"), func(b map[string]any) { b["guests"] = 0 }), 400},
	}
	for _, r := range refusals {
		if got := v.do(t, "POST", "/api/bookings", r.body, nil); got.Status != r.status {
			t.Fatalf("%s: %d %s, want %d", r.name, got.Status, got.Body, r.status)
		}
	}
	// The bot traps of the form refuse before anything is counted.
	c := formClient(t)
	form := detailsForm(t, v, c, "2026-12-01T11:00:00+00:00")
	form.Set("name", "Pat")
	form.Set("email", "pat@x.example")
	form.Set("guests", "1")
	form.Set("website", "http://spam.example") // the honeypot
	if resp, _ := postForm(t, c, v.URL+"/book/classic-60", form); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("honeypot: %d", resp.StatusCode)
	}
	key := map[string]string{"Idempotency-Key": "pat-booking-0001"}
	first := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[1], withEmail("Pat@x.example")), key)
	if first.Status != http.StatusCreated {
		t.Fatalf("first booking for pat: %d %s", first.Status, first.Body)
	}
	checkLimitHeaders(t, "first booking", first, 2, 1)
	if r := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[1], withEmail("Pat@x.example")), key); r.Status != http.StatusCreated ||
		r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s", r.Status, r.Body)
	}
	if r := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[2], withEmail("pat+spa@x.example")), nil); r.Status != http.StatusCreated {
		t.Fatalf("second booking for pat, after a replay: %d %s", r.Status, r.Body)
	}
	checkLimited(t, "third booking for pat", v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[3], withEmail("PAT@x.example")), nil),
		2, time.Hour, false)
	if r := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[3], withEmail("pat.spa@x.example")), nil); r.Status != http.StatusCreated {
		t.Errorf("another local part is another person: %d %s", r.Status, r.Body)
	}
}

// booking_per_network counts the bookings made from one IPv4 /24 or IPv6
// /48, however many /64s or addresses they come from.
func TestRateLimitBookingPerNetwork(t *testing.T) {
	v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1"]`, ExtraTOML: limits{BookingPerNetwork: "3-D"}.toml()})
	book := func(i int, ip string) response {
		return v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[i%len(bookingsAt)], withEmail(fmt.Sprintf("guest%d@example.com", i))), from(ip))
	}
	// Three /64s of one /56, and a refusal that counts nothing.
	for i, ip := range []string{"2001:db8:42:100::1", "2001:db8:42:101::1", "2001:db8:42:1ff::9"} {
		if r := book(i, ip); r.Status != http.StatusCreated {
			t.Fatalf("booking %d from %s: %d %s", i+1, ip, r.Status, r.Body)
		}
	}
	checkLimited(t, "4th booking from one /48", book(3, "2001:db8:42:ffff::1"), 3, 24*time.Hour, false)
	if r := book(4, "2001:db8:43::1"); r.Status != http.StatusCreated {
		t.Errorf("another /48: %d %s", r.Status, r.Body)
	}
	// IPv4: a /24; a taken slot is refused and uses none of it.
	for i, ip := range []string{"198.51.100.1", "198.51.100.2"} {
		if r := book(5+i, ip); r.Status != http.StatusCreated {
			t.Fatalf("IPv4 booking %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	taken := v.do(t, "POST", "/api/bookings", bookingBody(bookingsAt[0], withEmail("late@example.com")), from("198.51.100.3"))
	if taken.Status != http.StatusConflict {
		t.Fatalf("taken slot: %d %s", taken.Status, taken.Body)
	}
	if r := book(7, "198.51.100.4"); r.Status != http.StatusCreated {
		t.Fatalf("third IPv4 booking after a refusal: %d %s", r.Status, r.Body)
	}
	checkLimited(t, "4th booking from one /24", v.do(t, "POST", "/api/bookings",
		bookingBody("2026-12-03T09:00:00Z", withEmail("more@example.com")), from("198.51.100.200")), 3, 24*time.Hour, false)
}

// login_failures_per_account throttles guessing at one account from any
// address, while the owner, from an address of their own, still signs in.
func TestLoginThrottledPerAccount(t *testing.T) {
	v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1"]`,
		ExtraTOML: limits{LoginFailuresPerAccount: "3-H", LoginLockedPerIP: "2-H"}.toml()})
	addOwner(t, v, ownerEmail, ownerPassword)
	wrong := map[string]string{"email": ownerEmail, "password": "guess guess guess"}
	right := map[string]string{"email": ownerEmail, "password": ownerPassword}
	attacker := from("198.51.100.66")
	// Three failures (any case of the email), then two more within the
	// small budget each address keeps, then refused before any hashing.
	for i, email := range []string{ownerEmail, strings.ToUpper(ownerEmail), ownerEmail, ownerEmail, ownerEmail} {
		wrong["email"] = email
		if r := v.do(t, "POST", "/api/admin/login", wrong, attacker); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := v.do(t, "POST", "/api/admin/login", right, attacker)
	if r.Status != http.StatusTooManyRequests || r.errorCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("the attacker's address past its budget: %d %s %v", r.Status, r.Body, r.Header)
	}
	form := url.Values{"email": {ownerEmail}, "password": {ownerPassword}}.Encode()
	page := v.do(t, "POST", "/admin/login", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "198.51.100.66"})
	if page.Status != http.StatusTooManyRequests || page.Header.Get("Retry-After") == "" || !strings.Contains(string(page.Body), "Too many attempts") {
		t.Errorf("the sign-in page from that address: %d %v", page.Status, page.Header)
	}
	// The owner, elsewhere: the account is throttled, not locked.
	if r := v.do(t, "POST", "/api/admin/login", right, from("203.0.113.5")); r.Status != http.StatusOK {
		t.Fatalf("the owner from another address: %d %s", r.Status, r.Body)
	}
	page = sendAs(t, noRedirects, v.URL, "POST", "/admin/login", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "203.0.113.6"})
	if page.Status != http.StatusSeeOther {
		t.Errorf("the owner's sign-in page from a third address: %d", page.Status)
	}
	// Another account is not touched by this one's failures.
	addOwner(t, v, "partner@venue.test", "another long passphrase")
	if r := v.do(t, "POST", "/api/admin/login", map[string]string{"email": "partner@venue.test", "password": "another long passphrase"}, from("198.51.100.67")); r.Status != http.StatusOK {
		t.Errorf("another account: %d %s", r.Status, r.Body)
	}
}

// A flood of sign-ins, concurrent, from a few addresses, at the owner's
// account and at another, never keeps the owner out: each address holds at
// most one place in the hashing queue, and the owner's account is
// throttled for the guessers only.
func TestLoginUnderFloodOwnerSignsIn(t *testing.T) {
	v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1"]`,
		ExtraTOML: limits{LoginFailuresPerAccount: "10-H", LoginLockedPerIP: "5-H"}.toml()})
	addOwner(t, v, ownerEmail, ownerPassword)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var attempts, busy atomic.Int64
	for a := range 3 {
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				target := map[string]string{"email": ownerEmail, "password": "guess guess guess"}
				if a == 2 {
					target["email"] = "nobody@venue.test"
				}
				for ctx.Err() == nil {
					r, err := v.try("POST", "/api/admin/login", target, from(fmt.Sprintf("198.51.100.%d", 70+a)))
					if err != nil {
						return
					}
					attempts.Add(1)
					if r.Status == http.StatusServiceUnavailable {
						busy.Add(1)
					}
				}
			}()
		}
	}
	// Wait on a condition: the deadline only ends a test that fails.
	deadline := time.Now().Add(10 * time.Minute)
	for attempts.Load() < 20 { // the flood is on
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("the flood sent %d requests in ten minutes", attempts.Load())
		}
		time.Sleep(time.Millisecond)
	}
	owner := v.do(t, "POST", "/api/admin/login", map[string]string{"email": ownerEmail, "password": ownerPassword}, from("203.0.113.9"))
	stop()
	wg.Wait()
	if owner.Status != http.StatusOK {
		t.Fatalf("the owner's sign-in during the flood: %d %s", owner.Status, owner.Body)
	}
	if n := busy.Load(); n != 0 {
		t.Errorf("%d flood requests found the hashing queue full: three addresses must not fill it", n)
	}
}

// A sign-in that cannot get a hashing slot soon is refused with 503 and
// Retry-After instead of waiting without end: with every slot held, the
// queue fills up to its bound and the next one is refused at once.
func TestLoginHashQueueBounded(t *testing.T) {
	v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1"]`, ExtraTOML: limits{}.toml()})
	addOwner(t, v, ownerEmail, ownerPassword)
	var releases []func()
	for range app.HashSlots { // failure injection: every slot busy
		release, err := v.Svc.Hashing.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	wrong := map[string]string{"email": ownerEmail, "password": "guess guess guess"}
	answers := make(chan response, app.HashQueue)
	for i := range app.HashQueue {
		go func() {
			r, err := v.try("POST", "/api/admin/login", wrong, from(fmt.Sprintf("198.51.100.%d", 100+i)))
			if err != nil {
				r.Status = -1
			}
			answers <- r
		}()
	}
	deadline := time.Now().Add(10 * time.Minute) // ends only a failing test
	for v.Svc.Hashing.Waiting() < app.HashQueue {
		if time.Now().After(deadline) {
			t.Fatalf("%d sign-ins wait, want %d", v.Svc.Hashing.Waiting(), app.HashQueue)
		}
		time.Sleep(time.Millisecond)
	}
	r := v.do(t, "POST", "/api/admin/login", map[string]string{"email": ownerEmail, "password": ownerPassword}, from("203.0.113.1"))
	if r.Status != http.StatusServiceUnavailable || r.errorCode() != "unavailable" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("a sign-in with the queue full: %d %s %v", r.Status, r.Body, r.Header)
	}
	form := url.Values{"email": {ownerEmail}, "password": {ownerPassword}}.Encode()
	page := v.do(t, "POST", "/admin/login", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "203.0.113.2"})
	if page.Status != http.StatusServiceUnavailable || page.Header.Get("Retry-After") == "" || !strings.Contains(string(page.Body), "Try again in a few seconds") {
		t.Errorf("the sign-in page with the queue full: %d %v", page.Status, page.Header)
	}
	for _, release := range releases {
		release()
	}
	for range app.HashQueue {
		// Each waiter is checked once a slot is free (or, on a machine too
		// slow for app.HashWait, refused as busy): none is left waiting.
		if a := <-answers; a.Status != http.StatusUnauthorized && a.Status != http.StatusServiceUnavailable {
			t.Errorf("a queued sign-in answered %d %s", a.Status, a.Body)
		}
	}
	if r := v.do(t, "POST", "/api/admin/login", map[string]string{"email": ownerEmail, "password": ownerPassword}, from("203.0.113.1")); r.Status != http.StatusOK {
		t.Errorf("the owner once the queue is free: %d %s", r.Status, r.Body)
	}
}

// limits.tracked_clients bounds the memory of every limit: past it, new
// clients share one count (so flooding it with addresses frees nobody's
// count), while the clients it tracks keep theirs; /metrics shows both.
func TestRateLimitTrackedClients(t *testing.T) {
	const tracked = 20
	v := newVenue(t, venueOptions{ServerTOML: `trusted_proxies = ["127.0.0.1"]`,
		ExtraTOML: limits{ReadPerIP: "2-M", TrackedClients: tracked}.toml()})
	read := func(ip string) response { return v.do(t, "GET", "/api/catalog", nil, from(ip)) }
	for i := range tracked {
		r := read(fmt.Sprintf("2001:db8:%x::1", i))
		if r.Status != http.StatusOK {
			t.Fatalf("client %d: %d", i, r.Status)
		}
		checkLimitHeaders(t, fmt.Sprintf("client %d", i), r, 2, 1)
	}
	// Many more clients: the first two reads of the newcomers pass, then
	// they share a refusal.
	for i := range 200 {
		r := read(fmt.Sprintf("198.51.%d.%d", i/200, i%200))
		if want := http.StatusTooManyRequests; i >= 2 && r.Status != want || i < 2 && r.Status != http.StatusOK {
			t.Fatalf("newcomer %d: %d", i, r.Status)
		}
	}
	// A tracked client still has its own count: one read left, then 429.
	if r := read("2001:db8:0::7"); r.Status != http.StatusOK {
		t.Errorf("tracked client's second read: %d", r.Status)
	}
	checkLimited(t, "tracked client's third read", read("2001:db8:0::7"), 2, time.Minute, false)
	metrics := string(v.do(t, "GET", "/metrics", nil, nil).Body)
	for _, line := range []string{
		fmt.Sprintf(`venuebook_rate_limit_keys{limit="read_per_ip"} %d`, tracked),
		`venuebook_rate_limit_shared_total{limit="read_per_ip"} 200`,
	} {
		if !strings.Contains(metrics, line+"\n") {
			t.Errorf("/metrics lacks %q", line)
		}
	}
}
