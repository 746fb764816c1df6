// Package web is venuebook's HTTP face: the JSON API and the pages. Handlers
// parse, call the app.Service and render; they hold no booking rule and no SQL.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/valyala/fasthttp"

	"venuebook/app"
	"venuebook/app/jobs"
	"venuebook/app/mail"
	"venuebook/store"
)

// BodyLimit is the largest request body accepted (API.md: 64 KiB).
const BodyLimit = 64 * 1024

// Server is the HTTP server of one venue.
type Server struct {
	svc   *app.Service
	log   *slog.Logger
	fiber *fiber.App
	pages *pages

	loginLimit          *rateLimit
	loginFailures       *rateLimit // failed sign-ins per account
	loginLocked         *rateLimit // sign-ins per account and client once the account is over its failures
	bookingIPLimit      *rateLimit
	bookingEmailLimit   *rateLimit
	bookingNetworkLimit *rateLimit
	readLimit           *rateLimit
	permitLimit         *rateLimit
	signingIn           inFlight // clients whose sign-in is being checked
	jobStatuses         func() []jobs.Status
	mailRelays          func() []mail.RelayStatus
	httpMetrics         *httpMetrics
	proxies             []netip.Prefix // server.trusted_proxies

	embedOnce sync.Once
	embedJS   staticFile // /embed.js in the venue's language

	availBodies answerBodies // GET /api/availability answers, encoded
}

// Option configures a Server.
type Option func(*Server)

// WithJobs lets the console show the scheduled jobs' statuses.
func WithJobs(statuses func() []jobs.Status) Option {
	return func(s *Server) { s.jobStatuses = statuses }
}

// WithMailRelays lets the console and /metrics show the SMTP relays' state
// (a refused login).
func WithMailRelays(relays func() []mail.RelayStatus) Option {
	return func(s *Server) { s.mailRelays = relays }
}

// New builds the server and registers every route. assets holds templates/ and static/.
func New(svc *app.Service, assets fs.FS, log *slog.Logger, opts ...Option) (*Server, error) {
	pg, err := loadPages(assets, svc.Config.Venue, svc.Rules.Location, svc.Offer)
	if err != nil {
		return nil, err
	}
	lc := svc.Config.Limits
	s := &Server{svc: svc, log: log, pages: pg, jobStatuses: func() []jobs.Status { return nil },
		mailRelays: func() []mail.RelayStatus { return nil }, httpMetrics: newHTTPMetrics(),
		loginLimit:          newRateLimit("login_per_ip", lc.LoginPerIP, lc.TrackedClients),
		loginFailures:       newRateLimit("login_failures_per_account", lc.LoginFailuresPerAccount, lc.TrackedClients),
		loginLocked:         newRateLimit("login_locked_per_ip", lc.LoginLockedPerIP, lc.TrackedClients),
		bookingIPLimit:      newRateLimit("booking_per_ip", lc.BookingPerIP, lc.TrackedClients),
		bookingEmailLimit:   newRateLimit("booking_per_email", lc.BookingPerEmail, lc.TrackedClients),
		bookingNetworkLimit: newRateLimit("booking_per_network", lc.BookingPerNetwork, lc.TrackedClients),
		readLimit:           newRateLimit("read_per_ip", lc.ReadPerIP, lc.TrackedClients),
		permitLimit:         newRateLimit("permit_per_ip", lc.PermitPerIP, lc.TrackedClients),
		signingIn:           inFlight{clients: map[string]bool{}},
		proxies:             parseProxies(svc.Config.Server.TrustedProxies)}
	for _, o := range opts {
		o(s)
	}
	cfg := svc.Config.Server
	s.fiber = fiber.New(fiber.Config{
		AppName:               "venuebook",
		DisableStartupMessage: true,
		// Immutable copies every string Fiber hands out, so none is reused
		// under us after a handler returns.
		Immutable:               true,
		BodyLimit:               BodyLimit,
		ReadTimeout:             15 * time.Second,
		WriteTimeout:            15 * time.Second,
		IdleTimeout:             60 * time.Second,
		ErrorHandler:            s.handleError,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             cfg.ProxyHeader,
		EnableIPValidation:      true,
		CaseSensitive:           true,
		StrictRouting:           false,
		ReadBufferSize:          16 * 1024,
	})
	s.routes()
	// Requests Fiber would answer before any middleware runs (a method it
	// does not know gets a bare 400) are refused here, through the same
	// error handler, so that they carry the security headers too.
	s.fiber.Server().Handler = s.refuseMalformed(s.fiber.Server().Handler)
	return s, nil
}

