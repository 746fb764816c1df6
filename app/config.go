package app

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
	"venuebook/app/l10n"

	"github.com/BurntSushi/toml"
	"github.com/robfig/cron/v3"
	"github.com/ulule/limiter/v3"
)

// Config is the whole configuration of one venue, as read from TOML. Raw strings
// (durations, rates, hours) are kept as written; Validate parses them into the
// typed fields below the blank line of each section.
type Config struct {
	Server   ServerConfig   `toml:"server"`
	Database DatabaseConfig `toml:"database"`
	Venue    VenueConfig    `toml:"venue"`
	Closures []Closure      `toml:"closures"`
	Rooms    []Room         `toml:"rooms"`
	Tiers    []Tier         `toml:"tiers"`
	Parking  ParkingConfig  `toml:"parking"`
	Mail     MailConfig     `toml:"mail"`
	Security SecurityConfig `toml:"security"`
	Limits   LimitsConfig   `toml:"limits"`
	Backup   BackupConfig   `toml:"backup"`
	Log      LogConfig      `toml:"log"`
	Embed    EmbedConfig    `toml:"embed"`

	// Source names where the configuration came from, for messages.
	Source string `toml:"-"`
	// Location is the venue's timezone, loaded by Validate.
	Location *time.Location `toml:"-"`
}

// EmbedConfig names the sites that may show the booking pages in an iframe
// (/embed.js) and call the public API from a browser.
type EmbedConfig struct {
	// AllowedOrigins are origins ("https://sauna-nord.example"), as
	// Validate normalises them: lower case, no trailing slash, no default
	// port.
	AllowedOrigins []string `toml:"allowed_origins"`
}

// AllowsOrigin reports whether origin (an Origin header) is one of
// embed.allowed_origins.
func (e EmbedConfig) AllowsOrigin(origin string) bool {
	for _, o := range e.AllowedOrigins {
		if o == origin {
			return true
		}
	}
	return false
}

