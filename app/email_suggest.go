package app

import (
	"strings"
)

// popularEmailDomains are the mail providers most customers' addresses are
// at, in the venue's likely countries (UK, Ireland, Germany, Austria,
// Switzerland, France, Italy, Spain, the Netherlands, North America, …). An
// address at one of them is never corrected; an address near one of them
// may be (SuggestEmail). Each provider's country variants are listed, so
// that "hotmail.de" is never "corrected" to "hotmail.com".
var popularEmailDomains = strings.Fields(`
	gmail.com googlemail.com
	yahoo.com yahoo.co.uk yahoo.de yahoo.fr yahoo.it yahoo.es yahoo.ca yahoo.com.au ymail.com rocketmail.com
	hotmail.com hotmail.co.uk hotmail.de hotmail.fr hotmail.it hotmail.es hotmail.nl hotmail.ca
	outlook.com outlook.de outlook.fr live.com live.co.uk live.de live.fr live.nl live.ca msn.com
	icloud.com me.com mac.com aol.com aol.co.uk aol.de aim.com
	protonmail.com protonmail.ch proton.me pm.me gmx.com gmx.net gmx.de gmx.at gmx.ch web.de t-online.de
	freenet.de arcor.de posteo.de mailbox.org mail.de bluewin.ch mail.com email.com zoho.com fastmail.com hey.com
	btinternet.com sky.com virginmedia.com talktalk.net ntlworld.com blueyonder.co.uk tiscali.co.uk
	eircom.net orange.fr free.fr laposte.net wanadoo.fr sfr.fr libero.it virgilio.it alice.it tiscali.it
	telefonica.net ziggo.nl kpnmail.nl planet.nl home.nl telenet.be skynet.be
	comcast.net verizon.net att.net sbcglobal.net cox.net charter.net earthlink.net bellsouth.net
	rogers.com shaw.ca sympatico.ca bigpond.com optusnet.com.au
	seznam.cz wp.pl o2.pl onet.pl interia.pl yandex.com yandex.ru mail.ru qq.com 163.com
`)

var popularEmailDomain = func() map[string]bool {
	m := map[string]bool{}
	for _, d := range popularEmailDomains {
		m[d] = true
	}
	return m
}()

// SuggestEmail returns the address the customer probably meant when the
// domain of address is a likely typo of a popular mail provider's
// ("ada@gmial.con" → "ada@gmail.com"): the local part kept as typed, the
// domain lower-cased. It suggests only when confident: the typed domain is
// not itself a popular one, exactly one popular domain is nearest, its name
// is at most one edit away (a swap of two neighbours is one; names shorter
// than five letters must match exactly) and its ending at most one
// ("con", "cmo", "comm" for "com"; "co" or "c" cut short). It never blocks
// anything: an address it has no suggestion for may well be right.
func SuggestEmail(address string) (suggestion string, ok bool) {
	address = strings.TrimSpace(address)
	at := strings.LastIndexByte(address, '@')
	if at < 1 || at == len(address)-1 || len(address) > 254 {
		return "", false
	}
	local, domain := address[:at], strings.ToLower(address[at+1:])
	if popularEmailDomain[domain] {
		return "", false
	}
	if trimmed := strings.TrimRight(domain, "."); trimmed != domain && popularEmailDomain[trimmed] {
		return local + "@" + trimmed, true // "gmail.com."
	}
	name, ending, dotted := strings.Cut(domain, ".")
	best, bestScore, tie := "", 0, false
	for _, d := range popularEmailDomains {
		pName, pEnding, _ := strings.Cut(d, ".")
		var score int
		if !dotted { // "gmailcom", or "gmail" with no ending
			switch {
			case domain == strings.ReplaceAll(d, ".", ""):
				score = 1
			case domain == pName && len([]rune(pName)) >= 5:
				score = 2
			default:
				continue
			}
		} else {
			dn := editDistance(name, pName)
			if dn > 1 || dn == 1 && len([]rune(pName)) < 5 {
				continue
			}
			de, ok := endingDistance(ending, pEnding)
			if !ok {
				continue
			}
			score = dn + de
		}
		switch {
		case best == "" || score < bestScore:
			best, bestScore, tie = d, score, false
		case score == bestScore:
			tie = true
		}
	}
	if best == "" || tie {
		return "", false
	}
	return local + "@" + best, true
}

// endingDistance is how far a typed domain ending (what follows the first
// dot: "con", "co.uk") is from a provider's, when it is near enough to
// correct: equal (0); one edit, for endings of three letters or more (1);
// or, typed as one or two letters, the start of it ("c", "co" for "com")
// or "cm" and "om" for "com" (1). Other two-letter endings are country
// codes ("hotmail.dk", "yahoo.ca"): never corrected.
func endingDistance(typed, want string) (int, bool) {
	switch {
	case typed == want:
		return 0, true
	case len(typed) <= 2:
		if typed != "" && strings.HasPrefix(want, typed) || want == "com" && (typed == "cm" || typed == "om") {
			return 1, true
		}
		return 0, false
	}
	d := editDistance(typed, want)
	return d, d <= 1
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of two neighbouring
// letters each count one ("gmial" is one from "gmail").
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	prev2 := make([]int, len(t)+1)
	prev := make([]int, len(t)+1)
	cur := make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}
