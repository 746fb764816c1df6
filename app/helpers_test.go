package app

import (
	"errors"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests do not depend on the host's zone database
)

// demoConfigPath is a richer venue than the shipped demo: two tiers, split
// weekend hours, an address. The shipped config.example.toml has its own test.
const demoConfigPath = "testdata/venue.toml"

// catalogTOML is the smallest catalog a config file needs to be valid: one room,
// one tier, one package.
const catalogTOML = `
[[rooms]]
id = "main"
name = "Main room"

[[tiers]]
id = "classic"
name = "Classic"
  [[tiers.packages]]
  id = "classic-60"
  name = "60 minutes"
  duration_minutes = 60
  price_cents = 4500
  max_guests = 4
`

// noEnv is a getenv that finds nothing.
func noEnv(string) string { return "" }

// MustLoadLocation loads an IANA zone or fails the test.
func MustLoadLocation(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load location %q: %v", name, err)
	}
	return loc
}

// MustDate parses a YYYY-MM-DD date or fails the test.
func MustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

// MustInstant parses an RFC 3339 instant or fails the test.
func MustInstant(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse instant %q: %v", s, err)
	}
	return ts
}

// MustHours parses opening hours or fails the test.
func MustHours(t testing.TB, s string) []DayRange {
	t.Helper()
	r, err := ParseHours(s)
	if err != nil {
		t.Fatalf("ParseHours(%q): %v", s, err)
	}
	return r
}

// MustParseConfig parses TOML text with no environment and no base directory, or fails the test.
func MustParseConfig(t testing.TB, text string) *Config {
	t.Helper()
	cfg, err := ParseConfig([]byte(text), "test config", "", noEnv)
	if err != nil {
		t.Fatalf("ParseConfig: %v\n--- text ---\n%s", err, text)
	}
	return cfg
}

// MustDemoConfig parses config.example.toml or fails the test.
func MustDemoConfig(t testing.TB) *Config {
	t.Helper()
	text, err := os.ReadFile(demoConfigPath)
	if err != nil {
		t.Fatalf("read demo config: %v", err)
	}
	cfg, err := ParseConfig(text, demoConfigPath, "", noEnv)
	if err != nil {
		t.Fatalf("demo config: %v", err)
	}
	return cfg
}

// MustConfigError asserts err is a *ConfigError and returns it.
func MustConfigError(t testing.TB, err error) *ConfigError {
	t.Helper()
	if err == nil {
		t.Fatal("ParseConfig succeeded; want a *ConfigError")
	}
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error is %T (%v); want *ConfigError", err, err)
	}
	if len(ce.Problems) == 0 {
		t.Fatalf("*ConfigError with no problems: %v", err)
	}
	return ce
}

// MustDomainError asserts err is an *Error with the given code and returns it.
func MustDomainError(t testing.TB, err error, code string) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error; want code %q", code)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error is %T (%v); want *Error", err, err)
	}
	if e.Code != code {
		t.Fatalf("error code %q (%v); want %q", e.Code, err, code)
	}
	return e
}

// everyDay returns a week in which every day has the same opening hours.
func everyDay(t testing.TB, hours string) [7][]DayRange {
	t.Helper()
	var w [7][]DayRange
	r := MustHours(t, hours)
	for i := range w {
		w[i] = r
	}
	return w
}

// formatAll formats instants with FormatInstant in loc.
func formatAll(ts []time.Time, loc *time.Location) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = FormatInstant(t, loc)
	}
	return out
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func problemsText(ce *ConfigError) string { return strings.Join(ce.Problems, "\n") }