// NormalOrigin is origin as browsers send it in an Origin header
// ("https://sauna-nord.example", "http://127.0.0.1:8081"), or why it is not
// one a venue's site can have: https (plain http only on this machine, for
// trying it out), a host, no path, query, fragment or password.
func NormalOrigin(origin string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(origin))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%q is not an origin such as \"https://sauna-nord.example\"", origin)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("%q must be only the scheme and host of the site, such as \"https://sauna-nord.example\" (no path, query or password)", origin)
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname())
	port := u.Port()
	switch {
	case scheme == "https":
		if port == "443" {
			port = ""
		}
	case scheme == "http" && (host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"):
		if port == "80" {
			port = ""
		}
	case scheme == "http":
		return "", fmt.Errorf("%q must be https: browsers share nothing safely with a plain-http site (only localhost and 127.0.0.1 may be http, for trying it out)", origin)
	default:
		return "", fmt.Errorf("%q is not an origin such as \"https://sauna-nord.example\"", origin)
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

type ServerConfig struct {
	Listen         string   `toml:"listen"`
	BaseURL        string   `toml:"base_url"`
	TrustedProxies []string `toml:"trusted_proxies"`
	ProxyHeader    string   `toml:"proxy_header"`
	// MetricsToken, when set, is the bearer token /metrics asks for.
	MetricsToken string `toml:"metrics_token"`
}

type DatabaseConfig struct {
	Path string `toml:"path"`
}

type VenueConfig struct {
	Name               string `toml:"name"`
	Timezone           string `toml:"timezone"`
	Currency           string `toml:"currency"`
	Address            string `toml:"address"`
	SlotStepMinutes    int    `toml:"slot_step_minutes"`
	CleaningGapMinutes int    `toml:"cleaning_gap_minutes"`
	MinNoticeMinutes   int    `toml:"min_notice_minutes"`
	MaxAdvanceDays     int    `toml:"max_advance_days"`
	CancelCutoffHours  int    `toml:"cancel_cutoff_hours"`
	// ChangeCutoffHours: customers may move a booking until this long
	// before its start; -1 switches moving off.
	ChangeCutoffHours int   `toml:"change_cutoff_hours"`
	Hours             Hours `toml:"hours"`
	// Phone, Email and Website are how customers reach the venue: on every
	// customer page and in customer emails; Email is their Reply-To.
	Phone   string `toml:"phone"`
	Email   string `toml:"email"`
	Website string `toml:"website"`
	// Language is the venue's language (BCP 47: "de", "de-CH"): its
	// console, its own copies, and customers who ask for none of
	// Languages. Languages are the other languages customers may choose.
	Language  string   `toml:"language"`
	Languages []string `toml:"languages"`
	// AccentColor is the pages' accent ("#rrggbb"); Logo an image file shown
	// in the pages' header (PNG, JPEG, WebP or SVG, at most 1 MiB).
	AccentColor string `toml:"accent_color"`
	Logo        string `toml:"logo"`

	// Week holds the parsed opening ranges, indexed by time.Weekday.
	Week [7][]DayRange `toml:"-"`
}

// Hours holds the opening hours of each weekday as written in the config.
type Hours struct {
	Mon string `toml:"mon"`
	Tue string `toml:"tue"`
	Wed string `toml:"wed"`
	Thu string `toml:"thu"`
	Fri string `toml:"fri"`
	Sat string `toml:"sat"`
	Sun string `toml:"sun"`
}

// Closure is a run of whole local dates, inclusive, on which the venue is closed.
type Closure struct {
	Start  string `toml:"start"`
	End    string `toml:"end"`
	Reason string `toml:"reason"`

	From, To Date `toml:"-"`
}

type Room struct {
	ID   string `toml:"id"`
	Name string `toml:"name"`
}

type Tier struct {
	ID          string    `toml:"id"`
	Name        string    `toml:"name"`
	Description string    `toml:"description"`
	Rooms       []string  `toml:"rooms"`
	Packages    []Package `toml:"packages"`
}

type Package struct {
	ID              string `toml:"id"`
	Name            string `toml:"name"`
	DurationMinutes int    `toml:"duration_minutes"`
	PriceCents      int64  `toml:"price_cents"`
	MaxGuests       int    `toml:"max_guests"`
}

type ParkingConfig struct {
	Enabled       bool   `toml:"enabled"`
	ApproverEmail string `toml:"approver_email"`
	LinkTTLRaw    string `toml:"link_ttl"`

	LinkTTL time.Duration `toml:"-"`
}

type MailConfig struct {
	From              string `toml:"from"`
	OwnerEmail        string `toml:"owner_email"`
	ReminderBeforeRaw string `toml:"reminder_before"`
	MaxAttempts       int    `toml:"max_attempts"`
	RetryBaseRaw      string `toml:"retry_base"`
	Dir               string `toml:"dir"`
	// HELOName is the name given to relays in EHLO; "" = derived (HELOName).
	HELOName string     `toml:"helo_name"`
	Primary  SMTPConfig `toml:"primary"`
	Fallback SMTPConfig `toml:"fallback"`

	ReminderBefore time.Duration `toml:"-"`
	RetryBase      time.Duration `toml:"-"`
}

type SMTPConfig struct {
	Host     string `toml:"host"`
	Port     int    `toml:"port"`
	Username string `toml:"username"`
	Password string `toml:"password"`
	TLS      string `toml:"tls"`
	// CAFile names a PEM file of CA certificates this relay's certificate
	// may chain to, besides the system's roots (a private or company CA).
	CAFile string `toml:"ca_file"`
	// Rate paces the messages sent through this relay ("10-S", "600-M"; ""
	// for no pace but the relay's own 421s), for a provider with a known limit.
	Rate string `toml:"rate"`

	// CACerts holds the certificates of CAFile, read by Validate.
	CACerts []*x509.Certificate `toml:"-"`
}

type SecurityConfig struct {
	Secret string `toml:"secret"`
}

type LimitsConfig struct {
	BookingPerIP    string `toml:"booking_per_ip"`
	BookingPerEmail string `toml:"booking_per_email"`
	// BookingPerNetwork counts the bookings made from one network (an IPv4
	// /24, an IPv6 /48), so that one person with many addresses cannot book
	// out the calendar.
	BookingPerNetwork string `toml:"booking_per_network"`
	ReadPerIP         string `toml:"read_per_ip"`
	LoginPerIP        string `toml:"login_per_ip"`
	// LoginFailuresPerAccount counts failed sign-ins per email address; past
	// it, each client may try that account only LoginLockedPerIP often.
	LoginFailuresPerAccount string `toml:"login_failures_per_account"`
	LoginLockedPerIP        string `toml:"login_locked_per_ip"`
	// PermitPerIP limits the parking permit decisions one client may send.
	PermitPerIP       string `toml:"permit_per_ip"`
	EmailPerRecipient string `toml:"email_per_recipient"`
	// TrackedClients is how many clients (addresses, emails) each limit
	// counts apart; past it, new ones share one count until old ones expire.
	TrackedClients int `toml:"tracked_clients"`
	// MinFillSeconds is the least time a person takes to fill in the booking
	// form; a quicker submission is a bot's (0 = no check).
	MinFillSeconds int `toml:"min_fill_seconds"`
}

type BackupConfig struct {
	Dir      string `toml:"dir"`
	Schedule string `toml:"schedule"`
	Keep     int    `toml:"keep"`
}

type LogConfig struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

// DayRange is one opening range of a day in minutes after local midnight; End may be 1440.
type DayRange struct {
	Start, End int
}

// DefaultConfig returns the settings used for every key a config file leaves out.
func DefaultConfig() Config {
	allDay := "09:00-21:00"
	return Config{
		Server:   ServerConfig{Listen: "127.0.0.1:8080", BaseURL: "http://localhost:8080", TrustedProxies: []string{}, ProxyHeader: "X-Forwarded-For"},
		Database: DatabaseConfig{Path: "data/venuebook.db"},
		Venue: VenueConfig{
			Name: "Demo Venue", Timezone: "Europe/London", Currency: "GBP",
			SlotStepMinutes: 30, CleaningGapMinutes: 30, MinNoticeMinutes: 120, MaxAdvanceDays: 90, CancelCutoffHours: 24, ChangeCutoffHours: 24,
			Hours:       Hours{allDay, allDay, allDay, allDay, allDay, allDay, allDay},
			AccentColor: "#1f5f8b", Language: "en", Languages: []string{},
		},
		Parking: ParkingConfig{Enabled: true, ApproverEmail: "parking@example.com", LinkTTLRaw: "72h"},
		Mail: MailConfig{
			From: "Demo Venue <bookings@example.com>", ReminderBeforeRaw: "24h", MaxAttempts: 8, RetryBaseRaw: "1m", Dir: "data/mail",
			Primary:  SMTPConfig{Port: 587, TLS: "starttls"},
			Fallback: SMTPConfig{Port: 587, TLS: "starttls"},
		},
		Limits: LimitsConfig{BookingPerIP: "20-H", BookingPerEmail: "5-H", BookingPerNetwork: "50-D", ReadPerIP: "600-M", LoginPerIP: "10-M",
			LoginFailuresPerAccount: "10-H", LoginLockedPerIP: "5-H", PermitPerIP: "30-M", EmailPerRecipient: "20-H",
			TrackedClients: 10000, MinFillSeconds: 3},
		Backup: BackupConfig{Dir: "data/backups", Schedule: "0 3 * * *", Keep: 14},
		Log:    LogConfig{Level: "info", Format: "json"},
		Embed:  EmbedConfig{AllowedOrigins: []string{}},
	}
}

// ConfigError lists every problem found in a configuration, each naming its key.
type ConfigError struct {
	Source   string
	Problems []string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s: %d problem(s):\n  %s", e.Source, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// ParseConfig reads TOML text over the defaults, applies environment overrides
// (getenv may be nil), resolves relative paths against baseDir and validates the
// result. A *ConfigError lists every problem found.
func ParseConfig(text []byte, source, baseDir string, getenv func(string) string) (*Config, error) {
	cfg := DefaultConfig()
	cfg.Source = source
	var tree map[string]any
	if _, err := toml.Decode(string(text), &tree); err != nil {
		return nil, &ConfigError{Source: source, Problems: []string{tomlProblem(err)}}
	}
	dec := newTOMLDecoder()
	dec.table("", tree, reflect.ValueOf(&cfg).Elem())
	problems := dec.problems
	// Days the file leaves out of a [venue.hours] table it writes are closed.
	if hours, ok := tomlTable(tree, "venue", "hours"); ok {
		days := []*string{&cfg.Venue.Hours.Mon, &cfg.Venue.Hours.Tue, &cfg.Venue.Hours.Wed, &cfg.Venue.Hours.Thu, &cfg.Venue.Hours.Fri, &cfg.Venue.Hours.Sat, &cfg.Venue.Hours.Sun}
		for i, name := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
			if _, ok := hours[name]; !ok {
				*days[i] = ""
			}
		}
	}
	if getenv != nil {
		for env, dst := range map[string]*string{
			"VENUEBOOK_SECRET":                 &cfg.Security.Secret,
			"VENUEBOOK_SMTP_PASSWORD":          &cfg.Mail.Primary.Password,
			"VENUEBOOK_FALLBACK_SMTP_PASSWORD": &cfg.Mail.Fallback.Password,
			"VENUEBOOK_METRICS_TOKEN":          &cfg.Server.MetricsToken,
		} {
			if v := getenv(env); v != "" {
				*dst = v
			}
		}
	}
	if baseDir != "" {
		for _, p := range []*string{&cfg.Database.Path, &cfg.Mail.Dir, &cfg.Backup.Dir, &cfg.Venue.Logo, &cfg.Mail.Primary.CAFile, &cfg.Mail.Fallback.CAFile} {
			if *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(baseDir, *p)
			}
		}
	}
	for _, p := range cfg.validate() {
		// A refused value left its default, which its own check need not
		// report again.
		if key, _, _ := strings.Cut(p, ": "); !dec.refused[key] {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return nil, &ConfigError{Source: source, Problems: problems}
	}
	return &cfg, nil
}

// tomlProblem describes a TOML syntax error by its line.
func tomlProblem(err error) string {
	var perr toml.ParseError
	if errors.As(err, &perr) {
		return fmt.Sprintf("line %d: %s", perr.Position.Line, perr.Message)
	}
	return err.Error()
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// Limits on catalog values, shared with schema.sql's CHECK constraints.
const (
	MinDurationMinutes = 5
	MaxDurationMinutes = 24 * 60
	MaxPriceCents      = 100_000_000
	MaxGuestsLimit     = 1000
)

// validate parses the raw strings into their typed fields and returns every problem.
func (c *Config) validate() []string {
	var p []string
	add := func(key, format string, args ...any) {
		p = append(p, key+": "+fmt.Sprintf(format, args...))
	}

	// [server]
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		add("server.listen", "%q is not host:port (for example \"127.0.0.1:8080\")", c.Server.Listen)
	}
	if u, err := url.Parse(c.Server.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		add("server.base_url", "%q must be an absolute http or https URL such as \"https://book.example.com\"", c.Server.BaseURL)
	} else {
		c.Server.BaseURL = strings.TrimRight(c.Server.BaseURL, "/")
	}
	for i, tp := range c.Server.TrustedProxies {
		if _, _, err := net.ParseCIDR(tp); err != nil && net.ParseIP(tp) == nil {
			add(fmt.Sprintf("server.trusted_proxies[%d]", i), "%q is neither an IP address nor a CIDR range", tp)
		}
	}
	if strings.TrimSpace(c.Server.ProxyHeader) == "" {
		add("server.proxy_header", "must not be empty")
	}

	// [database]
	if c.Database.Path == "" {
		add("database.path", "must not be empty")
	}

	// [venue]
	v := &c.Venue
	if n := len([]rune(strings.TrimSpace(v.Name))); n < 1 || n > 100 {
		add("venue.name", "must be 1 to 100 characters")
	}
	if v.Timezone == "" {
		add("venue.timezone", "must name an IANA timezone such as \"Europe/London\"")
	} else if loc, err := time.LoadLocation(v.Timezone); err != nil || strings.EqualFold(v.Timezone, "local") {
		add("venue.timezone", "unknown timezone %q (use an IANA name such as \"Europe/London\")", v.Timezone)
	} else {
		c.Location = loc
	}
	if _, ok := CurrencyMinorUnits(v.Currency); !ok {
		add("venue.currency", "%q is not an ISO 4217 currency code (such as \"GBP\", \"EUR\" or \"JPY\", in capitals)", v.Currency)
	}
	if cats, err := l10n.Default(); err != nil {
		add("venue.language", "the built-in catalogs do not load: %v", err)
	} else {
		if err := cats.Check(v.Language); err != nil {
			add("venue.language", "%v", err)
		}
		if len(v.Languages) > 20 {
			add("venue.languages", "offers %d languages; at most 20", len(v.Languages))
		}
		for i, l := range v.Languages {
			if err := cats.Check(l); err != nil {
				add(fmt.Sprintf("venue.languages[%d]", i), "%v", err)
			}
		}
	}
	if len([]rune(v.Address)) > 300 {
		add("venue.address", "must be at most 300 characters")
	}
	if !regexp.MustCompile(`^#[0-9a-fA-F]{6}$`).MatchString(v.AccentColor) {
		add("venue.accent_color", "%q is not a colour such as \"#1f5f8b\"", v.AccentColor)
	} else if ratio := ContrastWithWhite(v.AccentColor); ratio < 4.5 {
		add("venue.accent_color", "%s is too light: white text on it has a contrast of %.1f:1, and at least 4.5:1 is needed to be readable (WCAG AA); pick a darker shade", v.AccentColor, ratio)
	}
	if v.Logo != "" {
		switch strings.ToLower(filepath.Ext(v.Logo)) {
		case ".png", ".jpg", ".jpeg", ".webp", ".svg":
			if st, err := os.Stat(v.Logo); err != nil {
				add("venue.logo", "cannot read %s: %v", v.Logo, err)
			} else if st.Size() > 1<<20 {
				add("venue.logo", "%s is %d bytes; at most 1 MiB", v.Logo, st.Size())
			}
		default:
			add("venue.logo", "%q must be a .png, .jpg, .webp or .svg file", v.Logo)
		}
	}
	intRange := func(key string, val, lo, hi int) {
		if val < lo || val > hi {
			add(key, "%d is out of range (%d to %d)", val, lo, hi)
		}
	}
	intRange("venue.slot_step_minutes", v.SlotStepMinutes, 5, 1440)
	intRange("venue.cleaning_gap_minutes", v.CleaningGapMinutes, 0, 1440)
	intRange("venue.min_notice_minutes", v.MinNoticeMinutes, 0, 60*24*365)
	intRange("venue.max_advance_days", v.MaxAdvanceDays, 1, 3660)
	intRange("venue.cancel_cutoff_hours", v.CancelCutoffHours, 0, 24*365)
	intRange("venue.change_cutoff_hours", v.ChangeCutoffHours, -1, 24*365)
	if v.Phone != "" {
		if phone, err := ParsePhone(v.Phone); err != nil {
			add("venue.phone", "%q: %v", v.Phone, err)
		} else {
			v.Phone = phone
		}
	}
	if v.Email != "" {
		if email, err := ParseEmail(v.Email); err != nil {
			add("venue.email", "%q: %v", v.Email, err)
		} else {
			v.Email = email
		}
	}
	if v.Website != "" {
		if u, err := url.Parse(v.Website); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			add("venue.website", "%q must be an https URL such as \"https://sauna-nord.example\"", v.Website)
		}
	}
	hoursParsed := true
	longest, longestRange := 0, "" // the longest opening range of the week: minutes, and as written
	for _, day := range []struct {
		key  string
		text string
		wd   time.Weekday
	}{{"mon", v.Hours.Mon, time.Monday}, {"tue", v.Hours.Tue, time.Tuesday}, {"wed", v.Hours.Wed, time.Wednesday},
		{"thu", v.Hours.Thu, time.Thursday}, {"fri", v.Hours.Fri, time.Friday}, {"sat", v.Hours.Sat, time.Saturday}, {"sun", v.Hours.Sun, time.Sunday}} {
		ranges, err := ParseHours(day.text)
		if err != nil {
			add("venue.hours."+day.key, "%v", err)
			hoursParsed = false
			continue
		}
		v.Week[day.wd] = ranges
		for _, r := range ranges {
			if r.End-r.Start > longest {
				longest = r.End - r.Start
				longestRange = fmt.Sprintf("%s %02d:%02d-%02d:%02d", day.key, r.Start/60, r.Start%60, r.End/60, r.End%60)
			}
		}
	}

	// [[closures]]
	for i := range c.Closures {
		cl := &c.Closures[i]
		key := fmt.Sprintf("closures[%d]", i)
		from, err1 := ParseDate(cl.Start)
		if err1 != nil {
			add(key+".start", "%q is not a date YYYY-MM-DD", cl.Start)
		}
		to, err2 := ParseDate(cl.End)
		if cl.End == "" {
			to, err2 = from, err1
		} else if err2 != nil {
			add(key+".end", "%q is not a date YYYY-MM-DD", cl.End)
		}
		if err1 == nil && err2 == nil {
			if to.Before(from) {
				add(key+".end", "%s is before start %s", cl.End, cl.Start)
			}
			cl.From, cl.To = from, to
		}
		if len([]rune(cl.Reason)) > 200 {
			add(key+".reason", "must be at most 200 characters")
		}
	}

	// [[rooms]]
	roomIDs := map[string]bool{}
	if len(c.Rooms) == 0 {
		add("rooms", "at least one [[rooms]] entry is needed")
	}
	for i, r := range c.Rooms {
		key := fmt.Sprintf("rooms[%d]", i)
		if !idPattern.MatchString(r.ID) {
			add(key+".id", "%q must be 1 to 40 lower-case letters, digits, '-' or '_'", r.ID)
		} else if roomIDs[r.ID] {
			add(key+".id", "duplicate room id %q", r.ID)
		}
		roomIDs[r.ID] = true
		if n := len([]rune(strings.TrimSpace(r.Name))); n < 1 || n > 100 {
			add(key+".name", "must be 1 to 100 characters")
		}
	}

	// [[tiers]] and their packages
	tierIDs := map[string]bool{}
	packageIDs := map[string]bool{}
	if len(c.Tiers) == 0 {
		add("tiers", "at least one [[tiers]] entry is needed")
	}
	for i, t := range c.Tiers {
		key := fmt.Sprintf("tiers[%d]", i)
		if !idPattern.MatchString(t.ID) {
			add(key+".id", "%q must be 1 to 40 lower-case letters, digits, '-' or '_'", t.ID)
		} else if tierIDs[t.ID] {
			add(key+".id", "duplicate tier id %q", t.ID)
		}
		tierIDs[t.ID] = true
		if n := len([]rune(strings.TrimSpace(t.Name))); n < 1 || n > 100 {
			add(key+".name", "must be 1 to 100 characters")
		}
		if len([]rune(t.Description)) > 1000 {
			add(key+".description", "must be at most 1000 characters")
		}
		seenRoom := map[string]bool{}
		for j, r := range t.Rooms {
			if !roomIDs[r] {
				add(fmt.Sprintf("%s.rooms[%d]", key, j), "unknown room %q", r)
			} else if seenRoom[r] {
				add(fmt.Sprintf("%s.rooms[%d]", key, j), "room %q listed twice", r)
			}
			seenRoom[r] = true
		}
		if len(t.Packages) == 0 {
			add(key+".packages", "tier %q has no packages", t.ID)
		}
		for j, pk := range t.Packages {
			pkey := fmt.Sprintf("%s.packages[%d]", key, j)
			if !idPattern.MatchString(pk.ID) {
				add(pkey+".id", "%q must be 1 to 40 lower-case letters, digits, '-' or '_'", pk.ID)
			} else if packageIDs[pk.ID] {
				add(pkey+".id", "duplicate package id %q (package ids are unique across tiers)", pk.ID)
			}
			packageIDs[pk.ID] = true
			if n := len([]rune(strings.TrimSpace(pk.Name))); n < 1 || n > 100 {
				add(pkey+".name", "must be 1 to 100 characters")
			}
			intRange(pkey+".duration_minutes", pk.DurationMinutes, MinDurationMinutes, MaxDurationMinutes)
			// A booking lies within one opening range, so a package longer
			// than all of them could never be booked. (A week with no
			// opening hours at all is a venue closed for now.)
			if hoursParsed && longest > 0 && pk.DurationMinutes > longest {
				add(pkey+".duration_minutes", "%d minutes is longer than every opening range of the week (the longest is %s, %d minutes), so it could never be booked",
					pk.DurationMinutes, longestRange, longest)
			}
			if pk.PriceCents < 0 || pk.PriceCents > MaxPriceCents {
				add(pkey+".price_cents", "%d is out of range (0 to %d)", pk.PriceCents, MaxPriceCents)
			}
			intRange(pkey+".max_guests", pk.MaxGuests, 1, MaxGuestsLimit)
		}
	}

	// [parking]
	if d, err := parseDuration(c.Parking.LinkTTLRaw, false); err != nil {
		add("parking.link_ttl", "%v", err)
	} else {
		c.Parking.LinkTTL = d
	}
	if c.Parking.Enabled || c.Parking.ApproverEmail != "" {
		if _, err := ParseEmail(c.Parking.ApproverEmail); err != nil {
			add("parking.approver_email", "%q is not a valid email address (needed when parking is enabled)", c.Parking.ApproverEmail)
		}
	}

	// [mail]
	if _, err := mail.ParseAddress(c.Mail.From); err != nil {
		add("mail.from", "%q is not an address such as \"Venue <bookings@example.com>\"", c.Mail.From)
	}
	if c.Mail.OwnerEmail != "" {
		if _, err := ParseEmail(c.Mail.OwnerEmail); err != nil {
			add("mail.owner_email", "%q is not a valid email address", c.Mail.OwnerEmail)
		}
	}
	if d, err := parseDuration(c.Mail.ReminderBeforeRaw, true); err != nil {
		add("mail.reminder_before", "%v", err)
	} else {
		c.Mail.ReminderBefore = d
	}
	intRange("mail.max_attempts", c.Mail.MaxAttempts, 1, 50)
	if d, err := parseDuration(c.Mail.RetryBaseRaw, false); err != nil {
		add("mail.retry_base", "%v", err)
	} else {
		c.Mail.RetryBase = d
	}
	if c.Mail.Dir == "" {
		add("mail.dir", "must not be empty")
	}
	if c.Mail.HELOName != "" && !isFQDN(c.Mail.HELOName) {
		add("mail.helo_name", "%q is not a fully qualified domain name such as \"book.example.com\" (relays refuse localhost, bare names and IP addresses)", c.Mail.HELOName)
	}
	for _, relay := range []struct {
		key string
		cfg *SMTPConfig
	}{{"mail.primary", &c.Mail.Primary}, {"mail.fallback", &c.Mail.Fallback}} {
		if relay.cfg.Host == "" {
			continue
		}
		intRange(relay.key+".port", relay.cfg.Port, 1, 65535)
		switch relay.cfg.TLS {
		case "starttls", "tls", "none":
		default:
			add(relay.key+".tls", "%q must be \"starttls\", \"tls\" or \"none\"", relay.cfg.TLS)
		}
		if _, err := ParseRate(relay.cfg.Rate); err != nil {
			add(relay.key+".rate", "%v", err)
		}
		if relay.cfg.Username != "" && relay.cfg.TLS == "none" {
			add(relay.key+".username", "a login with tls = \"none\" would send the password in clear text: use tls = \"starttls\" (port 587) or \"tls\" (port 465)")
		}
		if relay.cfg.CAFile != "" {
			if relay.cfg.TLS == "none" {
				add(relay.key+".ca_file", "has no use with tls = \"none\" (no certificate is checked without TLS)")
			} else if certs, err := readCACerts(relay.cfg.CAFile); err != nil {
				add(relay.key+".ca_file", "%v", err)
			} else {
				relay.cfg.CACerts = certs
			}
		}
	}

	// [security]
	if c.Security.Secret != "" && len(c.Security.Secret) < 32 {
		add("security.secret", "must be at least 32 characters (or empty to generate one)")
	}

	// [limits]
	for _, l := range []struct{ key, val string }{
		{"limits.booking_per_ip", c.Limits.BookingPerIP}, {"limits.booking_per_email", c.Limits.BookingPerEmail},
		{"limits.read_per_ip", c.Limits.ReadPerIP}, {"limits.login_per_ip", c.Limits.LoginPerIP},
		{"limits.booking_per_network", c.Limits.BookingPerNetwork},
		{"limits.login_failures_per_account", c.Limits.LoginFailuresPerAccount}, {"limits.login_locked_per_ip", c.Limits.LoginLockedPerIP},
		{"limits.permit_per_ip", c.Limits.PermitPerIP}, {"limits.email_per_recipient", c.Limits.EmailPerRecipient},
	} {
		if _, err := ParseRate(l.val); err != nil {
			add(l.key, "%v", err)
		}
	}

	intRange("limits.min_fill_seconds", c.Limits.MinFillSeconds, 0, 600)
	intRange("limits.tracked_clients", c.Limits.TrackedClients, 10, 10000000)

	// [backup]
	if c.Backup.Dir == "" {
		add("backup.dir", "must not be empty")
	}
	if c.Backup.Schedule != "" {
		if _, err := cron.ParseStandard(c.Backup.Schedule); err != nil {
			add("backup.schedule", "%q is not a cron schedule such as \"0 3 * * *\": %v", c.Backup.Schedule, err)
		}
	}
	intRange("backup.keep", c.Backup.Keep, 1, 1000)

	// [embed]
	if len(c.Embed.AllowedOrigins) > 50 {
		add("embed.allowed_origins", "has %d origins; at most 50", len(c.Embed.AllowedOrigins))
	}
	for i, o := range c.Embed.AllowedOrigins {
		if strings.TrimSpace(o) == "*" {
			add(fmt.Sprintf("embed.allowed_origins[%d]", i), "\"*\" is not allowed: name each site that embeds the booking pages, such as \"https://sauna-nord.example\"")
			continue
		}
		n, err := NormalOrigin(o)
		if err != nil {
			add(fmt.Sprintf("embed.allowed_origins[%d]", i), "%v", err)
			continue
		}
		c.Embed.AllowedOrigins[i] = n
	}

	// [log]
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "%q must be \"debug\", \"info\", \"warn\" or \"error\"", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		add("log.format", "%q must be \"json\" or \"text\"", c.Log.Format)
	}
	sort.Strings(p)
	return p
}

