package app

import (
	"testing"

	"venuebook/app/l10n"
)

// english is the source language, for tests of words.
func english(t testing.TB) *l10n.Lang {
	t.Helper()
	c, err := l10n.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c.Parse("en")
}
