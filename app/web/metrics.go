package web

import (
	"crypto/subtle"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
)

// httpMetrics counts requests by method, route and status, and their
// durations in a histogram with buckets for a fast server.
type httpMetrics struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
	duration map[durationKey]*histogram
}

type requestKey struct{ method, route, status string }
type durationKey struct{ method, route string }

var durationBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

func newHTTPMetrics() *httpMetrics {
	return &httpMetrics{requests: map[requestKey]uint64{}, duration: map[durationKey]*histogram{}}
}

func (m *httpMetrics) observe(method, route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{method, route, fmt.Sprint(status)}]++
	k := durationKey{method, route}
	h := m.duration[k]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets))}
		m.duration[k] = h
	}
	sec := d.Seconds()
	for i, b := range durationBuckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.count++
}

// routeLabel is the route pattern that served c ("/api/bookings/:id"), so that
// ids and tokens never become label values; "other" for unmatched paths.
func routeLabel(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || r.Path == "" || r.Path == "/" && c.Path() != "/" || strings.Contains(r.Path, "*") {
		return "other"
	}
	return r.Path
}

// requireMetricsToken lets /metrics answer, with server.metrics_token set,
// only to "Authorization: Bearer <token>", and without it only to clients on
// this machine (403 for anyone else).
func (s *Server) requireMetricsToken(c *fiber.Ctx) error {
	token := s.svc.Config.Server.MetricsToken
	if token == "" {
		// Without a token, only this machine may read them (a scraper on
		// the host, or through an SSH tunnel): a reverse proxy's clients are
		// told apart by server.trusted_proxies.
		if !s.clientAddr(c).IsLoopback() {
			return app.NewError(app.CodeForbidden, "errors.request.metrics_local")
		}
		// A request forwarded by a proxy that server.trusted_proxies does
		// not name comes from anyone: its loopback peer is the proxy.
		if !c.IsProxyTrusted() && forwarded(c) {
			return app.NewError(app.CodeForbidden, "errors.request.metrics_proxy")
		}
		return c.Next()
	}
	got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
		return app.NewError(app.CodeUnauthorized, "errors.request.metrics_token")
	}
	return c.Next()
}

// forwarded reports a request that names a client it was forwarded for.
func forwarded(c *fiber.Ctx) bool {
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-IP"} {
		if len(c.Request().Header.Peek(h)) > 0 {
			return true
		}
	}
	return false
}