// refuseMalformed answers 400 invalid_request, before routing, to a request
// whose method no route knows, that has more than one Host header, or, in
// HTTP/1.1, none.
func (s *Server) refuseMalformed(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	methods := s.fiber.Config().RequestMethods
	return func(ctx *fasthttp.RequestCtx) {
		var problem error
		switch method := string(ctx.Method()); {
		case !slices.Contains(methods, method):
			problem = invalid("errors.request.method", "Method", fmt.Sprintf("%.20q", method))
		case hostHeaders(ctx.Request.Header.RawHeaders()) > 1, ctx.Request.Header.IsHTTP11() && hostHeaders(ctx.Request.Header.RawHeaders()) != 1:
			// HTTP/1.0 may leave Host out (load balancers' health checks do).
			problem = invalid("errors.request.host")
		}
		if problem == nil {
			next(ctx)
			return
		}
		c := s.fiber.AcquireCtx(ctx)
		defer s.fiber.ReleaseCtx(c)
		if err := s.handleError(c, problem); err != nil {
			ctx.Error("bad request", fasthttp.StatusBadRequest)
		}
	}
}

// hostHeaders counts the Host header lines of raw request headers.
func hostHeaders(raw []byte) int {
	n := 0
	for _, line := range bytes.Split(raw, []byte("\n")) {
		name, _, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("host")) {
			n++
		}
	}
	return n
}