// FallbackHELOName is the EHLO name when neither mail.helo_name, the host of
// server.base_url nor the machine's hostname is a domain name: a reserved
// name (RFC 2606) that a relay accepts as well-formed.
const FallbackHELOName = "venuebook.invalid"

// HELOName returns the name to give relays in EHLO: mail.helo_name when set;
// else the host of server.base_url when it is a domain name; else the
// machine's hostname (from hostname, usually os.Hostname) when it is a fully
// qualified one; else FallbackHELOName. Never "localhost" or an IP address,
// which many relays refuse.
func (c *Config) HELOName(hostname func() (string, error)) string {
	if c.Mail.HELOName != "" {
		return c.Mail.HELOName
	}
	if u, err := url.Parse(c.Server.BaseURL); err == nil && isFQDN(u.Hostname()) {
		return strings.ToLower(u.Hostname())
	}
	if hostname != nil {
		if h, err := hostname(); err == nil && isFQDN(strings.TrimSuffix(h, ".")) {
			return strings.ToLower(strings.TrimSuffix(h, "."))
		}
	}
	return FallbackHELOName
}

var dnsLabel = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)

// isFQDN reports whether name is a domain name of two or more labels whose
// last one is not numeric (so not an IP address), and not localhost.
func isFQDN(name string) bool {
	labels := strings.Split(name, ".")
	if len(name) > 253 || len(labels) < 2 || net.ParseIP(name) != nil {
		return false
	}
	for _, l := range labels {
		if !dnsLabel.MatchString(l) {
			return false
		}
	}
	last := strings.ToLower(labels[len(labels)-1])
	if strings.Trim(last, "0123456789") == "" || last == "localhost" || last == "localdomain" || last == "local" {
		return false
	}
	return true
}

