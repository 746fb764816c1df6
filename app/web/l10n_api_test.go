package web_test

import (
	"net/http"
	"reflect"
	"testing"
)

// The catalog names the venue's language and the others it offers.
func TestCatalogNamesTheLanguages(t *testing.T) {
	v := newVenue(t, venueOptions{VenueTOML: "language = \"de\"\nlanguages = [\"en\", \"fr\"]"})
	var cat struct {
		Venue struct {
			Language  string   `json:"language"`
			Languages []string `json:"languages"`
		} `json:"venue"`
	}
	v.do(t, "GET", "/api/catalog", nil, nil).json(t, &cat)
	if cat.Venue.Language != "de" || !reflect.DeepEqual(cat.Venue.Languages, []string{"en", "fr"}) {
		t.Errorf("catalog venue language %q, languages %q", cat.Venue.Language, cat.Venue.Languages)
	}
	v2 := newVenue(t, venueOptions{})
	v2.do(t, "GET", "/api/catalog", nil, nil).json(t, &cat)
	if cat.Venue.Language != "en" || cat.Venue.Languages == nil || len(cat.Venue.Languages) != 0 {
		t.Errorf("defaults: language %q, languages %#v (want \"en\" and [])", cat.Venue.Language, cat.Venue.Languages)
	}
}

// A booking records its language: the one its request names, else the one
// its request asks for (?lang=, Accept-Language), else the venue's; a
// language the venue does not offer is refused and books nothing.
func TestBookingRecordsItsLanguage(t *testing.T) {
	v := newVenue(t, venueOptions{Rooms: 8, VenueTOML: "language = \"de\"\nlanguages = [\"en\", \"fr-CH\"]"})
	starts := []string{"2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z", "2026-12-01T12:00:00Z", "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z"}
	for i, tc := range []struct {
		language, query, accept, want string
	}{
		{"fr-CH", "", "", "fr-CH"},
		{"fr", "", "", "fr-CH"}, // the language the venue offers for "fr"
		{"", "", "fr-FR,fr;q=0.9", "fr-CH"},
		{"", "?lang=en", "fr", "en"},
		{"", "", "", "de"},
		{"", "", "ja, *;q=0.1", "de"},
	} {
		body := bookingBody(starts[i], func(m map[string]any) {
			if tc.language != "" {
				m["language"] = tc.language
			}
			m["customer"].(map[string]any)["email"] = "guest" + string(rune('a'+i)) + "@example.com"
		})
		header := map[string]string{}
		if tc.accept != "" {
			header["Accept-Language"] = tc.accept
		}
		r := v.do(t, "POST", "/api/bookings"+tc.query, body, header)
		if r.Status != http.StatusCreated {
			t.Fatalf("%+v: %d %s", tc, r.Status, r.Body)
		}
		var b struct {
			Booking struct {
				ID       string `json:"id"`
				Language string `json:"language"`
			} `json:"booking"`
		}
		r.json(t, &b)
		if b.Booking.Language != tc.want {
			t.Errorf("%+v: booking language %q, want %q", tc, b.Booking.Language, tc.want)
		}
		if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE id = ? AND language = ?", b.Booking.ID, tc.want); n != 1 {
			t.Errorf("%+v: the database does not hold language %q", tc, tc.want)
		}
	}
	before := v.countRows(t, "SELECT count(*) FROM bookings")
	for _, bad := range []any{"ja", "xx-invalid", "<script>", 42} {
		r := v.do(t, "POST", "/api/bookings", bookingBody("2026-12-01T16:00:00Z", func(m map[string]any) { m["language"] = bad }), nil)
		if r.Status != http.StatusBadRequest {
			t.Errorf("language %v: %d %s", bad, r.Status, r.Body)
			continue
		}
		var e struct {
			Error struct {
				Code   string            `json:"code"`
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		r.json(t, &e)
		if s, ok := bad.(string); ok && (e.Error.Code != "validation_failed" || e.Error.Fields["language"] == "") {
			t.Errorf("language %q: %s", s, r.Body)
		}
	}
	if after := v.countRows(t, "SELECT count(*) FROM bookings"); after != before {
		t.Errorf("refused requests booked %d", after-before)
	}
}
