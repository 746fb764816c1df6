package app

import "testing"

// Typos of popular providers' domains get the domain meant; the local part
// stays as typed.
func TestSuggestEmailCorrectsTypos(t *testing.T) {
	cases := []struct{ typed, want string }{
		{"ada@gmial.con", "ada@gmail.com"},
		{"ada@gmail.con", "ada@gmail.com"},
		{"ada@gmai.com", "ada@gmail.com"},
		{"ada@gamil.com", "ada@gmail.com"},
		{"ada@gnail.com", "ada@gmail.com"},
		{"ada@gmaill.com", "ada@gmail.com"},
		{"ada@gmail.cm", "ada@gmail.com"},
		{"ada@gmail.om", "ada@gmail.com"},
		{"ada@gmail.co", "ada@gmail.com"},
		{"ada@gmail.c", "ada@gmail.com"},
		{"ada@gmail.comm", "ada@gmail.com"},
		{"ada@gmail.cmo", "ada@gmail.com"},
		{"ada@gmail.ocm", "ada@gmail.com"},
		{"ada@gmail.vom", "ada@gmail.com"},
		{"ada@gmai.lcom", "ada@gmail.com"},
		{"ada@gmailcom", "ada@gmail.com"},
		{"ada@gmail", "ada@gmail.com"},
		{"ada@gmail.com.", "ada@gmail.com"},
		{"Ada.Lovelace+spa@Gmial.COM", "Ada.Lovelace+spa@gmail.com"},
		{"  ada@gmial.con  ", "ada@gmail.com"},
		{"ada@googlemial.com", "ada@googlemail.com"},
		{"ada@yaho.com", "ada@yahoo.com"},
		{"ada@yahooo.com", "ada@yahoo.com"},
		{"ada@yahoo.con", "ada@yahoo.com"},
		{"ada@yahoo.co.ul", "ada@yahoo.co.uk"},
		{"ada@hotmial.com", "ada@hotmail.com"},
		{"ada@hotmail.co.ukk", "ada@hotmail.co.uk"},
		{"ada@hotmail.com.uk", "ada@hotmail.co.uk"},
		{"ada@hotmail.couk", "ada@hotmail.co.uk"},
		{"ada@hotmail.cm", "ada@hotmail.com"},
		{"ada@outlok.com", "ada@outlook.com"},
		{"ada@outlook.cmo", "ada@outlook.com"},
		{"ada@iclod.com", "ada@icloud.com"},
		{"ada@icloud.con", "ada@icloud.com"},
		{"ada@aol.con", "ada@aol.com"},
		{"ada@gmx.ne", "ada@gmx.net"},
		{"ada@web.dee", "ada@web.de"},
		{"ada@tonline.de", "ada@t-online.de"},
		{"ada@t-onlin.de", "ada@t-online.de"},
		{"ada@btinternet.co", "ada@btinternet.com"},
		{"ada@btinternett.com", "ada@btinternet.com"},
		{"ada@protonmial.com", "ada@protonmail.com"},
		{"jürgen@gmial.com", "jürgen@gmail.com"},
	}
	for _, c := range cases {
		got, ok := SuggestEmail(c.typed)
		if !ok || got != c.want {
			t.Errorf("SuggestEmail(%q) = %q, %v; want %q", c.typed, got, ok, c.want)
		}
	}
}

// Right addresses get no suggestion: every popular domain, other providers'
// and companies' domains near a popular one, country variants, and
// addresses too unclear to guess at.
func TestSuggestEmailLeavesRightAddressesAlone(t *testing.T) {
	var addresses []string
	for _, d := range popularEmailDomains {
		addresses = append(addresses, "ada@"+d)
	}
	addresses = append(addresses,
		"Ada@GMAIL.COM", "ada@Hotmail.DE", "ada@example.com", "ada@sauna-nord.example", "desk@venue.test",
		// Real domains near a popular one.
		"ada@aon.com", "ada@aon.at", "ada@gmc.com", "ada@live.se", "ada@love.com", "ada@gail.co.uk", "ada@mail.yahoo.com",
		"ada@hotmail.dk", "ada@hotmail.se", "ada@yahoo.co.jp", "ada@yahoo.co.in", "ada@yahoo.com.au", "ada@yahoo.com.br",
		"ada@outlook.es", "ada@gmail.de", "ada@gmx.li", "ada@hotmail.com.ar", "ada@live.co.za", "ada@web.com",
		"ada@cam.ac.uk", "ada@uni-heidelberg.de", "ada@gmail.example", "ada@gmail.net", "ada@gmail.org",
		// Too unclear: two popular domains are as near.
		"ada@xmail.com", "ada@hmail.com", "ada@yahoo.co", "ada@hotmail.co", "ada@hotmail", "ada@yahoo",
		// Not addresses.
		"", "ada", "@gmail.com", "ada@", "ada@@", "ada@.",
	)
	for _, a := range addresses {
		if got, ok := SuggestEmail(a); ok || got != "" {
			t.Errorf("SuggestEmail(%q) = %q, %v; want no suggestion", a, got, ok)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"gmail", "gmail", 0}, {"gmial", "gmail", 1}, {"gmai", "gmail", 1}, {"gmaill", "gmail", 1}, {"gnail", "gmail", 1},
		{"con", "com", 1}, {"ocm", "com", 1}, {"", "com", 3}, {"abc", "", 3}, {"ca", "abc", 3}, {"müller", "mülelr", 1},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
