package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"venuebook/store"
)

// opsVenue writes the demo config into a temporary directory; its database
// and backups live there (relative paths resolve against the file).
func opsVenue(t *testing.T) (cfg, db, backups string) {
	t.Helper()
	dir := t.TempDir()
	cfg = writeFile(t, dir, "config.toml", string(demoConfig))
	return cfg, filepath.Join(dir, "data", "venuebook.db"), filepath.Join(dir, "data", "backups")
}

// addOwner runs "admin add EMAIL" with the password on stdin.
func addOwner(t *testing.T, cfg, email string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"admin", "add", email, "-config", cfg}, strings.NewReader("front desk 2026\n"),
		&stdout, &stderr, func(string) string { return "" })
	if code != 0 {
		t.Fatalf("admin add %s: %d %s %s", email, code, stdout.String(), stderr.String())
	}
}

// owners lists the owner accounts in the database file at path.
func owners(t *testing.T, path string) []string {
	t.Helper()
	db, err := openReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT email FROM admins ORDER BY email")
	if err != nil {
		t.Fatalf("owners of %s: %v", path, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// backup, verify and restore from the command line: a backup's path is
// printed and verifies; garbage does not; restore refuses while the database
// is held and otherwise puts the backup back, keeping what it replaced.
func TestBackupVerifyRestoreCommands(t *testing.T) {
	cfg, db, backups := opsVenue(t)
	if code, _, errOut := runCLI(t, nil, "backup", "-config", cfg); code != 1 || !strings.Contains(errOut, "no database") {
		t.Errorf("backup without a database: %d %q", code, errOut)
	}
	addOwner(t, cfg, "first@example.com")

	code, out, errOut := runCLI(t, nil, "backup", "-config", cfg)
	backup := strings.TrimSpace(out)
	if code != 0 || filepath.Dir(backup) != backups || !store.ValidBackupName(filepath.Base(backup)) {
		t.Fatalf("backup: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, nil, "verify", backup); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("verify the backup: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, nil, "verify", db); code != 0 {
		t.Errorf("verify the database: %d %q %q", code, out, errOut)
	}

	// -out writes a snapshot where asked, and never over an existing file.
	snapshot := filepath.Join(t.TempDir(), "snapshot.db")
	if code, out, errOut := runCLI(t, nil, "backup", "-config", cfg, "-out", snapshot); code != 0 || strings.TrimSpace(out) != snapshot {
		t.Errorf("backup -out: %d %q %q", code, out, errOut)
	}
	if code, _, _ := runCLI(t, nil, "verify", snapshot); code != 0 {
		t.Errorf("verify the snapshot: %d", code)
	}
	if code, _, errOut := runCLI(t, nil, "backup", "-config", cfg, "-out", snapshot); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("backup -out over a file: %d %q", code, errOut)
	}

	// Garbage, a damaged copy, and a missing file are BAD.
	dir := t.TempDir()
	good, _ := os.ReadFile(backup)
	for name, data := range map[string][]byte{"garbage.db": []byte("not a database at all"), "half.db": good[:len(good)/2]} {
		path := writeFile(t, dir, name, string(data))
		if code, _, errOut := runCLI(t, nil, "verify", path); code != 1 || !strings.Contains(errOut, "BAD") {
			t.Errorf("verify %s: %d %q", name, code, errOut)
		}
	}
	if code, _, errOut := runCLI(t, nil, "verify", filepath.Join(dir, "missing.db")); code != 1 || !strings.Contains(errOut, "BAD") {
		t.Errorf("verify a missing file: %d %q", code, errOut)
	}
	if code, _, _ := runCLI(t, nil, "verify"); code != 2 {
		t.Errorf("verify without a file: %d", code)
	}

	addOwner(t, cfg, "second@example.com")
	both := []string{"first@example.com", "second@example.com"}

	// While a server holds the database, restore refuses and changes nothing.
	lock, err := store.LockDatabase(db)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, nil, "restore", "-config", cfg, backup)
	if code != 1 || !strings.Contains(errOut, "stop the running server") {
		t.Errorf("restore under a running server: %d %q %q", code, out, errOut)
	}
	lock.Release()
	if got := owners(t, db); !slices.Equal(got, both) {
		t.Errorf("owners after a refused restore: %v", got)
	}
	code, _, errOut = runCLI(t, nil, "restore", "-config", cfg, filepath.Join(dir, "garbage.db"))
	if code != 1 || !strings.Contains(errOut, "nothing was changed") {
		t.Errorf("restore of garbage: %d %q", code, errOut)
	}
	if got := owners(t, db); !slices.Equal(got, both) {
		t.Errorf("owners after restoring garbage: %v", got)
	}
	if code, _, _ := runCLI(t, nil, "restore", "-config", cfg); code != 2 {
		t.Errorf("restore without a file: %d", code)
	}

	// Restored: the backup's owners only; the replaced database is kept.
	code, out, errOut = runCLI(t, nil, "restore", "-config", cfg, backup)
	if code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: %d %q %q", code, out, errOut)
	}
	_, kept, ok := strings.Cut(out, "the previous database is kept as ")
	kept, _, _ = strings.Cut(kept, "\n")
	if !ok || !strings.HasPrefix(kept, db+".replaced-") {
		t.Fatalf("restore does not name the kept database: %q", out)
	}
	if got := owners(t, db); !slices.Equal(got, []string{"first@example.com"}) {
		t.Errorf("owners after restore: %v", got)
	}
	if got := owners(t, kept); !slices.Equal(got, both) {
		t.Errorf("owners in the kept database: %v", got)
	}
	if code, _, errOut := runCLI(t, nil, "verify", db); code != 0 {
		t.Errorf("verify after restore: %d %q", code, errOut)
	}
	addOwner(t, cfg, "third@example.com") // the restored database opens and takes writes
}

// -h on every command prints its usage and exits 0, doing nothing else.
func TestCommandHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"serve", "-h"}, {"check-config", "-h"}, {"backup", "-h"}, {"restore", "-h"},
		{"verify", "-h"}, {"admin", "-h"}, {"version", "-h"}, {"sample-config", "-h"}} {
		code, out, errOut := runCLI(t, nil, args...)
		text := strings.ToLower(out + errOut)
		if code != 0 || !strings.Contains(text, "usage") {
			t.Errorf("%v: %d %q %q", args, code, out, errOut)
		}
		if cmd := args[0]; slices.Contains([]string{"serve", "check-config", "backup", "restore"}, cmd) && !strings.Contains(text, "-config") {
			t.Errorf("%v does not list -config: %q", args, text)
		}
	}
}
