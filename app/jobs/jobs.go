// Package jobs runs venuebook's scheduled jobs with robfig/cron in the venue's
// timezone: each job recovers from panics, is skipped while its previous run is
// still going, and is drained on shutdown. It records each job's last run.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Status is what the console shows of a job.
type Status struct {
	Name     string
	Schedule string
	LastRun  time.Time
	LastErr  string
	Duration time.Duration
	Next     time.Time
	Runs     int
}

// Runner owns the cron scheduler and the jobs' context.
type Runner struct {
	cron   *cron.Cron
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	status map[string]*Status
	ids    map[string]cron.EntryID
}

// New returns a Runner for loc; add jobs, then Start.
func New(loc *time.Location, log *slog.Logger) *Runner {
	log = log.With("part", "jobs")
	cl := cronLogger{log}
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{
		// Recover must be inside SkipIfStillRunning: cron v3.0.1 hands the
		// "running" token back without defer, so a panic escaping to an outer
		// Recover would leave the job skipped for ever after.
		cron: cron.New(cron.WithLocation(loc), cron.WithLogger(cl),
			cron.WithChain(cron.SkipIfStillRunning(cl), cron.Recover(cl))),
		log: log, ctx: ctx, cancel: cancel,
		status: map[string]*Status{}, ids: map[string]cron.EntryID{},
	}
}

// Add schedules job under name on a cron spec ("@every 30s" and the
// five-field form are accepted). job gets a context cancelled at Stop.
func (r *Runner) Add(name, spec string, job func(ctx context.Context) error) error {
	r.mu.Lock()
	r.status[name] = &Status{Name: name, Schedule: spec}
	r.mu.Unlock()
	id, err := r.cron.AddFunc(spec, func() { r.run(name, job) })
	if err != nil {
		return fmt.Errorf("schedule job %s (%q): %w", name, spec, err)
	}
	r.mu.Lock()
	r.ids[name] = id
	r.mu.Unlock()
	return nil
}

func (r *Runner) run(name string, job func(ctx context.Context) error) {
	began := time.Now()
	var err error
	defer func() {
		// A panicking run is recorded too; cron.Recover then logs it.
		if p := recover(); p != nil {
			r.record(name, began, fmt.Errorf("panic: %v", p))
			panic(p)
		}
		r.record(name, began, err)
	}()
	err = job(r.ctx)
}

// record notes a finished run of job name.
func (r *Runner) record(name string, began time.Time, err error) {
	r.mu.Lock()
	st := r.status[name]
	st.LastRun, st.Duration, st.Runs = began, time.Since(began), st.Runs+1
	st.LastErr = ""
	if err != nil {
		st.LastErr = err.Error()
	}
	r.mu.Unlock()
	if err != nil {
		r.log.Error("job failed", "job", name, "err", err, "duration_ms", time.Since(began).Milliseconds())
	} else {
		r.log.Debug("job done", "job", name, "duration_ms", time.Since(began).Milliseconds())
	}
}

// Start starts the scheduler.
func (r *Runner) Start() { r.cron.Start() }

// Stop stops scheduling, cancels the running jobs' context and waits for them,
// at most until ctx is done.
func (r *Runner) Stop(ctx context.Context) error {
	stopped := r.cron.Stop()
	r.cancel()
	select {
	case <-stopped.Done():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("jobs still running at shutdown: %w", ctx.Err())
	}
}

// Statuses returns every job's status with its next run, by name.
func (r *Runner) Statuses() []Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Status, 0, len(r.status))
	for name, st := range r.status {
		s := *st
		if id, ok := r.ids[name]; ok {
			s.Next = r.cron.Entry(id).Next
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
