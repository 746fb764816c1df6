// Package store is everything that speaks SQL: opening the database, applying the
// schema, the catalog, bookings and their transactions. It knows nothing of HTTP.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors the store returns; callers test them with errors.Is.
var (
	// ErrNotFound means no row matched.
	ErrNotFound = errors.New("not found")
	// ErrSlotTaken means no candidate room was free for the booking.
	ErrSlotTaken = errors.New("slot taken")
	// ErrIdempotencyConflict means an idempotency key was reused with another request.
	ErrIdempotencyConflict = errors.New("idempotency key reused with a different request")
	// ErrStateChanged means a conditional update found the row no longer in the expected state.
	ErrStateChanged = errors.New("state changed")
	// ErrBusy means the writer could not be had in time; the caller may retry.
	ErrBusy = errors.New("database busy")
)

// Store holds one writer connection, used for every write with BEGIN IMMEDIATE,
// and a pool of read-only connections.
type Store struct {
	path   string
	writer *sql.DB
	reader *sql.DB

	// readSlots admits readers first come, first served: database/sql hands
	// a freed connection to a random waiter, which makes tail latency unfair.
	readSlots chan struct{}

	hot hotStatements
	// server is set by AsServer.
	server bool

	// occupancy mirrors active bookings and blackouts for availability reads.
	occupancy occupancy
	// OnMailQueued, when set, is called after a commit that queued email.
	OnMailQueued func()
	mailDomain   string

	// pending holds what to do once the current write commits; only the
	// goroutine holding the single writer connection touches it.
	pending []func()

	// The group committer (commit.go): its queue, started on the first
	// write; stopping is closed by Close, committed when the committer has
	// answered what was queued.
	commitOnce, stopOnce sync.Once
	queue                chan *writeReq
	stopping, committed  chan struct{}
	// failCommit, set by tests, makes the COMMIT of a batch of n fail when
	// it returns true.
	failCommit func(n int) bool
	// Batches and BatchedWrites count the committed batches and the
	// requests they held (the mean batch size is their ratio).
	Batches, BatchedWrites atomic.Int64

	limits    Limits
	integrity integrityState
	now       func() time.Time
}

// Limits bound how long the store waits and works; a zero field keeps its
// default. Tests about correctness under load give them generous values, so
// that a slow machine never turns them into timing tests.
type Limits struct {
	// WriteWait bounds the wait for the single writer (default 5 s); past it
	// a write fails with ErrBusy, which clients see as 503 with Retry-After.
	WriteWait time.Duration
	// WriteTimeout bounds one write transaction (default 10 s).
	WriteTimeout time.Duration
	// ReadTimeout bounds one read transaction (default 10 s).
	ReadTimeout time.Duration
	// PingTimeout bounds the health check's query (default 2 s).
	PingTimeout time.Duration
	// IntegrityWait is how long Open waits for the start-up quick_check
	// (default 700 ms; negative: not at all) before the check goes on while
	// the server serves.
	IntegrityWait time.Duration
}

// DefaultLimits are the limits of a production server.
var DefaultLimits = Limits{WriteWait: 5 * time.Second, WriteTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second, PingTimeout: 2 * time.Second, IntegrityWait: 700 * time.Millisecond}

func (l Limits) orDefaults() Limits {
	if l.WriteWait <= 0 {
		l.WriteWait = DefaultLimits.WriteWait
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = DefaultLimits.WriteTimeout
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = DefaultLimits.ReadTimeout
	}
	if l.PingTimeout <= 0 {
		l.PingTimeout = DefaultLimits.PingTimeout
	}
	if l.IntegrityWait == 0 {
		l.IntegrityWait = DefaultLimits.IntegrityWait
	}
	return l
}

// Option changes how Open sets up the store.
type Option func(*Store)

// WithClock gives the store the clock of the domain (tests pin it): the
// occupancy mirror loads only the bookings that are not long over by it.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// AsServer marks the store as the server's, the one process that owns the
// file while it runs (it holds the lock file): only it keeps the clean-stop
// mark (see markCleanStop), which a command run beside it must not write.
func AsServer() Option { return func(s *Store) { s.server = true } }

