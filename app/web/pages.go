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

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/store"
)

// pages holds the templates, parsed once at start-up so a broken template stops
// the server before it serves, and the static files under content-hashed names.
type pages struct {
	templates map[string]*template.Template
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

func loadPages(assets fs.FS, venue app.VenueConfig, loc *time.Location) (*pages, error) {
	funcs := template.FuncMap{
		"money": app.FormatMoney,
		"add":   func(a, b int) int { return a + b },
		// when writes an instant in the venue's time, the zone named.
		"when": func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST") },
		"date": func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 2006") },
		// isodate is the venue-local date as links carry it (?date=2026-12-01).
		"isodate": func(t time.Time) string { return app.DateOf(t, loc).String() },
		"clock":   func(t time.Time) string { return t.In(loc).Format("15:04") },
		"hours":   func(minutes int) string { return fmt.Sprintf("%.1f h", float64(minutes)/60) },
		"mailto":  mailtoURL,
		"status":  statusWord,
		"inc":     func(n int) int { return n + 1 },
	}
	p := &pages{templates: map[string]*template.Template{}, static: map[string]staticFile{}, urls: map[string]string{}}
	names, err := fs.Glob(assets, "templates/page_*.html")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no page templates in assets: %v", err)
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
		p.templates[strings.TrimSuffix(strings.TrimPrefix(path.Base(name), "page_"), ".html")] = t
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

func (s *Server) render(c *fiber.Ctx, status int, page string, data any) error {
	t, ok := s.pages.templates[page]
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
}

func (s *Server) layout(title string) layoutData {
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
	frame := s.layout("Sorry")
	if strings.HasPrefix(c.Path(), "/admin") {
		frame = s.ownerLayout("Sorry")
	}
	data := struct {
		layoutData
		Status  int
		Message string
	}{frame, status, e.Message}
	if err := s.render(c, status, "error", data); err != nil {
		s.reqLog(c).Error("render error page", "err", err)
		return c.Status(status).SendString(e.Message)
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
		return app.Errorf(app.CodeNotFound, "no such file")
	}
	c.Set(fiber.HeaderETag, f.etag)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	if c.Get(fiber.HeaderIfNoneMatch) == f.etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	return c.Send(f.body)
}

// formatWhen writes a booking's time in the venue's zone, the zone named.
func (s *Server) formatWhen(b app.Booking) string {
	loc := s.svc.Rules.Location
	start, end := b.Start.In(loc), b.End.In(loc)
	return fmt.Sprintf("%s, %s–%s (%s)", start.Format("Monday 2 January 2006"), start.Format("15:04"), end.Format("15:04"), start.Format("MST"))
}

func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return ""
}

// statusWord is a booking status as people read it: "No-show", not "no_show".
func statusWord(status string) string {
	switch status {
	case store.StatusConfirmed:
		return "Confirmed"
	case store.StatusCancelled:
		return "Cancelled"
	case store.StatusCompleted:
		return "Completed"
	case store.StatusNoShow:
		return "No-show"
	}
	return status
}
