package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
	"venuebook/app/l10n"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/store"
)

// pages holds the templates, parsed once at start-up so a broken template stops
// the server before it serves, and the static files under content-hashed names.
type pages struct {
	// templates are by language (each offered language's tag, "de-CH"),
	// then by page: the same parsed templates with the language's words,
	// money and dates.
	templates map[string]map[string]*template.Template
	static    map[string]staticFile // by served name, e.g. "style.3f2a9c1d.css"
	urls      map[string]string     // logical name ("style.css") → URL
}

type staticFile struct {
	body        []byte
	etag        string
	contentType string
}

// mailtoURL is app.MailtoURL as a URL the templates link to.
func mailtoURL(address string) template.URL { return template.URL(app.MailtoURL(address)) }

// langFuncs are the template functions that speak a language: t (a
// message), tn (a plural message), th (a message that holds markup), and
// money and dates as the language writes them, in the venue's zone.
func langFuncs(l *l10n.Lang, loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"t":     l.T,
		"tn":    l.N,
		"th":    l.HTML,
		"lang":  l.String,
		"money": l.Money,
		// when writes an instant in the venue's time, the zone named.
		"when": func(t time.Time) string {
			t = t.In(loc)
			return l.Format(t, l10n.DateTimeShort) + " " + t.Format("MST")
		},
		"date":        func(t time.Time) string { return l.Format(t.In(loc), l10n.DateMedium) },
		"clock":       func(t time.Time) string { return l.Clock(t.In(loc)) },
		"hours":       func(minutes int) string { return l.T("format.hours", "Hours", l.Decimal(float64(minutes)/60, 1)) },
		"status":      func(status string) string { return statusWord(l, status) },
		"websiteLink": func(v venueContact) template.HTML { return websiteLink(v, l.T("layout.new_tab")) },
	}
}

func loadPages(assets fs.FS, venue app.VenueConfig, loc *time.Location, offer *l10n.Offer) (*pages, error) {
	funcs := langFuncs(offer.Default(), loc)
	common := template.FuncMap{
		"add": func(a, b int) int { return a + b },
		// isodate is the venue-local date as links carry it (?date=2026-12-01).
		"isodate":   func(t time.Time) string { return app.DateOf(t, loc).String() },
		"mailto":    mailtoURL,
		"phoneLink": phoneLink, "emailLink": emailLink, "fromLink": fromLink,
		"inc": func(n int) int { return n + 1 },
	}
	for name, f := range common {
		funcs[name] = f
	}
	p := &pages{templates: map[string]map[string]*template.Template{}, static: map[string]staticFile{}, urls: map[string]string{}}
	names, err := fs.Glob(assets, "templates/page_*.html")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no page templates in assets: %v", err)
	}
	for _, l := range offer.Langs {
		p.templates[l.String()] = map[string]*template.Template{}
	}
	for _, name := range names {
		files := []string{"templates/layout.html", name}
		if strings.HasPrefix(path.Base(name), "page_admin_") {
			files = append(files, "templates/admin_partials.html")
		}
		t, err := template.New(path.Base(name)).Funcs(funcs).ParseFS(assets, files...)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		page := strings.TrimSuffix(strings.TrimPrefix(path.Base(name), "page_"), ".html")
		for _, l := range offer.Langs {
			clone, err := t.Clone()
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", name, err)
			}
			p.templates[l.String()][page] = clone.Funcs(langFuncs(l, loc))
		}
	}
	files, err := fs.Glob(assets, "static/*")
	if err != nil {
		return nil, err
	}
	for _, name := range files {
		body, err := fs.ReadFile(assets, name)
		if err != nil {
			return nil, err
		}
		p.add(path.Base(name), body)
	}
	// The venue's colours, as a stylesheet (the CSP allows no inline style).
	p.add("theme.css", []byte(fmt.Sprintf(":root { --accent: %s; }\n", venue.AccentColor)))
	// The Day page's grid positions (console_day.go).
	p.add("daygrid.css", dayGridCSS())
	if venue.Logo != "" {
		body, err := os.ReadFile(venue.Logo)
		if err != nil {
			return nil, fmt.Errorf("venue.logo: %w", err)
		}
		p.add("logo"+strings.ToLower(filepath.Ext(venue.Logo)), body)
	}
	return p, nil
}

// add serves body under a name carrying its content hash, so that it can be
// cached for a year and a new version is a new URL.
func (p *pages) add(name string, body []byte) {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:6])
	ext := path.Ext(name)
	served := strings.TrimSuffix(name, ext) + "." + hash + ext
	ct := mime.TypeByExtension(ext)
	if ct == "" {
		ct = "application/octet-stream"
	}
	p.static[served] = staticFile{body: body, etag: `"` + hash + `"`, contentType: ct}
	p.urls[name] = "/static/" + served
}