// WithLimits sets the store's waits and timeouts (zero fields keep the defaults).
func WithLimits(l Limits) Option { return func(s *Store) { s.limits = l.orDefaults() } }

// Schema is the current schema and the steps that bring older databases to it.
type Schema struct {
	// SQL creates a new database at Version; it sets PRAGMA user_version itself.
	SQL      string
	Version  int
	Upgrades []Upgrade
}

// Upgrade brings a database from version To-1 to To: SQL, then Go (when
// set) in the same transaction, given the whole current schema.sql.
type Upgrade struct {
	To  int
	SQL string
	Go  func(ctx context.Context, tx *sql.Tx, schemaSQL string) error
}

// CurrentSchema returns the schema of this build: schemaSQL (the embedded
// schema.sql) at the version it declares, with the upgrade steps of upgrades.go.
func CurrentSchema(schemaSQL string) (Schema, error) {
	v, err := declaredVersion(schemaSQL)
	if err != nil {
		return Schema{}, err
	}
	return Schema{SQL: schemaSQL, Version: v, Upgrades: upgrades}, nil
}

func declaredVersion(schemaSQL string) (int, error) {
	for _, line := range strings.Split(schemaSQL, "\n") {
		line = strings.TrimSpace(line)
		var v int
		if n, _ := fmt.Sscanf(line, "PRAGMA user_version = %d;", &v); n == 1 {
			return v, nil
		}
	}
	return 0, errors.New("schema.sql declares no PRAGMA user_version")
}

// busyTimeoutMS is how long a connection waits on SQLite's own lock. Writers
// queue in Go for the single writer connection, so only checkpoints and a
// second process ever wait here.
const busyTimeoutMS = 5000

func dsn(path string, extra ...string) string {
	q := url.Values{}
	pragmas := []string{fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS), "foreign_keys(1)", "synchronous(FULL)"}
	pragmas = append(pragmas, extra...)
	q["_pragma"] = pragmas
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path, applies the schema and
// its upgrades, and returns a Store ready for use.
func Open(ctx context.Context, path string, schema Schema, opts ...Option) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	// temp_store in memory: a batch's savepoints keep their statement
	// journals there, not in temporary files.
	writer, err := sql.Open("sqlite", dsn(path, "journal_mode(WAL)", "temp_store(MEMORY)")+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	s := &Store{path: path, writer: writer, mailDomain: "venuebook.invalid", limits: DefaultLimits, now: time.Now, stopping: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	// The clean-stop mark first: it sets how long the check is waited for.
	if err := s.takeCleanStop(ctx); err != nil {
		writer.Close()
		return nil, err
	}
	if err := s.startIntegrityCheck(ctx); err != nil {
		s.stopIntegrityCheck()
		writer.Close()
		return nil, err
	}
	if err := s.migrate(ctx, schema); err != nil {
		s.stopIntegrityCheck()
		writer.Close()
		return nil, err
	}
	if err := s.hot.prepare(ctx, writer); err != nil {
		s.stopIntegrityCheck()
		writer.Close()
		return nil, err
	}
	reader, err := sql.Open("sqlite", dsn(path, "query_only(1)"))
	if err != nil {
		s.stopIntegrityCheck()
		writer.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	// Readers do not block each other in WAL mode; more of them than cores
	// only adds switching. readSlots keeps waiters in order.
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	s.readSlots = make(chan struct{}, readers)
	s.reader = reader
	if err := s.occupancy.load(ctx, s); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close marks the stop clean (see markCleanStop) and closes both pools; the
// last close checkpoints the WAL.
func (s *Store) Close() error {
	s.stopCommitter()
	s.stopIntegrityCheck()
	errs := []error{s.hot.close()}
	s.markCleanStop()
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	errs = append(errs, s.writer.Close())
	return errors.Join(errs...)
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.limits.PingTimeout)
	defer cancel()
	var one int
	return s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// migrate creates a new database from the schema, or applies the upgrade steps
// an older one needs, each step in its own transaction.
func (s *Store) migrate(ctx context.Context, schema Schema) error {
	var version int
	if err := s.writer.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case version == schema.Version:
		return nil
	case version > schema.Version:
		return fmt.Errorf("database %s has schema version %d, newer than this venuebook's %d: run a newer venuebook", s.path, version, schema.Version)
	case version == 0:
		var tables int
		if err := s.writer.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'").Scan(&tables); err != nil {
			return fmt.Errorf("inspect database: %w", err)
		}
		if tables > 0 {
			return fmt.Errorf("database %s has tables but no schema version: it is not a venuebook database", s.path)
		}
		return s.write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, schema.SQL); err != nil {
				return fmt.Errorf("apply schema: %w", err)
			}
			return nil
		})
	}
	// An upgrade changes the file for good: keep a copy of it as it was.
	if len(schema.Upgrades) > 0 && version < schema.Version {
		before := fmt.Sprintf("%s.before-v%d-%s", s.path, schema.Version, time.Now().UTC().Format("20060102T150405.000000000Z"))
		if err := keepCopy(ctx, s.path, before); err != nil {
			return fmt.Errorf("back up before the schema upgrade: %w", err)
		}
	}
	for _, up := range schema.Upgrades {
		if up.To <= version {
			continue
		}
		if up.To != version+1 {
			return fmt.Errorf("no upgrade step from schema version %d to %d", version, version+1)
		}
		err := s.write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, up.SQL); err != nil {
				return fmt.Errorf("upgrade schema to version %d: %w", up.To, err)
			}
			if up.Go != nil {
				if err := up.Go(ctx, tx, schema.SQL); err != nil {
					return fmt.Errorf("upgrade schema to version %d: %w", up.To, err)
				}
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", up.To))
			return err
		})
		if err != nil {
			return err
		}
		version = up.To
	}
	if version != schema.Version {
		return fmt.Errorf("no upgrade step from schema version %d to %d", version, schema.Version)
	}
	// An upgrade may have changed the catalog tables: sync them anew.
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", catalogFingerprintKey)
		return err
	})
}

