// Command venuebook sells a small venue's time slots online: one binary, one
// SQLite file. See README.md.
package main

import (
	"bufio"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // the binary works on hosts without a zone database

	// TLS to mail relays works on hosts and images without CA roots (the
	// FROM scratch image): Mozilla's roots, used only when the system has none.
	_ "golang.org/x/crypto/x509roots/fallback"

	"venuebook/app"
	"venuebook/app/serve"
	"venuebook/store"
)

//go:embed schema.sql
var schemaSQL string

//go:embed config.example.toml
var demoConfig []byte

//go:embed assets
var assetsDir embed.FS

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `venuebook sells a small venue's time slots online.

Usage:
  venuebook [serve] [-config FILE]        run the server (the default)
  venuebook check-config [-config FILE]   validate a config file, print problems, exit 1 if any
  venuebook backup [-config FILE] [-out FILE]   consistent snapshot of the live database; prints its path
  venuebook restore [-config FILE] FILE   verify FILE, then make it the database (server must be stopped)
  venuebook verify FILE                   integrity check of a database or backup file; exit 1 if bad
  venuebook admin add EMAIL [-config FILE]   create an owner account; password read from stdin
  venuebook sample-config                 print the commented example config (every key, its default)
  venuebook version                       print the version

Config is found in this order: -config, $VENUEBOOK_CONFIG, ./config.toml, the
embedded demo config. Run 'venuebook COMMAND -help' for a command's flags.
`

// run is the whole program; tests call it with their own arguments and streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd := "serve"
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, stderr, getenv)
	case "check-config":
		return cmdCheckConfig(ctx, args, stdout, stderr, getenv)
	case "version":
		if len(args) > 0 && strings.TrimLeft(args[0], "-") == "help" || len(args) > 0 && args[0] == "-h" {
			fmt.Fprintln(stdout, "usage: venuebook version   (prints the version)")
			return 0
		}
		fmt.Fprintln(stdout, "venuebook", buildVersion())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "admin":
		return cmdAdmin(ctx, args, stdin, stdout, stderr, getenv)
	case "backup":
		return cmdBackup(ctx, args, stdout, stderr, getenv)
	case "restore":
		return cmdRestore(ctx, args, stdout, stderr, getenv)
	case "verify":
		return cmdVerify(ctx, args, stdout, stderr)
	case "sample-config":
		return cmdSampleConfig(args, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "venuebook: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
		if info.Main.Version != "" && info.Main.Version != "(devel)" {
			return info.Main.Version
		}
	}
	return "dev"
}

// cmdBackup writes a verified snapshot of the live database: to -out, or into
// backup.dir (keeping the newest backup.keep). It works beside a running server.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	flags := flag.NewFlagSet("venuebook backup", flag.ContinueOnError)
	flags.SetOutput(stderr)
	path := flags.String("config", "", "config file (default: $VENUEBOOK_CONFIG, ./config.toml, or the embedded demo)")
	out := flags.String("out", "", "write the backup to this file instead of backup.dir")
	if err := flags.Parse(args); err != nil {
		return exitForFlagError(err)
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "venuebook backup: unexpected argument %q (use -out FILE)\n", flags.Arg(0))
		return 2
	}
	cfg, err := app.LoadConfig(*path, demoConfig, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "venuebook: %v\n", err)
		return 1
	}
	if _, err := os.Stat(cfg.Database.Path); err != nil {
		fmt.Fprintf(stderr, "venuebook backup: no database at %s (database.path): %v\n", cfg.Database.Path, err)
		return 1
	}
	began := time.Now()
	fmt.Fprintf(stderr, "backing up %s …\n", cfg.Database.Path)
	target := *out
	if target != "" {
		err = store.SnapshotTo(ctx, cfg.Database.Path, target)
	} else {
		var f store.BackupFile
		f, err = store.BackupDatabase(ctx, cfg.Database.Path, cfg.Backup.Dir, cfg.Backup.Keep, time.Now())
		target = f.Path
	}
	if err != nil {
		fmt.Fprintf(stderr, "venuebook backup: %v\n", err)
		return 1
	}
	if st, err := os.Stat(target); err == nil {
		fmt.Fprintf(stderr, "verified: %d bytes in %s\n", st.Size(), time.Since(began).Round(time.Millisecond))
	}
	fmt.Fprintln(stdout, target)
	return 0
}

