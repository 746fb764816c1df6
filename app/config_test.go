package app

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseConfigDemoFile(t *testing.T) {
	cfg := MustDemoConfig(t)

	if cfg.Location == nil || cfg.Location.String() != "Europe/London" {
		t.Errorf("Location = %v; want Europe/London", cfg.Location)
	}
	wantWeek := map[time.Weekday][]DayRange{
		time.Monday:   {{9 * 60, 21 * 60}},
		time.Friday:   {{9 * 60, 22 * 60}},
		time.Saturday: {{8 * 60, 22 * 60}},
		time.Sunday:   {{10 * 60, 18 * 60}},
	}
	for wd, want := range wantWeek {
		if got := cfg.Venue.Week[wd]; !slices.Equal(got, want) {
			t.Errorf("Week[%v] = %v; want %v", wd, got, want)
		}
	}
	if len(cfg.Closures) != 1 || cfg.Closures[0].From != MustDate(t, "2026-12-25") || cfg.Closures[0].To != MustDate(t, "2026-12-26") {
		t.Errorf("Closures = %+v; want 2026-12-25..2026-12-26", cfg.Closures)
	}
	if cfg.Parking.LinkTTL != 72*time.Hour || cfg.Mail.ReminderBefore != 24*time.Hour || cfg.Mail.RetryBase != time.Minute {
		t.Errorf("durations: link_ttl %v, reminder_before %v, retry_base %v", cfg.Parking.LinkTTL, cfg.Mail.ReminderBefore, cfg.Mail.RetryBase)
	}
	tier, pkg, ok := cfg.FindPackage("private-120")
	if !ok || tier.ID != "private" || pkg.DurationMinutes != 120 || pkg.PriceCents != 12000 {
		t.Errorf("FindPackage(private-120) = %+v, %+v, %v", tier, pkg, ok)
	}
	if _, _, ok := cfg.FindPackage("nope"); ok {
		t.Error("FindPackage(nope) found something")
	}
	if got := cfg.TierRooms(&cfg.Tiers[0]); !slices.Equal(got, []string{"main"}) {
		t.Errorf("TierRooms(classic) with rooms = [] → %v; want every room", got)
	}
	r := RulesFromConfig(cfg)
	if r.SlotStep != 30*time.Minute || r.Gap != 30*time.Minute || r.MinNotice != 2*time.Hour || r.MaxAdvance != 90 || r.Location != cfg.Location {
		t.Errorf("RulesFromConfig = %+v", r)
	}
	if cfg.Server.BaseURL != "http://localhost:8080" || cfg.Database.Path != "data/venuebook.db" {
		t.Errorf("server.base_url %q, database.path %q", cfg.Server.BaseURL, cfg.Database.Path)
	}
}