// withWriter runs fn holding the single writer connection, waiting for it at
// most the write wait (ErrBusy past it). Only write and upkeep that cannot run
// in a transaction (checkpoints) use it.
func (s *Store) withWriter(ctx context.Context, fn func(conn *sql.Conn) error) error {
	waitCtx, cancelWait := context.WithTimeout(ctx, s.limits.WriteWait)
	defer cancelWait()
	if err := s.awaitIntegrity(waitCtx); err != nil {
		return err
	}
	conn, err := s.writer.Conn(waitCtx)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return fmt.Errorf("%w: waiting for the writer: %v", ErrBusy, err)
		}
		return fmt.Errorf("writer connection: %w", err)
	}
	defer conn.Close()
	return fn(conn)
}

// readers is the size of the read-only pool.
const readers = 4

// readSlot waits, in arrival order, for one of the reader connections.
func (s *Store) readSlot(ctx context.Context) (release func(), err error) {
	select {
	case s.readSlots <- struct{}{}:
		return func() { <-s.readSlots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for a reader: %v", ErrBusy, ctx.Err())
	}
}

// afterCommit registers f to run once the write in progress commits; called
// only from inside a write's fn.
func (s *Store) afterCommit(f func()) { s.pending = append(s.pending, f) }

// read runs fn in a read-only transaction on the reader pool, so that its
// queries see one snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.limits.ReadTimeout)
	defer cancel()
	release, err := s.readSlot(ctx)
	if err != nil {
		return err
	}
	defer release()
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.classify(fmt.Errorf("begin read: %w", err))
	}
	defer tx.Rollback()
	return s.classify(fn(tx))
}

func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}

func isConstraint(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
	}
	return false
}

// rowScanner is what *sql.Row and *sql.Rows share.
type rowScanner interface{ Scan(...any) error }

// queryAll runs query in tx and scans every row with scan.
func queryAll[T any](ctx context.Context, tx *sql.Tx, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