// cmdRestore verifies FILE, keeps the current database, and puts FILE in its
// place; it refuses while a server holds the database.
func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	flags := flag.NewFlagSet("venuebook restore", flag.ContinueOnError)
	flags.SetOutput(stderr)
	path := flags.String("config", "", "config file (default: $VENUEBOOK_CONFIG, ./config.toml, or the embedded demo)")
	positional, err := parseInterspersed(flags, args)
	if err != nil {
		return exitForFlagError(err)
	}
	if len(positional) != 1 {
		fmt.Fprintln(stderr, "usage: venuebook restore [-config FILE] BACKUP-FILE   (stop the server first)")
		return 2
	}
	cfg, err := app.LoadConfig(*path, demoConfig, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "venuebook: %v\n", err)
		return 1
	}
	began := time.Now()
	lastShown := time.Time{}
	progress := func(done, total int64) {
		if time.Since(lastShown) > 500*time.Millisecond || done == total {
			lastShown = time.Now()
			fmt.Fprintf(stderr, "\rcopying: %d of %d bytes (%d%%)", done, total, done*100/max(total, 1))
			if done == total {
				fmt.Fprintln(stderr)
			}
		}
	}
	fmt.Fprintf(stderr, "verifying %s …\n", positional[0])
	kept, err := store.Restore(ctx, cfg.Database.Path, positional[0], time.Now(), progress)
	if err != nil {
		fmt.Fprintf(stderr, "venuebook restore: %v\n", err)
		return 1
	}
	if kept != "" {
		fmt.Fprintf(stdout, "the previous database is kept as %s\n", kept)
	}
	fmt.Fprintf(stdout, "restored %s into %s in %s; start the server again\n", positional[0], cfg.Database.Path, time.Since(began).Round(time.Millisecond))
	return 0
}

// cmdSampleConfig prints the embedded config.example.toml byte for byte, so an
// owner can start from the binary alone: venuebook sample-config > config.toml.
func cmdSampleConfig(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("venuebook sample-config", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: venuebook sample-config > config.toml   (every key with its default, commented)")
	}
	if err := flags.Parse(args); err != nil {
		return exitForFlagError(err)
	}
	if flags.NArg() > 0 {
		flags.Usage()
		return 2
	}
	if _, err := stdout.Write(demoConfig); err != nil {
		fmt.Fprintf(stderr, "venuebook sample-config: %v\n", err)
		return 1
	}
	return 0
}

// cmdVerify checks a database or backup file.
func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("venuebook verify", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: venuebook verify FILE   (integrity check of a database or backup; exit 1 if bad)")
	}
	if err := flags.Parse(args); err != nil {
		return exitForFlagError(err)
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return 2
	}
	if err := store.Verify(ctx, flags.Arg(0)); err != nil {
		fmt.Fprintf(stderr, "%s: BAD: %v\n", flags.Arg(0), err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok\n", flags.Arg(0))
	return 0
}

// configFlags parses a command's flags, of which every command has -config.
func configFlags(name string, args []string, stderr io.Writer) (*flag.FlagSet, *string, error) {
	flags := flag.NewFlagSet("venuebook "+name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	path := flags.String("config", "", "config file (default: $VENUEBOOK_CONFIG, ./config.toml, or the embedded demo)")
	if err := flags.Parse(args); err != nil {
		return nil, nil, err
	}
	return flags, path, nil
}

func printProblems(w io.Writer, source string, problems []string) {
	fmt.Fprintf(w, "%s: %d problem(s):\n", source, len(problems))
	for _, p := range problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
}

func cmdCheckConfig(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	flags, path, err := configFlags("check-config", args, stderr)
	if err != nil {
		return exitForFlagError(err)
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "venuebook check-config: unexpected argument %q (use -config FILE)\n", flags.Arg(0))
		return 2
	}
	cfg, err := app.LoadConfig(*path, demoConfig, getenv)
	if err != nil {
		var ce *app.ConfigError
		if errors.As(err, &ce) {
			printProblems(stdout, ce.Source, ce.Problems)
			return 1
		}
		fmt.Fprintf(stderr, "venuebook check-config: %v\n", err)
		return 1
	}
	// The catalog against the bookings already made, when the database
	// exists: read-only, so it may run beside the server.
	problems, err := app.CheckAgainstDatabase(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "venuebook check-config: note: the catalog was not checked against the database %s (database.path): %v\n", cfg.Database.Path, err)
	}
	if len(problems) > 0 {
		printProblems(stdout, cfg.Source, problems)
		return 1
	}
	fmt.Fprintf(stdout, "%s: OK (%s, %d room(s), %d tier(s), timezone %s)\n", cfg.Source, cfg.Venue.Name, len(cfg.Rooms), len(cfg.Tiers), cfg.Venue.Timezone)
	return 0
}