// routes registers every route, grouped by who may call it, each line naming
// its guards. A guard in the line's handler list is middleware; one named only
// in the comment runs in the handler, because it needs the parsed body or
// answers in the page's own words. The words used:
//
//   - reads/IP: limits.read_per_ip, taken by the global limitReads for every
//     GET and HEAD but /healthz, /metrics and /static/.
//   - owner: a live session cookie (requireOwner, on the /admin and /api/admin
//     groups; a page without one redirects to the sign-in page).
//   - CSRF: on the console, the session's token in the X-CSRF-Token header or
//     the csrf form field (requireOwner, for every method but GET and HEAD);
//     on the customer's forms, a signed form token and the browser's word on
//     the request's origin, no cookie (requireFormCSRF, form_guard.go).
//   - login/IP, bookings/IP, permits/IP: limits.login_per_ip,
//     booking_per_ip, permit_per_ip.
//   - login/account: limits.login_failures_per_account and
//     login_locked_per_ip, and one sign-in at a time per client (signIn).
//   - bookings/email, bookings/network: limits.booking_per_email and
//     booking_per_network, counting only bookings made (reserveBooking).
//   - bot traps: the honeypot field and the form stamp (CheckFormStamp).
//   - manage token, signed link, setup token, feed token: the secret the
//     Service checks when it looks the thing up.
func (s *Server) routes() {
	f := s.fiber
	f.Use(s.requestID, s.accessLog, recover.New(), s.securityHeaders, refuseEncodedBodies, s.limitReads)

	// Operations.
	f.Get("/healthz", s.healthz)                        // guards: none
	f.Get("/metrics", s.requireMetricsToken, s.metrics) // guards: bearer server.metrics_token, when set

	// Public reads: what availability needs and nothing more.
	f.Get("/embed.js", s.embedScript) // guards: reads/IP
	f.Options("/api/catalog", s.corsFor("GET"))
	f.Options("/api/availability", s.corsFor("GET"))
	f.Options("/api/bookings", s.corsFor("POST"))
	f.Get("/api/catalog", s.corsFor("GET"), s.apiCatalog)           // guards: reads/IP; CORS for embed.allowed_origins
	f.Get("/api/availability", s.corsFor("GET"), s.apiAvailability) // guards: reads/IP; CORS for embed.allowed_origins
	f.Get("/api/email-suggestion", s.apiEmailSuggestion)            // guards: reads/IP

	// Customers: create a booking; reach their own through the manage token.
	f.Post("/api/bookings", s.corsFor("POST"), s.limitBookingIP, s.apiCreateBooking) // guards: bookings/IP; in handler: bookings/email, bookings/network; CORS
	f.Get("/api/bookings/:id", s.apiGetBooking)                                      // guards: reads/IP, manage token
	f.Post("/api/bookings/:id/cancel", s.apiCancelBooking)                           // guards: manage token
	f.Post("/api/bookings/:id/reschedule", s.apiRescheduleBooking)                   // guards: manage token
	f.Post("/api/bookings/:id/email", s.apiCorrectEmail)                             // guards: manage token
	f.Get("/api/bookings/:id/calendar.ics", s.apiCalendar)                           // guards: reads/IP, manage token

	// Parking permit approvers, holding a signed link.
	f.Get("/permits/decide", s.pagePermitDecide)                         // guards: reads/IP, signed link
	f.Post("/permits/decide", s.limitPermits, s.pagePermitDecided)       // guards: permits/IP, signed link
	f.Post("/api/permits/decision", s.limitPermits, s.apiPermitDecision) // guards: permits/IP, signed link

	// The owner console's pages.
	f.Get("/admin/login", s.pageLogin)    // guards: reads/IP
	f.Post("/admin/login", s.submitLogin) // guards: in handler: login/IP (a 429 sign-in page), login/account
	f.Get("/admin/setup", s.pageSetup)    // guards: reads/IP, setup token
	f.Post("/admin/setup", s.submitSetup) // guards: setup token
	console := f.Group("/admin", s.requireOwner)
	console.Get("/", s.pageConsoleDay)                                   // guards: reads/IP, owner
	console.Post("/logout", s.submitLogout)                              // guards: owner, CSRF
	console.Get("/bookings", s.pageConsoleBookings)                      // guards: reads/IP, owner
	console.Post("/bookings/cancel", s.submitConsoleCancelBookings)      // guards: owner, CSRF
	console.Get("/bookings/new", s.pageConsoleNewBooking)                // guards: reads/IP, owner
	console.Post("/bookings/new", s.submitConsoleNewBooking)             // guards: owner, CSRF
	console.Get("/bookings/:id", s.pageConsoleBooking)                   // guards: reads/IP, owner
	console.Get("/bookings/:id/change", s.pageConsoleChangeBooking)      // guards: reads/IP, owner
	console.Post("/bookings/:id/change", s.submitConsoleChangeBooking)   // guards: owner, CSRF
	console.Post("/bookings/:id/status", s.submitConsoleStatus)          // guards: owner, CSRF
	console.Post("/bookings/:id/resend", s.submitConsoleResend)          // guards: owner, CSRF
	console.Get("/blackouts", s.pageConsoleBlackouts)                    // guards: reads/IP, owner
	console.Post("/blackouts", s.submitConsoleBlackout)                  // guards: owner, CSRF
	console.Post("/blackouts/:id/delete", s.submitConsoleUnblock)        // guards: owner, CSRF
	console.Get("/permits", s.pageConsolePermits)                        // guards: reads/IP, owner
	console.Post("/permits/:id/decision", s.submitConsolePermitDecision) // guards: owner, CSRF
	console.Post("/permits/:id/resend", s.submitConsolePermitResend)     // guards: owner, CSRF
	console.Get("/mail", s.pageConsoleMail)                              // guards: reads/IP, owner
	console.Post("/mail/:id/retry", s.submitConsoleRetry)                // guards: owner, CSRF
	console.Get("/reports", s.pageConsoleReports)                        // guards: reads/IP, owner
	console.Get("/audit", s.pageConsoleAudit)                            // guards: reads/IP, owner
	console.Get("/settings", s.pageConsoleSettings)                      // guards: reads/IP, owner
	console.Post("/settings/calendar-feed", s.submitConsoleRotateFeed)   // guards: owner, CSRF
	console.Get("/backups", s.pageConsoleBackups)                        // guards: reads/IP, owner
	console.Post("/backups", s.submitConsoleBackup)                      // guards: owner, CSRF

	// The owner's calendar subscription, behind its secret token.
	f.Get("/calendar/:file", s.calendarFeed) // guards: reads/IP, feed token

	// Owner console API: sign-in, then a session (and CSRF token to change anything).
	f.Post("/api/admin/login", s.limitLogin, s.apiLogin) // guards: login/IP; in handler: login/account
	f.All("/api/admin", s.unauthorized)                  // answers 401: sign in first
	api := f.Group("/api/admin", s.requireOwner)
	api.Get("/session", s.apiSession)                               // guards: reads/IP, owner
	api.Post("/logout", s.apiLogout)                                // guards: owner, CSRF
	api.Post("/logout-everywhere", s.apiLogoutEverywhere)           // guards: owner, CSRF
	api.Get("/bookings", s.apiAdminBookings)                        // guards: reads/IP, owner
	api.Post("/bookings", s.apiAdminCreateBooking)                  // guards: owner, CSRF
	api.Get("/day", s.apiAdminDay)                                  // guards: reads/IP, owner
	api.Post("/bookings/cancel", s.apiAdminCancelBookings)          // guards: owner, CSRF
	api.Get("/bookings/:id", s.apiAdminBooking)                     // guards: reads/IP, owner
	api.Patch("/bookings/:id", s.apiAdminChangeBooking)             // guards: owner, CSRF
	api.Post("/bookings/:id/status", s.apiAdminBookingStatus)       // guards: owner, CSRF
	api.Post("/bookings/:id/resend", s.apiAdminResend)              // guards: owner, CSRF
	api.Get("/blackouts", s.apiAdminBlackouts)                      // guards: reads/IP, owner
	api.Post("/blackouts", s.apiAdminAddBlackout)                   // guards: owner, CSRF
	api.Delete("/blackouts/:id", s.apiAdminDeleteBlackout)          // guards: owner, CSRF
	api.Get("/permits", s.apiAdminPermits)                          // guards: reads/IP, owner
	api.Post("/permits/:id/resend", s.apiAdminPermitResend)         // guards: owner, CSRF
	api.Post("/permits/:id/decision", s.apiAdminPermitDecision)     // guards: owner, CSRF
	api.Get("/outbox", s.apiAdminOutbox)                            // guards: reads/IP, owner
	api.Post("/outbox/:id/retry", s.apiAdminOutboxRetry)            // guards: owner, CSRF
	api.Get("/stats", s.apiAdminStats)                              // guards: reads/IP, owner
	api.Get("/export.csv", s.apiAdminExport)                        // guards: reads/IP, owner
	api.Get("/audit", s.apiAdminAudit)                              // guards: reads/IP, owner
	api.Get("/jobs", s.apiAdminJobs)                                // guards: reads/IP, owner
	api.Get("/calendar-feed", s.apiAdminCalendarFeed)               // guards: reads/IP, owner
	api.Post("/calendar-feed/rotate", s.apiAdminRotateCalendarFeed) // guards: owner, CSRF
	api.Get("/backups", s.apiAdminBackups)                          // guards: reads/IP, owner
	api.Post("/backups", s.apiAdminCreateBackup)                    // guards: owner, CSRF
	api.Get("/backups/:name", s.apiAdminDownloadBackup)             // guards: reads/IP, owner

	// The customer's pages.
	f.Get("/", s.pageHome)                                                         // guards: reads/IP
	f.Get("/book/:package", s.pageDay)                                             // guards: reads/IP
	f.Get("/book/:package/details", s.pageDetails)                                 // guards: reads/IP
	f.Post("/book/:package", s.requireFormCSRF, s.limitBookingIP, s.submitBooking) // guards: CSRF, bookings/IP; in handler: bot traps, bookings/email, bookings/network
	f.Get("/b/:id", s.pageBooking)                                                 // guards: reads/IP, manage token
	f.Get("/b/:id/cancel", s.pageCancelConfirm)                                    // guards: reads/IP, manage token
	f.Post("/b/:id/cancel", s.requireFormCSRF, s.submitCancel)                     // guards: CSRF, manage token
	f.Get("/b/:id/move", s.pageMove)                                               // guards: reads/IP, manage token
	f.Post("/b/:id/move", s.requireFormCSRF, s.submitMove)                         // guards: CSRF, manage token
	f.Post("/b/:id/email", s.requireFormCSRF, s.submitEmail)                       // guards: CSRF, manage token
	f.Get("/static/:name", s.static)                                               // guards: none

	f.Use(func(c *fiber.Ctx) error {
		return app.NewError(app.CodeNotFound, "errors.request.no_route", "Method", c.Method(), "Path", c.Path())
	})
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.fiber.Listener(ln) }

