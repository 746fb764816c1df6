package web

import (
	"encoding/json"
	"reflect"
	"testing"

	"venuebook/app"
)

// FuzzDecodeBookingRequest feeds arbitrary bodies to the strict decoder: it
// never panics, every refusal is an invalid_request *app.Error, and whatever it
// accepts survives a round trip unchanged.
func FuzzDecodeBookingRequest(f *testing.F) {
	for _, seed := range []string{
		`{"tier":"classic","package":"classic-60","start":"2026-12-01T09:00:00Z","guests":2,"customer":{"name":"Ada","email":"ada@example.com","phone":"+44 20 7946 0958"},"notes":"","expected_price_cents":4500,"parking":{"vehicle_registration":"AB12 CDE"}}`,
		`{"tier":1}`, `{"guests":1e400}`, `{"customer":null}`, `{} {}`, `[`, `"x"`, `{"a":1}`, `{"notes":"\u0000"}`, ``,
	} {
		f.Add([]byte(seed), "application/json")
	}
	f.Add([]byte(`{}`), "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		var req app.BookingRequest
		err := decodeJSON(contentType, body, &req)
		if err != nil {
			if app.ErrorCode(err) != app.CodeInvalidRequest {
				t.Fatalf("refusal with code %q: %v", app.ErrorCode(err), err)
			}
			return
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("marshal accepted request: %v", err)
		}
		var req2 app.BookingRequest
		if err := decodeJSON("application/json", again, &req2); err != nil {
			t.Fatalf("re-decode of %s: %v", again, err)
		}
		if !reflect.DeepEqual(req, req2) {
			t.Fatalf("round trip changed the request: %+v vs %+v", req, req2)
		}
	})
}