// readCACerts reads the PEM certificates of a ca_file; it must hold at least one.
func readCACerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", path, err)
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s holds a certificate that cannot be read: %v", path, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")", path)
	}
	return certs, nil
}

// parseDuration parses a Go duration string that must be positive; "" is allowed
// (meaning off) only when optional.
func parseDuration(s string, optional bool) (time.Duration, error) {
	if s == "" && optional {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration such as \"90s\", \"15m\" or \"72h\"", s)
	}
	return d, nil
}

// Rate is a parsed limit: Limit events per Period. A zero Rate means the limit is off.
type Rate = limiter.Rate

// ParseRate parses "N-S", "N-M", "N-H" or "N-D"; "" gives the zero Rate (off).
func ParseRate(s string) (Rate, error) {
	if s == "" {
		return Rate{}, nil
	}
	if !regexp.MustCompile(`^[1-9][0-9]{0,8}-[SMHD]$`).MatchString(s) {
		return Rate{}, fmt.Errorf("%q is not a rate such as \"20-H\" (N events per S, M, H or D), or \"\" for off", s)
	}
	return limiter.NewRateFromFormatted(s)
}

// LoadConfig finds and reads the configuration: the explicit path, else
// $VENUEBOOK_CONFIG, else ./config.toml, else the embedded demo config. Relative
// paths in a file are resolved against its directory; in the embedded demo
// against the working directory.
func LoadConfig(path string, demo []byte, getenv func(string) string) (*Config, error) {
	if path == "" && getenv != nil {
		path = getenv("VENUEBOOK_CONFIG")
	}
	if path == "" {
		if _, err := os.Stat("config.toml"); err == nil {
			path = "config.toml"
		}
	}
	if path == "" {
		return ParseConfig(demo, "embedded demo config", "", getenv)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config path: %w", err)
	}
	return ParseConfig(text, path, filepath.Dir(abs), getenv)
}

