package web_test

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// Hostile bodies: whatever its shape, one request of under 64 KiB costs at
// most a small fixed multiple of its size, on every endpoint that reads JSON.

// hostileBody is one shape of request body built to make a JSON decoder work
// hard.
type hostileBody struct {
	name string
	body []byte
}

// hostileBodies returns each shape at about size bytes (never more).
func hostileBodies(size int) []hostileBody {
	// nest repeats open n times, then inner, then close n times, inside
	// prefix…suffix, with n as large as size allows.
	nest := func(prefix, open, inner, close, suffix string) []byte {
		n := (size - len(prefix) - len(inner) - len(suffix)) / (len(open) + len(close))
		return []byte(prefix + strings.Repeat(open, n) + inner + strings.Repeat(close, n) + suffix)
	}
	// fill repeats unit as often as size allows inside prefix…suffix.
	fill := func(prefix, unit, suffix string) []byte {
		n := (size - len(prefix) - len(suffix)) / len(unit)
		return []byte(prefix + strings.Repeat(unit, n) + suffix)
	}
	var keys strings.Builder
	keys.WriteString(`{"notes":{`)
	for i := 0; keys.Len() < size-20; i++ {
		fmt.Fprintf(&keys, `"k%d":0,`, i)
	}
	keys.WriteString(`"z":0}}`)
	return []hostileBody{
		{"arrays nested in a field", nest(`{"notes":`, `[`, ``, `]`, `}`)},
		{"objects nested in a field", nest(`{"notes":`, `{"a":`, `0`, `}`, `}`)},
		{"arrays of objects nested in a field", nest(`{"notes":`, `[{"a":`, `0`, `}]`, `}`)},
		{"objects nested in a nested field", nest(`{"customer":{"name":`, `{"a":`, `0`, `}`, `}}`)},
		{"arrays nested at the top", nest(``, `[`, ``, `]`, ``)},
		{"objects nested at the top", nest(``, `{"a":`, `0`, `}`, ``)},
		{"unterminated nesting", fill(`{"notes":`, `[`, ``)},
		{"many keys", []byte(keys.String())},
		{"many repeated keys", fill(`{"notes":{`, `"a":0,`, `"a":0}}`)},
		{"many elements", fill(`{"notes":[`, `0,`, `0]}`)},
		{"long escapes", fill(`{"notes":"`, `\u0041`, `"}`)},
		{"long surrogate escapes", fill(`{"notes":"`, `\ud83d\ude00`, `"}`)},
		{"long integer", fill(`{"guests":`, `9`, `}`)},
		{"long fraction", fill(`{"expected_price_cents":0.`, `0`, `1}`)},
		{"long exponent", fill(`{"guests":1e`, `9`, `}`)},
		{"long name", fill(`{"`, `a`, `":0}`)},
		{"long nested name", fill(`{"customer":{"`, `a`, `":0}}`)},
		{"whitespace", fill(`{"notes":`, ` `, `""}`)},
	}
}

// hostileTarget is an endpoint that takes a JSON body, with the client that
// may reach its decoder.
type hostileTarget struct {
	name string
	send func(t testing.TB, body []byte) response
}

