package l10n

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

var placeholder = regexp.MustCompile(`{{[^}]*}}`)

// Placeholders are the {{…}} fields of a message text, sorted.
func Placeholders(text string) []string {
	out := placeholder.FindAllString(text, -1)
	for i, p := range out {
		out[i] = strings.Join(strings.Fields(p), "")
	}
	sort.Strings(out)
	return out
}

// Text is the text of a message in a catalog, all its plural forms joined
// by newlines ("" when the catalog lacks it).
func (c *Catalogs) Text(lang, id string) string { return c.texts[lang][id] }

// EnglishLeftovers are the pieces of the English catalog's messages that
// text holds although lang's catalog never says them: English that
// reached a page or an email in another language. A piece is a message's
// words between its fields, of at least two words or eight letters;
// pieces another catalog uses itself (a name such as "Website") do not
// count.
func (c *Catalogs) EnglishLeftovers(lang, text string) []string {
	if lang == Source {
		return nil
	}
	own := strings.Join(mapValues(c.texts[lang]), "\n")
	var found []string
	seen := map[string]bool{}
	for id, en := range c.texts[Source] {
		if strings.HasPrefix(id, "format.") {
			continue
		}
		for _, piece := range placeholder.Split(en, -1) {
			for _, line := range strings.Split(piece, "\n") {
				line = strings.Trim(line, " .,:;!?()–—-\"'…")
				if len(strings.Fields(line)) < 2 && len(line) < 8 || seen[line] || strings.Contains(own, line) {
					continue
				}
				if containsWords(text, line) {
					seen[line] = true
					found = append(found, line)
				}
			}
		}
	}
	sort.Strings(found)
	return found
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// containsWords reports whether text holds piece as whole words: not inside
// a longer word ("Language" is not in "TestEveryPageSpeaksTheVenuesLanguage").
func containsWords(text, piece string) bool {
	for from := 0; ; {
		i := strings.Index(text[from:], piece)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(piece)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if !unicode.IsLetter(before) && !unicode.IsLetter(after) {
			return true
		}
		from = start + 1
	}
}
