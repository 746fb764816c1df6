package web

import (
	"html/template"
	"net/mail"
	"strings"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
)

// venueContact is how customers reach the venue, in every page's frame: the
// footer shows it, and the "contact" template (layout.html) says it as a
// sentence wherever a page tells the customer to contact the venue:
// {{template "contact" .Contact}}.
type venueContact struct {
	Name, Address, Phone, Email, Website string
	// FromEmail is mail.from's address: the "contact" sentence's last resort,
	// for a venue with no phone, email, website or address configured.
	FromEmail string
}

// TelURL is the tel: link of the phone number.
func (v venueContact) TelURL() template.URL { return template.URL(app.TelURL(v.Phone)) }

// MailtoURL is the mailto: link of the email address.
func (v venueContact) MailtoURL() template.URL { return mailtoURL(v.Email) }

// FromMailtoURL is the mailto: link of FromEmail.
func (v venueContact) FromMailtoURL() template.URL { return mailtoURL(v.FromEmail) }

// WebsiteLabel is the website as people write it: "sauna-nord.example" for
// "https://sauna-nord.example/", the path kept when it has one.
func (v venueContact) WebsiteLabel() string {
	label := strings.TrimPrefix(v.Website, "https://")
	label = strings.TrimPrefix(label, "www.")
	return strings.TrimSuffix(label, "/")
}

// contact is the venue's contact from the config.
func (s *Server) contact() venueContact {
	v := s.svc.Config.Venue
	c := venueContact{Name: v.Name, Address: v.Address, Phone: v.Phone, Email: v.Email, Website: v.Website}
	if from, err := mail.ParseAddress(s.svc.Config.Mail.From); err == nil {
		c.FromEmail = from.Address
	}
	return c
}

// ownerLayout is the frame of the owner's own pages (the console, signing
// in): the venue's contact is for its customers, so it is left out.
func (s *Server) ownerLayout(title string) layoutData {
	l := s.frame(title)
	l.Contact = venueContact{}
	l.Lang = s.svc.VenueLang()
	return l
}

// apiEmailSuggestion answers GET /api/email-suggestion?email=ADDRESS with
// the address app.SuggestEmail thinks was meant ({"suggestion":
// "ada@gmail.com"}), or {"suggestion": null}. The booking form's script
// asks it when the customer leaves the email field; it never blocks a
// booking. The address is not logged (the access log leaves the query out)
// nor cached.
func (s *Server) apiEmailSuggestion(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	var out struct {
		Suggestion *string `json:"suggestion"`
	}
	if suggestion, ok := app.SuggestEmail(c.Query("email")); ok {
		out.Suggestion = &suggestion
	}
	return c.JSON(out)
}

// The contact sentence's links (layout.html's "contact"), rendered by
// html/template like the rest of the page, so that a catalog's sentence only
// places them.
var contactLinks = template.Must(template.New("").Parse(`{{define "phone"}}<a href="{{.TelURL}}">{{.Phone}}</a>{{end}}` +
	`{{define "email"}}<a href="{{.MailtoURL}}">{{.Email}}</a>{{end}}` +
	`{{define "from"}}<a href="{{.FromMailtoURL}}">{{.FromEmail}}</a>{{end}}` +
	`{{define "website"}}<a href="{{.V.Website}}" rel="noopener" target="_blank">{{.V.WebsiteLabel}}<span class="visually-hidden"> {{.NewTab}}</span></a>{{end}}`))

func contactLink(name string, data any) template.HTML {
	var b strings.Builder
	if err := contactLinks.ExecuteTemplate(&b, name, data); err != nil {
		return ""
	}
	return template.HTML(b.String())
}

func phoneLink(v venueContact) template.HTML { return contactLink("phone", v) }
func emailLink(v venueContact) template.HTML { return contactLink("email", v) }
func fromLink(v venueContact) template.HTML  { return contactLink("from", v) }

// websiteLink opens the website in a new tab, and says so (newTab) to
// screen readers.
func websiteLink(v venueContact, newTab string) template.HTML {
	return contactLink("website", struct {
		V      venueContact
		NewTab string
	}{v, newTab})
}
