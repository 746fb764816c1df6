// Package serve wires one venue's parts into a running server: the store and
// the Service, the HTTP server, the mail worker and the scheduled jobs. The
// binary and the end-to-end tests start the same Main, so the tests exercise
// the wiring that runs in production.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"venuebook/app"
	"venuebook/app/jobs"
	"venuebook/app/mail"
	"venuebook/app/web"
	"venuebook/store"
)

// Shutdown bounds: requests in progress get HTTPGrace to finish, a running job
// JobsGrace; both stay inside the systemd unit's stop timeout.
const (
	HTTPGrace = 15 * time.Second
	JobsGrace = 30 * time.Second
)

// Main is one running venue. Fill in its inputs, call Run, and Close it when
// done; Close stops the parts in order: HTTP first (finishing the requests in
// progress), then the jobs and the mail worker, then the database.
type Main struct {
	// Config is the venue's configuration; Config.Server.Listen is the
	// address to serve ("127.0.0.1:0" picks a free port).
	Config *app.Config
	// Schema is schema.sql; Assets holds templates/, static/ and mail/.
	Schema string
	Assets fs.FS
	Log    *slog.Logger
	// Now is the clock (nil: time.Now); tests pin it.
	Now func() time.Time
	// StoreLimits bounds the store's waits (zero fields: the defaults).
	StoreLimits store.Limits
	// Version is logged at start-up.
	Version string
	// ManualMail builds the mail worker without starting its loop, and
	// ManualJobs registers the jobs without starting the scheduler: tests
	// with a pinned clock drive them themselves.
	ManualMail, ManualJobs bool

	// Set by Run.
	Service *app.Service
	HTTP    *web.Server
	Mail    *mail.Worker
	Jobs    *jobs.Runner

	ln     net.Listener
	lock   *store.Lock
	served chan error
	// serveDone is closed once Serve has returned (whoever took its error).
	serveDone chan struct{}
	closers   []func() error
}

// Run starts the venue and returns once it is serving, or the first error (the
// parts already started are then closed). A second instance on the same
// address or database stops here, before it touches the live file.
func (m *Main) Run(ctx context.Context) (err error) {
	if m.Now == nil {
		m.Now = time.Now
	}
	defer func() {
		if err != nil {
			_ = m.Close()
		}
	}()
	cfg := m.Config
	// Take the port first: a second instance started by mistake stops here.
	if m.ln, err = net.Listen("tcp", cfg.Server.Listen); err != nil {
		return fmt.Errorf("listen on %s (server.listen): %w", cfg.Server.Listen, err)
	}
	m.closers = append(m.closers, func() error {
		if err := m.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})
	if m.lock, err = store.LockDatabase(cfg.Database.Path); err != nil {
		return err
	}
	m.closers = append(m.closers, m.lock.Release)
	// Holding the lock, no restore or upgrade runs: what a killed one left
	// half-written goes, and so do temporary files of killed backups.
	if removed, err := store.RemoveLeftovers(cfg.Database.Path, cfg.Backup.Dir); err != nil {
		m.Log.Warn("could not remove every unfinished file a killed backup, restore or upgrade left", "err", err)
	} else if len(removed) > 0 {
		m.Log.Info("removed unfinished files of a killed backup, restore or upgrade", "files", removed)
	}
	if m.Service, err = app.Open(ctx, cfg, m.Schema, m.Assets, m.Log, m.Now, store.WithLimits(m.StoreLimits), store.AsServer()); err != nil {
		if errors.Is(err, store.ErrCorrupt) {
			return fmt.Errorf("open %s: %w\n%s", cfg.Database.Path, err, restoreAdvice(cfg))
		}
		return fmt.Errorf("open %s: %w", cfg.Database.Path, err)
	}
	m.closers = append(m.closers, m.Service.Close)
	go m.reportIntegrity()
	m.Jobs = jobs.New(cfg.Location, m.Log)
	if m.Mail, err = mail.NewWorker(m.Service.Store, cfg, m.Log, m.Now); err != nil {
		return err
	}
	if m.HTTP, err = web.New(m.Service, m.Assets, m.Log, web.WithJobs(m.Jobs.Statuses), web.WithMailRelays(m.Mail.Relays)); err != nil {
		return err
	}
	if link, err := m.Service.SetupLink(ctx); errors.Is(err, store.ErrDiskFull) {
		m.Log.Error("no owner account yet, and the disk is too full to make a setup link: free some space and restart", "err", err)
	} else if err != nil {
		return err
	} else if link != "" {
		m.Log.Warn("no owner account yet: open this one-time link within 24 hours to create one (or run 'venuebook admin add EMAIL')", "setup_link", link)
	}
	// From here on every write waits for the start-up check's verdict.
	m.Service.Store.HoldWritesUntilChecked()
	m.Service.Store.OnMailQueued = m.Mail.Wake
	if !m.ManualMail {
		if err := m.Mail.Start(ctx); err != nil {
			return fmt.Errorf("start mail worker: %w", err)
		}
		m.closers = append(m.closers, func() error { m.Mail.Stop(); return nil })
	}
	if err := scheduleJobs(m.Jobs, m.Service, m.Mail); err != nil {
		return err
	}
	if !m.ManualJobs {
		m.Jobs.Start()
		m.closers = append(m.closers, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), JobsGrace)
			defer cancel()
			if err := m.Jobs.Stop(ctx); err != nil {
				return fmt.Errorf("stop jobs: %w", err)
			}
			return nil
		})
	}
	m.served = make(chan error, 1)
	ln := &acceptSignal{Listener: m.ln, accepting: make(chan struct{})}
	m.serveDone = make(chan struct{})
	go func() {
		m.served <- m.HTTP.Serve(ln)
		close(m.serveDone)
	}()
	// Return only once the server accepts: a Close right after Run must
	// find it serving, or its shutdown would miss the server.
	select {
	case <-ln.accepting:
	case err := <-m.served:
		return fmt.Errorf("serve: %w", err)
	}
	m.closers = append(m.closers, m.shutdownHTTP)
	m.Log.Info("venuebook serving", "venue", cfg.Venue.Name, "addr", m.ln.Addr().String(), "base_url", cfg.Server.BaseURL,
		"config", cfg.Source, "database", cfg.Database.Path, "version", m.Version)
	return nil
}

