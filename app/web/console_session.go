package web

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/store"
)

const sessionLocal = "session"

// sessionCookieName is __Host- prefixed on https, as OWASP advises.
func (s *Server) sessionCookieName() string {
	if s.https() {
		return "__Host-vb_session"
	}
	return "vb_session"
}

func (s *Server) https() bool { return strings.HasPrefix(s.svc.Config.Server.BaseURL, "https://") }

func (s *Server) setSessionCookie(c *fiber.Ctx, id string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: s.sessionCookieName(), Value: id, Path: "/", HTTPOnly: true, Secure: s.https(),
		SameSite: "Lax", Expires: expires})
}

func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: s.sessionCookieName(), Value: "", Path: "/", HTTPOnly: true, Secure: s.https(),
		SameSite: "Lax", Expires: time.Unix(1, 0), MaxAge: -1})
}

// requireOwner lets a request through only with a live session, and a
// state-changing one only with the session's CSRF token (X-CSRF-Token for the
// API, the csrf form field for console pages).
func (s *Server) requireOwner(c *fiber.Ctx) error {
	sess, err := s.svc.Authenticate(c.UserContext(), c.Cookies(s.sessionCookieName()))
	if err != nil {
		if s.wantsPage(c, true) && c.Method() == fiber.MethodGet {
			return c.Redirect("/admin/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
		}
		return err
	}
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead:
	default:
		token := c.Get("X-CSRF-Token")
		if token == "" && s.wantsPage(c, true) {
			token = c.FormValue("csrf")
		}
		if !app.ValidCSRF(sess, token) {
			return app.Errorf(app.CodeForbidden, "missing or wrong CSRF token: send the X-CSRF-Token header given at sign-in")
		}
	}
	c.Locals(sessionLocal, sess)
	c.Set("Cache-Control", "no-store")
	return c.Next()
}

func owner(c *fiber.Ctx) store.Session {
	sess, _ := c.Locals(sessionLocal).(store.Session)
	return sess
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Server) apiLogin(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c.Get(fiber.HeaderContentType), rawBody(c), &req); err != nil {
		return err
	}
	id, sess, err := s.svc.Login(c.UserContext(), req.Email, req.Password)
	if err != nil {
		return err
	}
	s.setSessionCookie(c, id, sess.ExpiresAt)
	c.Set("Cache-Control", "no-store")
	return c.JSON(fiber.Map{"csrf_token": sess.CSRFToken})
}

func (s *Server) apiLogout(c *fiber.Ctx) error {
	if err := s.svc.Logout(c.UserContext(), owner(c)); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	return c.JSON(fiber.Map{"status": "signed out"})
}

func (s *Server) apiLogoutEverywhere(c *fiber.Ctx) error {
	if err := s.svc.LogoutEverywhere(c.UserContext(), owner(c)); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	return c.JSON(fiber.Map{"status": "signed out everywhere"})
}

func (s *Server) apiSession(c *fiber.Ctx) error {
	sess := owner(c)
	return c.JSON(fiber.Map{"email": sess.Email, "csrf_token": sess.CSRFToken,
		"expires_at": app.FormatInstant(sess.ExpiresAt, s.svc.Rules.Location)})
}

func (s *Server) pageLogin(c *fiber.Ctx) error {
	data := struct {
		layoutData
		Next, Email, Problem string
	}{s.layout("Sign in"), safeNext(c.Query("next")), "", ""}
	c.Set("Cache-Control", "no-store")
	return s.render(c, fiber.StatusOK, "signin", data)
}

// safeNext keeps a post-login redirect on this site's console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/admin"
	}
	return next
}

func (s *Server) submitLogin(c *fiber.Ctx) error {
	next := safeNext(c.FormValue("next"))
	problem := ""
	if err := s.loginLimit.take(c, s.clientKey(c)); err != nil {
		var e *app.Error
		errors.As(err, &e)
		problem = "Too many attempts. Wait a minute and try again."
		if e != nil && e.RetryAfter > 0 {
			c.Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())+1))
		}
	} else {
		id, sess, err := s.svc.Login(c.UserContext(), c.FormValue("email"), c.FormValue("password"))
		if err == nil {
			s.setSessionCookie(c, id, sess.ExpiresAt)
			return c.Redirect(next, fiber.StatusSeeOther)
		}
		var e *app.Error
		if !errors.As(err, &e) {
			return err
		}
		problem = "The email or the password is wrong."
	}
	data := struct {
		layoutData
		Next, Email, Problem string
	}{s.layout("Sign in"), next, c.FormValue("email"), problem}
	status := fiber.StatusUnauthorized
	if strings.HasPrefix(problem, "Too many") {
		status = fiber.StatusTooManyRequests
	}
	return s.render(c, status, "signin", data)
}

func (s *Server) submitLogout(c *fiber.Ctx) error {
	var err error
	if c.FormValue("everywhere") == "1" {
		err = s.svc.LogoutEverywhere(c.UserContext(), owner(c))
	} else {
		err = s.svc.Logout(c.UserContext(), owner(c))
	}
	if err != nil {
		return err
	}
	s.clearSessionCookie(c)
	return c.Redirect("/admin/login", fiber.StatusSeeOther)
}

func (s *Server) pageSetup(c *fiber.Ctx) error {
	if err := s.svc.CheckSetupToken(c.UserContext(), c.Query("token")); err != nil {
		return err
	}
	data := struct {
		layoutData
		Token, Email string
		Errors       map[string]string
	}{s.layout("Create the owner account"), c.Query("token"), "", nil}
	c.Set("Cache-Control", "no-store")
	return s.render(c, fiber.StatusOK, "setup", data)
}

func (s *Server) submitSetup(c *fiber.Ctx) error {
	token := c.FormValue("token")
	_, err := s.svc.SetupFirstAdmin(c.UserContext(), token, c.FormValue("email"), c.FormValue("password"))
	if err != nil {
		var e *app.Error
		if errors.As(err, &e) && e.Code == app.CodeValidationFailed {
			data := struct {
				layoutData
				Token, Email string
				Errors       map[string]string
			}{s.layout("Create the owner account"), token, c.FormValue("email"), e.Fields}
			return s.render(c, fiber.StatusBadRequest, "setup", data)
		}
		return err
	}
	return c.Redirect("/admin/login", fiber.StatusSeeOther)
}