// TierRooms returns the rooms a tier may use, in config order.
func (c *Config) TierRooms(t *Tier) []string {
	if len(t.Rooms) > 0 {
		return t.Rooms
	}
	ids := make([]string, len(c.Rooms))
	for i, r := range c.Rooms {
		ids[i] = r.ID
	}
	return ids
}

// RoomPreference returns the rooms a tier may use in the order to try them:
// the rooms the fewest tiers may use first (so a booking leaves the rooms other
// tiers depend on free), then in config order.
func (c *Config) RoomPreference(t *Tier) []string {
	rooms := append([]string(nil), c.TierRooms(t)...)
	users := map[string]int{}
	for i := range c.Tiers {
		for _, r := range c.TierRooms(&c.Tiers[i]) {
			users[r]++
		}
	}
	sort.SliceStable(rooms, func(i, j int) bool { return users[rooms[i]] < users[rooms[j]] })
	return rooms
}

// FindPackage returns the package with this id and the tier that owns it.
func (c *Config) FindPackage(id string) (*Tier, *Package, bool) {
	for i := range c.Tiers {
		for j := range c.Tiers[i].Packages {
			if c.Tiers[i].Packages[j].ID == id {
				return &c.Tiers[i], &c.Tiers[i].Packages[j], true
			}
		}
	}
	return nil, nil, false
}

// ContrastWithWhite returns the WCAG contrast ratio of white text on the
// colour "#rrggbb".
func ContrastWithWhite(hex string) float64 {
	var r, g, b int
	fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b)
	lin := func(c int) float64 {
		v := float64(c) / 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
	return 1.05 / (l + 0.05)
}