// hostileTargets are the JSON endpoints: the public ones, throttled or not,
// and the console's behind a session.
func hostileTargets(t testing.TB, v *testVenue) []hostileTarget {
	t.Helper()
	addOwner(t, v, ownerEmail, ownerPassword)
	o := consoleLogin(t, v, ownerEmail, ownerPassword)
	b := v.mustBook(t, bookingBody("2026-12-01T09:00:00Z", withParking("AB12CDE"))).Booking
	id, token := managePath(t, b.ManageURL)
	var permitID string
	if err := v.db.QueryRow("SELECT id FROM parking_permits WHERE booking_id = ?", b.ID).Scan(&permitID); err != nil {
		t.Fatal(err)
	}
	anonymous := func(path string) func(testing.TB, []byte) response {
		return func(t testing.TB, body []byte) response { return v.do(t, "POST", path, body, nil) }
	}
	asOwner := func(path string) func(testing.TB, []byte) response {
		return func(t testing.TB, body []byte) response { return o.do(t, "POST", path, body, nil) }
	}
	return []hostileTarget{
		{"POST /api/bookings", anonymous("/api/bookings")},
		{"POST /api/permits/decision", anonymous("/api/permits/decision")},
		{"POST /api/admin/login", anonymous("/api/admin/login")},
		{"POST /api/bookings/:id/cancel", anonymous("/api/bookings/" + id + "/cancel?t=" + token + "x")},
		{"POST /api/admin/blackouts", asOwner("/api/admin/blackouts")},
		{"POST /api/admin/bookings/:id/status", asOwner("/api/admin/bookings/" + id + "/status")},
		{"POST /api/admin/permits/:id/decision", asOwner("/api/admin/permits/" + permitID + "/decision")},
	}
}

// hostileVenue is a venue whose limits let the hostile requests reach the
// decoder: each limit would otherwise answer 429 before it.
func hostileVenue(t testing.TB) *testVenue {
	return newVenue(t, venueOptions{Parking: true, ExtraTOML: limits{}.toml()})
}

// allocatedPerRequest is the least, over a few rounds, of the bytes the whole
// process allocated per request while send ran (client and server alike).
func allocatedPerRequest(t testing.TB, send func() response) uint64 {
	t.Helper()
	const rounds, perRound = 3, 4
	var least uint64
	var before, after runtime.MemStats
	for r := 0; r < rounds; r++ {
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := 0; i < perRound; i++ {
			if got := send(); got.Status >= 500 {
				t.Fatalf("answer %d %.200s", got.Status, got.Body)
			}
		}
		runtime.ReadMemStats(&after)
		if per := (after.TotalAlloc - before.TotalAlloc) / perRound; r == 0 || per < least {
			least = per
		}
	}
	return least
}

// TestHostileBodiesCostBounded sends each hostile shape at 60 KiB to every
// JSON endpoint: each is refused with a 4xx, and allocates less than 64 times
// its size in the whole process.
func TestHostileBodiesCostBounded(t *testing.T) {
	const size, factor = 60 << 10, 64
	v := hostileVenue(t)
	targets := hostileTargets(t, v)
	for _, target := range targets {
		for _, h := range hostileBodies(size) {
			t.Run(target.name+"/"+h.name, func(t *testing.T) {
				r := target.send(t, h.body)
				if r.Status < 400 || r.Status >= 500 {
					t.Fatalf("answer %d %.300s, want a 4xx", r.Status, r.Body)
				}
				if len(r.Body) > 4<<10 {
					t.Errorf("the refusal is %d bytes: it should not echo the body", len(r.Body))
				}
				per := allocatedPerRequest(t, func() response { return target.send(t, h.body) })
				t.Logf("%d bytes allocated per request of %d bytes (%.1f×)", per, len(h.body), float64(per)/float64(len(h.body)))
				if limit := uint64(factor * len(h.body)); per > limit {
					t.Errorf("%d bytes allocated per request of %d bytes (%.1f×), want under %d×",
						per, len(h.body), float64(per)/float64(len(h.body)), factor)
				}
			})
		}
	}
}

// BenchmarkHostileBodies measures the time and memory of each hostile shape
// at 60 KiB on POST /api/bookings (ns/op and B/op are per request, client and
// server in one process).
func BenchmarkHostileBodies(b *testing.B) {
	v := hostileVenue(b)
	for _, h := range hostileBodies(60 << 10) {
		b.Run(strings.ReplaceAll(h.name, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(h.body)))
			for b.Loop() {
				if r := v.do(b, "POST", "/api/bookings", h.body, nil); r.Status != http.StatusBadRequest {
					b.Fatalf("answer %d %.200s", r.Status, r.Body)
				}
			}
		})
	}
}
