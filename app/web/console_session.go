package web

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
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
			return app.NewError(app.CodeForbidden, "errors.account.csrf")
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
	id, sess, err := s.signIn(c, req.Email, req.Password)
	if err != nil {
		return err
	}
	s.setSessionCookie(c, id, sess.ExpiresAt)
	c.Set("Cache-Control", "no-store")
	return c.JSON(fiber.Map{"csrf_token": sess.CSRFToken})
}

// signIn checks an owner's email and password, for the API and the sign-in
// page alike, behind the guards that protect the owner's own sign-in from a
// flood of others (limits.login_per_ip is taken before):
//
//   - one sign-in at a time per client: a flood from one address holds at
//     most one place in the hashing queue (HashGate), so it cannot fill it;
//   - failed sign-ins are counted per account (limits.login_failures_per_account);
//     past that count each client may try that account only
//     limits.login_locked_per_ip often, so guessing slows to a crawl while
//     the owner, from an address of their own, still has that small budget
//     for the right password: nobody can lock the owner out.
//
// It answers rate_limited (429) past a limit and unavailable (503) when no
// hashing slot is free soon.
func (s *Server) signIn(c *fiber.Ctx, email, password string) (string, store.Session, error) {
	client := s.clientKey(c)
	if !s.signingIn.enter(client) {
		return "", store.Session{}, app.NewError(app.CodeRateLimited, "errors.account.signing_in").Retry(time.Second)
	}
	defer s.signingIn.leave(client)
	account := clip(strings.ToLower(strings.TrimSpace(email)))
	if s.loginFailures.reached(account) {
		if err := s.loginLocked.takeQuietly(c, account+" "+client); err != nil {
			s.reqLog(c).Warn("console sign-in refused: the account is over its failed sign-ins", "ip", s.clientAddr(c).String())
			return "", store.Session{}, app.NewError(app.CodeRateLimited, "errors.account.failed_sign_ins").Retry(app.ErrorOf(err).RetryAfter)
		}
	}
	id, sess, err := s.svc.Login(c.UserContext(), email, password)
	if err != nil && app.ErrorCode(err) == app.CodeUnauthorized {
		s.loginFailures.count(account)
	}
	return id, sess, err
}

// inFlight is the set of clients with a request in progress.
type inFlight struct {
	mu      sync.Mutex
	clients map[string]bool
}

// enter adds client, or reports false when it is in already.
func (f *inFlight) enter(client string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.clients[client] {
		return false
	}
	f.clients[client] = true
	return true
}

func (f *inFlight) leave(client string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.clients, client)
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
	}{s.ownerLayout("Sign in"), safeNext(c.Query("next")), "", ""}
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
	err := s.loginLimit.take(c, s.clientKey(c))
	if err == nil {
		var id string
		var sess store.Session
		if id, sess, err = s.signIn(c, c.FormValue("email"), c.FormValue("password")); err == nil {
			s.setSessionCookie(c, id, sess.ExpiresAt)
			return c.Redirect(next, fiber.StatusSeeOther)
		}
	}
	var e *app.Error
	if !errors.As(err, &e) {
		return err
	}
	var problem string
	switch e.Code {
	case app.CodeRateLimited:
		problem = "Too many attempts. Wait a minute and try again."
	case app.CodeUnavailable:
		problem = "Many sign-ins are being checked right now. Try again in a few seconds."
	case app.CodeUnauthorized:
		problem = "The email or the password is wrong."
	default:
		return err
	}
	if e.RetryAfter > 0 {
		c.Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	data := struct {
		layoutData
		Next, Email, Problem string
	}{s.ownerLayout("Sign in"), next, c.FormValue("email"), problem}
	return s.render(c, statusOf(e.Code), "signin", data)
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
	}{s.ownerLayout("Create the owner account"), c.Query("token"), "", nil}
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
			}{s.ownerLayout("Create the owner account"), token, c.FormValue("email"), e.Fields}
			return s.render(c, fiber.StatusBadRequest, "setup", data)
		}
		return err
	}
	return c.Redirect("/admin/login", fiber.StatusSeeOther)
}