// Shutdown stops accepting connections and waits, up to the context's deadline,
// for requests in progress to finish.
func (s *Server) Shutdown(ctx context.Context) error { return s.fiber.ShutdownWithContext(ctx) }

// Test serves one request in process; for tests.
func (s *Server) Test(req *http.Request) (*http.Response, error) { return s.fiber.Test(req, -1) }

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) requestID(c *fiber.Ctx) error {
	id := newRequestID()
	c.Locals("request_id", id)
	c.Set("X-Request-Id", id)
	return c.Next()
}

// reqLog returns the logger of this request, carrying its request id.
func (s *Server) reqLog(c *fiber.Ctx) *slog.Logger {
	id, _ := c.Locals("request_id").(string)
	return s.log.With("request_id", id)
}

// accessLog writes one line per request. It never logs the query string:
// manage and permit tokens travel there.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	elapsed := time.Since(start)
	s.httpMetrics.observe(c.Method(), routeLabel(c), c.Response().StatusCode(), elapsed)
	// A streamed body (the CSV export, a backup download) is written after
	// this returns: asking for its length would read it all into memory.
	bytes := -1
	if !c.Response().IsBodyStream() {
		bytes = len(c.Response().Body())
	}
	attrs := []any{"method", c.Method(), "path", loggedPath(c), "status", c.Response().StatusCode(),
		"duration_ms", float64(elapsed.Microseconds()) / 1000, "ip", s.clientAddr(c).String(), "bytes", bytes}
	if more, ok := c.Locals(logMore).([]any); ok {
		attrs = append(attrs, more...)
	}
	s.reqLog(c).Info("request", attrs...)
	return nil
}

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	s.setSecurityHeaders(c)
	return c.Next()
}