// reportIntegrity logs the verdict of a start-up check that outlasted
// store.IntegrityWait (a large file): damage found then stops every write,
// turns /healthz to 503, and is logged with what to do.
func (m *Main) reportIntegrity() {
	st := m.Service.Store
	select {
	case <-st.IntegrityChecked():
	default:
		if st.CleanStart() {
			m.Log.Info("checking the database file (PRAGMA quick_check) while serving; the last stop was clean, so writes go on meanwhile")
		} else {
			m.Log.Warn("checking the database file (PRAGMA quick_check) while serving; the last run did not stop cleanly, so writes wait for the check")
		}
		<-st.IntegrityChecked()
		if err := st.IntegrityErr(); errors.Is(err, context.Canceled) {
			return // the server stopped first
		} else if errors.Is(err, store.ErrCorrupt) {
			m.Log.Error("the database file is damaged: writes are refused; stop the server and restore", "err", err, "what_to_do", restoreAdvice(m.Config))
		} else {
			m.Log.Info("database file checked", "ok", err == nil)
		}
	}
}

// restoreAdvice says how to bring a damaged database back: restore the newest
// backup that passes verification.
func restoreAdvice(cfg *app.Config) string {
	restore := "venuebook restore"
	if _, err := os.Stat(cfg.Source); err == nil {
		restore += " -config " + cfg.Source
	}
	list, _ := store.ListBackups(cfg.Backup.Dir)
	for _, f := range list {
		if store.Verify(context.Background(), f.Path) == nil {
			return fmt.Sprintf("The server will not serve a damaged file. Restore the newest verified backup (%s, %s) with:\n  %s %s\nthen start the server again.",
				f.Name, f.ModTime.Format(time.RFC3339), restore, f.Path)
		}
	}
	return fmt.Sprintf("The server will not serve a damaged file, and %s holds no verified backup: restore one from your off-site copies with '%s FILE'.", cfg.Backup.Dir, restore)
}

// acceptSignal closes accepting when the server first waits for a
// connection, which it does only once it is ready to be shut down.
type acceptSignal struct {
	net.Listener
	once      sync.Once
	accepting chan struct{}
}

func (l *acceptSignal) Accept() (net.Conn, error) {
	l.once.Do(func() { close(l.accepting) })
	return l.Listener.Accept()
}

// URL is the address Run serves, as http://host:port.
func (m *Main) URL() string { return "http://" + m.ln.Addr().String() }

// Served delivers the HTTP server's error if it stops serving on its own.
func (m *Main) Served() <-chan error { return m.served }

// shutdownHTTP stops accepting connections and waits, up to HTTPGrace, for
// the requests in progress.
func (m *Main) shutdownHTTP() error {
	ctx, cancel := context.WithTimeout(context.Background(), HTTPGrace)
	defer cancel()
	err := m.HTTP.Shutdown(ctx)
	select {
	case <-m.serveDone:
	case <-ctx.Done():
	}
	if err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

// Close stops what Run started, newest first, and returns every error met.
// Calling it again does nothing.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		if err := m.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	m.closers = nil
	return errors.Join(errs...)
}

// job is one scheduled job: a name for the console and logs, a cron spec in
// the venue's timezone, and what it does.
type job struct {
	name, spec string
	run        func(ctx context.Context) error
}

// scheduleJobs adds venuebook's cron jobs (README "Scheduled jobs").
func scheduleJobs(runner *jobs.Runner, svc *app.Service, worker *mail.Worker) error {
	all := []job{
		{"mail-retry", "@every 30s", worker.Retry},
		{"permit-expiry", "@every 5m", func(ctx context.Context) error {
			_, err := svc.ExpirePermits(ctx)
			return err
		}},
		{"reminders", "@every 5m", func(ctx context.Context) error {
			n, err := svc.QueueReminders(ctx)
			if n > 0 {
				worker.Wake()
			}
			return err
		}},
		{"maintenance", app.MaintenanceSchedule, func(ctx context.Context) error {
			_, err := svc.Maintain(ctx)
			return err
		}},
	}
	if spec := svc.Config.Backup.Schedule; spec != "" {
		all = append(all, job{"backup", spec, func(ctx context.Context) error {
			_, err := svc.Backup(ctx, "")
			return err
		}})
	}
	for _, j := range all {
		if err := runner.Add(j.name, j.spec, j.run); err != nil {
			return err
		}
	}
	return nil
}