// TestParseConfigProblems checks that every kind of mistake is reported as a
// *ConfigError whose problems name the key at fault.
func TestParseConfigProblems(t *testing.T) {
	twoTiers := func(second string) string { return catalogTOML + second }
	onePackage := func(fields string) string {
		return `
[[rooms]]
id = "main"
name = "Main"

[[tiers]]
id = "classic"
name = "Classic"
  [[tiers.packages]]
  id = "classic-60"
  name = "60 minutes"
` + fields
	}
	tests := []struct {
		name string
		text string
		key  string // a problem must start with this key
	}{
		{"unknown timezone", "[venue]\ntimezone = \"Mars/Olympus_Mons\"\n" + catalogTOML, "venue.timezone"},
		{"Local is not a venue timezone", "[venue]\ntimezone = \"Local\"\n" + catalogTOML, "venue.timezone"},
		{"empty timezone", "[venue]\ntimezone = \"\"\n" + catalogTOML, "venue.timezone"},
		{"overlapping hours", "[venue.hours]\nmon = \"09:00-13:00,12:00-21:00\"\n" + catalogTOML, "venue.hours.mon"},
		{"hours out of order", "[venue.hours]\nwed = \"13:00-21:00,09:00-12:00\"\n" + catalogTOML, "venue.hours.wed"},
		{"malformed hours", "[venue.hours]\ntue = \"9-5\"\n" + catalogTOML, "venue.hours.tue"},
		{"hours past midnight", "[venue.hours]\nfri = \"18:00-24:30\"\n" + catalogTOML, "venue.hours.fri"},
		{"hours ending before start", "[venue.hours]\nsun = \"21:00-09:00\"\n" + catalogTOML, "venue.hours.sun"},
		{"hours with trailing comma", "[venue.hours]\nsat = \"09:00-12:00,\"\n" + catalogTOML, "venue.hours.sat"},
		{"slot step too small", "[venue]\nslot_step_minutes = 0\n" + catalogTOML, "venue.slot_step_minutes"},
		{"change cutoff below -1", "[venue]\nchange_cutoff_hours = -2\n" + catalogTOML, "venue.change_cutoff_hours"},
		{"venue phone without digits", "[venue]\nphone = \"call us\"\n" + catalogTOML, "venue.phone"},
		{"venue email not an address", "[venue]\nemail = \"desk at sauna\"\n" + catalogTOML, "venue.email"},
		{"venue website over http", "[venue]\nwebsite = \"http://sauna.example\"\n" + catalogTOML, "venue.website"},
		{"venue website not a URL", "[venue]\nwebsite = \"sauna.example\"\n" + catalogTOML, "venue.website"},
		{"venue website with a password", "[venue]\nwebsite = \"https://a:b@sauna.example\"\n" + catalogTOML, "venue.website"},
		{"negative cleaning gap", "[venue]\ncleaning_gap_minutes = -5\n" + catalogTOML, "venue.cleaning_gap_minutes"},
		{"max advance zero", "[venue]\nmax_advance_days = 0\n" + catalogTOML, "venue.max_advance_days"},
		{"bad currency", "[venue]\ncurrency = \"gbp\"\n" + catalogTOML, "venue.currency"},
		{"unknown currency", "[venue]\ncurrency = \"ABC\"\n" + catalogTOML, `venue.currency: "ABC" is not an ISO 4217 currency code`},
		{"withdrawn currency", "[venue]\ncurrency = \"DEM\"\n" + catalogTOML, `venue.currency: "DEM" is not an ISO 4217 currency code`},
		{"not a currency", "[venue]\ncurrency = \"XAU\"\n" + catalogTOML, `venue.currency: "XAU" is not an ISO 4217 currency code`},
		{"embed origin star", "[embed]\nallowed_origins = [\"*\"]\n" + catalogTOML, `embed.allowed_origins[0]: "*" is not allowed`},
		{"embed origin with a path", "[embed]\nallowed_origins = [\"https://sauna.example/book\"]\n" + catalogTOML, `embed.allowed_origins[0]: "https://sauna.example/book" must be only the scheme and host`},
		{"embed origin over http", "[embed]\nallowed_origins = [\"http://sauna.example\"]\n" + catalogTOML, `embed.allowed_origins[0]: "http://sauna.example" must be https`},
		{"embed origin without scheme", "[embed]\nallowed_origins = [\"https://ok.example\", \"sauna.example\"]\n" + catalogTOML, `embed.allowed_origins[1]: "sauna.example" is not an origin`},
		{"embed origin with a password", "[embed]\nallowed_origins = [\"https://a:b@sauna.example\"]\n" + catalogTOML, `embed.allowed_origins[0]`},
		{"withdrawn kuna", "[venue]\ncurrency = \"HRK\"\n" + catalogTOML, `venue.currency: "HRK" is not an ISO 4217 currency code`},
		{"language not a tag", "[venue]\nlanguage = \"german\"\n" + catalogTOML, `venue.language: "german" is not a language tag`},
		{"language with an underscore", "[venue]\nlanguage = \"de_DE!\"\n" + catalogTOML, `venue.language: "de_DE!" is not a language tag`},
		{"empty language", "[venue]\nlanguage = \"\"\n" + catalogTOML, `venue.language: "" is not a language tag`},
		{"language no catalog speaks", "[venue]\nlanguage = \"ja\"\n" + catalogTOML, `venue.language: "ja" is not a language venuebook speaks; it speaks de, en, es, fr`},
		{"offered language unknown", "[venue]\nlanguages = [\"de\", \"xx\"]\n" + catalogTOML, `venue.languages[1]: "xx"`},
		{"offered language unsupported", "[venue]\nlanguages = [\"zh-Hant\"]\n" + catalogTOML, `venue.languages[0]: "zh-Hant" is not a language venuebook speaks`},
		{"package longer than every opening range", "[venue.hours]\nmon = \"09:00-12:00,13:00-14:30\"\nsat = \"10:00-12:00\"\n" +
			onePackage("  duration_minutes = 240\n  price_cents = 100\n  max_guests = 4\n"), "tiers[0].packages[0].duration_minutes: 240 minutes is longer than every opening range of the week (the longest is mon 09:00-12:00, 180 minutes)"},
		{"bad closure date", "[[closures]]\nstart = \"2026-02-30\"\n" + catalogTOML, "closures[0].start"},
		{"closure ending before start", "[[closures]]\nstart = \"2026-12-26\"\nend = \"2026-12-25\"\n" + catalogTOML, "closures[0].end"},
		{"no rooms", "[[tiers]]\nid = \"a\"\nname = \"A\"\n[[tiers.packages]]\nid = \"p\"\nname = \"P\"\nduration_minutes = 60\nprice_cents = 1\nmax_guests = 1\n", "rooms"},
		{"no tiers", "[[rooms]]\nid = \"main\"\nname = \"Main\"\n", "tiers"},
		{"duplicate room id", "[[rooms]]\nid = \"main\"\nname = \"Other\"\n" + catalogTOML, "rooms[1].id"},
		{"bad room id", strings.Replace(catalogTOML, `id = "main"`, `id = "Main Room"`, 1), "rooms[0].id"},
		{"duplicate tier id", twoTiers("\n[[tiers]]\nid = \"classic\"\nname = \"Again\"\n  [[tiers.packages]]\n  id = \"other-60\"\n  name = \"60\"\n  duration_minutes = 60\n  price_cents = 1\n  max_guests = 1\n"), "tiers[1].id"},
		{"duplicate package id across tiers", twoTiers("\n[[tiers]]\nid = \"private\"\nname = \"Private\"\n  [[tiers.packages]]\n  id = \"classic-60\"\n  name = \"60\"\n  duration_minutes = 60\n  price_cents = 1\n  max_guests = 1\n"), "tiers[1].packages[0].id"},
		{"unknown room in tier", twoTiers("\n[[tiers]]\nid = \"private\"\nname = \"Private\"\nrooms = [\"main\", \"sauna\"]\n  [[tiers.packages]]\n  id = \"private-60\"\n  name = \"60\"\n  duration_minutes = 60\n  price_cents = 1\n  max_guests = 1\n"), "tiers[1].rooms[1]"},
		{"tier with no packages", twoTiers("\n[[tiers]]\nid = \"empty\"\nname = \"Empty\"\n"), "tiers[1].packages"},
		{"negative price", onePackage("  duration_minutes = 60\n  price_cents = -1\n  max_guests = 4\n"), "tiers[0].packages[0].price_cents"},
		{"price too high", onePackage("  duration_minutes = 60\n  price_cents = 100000001\n  max_guests = 4\n"), "tiers[0].packages[0].price_cents"},
		{"duration too short", onePackage("  duration_minutes = 4\n  price_cents = 100\n  max_guests = 4\n"), "tiers[0].packages[0].duration_minutes"},
		{"duration too long", onePackage("  duration_minutes = 1441\n  price_cents = 100\n  max_guests = 4\n"), "tiers[0].packages[0].duration_minutes"},
		{"duration missing", onePackage("  price_cents = 100\n  max_guests = 4\n"), "tiers[0].packages[0].duration_minutes"},
		{"no guests", onePackage("  duration_minutes = 60\n  price_cents = 100\n  max_guests = 0\n"), "tiers[0].packages[0].max_guests"},
		{"bad duration string", "[parking]\nlink_ttl = \"3 days\"\n" + catalogTOML, "parking.link_ttl"},
		{"negative duration", "[parking]\nlink_ttl = \"-1h\"\n" + catalogTOML, "parking.link_ttl"},
		{"empty required duration", "[mail]\nretry_base = \"\"\n" + catalogTOML, "mail.retry_base"},
		{"bad optional duration", "[mail]\nreminder_before = \"soon\"\n" + catalogTOML, "mail.reminder_before"},
		{"parking without approver", "[parking]\nenabled = true\napprover_email = \"\"\n" + catalogTOML, "parking.approver_email"},
		{"bad rate separator", "[limits]\nbooking_per_ip = \"20/H\"\n" + catalogTOML, "limits.booking_per_ip"},
		{"bad rate unit", "[limits]\nbooking_per_email = \"5-W\"\n" + catalogTOML, "limits.booking_per_email"},
		{"zero rate", "[limits]\nread_per_ip = \"0-M\"\n" + catalogTOML, "limits.read_per_ip"},
		{"lower-case rate unit", "[limits]\nlogin_per_ip = \"10-m\"\n" + catalogTOML, "limits.login_per_ip"},
		{"rate with spaces", "[limits]\nemail_per_recipient = \" 20-H\"\n" + catalogTOML, "limits.email_per_recipient"},
		{"unknown key in venue", "[venue]\ncolour = \"x\"\n" + catalogTOML, "venue.colour"},
		{"unknown table", "[nonsense]\nx = 1\n" + catalogTOML, "nonsense"},
		{"unknown key in a package", onePackage("  duration_minutes = 60\n  price_cents = 100\n  max_guests = 4\n  colour = \"red\"\n"), "tiers[0].packages[0].colour: unknown key"},
		{"unknown key in a closure", "[[closures]]\nstart = \"2026-12-24\"\n[[closures]]\nstart = \"2026-12-25\"\nreson = \"x\"\n" + catalogTOML, "closures[1].reson: unknown key"},
		{"price in quotes", onePackage("  duration_minutes = 60\n  price_cents = \"45\"\n  max_guests = 4\n"), `tiers[0].packages[0].price_cents: must be a whole number, not the text "45" (write it without quotes: 45)`},
		{"number where text belongs", "[venue]\nname = 42\n" + catalogTOML, "venue.name: must be text in quotes"},
		{"flag in quotes", "[parking]\nenabled = \"yes\"\n" + catalogTOML, "parking.enabled: must be true or false"},
		{"list item of the wrong type", "[server]\ntrusted_proxies = [\"10.0.0.1\", 8]\n" + catalogTOML, "server.trusted_proxies[1]: must be text in quotes"},
		{"table where a value belongs", "[venue.name]\nx = 1\n" + catalogTOML, "venue.name: must be text in quotes, not a table"},
		{"package with no tier", "[[tiers.packages]]\nid = \"p\"\n[[rooms]]\nid = \"main\"\nname = \"Main\"\n", "tiers: a package with no tier?"},
		{"bad cron schedule", "[backup]\nschedule = \"0 3 * *\"\n" + catalogTOML, "backup.schedule"},
		{"cron minute out of range", "[backup]\nschedule = \"61 3 * * *\"\n" + catalogTOML, "backup.schedule"},
		{"backup keep zero", "[backup]\nkeep = 0\n" + catalogTOML, "backup.keep"},
		{"short secret", "[security]\nsecret = \"short\"\n" + catalogTOML, "security.secret"},
		{"bad listen address", "[server]\nlisten = \"8080\"\n" + catalogTOML, "server.listen"},
		{"relative base url", "[server]\nbase_url = \"localhost:8080\"\n" + catalogTOML, "server.base_url"},
		{"bad trusted proxy", "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"proxy\"]\n" + catalogTOML, "server.trusted_proxies[1]"},
		{"bad smtp tls", "[mail.primary]\nhost = \"smtp.example.com\"\ntls = \"ssl\"\n" + catalogTOML, "mail.primary.tls"},
		{"password in clear to the primary", "[mail.primary]\nhost = \"smtp.example.com\"\nusername = \"bookings\"\ntls = \"none\"\n" + catalogTOML, "mail.primary.username"},
		{"password in clear to the fallback", "[mail.fallback]\nhost = \"smtp.example.com\"\nusername = \"bookings\"\ntls = \"none\"\n" + catalogTOML, "mail.fallback.username"},
		{"helo name localhost", "[mail]\nhelo_name = \"localhost\"\n" + catalogTOML, "mail.helo_name"},
		{"helo name an IP address", "[mail]\nhelo_name = \"192.0.2.7\"\n" + catalogTOML, "mail.helo_name"},
		{"helo name not a name", "[mail]\nhelo_name = \"my venue\"\n" + catalogTOML, "mail.helo_name"},
		{"missing ca file", "[mail.primary]\nhost = \"smtp.example.com\"\nca_file = \"/nonexistent/ca.pem\"\n" + catalogTOML, "mail.primary.ca_file"},
		{"ca file without a certificate", "[mail.fallback]\nhost = \"smtp.example.com\"\nca_file = \"config_test.go\"\n" + catalogTOML, "mail.fallback.ca_file"},
		{"ca file without tls", "[mail.primary]\nhost = \"smtp.example.com\"\ntls = \"none\"\nca_file = \"config_test.go\"\n" + catalogTOML, "mail.primary.ca_file"},
		{"bad log level", "[log]\nlevel = \"verbose\"\n" + catalogTOML, "log.level"},
		{"wrong type", "[venue]\nslot_step_minutes = \"thirty\"\n" + catalogTOML, "slot_step_minutes"},
		{"TOML syntax error", "[venue\nname = \"x\"\n", "line "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.text), "test.toml", "", noEnv)
			ce := MustConfigError(t, err)
			if cfg != nil {
				t.Errorf("ParseConfig returned a config with its error")
			}
			found := false
			for _, p := range ce.Problems {
				if strings.Contains(p, tc.key) {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem names %q:\n%s", tc.key, problemsText(ce))
			}
			if ce.Source != "test.toml" || !strings.Contains(ce.Error(), "test.toml") {
				t.Errorf("error %q does not name its source", ce.Error())
			}
		})
	}
}

