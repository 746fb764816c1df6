package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
)

// pages holds the templates, parsed once at start-up so a broken template stops
// the server before it serves, and the static files with their ETags.
type pages struct {
	templates map[string]*template.Template
	static    map[string]staticFile
}

type staticFile struct {
	body        []byte
	etag        string
	contentType string
}

func loadPages(assets fs.FS) (*pages, error) {
	p := &pages{templates: map[string]*template.Template{}, static: map[string]staticFile{}}
	names, err := fs.Glob(assets, "templates/page_*.html")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no page templates in assets: %v", err)
	}
	for _, name := range names {
		t, err := template.New(path.Base(name)).Funcs(templateFuncs).ParseFS(assets, "templates/layout.html", name)
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
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		p.static[path.Base(name)] = staticFile{body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, contentType: ct}
	}
	return p, nil
}

var templateFuncs = template.FuncMap{
	"money": app.FormatMoney,
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

type layoutData struct {
	Title string
	Venue string
}

func (s *Server) layout(title string) layoutData {
	return layoutData{Title: title, Venue: s.svc.Config.Venue.Name}
}

func (s *Server) renderError(c *fiber.Ctx, status int, e *app.Error) error {
	data := struct {
		layoutData
		Status  int
		Message string
	}{s.layout("Sorry"), status, e.Message}
	if err := s.render(c, status, "error", data); err != nil {
		s.reqLog(c).Error("render error page", "err", err)
		return c.Status(status).SendString(e.Message)
	}
	return nil
}

func (s *Server) pageHome(c *fiber.Ctx) error {
	cfg := s.svc.Config
	data := struct {
		layoutData
		Address  string
		Currency string
		Tiers    []app.Tier
		Zone     string
	}{s.layout(cfg.Venue.Name), cfg.Venue.Address, cfg.Venue.Currency, cfg.Tiers, cfg.Venue.Timezone}
	return s.render(c, fiber.StatusOK, "home", data)
}

func (s *Server) pageBooking(c *fiber.Ctx) error {
	b, err := s.svc.FindBooking(c.UserContext(), c.Params("id"), c.Query("t"))
	if err != nil {
		return err
	}
	data := struct {
		layoutData
		B       app.Booking
		Tier    string
		Package string
		When    string
		Cutoff  int
	}{
		s.layout("Booking " + b.Reference), b, s.svc.TierName(b.TierID), s.svc.PackageName(b.PackageID),
		s.formatWhen(b),
		s.svc.Config.Venue.CancelCutoffHours,
	}
	c.Set("Cache-Control", "no-store")
	return s.render(c, fiber.StatusOK, "booking", data)
}

func (s *Server) static(c *fiber.Ctx) error {
	f, ok := s.pages.static[c.Params("name")]
	if !ok {
		return app.Errorf(app.CodeNotFound, "no such file")
	}
	c.Set(fiber.HeaderETag, f.etag)
	c.Set(fiber.HeaderCacheControl, fmt.Sprintf("public, max-age=%d", int(time.Hour/time.Second)))
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
