package jobs_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"venuebook/app/jobs"
)

// The cron library runs "@every" schedules at whole seconds at best, so each
// test here takes one to three seconds of real time; they run in parallel.
const every = "@every 1s"

// patience bounds every wait for something that must happen: it only decides
// how long a failing test takes, so it is far longer than any machine needs.
const patience = 2 * time.Minute

// logRecorder is a slog handler that keeps every message, at every level, and
// lets a test wait for one.
type logRecorder struct {
	mu      sync.Mutex
	msgs    []string
	changed chan struct{}
}

func newLogRecorder() *logRecorder { return &logRecorder{changed: make(chan struct{})} }

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	close(l.changed)
	l.changed = make(chan struct{})
	return nil
}

// wait waits until a message containing substr has been logged.
func (l *logRecorder) wait(t *testing.T, substr string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		changed := l.changed
		for _, m := range l.msgs {
			if strings.Contains(m, substr) {
				l.mu.Unlock()
				return
			}
		}
		l.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no log message containing %q within %s", substr, timeout)
		}
	}
}

func newRunner(t *testing.T) (*jobs.Runner, *logRecorder) {
	t.Helper()
	rec := newLogRecorder()
	r := jobs.New(time.UTC, slog.New(rec))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		_ = r.Stop(ctx) // stopping twice is harmless
	})
	return r, rec
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func status(t *testing.T, r *jobs.Runner, name string) jobs.Status {
	t.Helper()
	for _, s := range r.Statuses() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no status for job %s", name)
	return jobs.Status{}
}

// A job that panics is recovered: the runner keeps scheduling it, the panic is
// logged and shows in the job's status.
func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	r, rec := newRunner(t)
	var calls atomic.Int32
	afterPanic := make(chan jobs.Status, 1)
	err := r.Add("boom", every, func(ctx context.Context) error {
		switch calls.Add(1) {
		case 1:
			panic("boom")
		case 2:
			// SkipIfStillRunning hands the slot on only once the first run
			// (and its bookkeeping) is over.
			afterPanic <- status(t, r, "boom")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	st := receive(t, afterPanic, "a run after the panic")
	if st.Runs != 1 || !strings.Contains(st.LastErr, "panic: boom") || st.LastRun.IsZero() {
		t.Errorf("status after the panicking run: %+v", st)
	}
	rec.wait(t, "cron: panic", patience)
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := r.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if st := status(t, r, "boom"); st.Runs < 2 || st.LastErr != "" {
		t.Errorf("status after a good run: %+v", st)
	}
}

// A job still running when its next time comes is skipped, not run twice at
// once; it runs again after it has finished.
func TestSkipIfStillRunning(t *testing.T) {
	t.Parallel()
	r, rec := newRunner(t)
	var calls, running, maxRunning atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	again := make(chan struct{}, 10)
	err := r.Add("slow", every, func(ctx context.Context) error {
		n := calls.Add(1)
		now := running.Add(1)
		defer running.Add(-1)
		for {
			m := maxRunning.Load()
			if now <= m || maxRunning.CompareAndSwap(m, now) {
				break
			}
		}
		if n == 1 {
			close(started)
			<-release
		} else {
			again <- struct{}{}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	receive(t, started, "the first run")
	rec.wait(t, "cron: skip", patience) // the next tick came while it ran
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d runs while the first was still going, want 1", n)
	}
	close(release)
	receive(t, again, "a run after the first finished")
	if m := maxRunning.Load(); m != 1 {
		t.Errorf("%d runs at once, want 1", m)
	}
}

// Stop cancels the running job's context and waits for the job to return.
func TestStopCancelsAndWaits(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	started, cancelled, finish := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	var once sync.Once
	err := r.Add("long", every, func(ctx context.Context) error {
		once.Do(func() { close(started) })
		<-ctx.Done()
		close(cancelled)
		<-finish // still cleaning up after the cancellation
		finished.Store(true)
		return ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	receive(t, started, "the job to start")
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		stopped <- r.Stop(ctx)
	}()
	receive(t, cancelled, "the job's context to be cancelled")
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while the job was still running", err)
	default:
	}
	close(finish)
	if err := receive(t, stopped, "Stop"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !finished.Load() {
		t.Error("Stop returned before the job finished")
	}
}

// Stop's wait is bounded by its context when a job ignores cancellation.
func TestStopBounded(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	started, finish := make(chan struct{}), make(chan struct{})
	var once sync.Once
	err := r.Add("stubborn", every, func(context.Context) error {
		once.Do(func() { close(started) })
		<-finish
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { close(finish) })
	r.Start()
	receive(t, started, "the job to start")
	// The job never returns before finish is closed, so this short bound
	// expires however fast or slow the machine is.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.Stop(ctx); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("Stop = %v, want a still-running error", err)
	}
}

// A schedule cron cannot parse is refused when the job is added.
func TestAddRefusesBadSchedule(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	if err := r.Add("bad", "every now and then", func(context.Context) error { return nil }); err == nil {
		t.Fatal("a bad schedule was accepted")
	}
}