func TestParseConfigReportsEveryProblem(t *testing.T) {
	text := `
[venue]
timezone = "Nowhere/Special"
colour = "blue"

[venue.hours]
mon = "09:00-08:00"

[limits]
booking_per_ip = "lots"

[backup]
schedule = "every night"
`
	_, err := ParseConfig([]byte(text), "test.toml", "", noEnv)
	ce := MustConfigError(t, err)
	for _, key := range []string{"venue.timezone", "venue.colour", "venue.hours.mon", "limits.booking_per_ip", "backup.schedule", "rooms", "tiers"} {
		found := false
		for _, p := range ce.Problems {
			if strings.HasPrefix(p, key+":") {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem starts with %q:\n%s", key+":", problemsText(ce))
		}
	}
}

// Every active ISO 4217 currency is accepted, also those newer than the
// CLDR tables of golang.org/x/text; and a package as long as the longest
// opening range of the week is bookable.
func TestParseConfigAccepts(t *testing.T) {
	for _, code := range []string{"GBP", "EUR", "USD", "JPY", "KWD", "CLF", "VES", "MRU", "SLE", "ZWG", "XCG", "CHF", "UYW"} {
		if _, err := ParseConfig([]byte("[venue]\ncurrency = \""+code+"\"\n"+catalogTOML), "test.toml", "", noEnv); err != nil {
			t.Errorf("currency %s: %v", code, err)
		}
	}
	text := "[venue.hours]\nmon = \"09:00-12:00\"\nsun = \"00:00-24:00\"\n" + strings.Replace(catalogTOML, "duration_minutes = 60", "duration_minutes = 1440", 1)
	if _, err := ParseConfig([]byte(text), "test.toml", "", noEnv); err != nil {
		t.Errorf("a 24-hour package with an all-day Sunday: %v", err)
	}
	closed := "[venue.hours]\n" + catalogTOML
	if _, err := ParseConfig([]byte(closed), "test.toml", "", noEnv); err != nil {
		t.Errorf("a week with no opening hours (closed for now): %v", err)
	}
}

// A typo deep in the catalog names its indexes, and a value of the wrong type
// does not stop the other checks: every problem of the file is reported, the
// refused value once.
func TestParseConfigReportsEveryProblemPastTypeErrors(t *testing.T) {
	text := `
[venue]
timezone = "Europe/Londn"
slot_step_minutes = "thirty"

[[rooms]]
id = "main"
name = "Main"

[[tiers]]
id = "classic"
name = "Classic"
  [[tiers.packages]]
  id = "classic-60"
  name = "60 minutes"
  duration_minutes = 60
  price_cents = 4500
  max_guests = 4
  [[tiers.packages]]
  id = "classic-90"
  name = "90 minutes"
  duraton_minutes = 90
  price_cents = "45"
  max_guests = 4

[backup]
keep = 0
`
	_, err := ParseConfig([]byte(text), "test.toml", "", noEnv)
	ce := MustConfigError(t, err)
	for _, want := range []string{
		"venue.timezone: unknown timezone",
		"venue.slot_step_minutes: must be a whole number",
		"tiers[0].packages[1].duraton_minutes: unknown key",
		"tiers[0].packages[1].price_cents: must be a whole number",
		"tiers[0].packages[1].duration_minutes: 0 is out of range",
		"backup.keep: 0 is out of range",
	} {
		n := 0
		for _, p := range ce.Problems {
			if strings.HasPrefix(p, want) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d problems start with %q, want 1:\n%s", n, want, problemsText(ce))
		}
	}
	for _, key := range []string{"venue.slot_step_minutes", "tiers[0].packages[1].price_cents"} {
		n := 0
		for _, p := range ce.Problems {
			if strings.HasPrefix(p, key+":") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s is reported %d times, want once:\n%s", key, n, problemsText(ce))
		}
	}
}

func TestParseConfigEnvironmentOverrides(t *testing.T) {
	fileSecret := strings.Repeat("f", 40)
	text := `
[security]
secret = "` + fileSecret + `"

[mail.primary]
host = "smtp.example.com"
password = "from-file"

[mail.fallback]
host = "smtp2.example.com"
password = "fallback-from-file"
` + catalogTOML
	envSecret := strings.Repeat("e", 48)
	tests := []struct {
		name                      string
		env                       map[string]string
		secret, primary, fallback string
	}{
		{"no environment", nil, fileSecret, "from-file", "fallback-from-file"},
		{"environment wins", map[string]string{
			"VENUEBOOK_SECRET": envSecret, "VENUEBOOK_SMTP_PASSWORD": "from-env", "VENUEBOOK_FALLBACK_SMTP_PASSWORD": "fallback-from-env",
		}, envSecret, "from-env", "fallback-from-env"},
		{"empty variables do not override", map[string]string{
			"VENUEBOOK_SECRET": "", "VENUEBOOK_SMTP_PASSWORD": "",
		}, fileSecret, "from-file", "fallback-from-file"},
		{"only the SMTP password", map[string]string{"VENUEBOOK_SMTP_PASSWORD": "p"}, fileSecret, "p", "fallback-from-file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(text), "test.toml", "", func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Security.Secret != tc.secret || cfg.Mail.Primary.Password != tc.primary || cfg.Mail.Fallback.Password != tc.fallback {
				t.Errorf("secret %q, primary %q, fallback %q; want %q, %q, %q",
					cfg.Security.Secret, cfg.Mail.Primary.Password, cfg.Mail.Fallback.Password, tc.secret, tc.primary, tc.fallback)
			}
		})
	}

	t.Run("environment secret is validated too", func(t *testing.T) {
		_, err := ParseConfig([]byte(catalogTOML), "test.toml", "", func(k string) string {
			if k == "VENUEBOOK_SECRET" {
				return "too-short"
			}
			return ""
		})
		ce := MustConfigError(t, err)
		if !strings.Contains(problemsText(ce), "security.secret") {
			t.Errorf("problems do not name security.secret:\n%s", problemsText(ce))
		}
		if strings.Contains(ce.Error(), "too-short") {
			t.Errorf("the error repeats the secret: %s", ce.Error())
		}
	})

	t.Run("nil getenv", func(t *testing.T) {
		cfg, err := ParseConfig([]byte(text), "test.toml", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Security.Secret != fileSecret {
			t.Errorf("secret %q; want the file's", cfg.Security.Secret)
		}
	})
}