// spoken is what every page's data has: the language it is rendered in.
type spoken interface{ pageLang() *l10n.Lang }

func (s *Server) render(c *fiber.Ctx, status int, page string, data any) error {
	lang := s.svc.VenueLang()
	if d, ok := data.(spoken); ok && d.pageLang() != nil {
		lang = d.pageLang()
	}
	t, ok := s.pages.templates[lang.String()][page]
	if !ok {
		return fmt.Errorf("no template %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// layoutData is what every page's frame needs.
type layoutData struct {
	Title     string
	Venue     string
	StyleURL  string
	ThemeURL  string
	ScriptURL string
	LogoURL   string
	// Contact is how customers reach the venue: the footer of every
	// customer and approver page, and {{template "contact" .Contact}}.
	Contact venueContact
	// Lang is the language of the page; Languages the switch between the
	// offered ones (none when only one is offered).
	Lang      *l10n.Lang
	Languages []langChoice
	// EmbedOrigins (customer pages, when embed.allowed_origins is set) are
	// the sites the page may talk to from their iframe (frame.js, at
	// FrameScriptURL); Framed says the browser loads the page in a frame
	// (Sec-Fetch-Dest: iframe), which leaves out the site's own header.
	EmbedOrigins   string
	FrameScriptURL string
	Framed         bool
}

func (l layoutData) pageLang() *l10n.Lang { return l.Lang }

// layout is the frame of a customer's (or the approver's) page, in the
// language they chose.
func (s *Server) layout(c *fiber.Ctx, title string) layoutData {
	l := s.frame(title)
	l.Lang = s.lang(c)
	l.Languages = s.languageChoices(c, l.Lang)
	if origins := s.svc.Config.Embed.AllowedOrigins; len(origins) > 0 {
		l.EmbedOrigins, l.FrameScriptURL = strings.Join(origins, " "), s.pages.urls["frame.js"]
		l.Framed = c.Get("Sec-Fetch-Dest") == "iframe"
	}
	return l
}

func (s *Server) frame(title string) layoutData {
	u := s.pages.urls
	logo := ""
	for name, url := range u {
		if strings.HasPrefix(name, "logo.") {
			logo = url
		}
	}
	return layoutData{Title: title, Venue: s.svc.Config.Venue.Name, StyleURL: u["style.css"], ThemeURL: u["theme.css"], ScriptURL: u["app.js"],
		LogoURL: logo, Contact: s.contact()}
}

func (s *Server) renderError(c *fiber.Ctx, status int, e *app.Error) error {
	var frame layoutData
	if strings.HasPrefix(c.Path(), "/admin") {
		frame = s.ownerLayout(s.svc.VenueLang().T("error.title"))
	} else {
		frame = s.layout(c, s.lang(c).T("error.title"))
	}
	data := struct {
		layoutData
		Status  int
		Message string
	}{frame, status, errorText(frame.Lang, e)}
	if err := s.render(c, status, "error", data); err != nil {
		s.reqLog(c).Error("render error page", "err", err)
		return c.Status(status).SendString(data.Message)
	}
	return nil
}

func (s *Server) static(c *fiber.Ctx) error {
	name := c.Params("name")
	f, ok := s.pages.static[name]
	if !ok {
		// An unhashed name (an old bookmark, a script) gets the current file, briefly cached.
		if url, found := s.pages.urls[name]; found {
			return c.Redirect(url, fiber.StatusFound)
		}
		return app.NewError(app.CodeNotFound, "errors.request.no_file")
	}
	c.Set(fiber.HeaderETag, f.etag)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	if c.Get(fiber.HeaderIfNoneMatch) == f.etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	return c.Send(f.body)
}

// formatWhen writes a booking's time in the venue's zone, the zone named:
// "Wednesday 9 December 2026, 14:00–15:00 (GMT)".
func (s *Server) formatWhen(l *l10n.Lang, b app.Booking) string {
	loc := s.svc.Rules.Location
	start, end := b.Start.In(loc), b.End.In(loc)
	return l.T("format.when", "Date", l.Format(start, l10n.DateFull), "From", l.Clock(start), "To", l.Clock(end), "Zone", start.Format("MST"))
}

func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return ""
}

// statusWord is a booking status as people read it: "No-show", not "no_show".
func statusWord(l *l10n.Lang, status string) string {
	switch status {
	case store.StatusConfirmed, store.StatusCancelled, store.StatusCompleted, store.StatusNoShow:
		return l.T("status." + status)
	}
	return status
}