// cmdAdmin runs "admin add EMAIL [-config FILE]": the password is the first
// line of standard input (typed, or piped by a script).
func cmdAdmin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 1 && strings.TrimLeft(args[0], "-") == "help" || len(args) == 1 && args[0] == "-h" {
		fmt.Fprintln(stdout, "usage: venuebook admin add EMAIL [-config FILE]   (password read from stdin)")
		return 0
	}
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, "usage: venuebook admin add EMAIL [-config FILE]   (password read from stdin)")
		return 2
	}
	flags := flag.NewFlagSet("venuebook admin add", flag.ContinueOnError)
	flags.SetOutput(stderr)
	path := flags.String("config", "", "config file (default: $VENUEBOOK_CONFIG, ./config.toml, or the embedded demo)")
	positional, err := parseInterspersed(flags, args[1:])
	if err != nil {
		return exitForFlagError(err)
	}
	if len(positional) != 1 {
		fmt.Fprintln(stderr, "usage: venuebook admin add EMAIL [-config FILE]   (password read from stdin)")
		return 2
	}
	cfg, err := app.LoadConfig(*path, demoConfig, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "venuebook: %v\nRun 'venuebook check-config' to see every problem.\n", err)
		return 1
	}
	if f, ok := stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(stderr, "Password (at least 8 characters; it is shown as you type): ")
		}
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintf(stderr, "venuebook admin add: read the password: %v\n", err)
		return 1
	}
	password := strings.TrimRight(line, "\r\n")
	assets, _ := fs.Sub(assetsDir, "assets")
	log := newLogger(app.LogConfig{Level: "error", Format: "text"}, stderr)
	svc, err := app.Open(ctx, cfg, schemaSQL, assets, log, time.Now)
	if err != nil {
		fmt.Fprintf(stderr, "venuebook admin add: open %s: %v\n", cfg.Database.Path, err)
		return 1
	}
	defer svc.Close()
	if _, err := svc.CreateAdmin(ctx, positional[0], password); err != nil {
		var e *app.Error
		if errors.As(err, &e) && len(e.Fields) > 0 {
			for field, problem := range e.Fields {
				fmt.Fprintf(stderr, "venuebook admin add: the %s %s\n", field, problem)
			}
			return 1
		}
		fmt.Fprintf(stderr, "venuebook admin add: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "owner account %s created; sign in at %s/admin\n", strings.TrimSpace(positional[0]), cfg.Server.BaseURL)
	return 0
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments ("admin add EMAIL -config FILE"), and returns those.
func parseInterspersed(flags *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := flags.Parse(args); err != nil {
			return nil, err
		}
		if flags.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, flags.Arg(0))
		args = flags.Args()[1:]
	}
}

func exitForFlagError(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

func newLogger(c app.LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func cmdServe(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) int {
	flags, path, err := configFlags("serve", args, stderr)
	if err != nil {
		return exitForFlagError(err)
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "venuebook serve: unexpected argument %q (use -config FILE)\n", flags.Arg(0))
		return 2
	}
	cfg, err := app.LoadConfig(*path, demoConfig, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "venuebook: %v\nRun 'venuebook check-config' to see every problem.\n", err)
		return 1
	}
	log := newLogger(cfg.Log, stderr)
	assets, err := fs.Sub(assetsDir, "assets")
	if err != nil {
		log.Error("venuebook stopped", "err", err)
		return 1
	}
	m := &serve.Main{Config: cfg, Schema: schemaSQL, Assets: assets, Log: log, Version: buildVersion()}
	if err := m.Run(ctx); err != nil {
		log.Error("venuebook stopped", "err", err)
		return 1
	}
	code := 0
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-m.Served():
		log.Error("venuebook stopped serving", "err", err)
		code = 1
	}
	if err := m.Close(); err != nil {
		log.Error("shut down", "err", err)
		return 1
	}
	log.Info("stopped cleanly")
	return code
}