func TestParseConfigRelativePaths(t *testing.T) {
	base := filepath.Join(t.TempDir(), "venue")
	abs := filepath.Join(t.TempDir(), "mail-out")
	text := `
[database]
path = "db/venuebook.db"

[mail]
dir = "` + filepath.ToSlash(abs) + `"
` + catalogTOML
	tests := []struct {
		name                 string
		baseDir              string
		db, mailDir, backups string
	}{
		{"resolved against baseDir", base, filepath.Join(base, "db", "venuebook.db"), abs, filepath.Join(base, "data", "backups")},
		{"no baseDir leaves them as written", "", "db/venuebook.db", abs, "data/backups"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(text), "test.toml", tc.baseDir, noEnv)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Database.Path != tc.db || cfg.Mail.Dir != tc.mailDir || cfg.Backup.Dir != tc.backups {
				t.Errorf("database.path %q, mail.dir %q, backup.dir %q; want %q, %q, %q",
					cfg.Database.Path, cfg.Mail.Dir, cfg.Backup.Dir, tc.db, tc.mailDir, tc.backups)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "venue.toml")
	if err := os.WriteFile(path, []byte("[venue]\nname = \"From File\"\n"+catalogTOML), 0o600); err != nil {
		t.Fatal(err)
	}
	demo := []byte("[venue]\nname = \"Embedded\"\n" + catalogTOML)
	tests := []struct {
		name   string
		path   string
		env    map[string]string
		venue  string
		dbPath string
	}{
		{"explicit path", path, nil, "From File", filepath.Join(dir, "data", "venuebook.db")},
		{"VENUEBOOK_CONFIG", "", map[string]string{"VENUEBOOK_CONFIG": path}, "From File", filepath.Join(dir, "data", "venuebook.db")},
		{"embedded demo", "", nil, "Embedded", "data/venuebook.db"},
	}
	// Work in an empty directory, so no stray ./config.toml is picked up.
	work := t.TempDir()
	t.Chdir(work)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(tc.path, demo, func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Venue.Name != tc.venue || cfg.Database.Path != tc.dbPath {
				t.Errorf("venue %q, database.path %q; want %q, %q", cfg.Venue.Name, cfg.Database.Path, tc.venue, tc.dbPath)
			}
		})
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.toml"), demo, noEnv); err == nil {
		t.Error("LoadConfig of a missing file succeeded")
	}
	// ./config.toml comes after $VENUEBOOK_CONFIG and before the embedded demo.
	if err := os.WriteFile("config.toml", []byte("[venue]\nname = \"Local\"\n"+catalogTOML), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err := LoadConfig("", demo, noEnv); err != nil || cfg.Venue.Name != "Local" || cfg.Database.Path != filepath.Join(work, "data", "venuebook.db") {
		t.Errorf("./config.toml: %v %+v", err, cfg)
	}
	if cfg, err := LoadConfig("", demo, func(k string) string { return map[string]string{"VENUEBOOK_CONFIG": path}[k] }); err != nil || cfg.Venue.Name != "From File" {
		t.Errorf("VENUEBOOK_CONFIG before ./config.toml: %v", err)
	}
}

