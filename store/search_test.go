package store

import (
	"context"
	"testing"
)

// The console's search matches the reference, name, email and registration
// whatever their case in any alphabet, and the phone by its digits; % and _,
// * ? [ ] (the GLOB's wildcards) are plain characters.
func TestSearchFoldsCaseAndMatchesDigits(t *testing.T) {
	s := openTestStore(t, nil)
	ctx := context.Background()
	nb := newBooking(at(9, 0), "a")
	nb.CustomerName, nb.CustomerEmail, nb.CustomerPhone = "Jürgen Straße", "j.strasse@example.com", "+44 20 7946 0958"
	nb.VehicleRegistration, nb.PermitApprover = "AB12CDE", "parking@example.com"
	müller := mustCreate(t, s, nb)
	other := newBooking(at(11, 0), "a")
	other.CustomerName, other.CustomerEmail = "Ada 100% Lovelace [*?]", "ada_l@example.com"
	ada := mustCreate(t, s, other)
	search := func(q string) []string {
		t.Helper()
		got, err := s.ListBookings(ctx, BookingFilter{From: at(0, 0), To: at(23, 0), Query: q})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, b := range got {
			ids = append(ids, b.ID)
		}
		return ids
	}
	for q, want := range map[string][]string{
		"JÜRGEN":                     {müller.ID},
		"STRASSE":                    {müller.ID}, // ß folds to ss
		"straße":                     {müller.ID},
		"020 7946":                   {müller.ID}, // the trunk zero of a national number
		"+44 (20) 7946-09":           {müller.ID},
		"ab12cde":                    {müller.ID},
		"ab12 cde":                   {müller.ID},
		müller.Reference:             {müller.ID},
		"vb-" + müller.Reference[3:]: {müller.ID},
		"100%":                       {ada.ID},
		"a_l@":                       {ada.ID},
		"%":                          {ada.ID},
		"_":                          {ada.ID},
		"*":                          {ada.ID},
		"?":                          {ada.ID},
		"[*?]":                       {ada.ID},
		"[":                          {ada.ID},
		"]":                          {ada.ID},
		"[a-z]":                      nil,
		"j*n":                        nil,
		"j?rgen":                     nil,
		"nobody":                     nil,
		"":                           {müller.ID, ada.ID},
	} {
		got := search(q)
		if len(got) != len(want) {
			t.Errorf("search %q: %v, want %v", q, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("search %q: %v, want %v", q, got, want)
			}
		}
	}
}

// Case folding in several alphabets: Greek (with its final sigma), Cyrillic,
// and accented Latin.
func TestSearchInSeveralAlphabets(t *testing.T) {
	s := openTestStore(t, nil)
	ctx := context.Background()
	names := []string{"Σοφία Παπαδοπούλου", "Иван Петров", "Élodie Dupré"}
	for i, name := range names {
		nb := newBooking(at(8+2*i, 0), "a")
		nb.CustomerName = name
		mustCreate(t, s, nb)
	}
	for q, want := range map[string]string{"ΣΟΦΊΑ": names[0], "παπαδοπουλου": "", "ΠΑΠΑΔΟΠΟΎΛΟΥ": names[0], "ИВАН": names[1], "петров": names[1], "ÉLODIE": names[2], "DUPRÉ": names[2]} {
		got, err := s.ListBookings(ctx, BookingFilter{From: at(0, 0), To: at(23, 0), Query: q})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case want == "" && len(got) != 0:
			t.Errorf("search %q found %d (accents are not folded away)", q, len(got))
		case want != "" && (len(got) != 1 || got[0].CustomerName != want):
			t.Errorf("search %q: %d bookings, want %q", q, len(got), want)
		}
	}
}