// metrics answers /metrics in the Prometheus text format (behind
// requireMetricsToken).
func (s *Server) metrics(c *fiber.Ctx) error {
	var b strings.Builder
	m := s.httpMetrics
	m.mu.Lock()
	b.WriteString("# HELP venuebook_http_requests_total HTTP requests served, by method, route and status.\n# TYPE venuebook_http_requests_total counter\n")
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	for _, k := range keys {
		fmt.Fprintf(&b, "venuebook_http_requests_total{method=%q,route=%q,status=%q} %d\n", k.method, k.route, k.status, m.requests[k])
	}
	b.WriteString("# HELP venuebook_http_request_duration_seconds Time to serve HTTP requests.\n# TYPE venuebook_http_request_duration_seconds histogram\n")
	dkeys := make([]durationKey, 0, len(m.duration))
	for k := range m.duration {
		dkeys = append(dkeys, k)
	}
	sort.Slice(dkeys, func(i, j int) bool { return fmt.Sprint(dkeys[i]) < fmt.Sprint(dkeys[j]) })
	for _, k := range dkeys {
		h := m.duration[k]
		var cum uint64
		for i, le := range durationBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "venuebook_http_request_duration_seconds_bucket{method=%q,route=%q,le=%q} %d\n", k.method, k.route, fmt.Sprint(le), cum)
		}
		fmt.Fprintf(&b, "venuebook_http_request_duration_seconds_bucket{method=%q,route=%q,le=\"+Inf\"} %d\n", k.method, k.route, h.count)
		fmt.Fprintf(&b, "venuebook_http_request_duration_seconds_sum{method=%q,route=%q} %g\n", k.method, k.route, h.sum)
		fmt.Fprintf(&b, "venuebook_http_request_duration_seconds_count{method=%q,route=%q} %d\n", k.method, k.route, h.count)
	}
	m.mu.Unlock()

	fmt.Fprintf(&b, "# HELP venuebook_bookings_created_total Bookings created since start-up.\n# TYPE venuebook_bookings_created_total counter\nvenuebook_bookings_created_total %d\n",
		s.svc.Counters.BookingsCreated.Load())
	fmt.Fprintf(&b, "# HELP venuebook_booking_conflicts_total Bookings refused because the slot was taken meanwhile.\n# TYPE venuebook_booking_conflicts_total counter\nvenuebook_booking_conflicts_total %d\n",
		s.svc.Counters.BookingConflicts.Load())
	counts, err := s.svc.Store.OutboxCounts(c.UserContext())
	if err != nil {
		return err
	}
	b.WriteString("# HELP venuebook_outbox_messages Outbox messages by status.\n# TYPE venuebook_outbox_messages gauge\n")
	for _, st := range []string{"queued", "sending", "sent", "failed", "dead"} {
		fmt.Fprintf(&b, "venuebook_outbox_messages{status=%q} %d\n", st, counts[st])
	}
	if relays := s.mailRelays(); len(relays) > 0 {
		b.WriteString("# HELP venuebook_mail_relay_auth_failed 1 while the SMTP relay refuses venuebook's login (the mail password is wrong), else 0.\n# TYPE venuebook_mail_relay_auth_failed gauge\n")
		for _, r := range relays {
			refused := 0
			if r.LoginRefused {
				refused = 1
			}
			fmt.Fprintf(&b, "venuebook_mail_relay_auth_failed{relay=%q} %d\n", r.Name, refused)
		}
		b.WriteString("# HELP venuebook_mail_relay_up 0 while the SMTP relay cannot be reached (refused or timed out connections, 421, lost connections), else 1.\n# TYPE venuebook_mail_relay_up gauge\n")
		for _, r := range relays {
			up := 1
			if r.Down {
				up = 0
			}
			fmt.Fprintf(&b, "venuebook_mail_relay_up{relay=%q} %d\n", r.Name, up)
		}
	}
	fmt.Fprintf(&b, "# HELP venuebook_emails_sent_total Emails sent (all time, from the outbox).\n# TYPE venuebook_emails_sent_total counter\nvenuebook_emails_sent_total %d\n", counts["sent"])
	b.WriteString("# HELP venuebook_rate_limit_keys Clients (addresses, emails) a rate limit counts apart now; at most limits.tracked_clients.\n# TYPE venuebook_rate_limit_keys gauge\n")
	var shared strings.Builder
	shared.WriteString("# HELP venuebook_rate_limit_shared_total Events counted in a limit's shared window, while it tracked as many clients as it may.\n# TYPE venuebook_rate_limit_shared_total counter\n")
	for _, rl := range s.rateLimits() {
		keys, events := rl.counts.stats()
		fmt.Fprintf(&b, "venuebook_rate_limit_keys{limit=%q} %d\n", rl.name, keys)
		fmt.Fprintf(&shared, "venuebook_rate_limit_shared_total{limit=%q} %d\n", rl.name, events)
	}
	b.WriteString(shared.String())
	last := s.svc.BackupStatus().LastSuccess
	if list, err := s.svc.Backups(); err == nil && len(list) > 0 && list[0].ModTime.After(last) {
		last = list[0].ModTime
	}
	var stamp float64
	if !last.IsZero() {
		stamp = float64(last.Unix())
	}
	fmt.Fprintf(&b, "# HELP venuebook_backup_last_success_timestamp_seconds When the last verified backup was made (0: none).\n# TYPE venuebook_backup_last_success_timestamp_seconds gauge\nvenuebook_backup_last_success_timestamp_seconds %g\n", stamp)
	health := s.svc.Store.Health()
	intact := 0
	if health.Intact {
		intact = 1
	}
	fmt.Fprintf(&b, "# HELP venuebook_database_intact 1 while the database file passed its checks (quick_check at start-up, every query since), 0 once damage was found.\n# TYPE venuebook_database_intact gauge\nvenuebook_database_intact %d\n", intact)
	if health.DiskKnown {
		fmt.Fprintf(&b, "# HELP venuebook_disk_free_bytes Space left on the database's file system.\n# TYPE venuebook_disk_free_bytes gauge\nvenuebook_disk_free_bytes %d\n", health.DiskFreeBytes)
	}
	c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
	c.Set("Cache-Control", "no-store")
	return c.SendString(b.String())
}