// TestParseConfigHoursTable checks that a [venue.hours] table closes the days
// it leaves out, while a file without the table keeps the default hours.
func TestParseConfigHoursTable(t *testing.T) {
	nine := []DayRange{{9 * 60, 21 * 60}}
	tests := []struct {
		name string
		text string
		want map[time.Weekday][]DayRange // days not listed must be closed
	}{
		{"no hours table: every day default", "[venue]\nname = \"V\"\n", map[time.Weekday][]DayRange{
			time.Monday: nine, time.Tuesday: nine, time.Wednesday: nine, time.Thursday: nine, time.Friday: nine, time.Saturday: nine, time.Sunday: nine,
		}},
		{"table with two days", "[venue.hours]\nmon = \"09:00-17:00\"\nsat = \"10:00-12:00,13:00-24:00\"\n", map[time.Weekday][]DayRange{
			time.Monday: {{9 * 60, 17 * 60}}, time.Saturday: {{10 * 60, 12 * 60}, {13 * 60, 24 * 60}},
		}},
		{"empty table: every day closed", "[venue.hours]\n", map[time.Weekday][]DayRange{}},
		{"a day written as empty string", "[venue.hours]\nmon = \"\"\ntue = \"00:00-24:00\"\n", map[time.Weekday][]DayRange{
			time.Tuesday: {{0, 24 * 60}},
		}},
		{"inline table", "[venue]\nhours = { wed = \"08:00-09:00\" }\n", map[time.Weekday][]DayRange{
			time.Wednesday: {{8 * 60, 9 * 60}},
		}},
		{"dotted key", "[venue]\nhours.thu = \"08:00-09:00\"\n", map[time.Weekday][]DayRange{
			time.Thursday: {{8 * 60, 9 * 60}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := MustParseConfig(t, tc.text+catalogTOML)
			for wd := time.Sunday; wd <= time.Saturday; wd++ {
				if got := cfg.Venue.Week[wd]; !slices.Equal(got, tc.want[wd]) {
					t.Errorf("Week[%v] = %v; want %v", wd, got, tc.want[wd])
				}
			}
		})
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in     string
		ok     bool
		limit  int64
		period time.Duration
	}{
		{"", true, 0, 0},
		{"20-H", true, 20, time.Hour},
		{"1-S", true, 1, time.Second},
		{"600-M", true, 600, time.Minute},
		{"5-D", true, 5, 24 * time.Hour},
		{"0-H", false, 0, 0},
		{"20-h", false, 0, 0},
		{"20", false, 0, 0},
		{"-H", false, 0, 0},
		{"20-HH", false, 0, 0},
		{"1000000000-S", false, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			r, err := ParseRate(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseRate(%q) error %v; want ok=%v", tc.in, err, tc.ok)
			}
			if tc.ok && (r.Limit != tc.limit || r.Period != tc.period) {
				t.Errorf("ParseRate(%q) = %d per %v; want %d per %v", tc.in, r.Limit, r.Period, tc.limit, tc.period)
			}
		})
	}
}