// limitReads applies limits.read_per_ip to pages and API reads (not to static
// files, /healthz or /metrics).
func (s *Server) limitReads(c *fiber.Ctx) error {
	if m := c.Method(); m == fiber.MethodGet || m == fiber.MethodHead {
		p := c.Path()
		if !strings.HasPrefix(p, "/static/") && p != "/healthz" && p != "/metrics" {
			if err := s.readLimit.take(c, s.clientKey(c)); err != nil {
				return err
			}
		}
	}
	return c.Next()
}

// refuseEncodedBodies refuses compressed request bodies: inflating one could
// turn 64 KiB on the wire into gigabytes in memory.
func refuseEncodedBodies(c *fiber.Ctx) error {
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return invalid("errors.request.encoding", "Encoding", strconv.Quote(enc))
	}
	return c.Next()
}

// setSecurityHeaders sets the headers every response carries.
func (s *Server) setSecurityHeaders(c *fiber.Ctx) {
	ancestors := s.frameAncestors(c)
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"base-uri 'none'; form-action 'self'; frame-ancestors "+ancestors+"; object-src 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "no-referrer")
	if ancestors == "'none'" {
		c.Set("X-Frame-Options", "DENY")
	}
	if strings.HasPrefix(s.svc.Config.Server.BaseURL, "https://") {
		c.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// statusOf maps an API error code to its HTTP status (API.md's table).
func statusOf(code string) int {
	switch code {
	case app.CodeInvalidRequest, app.CodeValidationFailed:
		return fiber.StatusBadRequest
	case app.CodeUnauthorized:
		return fiber.StatusUnauthorized
	case app.CodeForbidden:
		return fiber.StatusForbidden
	case app.CodeNotFound:
		return fiber.StatusNotFound
	case app.CodeSlotUnavailable, app.CodePriceChanged, app.CodeIdempotencyConflict, app.CodeCancellationClosed, app.CodeChangeClosed, app.CodeLinkUsed:
		return fiber.StatusConflict
	case app.CodeLinkExpired:
		return fiber.StatusGone
	case app.CodePayloadTooLarge:
		return fiber.StatusRequestEntityTooLarge
	case app.CodeRateLimited:
		return fiber.StatusTooManyRequests
	case app.CodeUnavailable:
		return fiber.StatusServiceUnavailable
	}
	return fiber.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields"`
}

// handleError is the one place where errors become responses: domain errors
// keep their code and message; Fiber's own errors are mapped to codes; anything
// else is a 500 whose detail goes only to the log.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	var e *app.Error
	if errors.As(err, &fe) {
		e = fiberError(fe)
	} else {
		e = app.ErrorOf(err)
	}
	switch e.Code {
	case app.CodeInternal:
		s.reqLog(c).Error("internal error", "method", c.Method(), "path", loggedPath(c), "err", err)
	case app.CodeUnavailable:
		if errors.Is(err, store.ErrDiskFull) {
			s.reqLog(c).Error("the disk is full: writes are refused (503) until space is freed; reads go on", "method", c.Method(), "path", loggedPath(c), "err", err)
		} else {
			s.reqLog(c).Warn("unavailable", "method", c.Method(), "path", loggedPath(c), "err", err)
		}
	}
	_, routed := c.Locals("request_id").(string)
	if !routed {
		// Refused by the server before any route ran (body too large, bad
		// headers): give it the headers and the log line the chain would.
		id := newRequestID()
		c.Locals("request_id", id)
		c.Set("X-Request-Id", id)
		s.setSecurityHeaders(c)
		s.reqLog(c).Info("request refused", "method", c.Method(), "path", loggedPath(c), "code", e.Code, "ip", s.clientAddr(c).String())
	}
	status := statusOf(e.Code)
	if e.RetryAfter > 0 {
		c.Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	c.Set("Cache-Control", "no-store")
	if s.wantsPage(c, routed) {
		return s.renderError(c, status, e)
	}
	fields := e.Fields
	if fields == nil {
		fields = map[string]string{} // the shape is the same for every error
	}
	return c.Status(status).JSON(errorBody{Error: errorDetail{Code: e.Code, Message: e.Message, Fields: fields}})
}

func fiberError(fe *fiber.Error) *app.Error {
	switch fe.Code {
	case fiber.StatusRequestEntityTooLarge:
		return app.NewError(app.CodePayloadTooLarge, "errors.request.too_large", "KiB", BodyLimit/1024)
	case fiber.StatusNotFound:
		return app.NewError(app.CodeNotFound, "errors.request.no_page")
	case fiber.StatusMethodNotAllowed:
		return app.NewError(app.CodeInvalidRequest, "errors.request.method_not_allowed")
	case fiber.StatusRequestHeaderFieldsTooLarge:
		return app.NewError(app.CodeInvalidRequest, "errors.request.headers_too_large")
	case fiber.StatusRequestTimeout:
		return app.NewError(app.CodeInvalidRequest, "errors.request.timeout")
	case fiber.StatusBadRequest:
		return app.NewError(app.CodeInvalidRequest, "errors.request.unreadable")
	case fiber.StatusUnauthorized:
		return app.NewError(app.CodeUnauthorized, "errors.account.sign_in")
	case fiber.StatusForbidden:
		return app.NewError(app.CodeForbidden, "errors.request.forbidden")
	case fiber.StatusTooManyRequests:
		return app.NewError(app.CodeRateLimited, "errors.request.too_many").Retry(time.Minute)
	case fiber.StatusServiceUnavailable:
		return app.NewError(app.CodeUnavailable, "errors.busy").Retry(2 * time.Second)
	}
	if fe.Code >= 400 && fe.Code < 500 {
		return app.NewError(app.CodeInvalidRequest, "errors.request.http", "Status", fe.Code)
	}
	return app.NewError(app.CodeInternal, "errors.request.internal")
}

// wantsPage reports whether an error should be an HTML page rather than JSON:
// everything outside /api/ and the operations endpoints is a page. A request
// refused before routing may not even have a parsed path: it gets JSON unless
// it is plainly a browser's.
func (s *Server) wantsPage(c *fiber.Ctx, routed bool) bool {
	p := requestPath(c)
	if !routed && (p == "" || p == "/") {
		return strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
	}
	return !strings.HasPrefix(p, "/api/") && p != "/api" && p != "/healthz" && p != "/metrics"
}

// secretPathPrefixes are paths whose rest is a secret (the calendar feed's
// token): logs keep only the prefix. Tokens in query strings are never logged.
var secretPathPrefixes = []string{"/calendar/"}

// loggedPath is the request's path as logs may hold it, secrets left out.
func loggedPath(c *fiber.Ctx) string {
	p := requestPath(c)
	for _, prefix := range secretPathPrefixes {
		if strings.HasPrefix(p, prefix) {
			return prefix + "[secret]"
		}
	}
	return p
}

// requestPath is the request's path, also for requests refused before routing
// (when c.Path() is still empty).
func requestPath(c *fiber.Ctx) string {
	if p := c.Path(); p != "" {
		return p
	}
	return string(c.Request().URI().Path())
}

func (s *Server) unauthorized(c *fiber.Ctx) error {
	return app.NewError(app.CodeUnauthorized, "errors.account.sign_in_first")
}

// MinFreeDisk is the free space below which /healthz reports the disk full:
// a booking needs a few pages of WAL, and SQLite needs room to checkpoint.
const MinFreeDisk = 16 << 20

// healthz answers 200 while the database answers, its file is intact and its
// disk has room; 503 otherwise, saying which.
func (s *Server) healthz(c *fiber.Ctx) error {
	c.Set("Cache-Control", "no-store")
	health := s.svc.Store.Health()
	integrity := "ok"
	switch {
	case !health.Intact:
		integrity = "damaged"
	case health.Checking:
		integrity = "checking"
	}
	body := fiber.Map{"status": "ok", "integrity": integrity}
	if health.DiskKnown {
		body["disk_free_bytes"] = health.DiskFreeBytes
	}
	status := fiber.StatusOK
	switch err := s.svc.Store.Ping(c.UserContext()); {
	case err != nil:
		s.reqLog(c).Error("health check failed", "err", err)
		body["status"], status = "unavailable", fiber.StatusServiceUnavailable
	case !health.Intact:
		body["status"], status = "damaged", fiber.StatusServiceUnavailable
	case health.DiskKnown && health.DiskFreeBytes < MinFreeDisk:
		body["status"], status = "disk_full", fiber.StatusServiceUnavailable
	}
	return c.Status(status).JSON(body)
}

// invalid is invalid_request with the catalog message id and its fields.
func invalid(id string, pairs ...any) error {
	return app.NewError(app.CodeInvalidRequest, id, pairs...)
}

// logMore holds what a handler adds to its request's one log line.
const logMore = "vb.log"

// logWith adds attributes to the request's access log line: one line per
// request, the booking's id and reference on it.
func logWith(c *fiber.Ctx, attrs ...any) {
	more, _ := c.Locals(logMore).([]any)
	c.Locals(logMore, append(more, attrs...))
}