// The shipped config.example.toml is the demo venue and documents the
// defaults: it must parse, and equal what the code assumes when a key is left
// out, and its venue is API.md's example catalog.
func TestExampleConfigIsTheDefaults(t *testing.T) {
	text, err := os.ReadFile("../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(text, "config.example.toml", "", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	minimal := `
[[rooms]]
id = "main"
name = "Main room"
[[tiers]]
id = "classic"
name = "Classic"
description = ""
rooms = []
  [[tiers.packages]]
  id = "classic-60"
  name = "60 minutes"
  duration_minutes = 60
  price_cents = 4500
  max_guests = 4
[[closures]]
start = "2026-12-25"
end = "2026-12-26"
reason = "Christmas"
`
	defaults, err := ParseConfig([]byte(minimal), "defaults", "", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Source, defaults.Source = "", ""
	if !reflect.DeepEqual(cfg, defaults) {
		t.Errorf("config.example.toml differs from the defaults:\nexample  %+v\ndefaults %+v", cfg, defaults)
	}
	if cfg.Venue.Name != "Demo Venue" || !cfg.Parking.Enabled || cfg.Parking.ApproverEmail != "parking@example.com" ||
		len(cfg.Tiers) != 1 || len(cfg.Tiers[0].Packages) != 1 || cfg.Tiers[0].Packages[0].PriceCents != 4500 {
		t.Errorf("demo venue is not API.md's example: %+v", cfg)
	}
}

// The EHLO name: the configured one, else base_url's host, else a fully
// qualified hostname, else venuebook.invalid; never localhost or an address.
func TestHELOName(t *testing.T) {
	host := func(name string) func() (string, error) { return func() (string, error) { return name, nil } }
	for _, tc := range []struct {
		name, heloName, baseURL string
		hostname                func() (string, error)
		want                    string
	}{
		{"configured", "mail.sauna.example", "https://book.sauna.example", host("pi.lan.example"), "mail.sauna.example"},
		{"host of base_url", "", "https://Book.Sauna.example", host("pi.lan.example"), "book.sauna.example"},
		{"localhost base_url, FQDN hostname", "", "http://localhost:8080", host("pi.lan.example."), "pi.lan.example"},
		{"IPv4 base_url, bare hostname", "", "http://127.0.0.1:8080", host("raspberrypi"), FallbackHELOName},
		{"IPv6 base_url, localdomain hostname", "", "http://[::1]:8080", host("box.localdomain"), FallbackHELOName},
		{"no hostname", "", "http://localhost:8080", func() (string, error) { return "", os.ErrNotExist }, FallbackHELOName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Server: ServerConfig{BaseURL: tc.baseURL}, Mail: MailConfig{HELOName: tc.heloName}}
			if got := cfg.HELOName(tc.hostname); got != tc.want {
				t.Errorf("HELOName = %q, want %q", got, tc.want)
			}
		})
	}
}

// Allowed origins are kept as browsers send them in an Origin header.
func TestEmbedOriginsAreNormalised(t *testing.T) {
	cfg := MustParseConfig(t, "[embed]\nallowed_origins = [\"HTTPS://Sauna-Nord.Example/\", \"https://sauna.example:443\", \"https://sauna.example:8443\", \"http://localhost:8081\", \"http://127.0.0.1\", \"http://[::1]:3000\"]\n"+catalogTOML)
	want := []string{"https://sauna-nord.example", "https://sauna.example", "https://sauna.example:8443", "http://localhost:8081", "http://127.0.0.1", "http://[::1]:3000"}
	if strings.Join(cfg.Embed.AllowedOrigins, " ") != strings.Join(want, " ") {
		t.Errorf("origins %q, want %q", cfg.Embed.AllowedOrigins, want)
	}
	if !cfg.Embed.AllowsOrigin("https://sauna-nord.example") || cfg.Embed.AllowsOrigin("https://sauna-nord.example/") || cfg.Embed.AllowsOrigin("") {
		t.Error("AllowsOrigin matches more or less than the exact origins")
	}
}
