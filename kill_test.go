package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds venuebook into the test's directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "venuebook")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// leftovers lists the files under dir that only an unfinished backup,
// restore or upgrade writes.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		name := fi.Name()
		if strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".partial") || strings.Contains(name, ".restore") {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// pad grows the database at path by about mb MiB (a table of its own), so
// that a backup, a restore or an upgrade takes long enough to be killed in
// the middle.
func pad(t *testing.T, path string, mb int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS kill_test_padding (b BLOB);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO kill_test_padding SELECT zeroblob(1048576) FROM n`, mb); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
}

// SIGKILL in the middle of a backup, a restore and a schema upgrade, with the
// real binary: each leaves at most unfinished files, the next start removes
// them, the database passes "venuebook verify", and the operation done again
// succeeds.
func TestKilledMidOperationLeavesNothing(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cfg := writeFile(t, dir, "config.toml", fmt.Sprintf(`
[server]
listen = "127.0.0.1:%d"
[[rooms]]
id = "a"
name = "A"
[[tiers]]
id = "t"
name = "T"
  [[tiers.packages]]
  id = "p60"
  name = "An hour"
  duration_minutes = 60
  price_cents = 100
  max_guests = 2
[backup]
schedule = ""
[log]
level = "warn"
`, port))
	dbPath := filepath.Join(dir, "data", "venuebook.db")
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))

	runBin := func(args ...string) (string, error) {
		out, err := exec.Command(bin, args...).CombinedOutput()
		return string(out), err
	}
	// killedAt runs the command and SIGKILLs it after a random part of how
	// long a complete run took (took), or when it ends first.
	killedAt := func(took time.Duration, args ...string) bool {
		cmd := exec.Command(bin, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
			return false // finished first: nothing to prove this round
		case <-time.After(time.Duration(rng.Int63n(int64(took)))):
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return true
	}
	// restart starts the server (which removes what a killed run left),
	// waits for it to serve, and stops it.
	restart := func(what string) {
		t.Helper()
		cmd := exec.Command(bin, "serve", "-config", cfg)
		var logs bytes.Buffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, base)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%s: the server did not stop cleanly: %v\n%s", what, err, logs.String())
		}
		if left := leftovers(t, dir); len(left) > 0 {
			t.Fatalf("%s: after a restart these are left: %v\n%s", what, left, logs.String())
		}
		if out, err := runBin("verify", dbPath); err != nil {
			t.Fatalf("%s: the database fails verification: %v\n%s", what, err, out)
		}
	}
	timed := func(args ...string) (time.Duration, string) {
		t.Helper()
		start := time.Now()
		out, err := runBin(args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return time.Since(start), strings.TrimSpace(out)
	}

	restart("first start")
	pad(t, dbPath, 64)
	const rounds = 3
	killed := map[string]int{}

	// Backups.
	took, _ := timed("backup", "-config", cfg)
	for range rounds {
		if killedAt(took, "backup", "-config", cfg) {
			killed["backup"]++
		}
		restart("a killed backup")
	}
	_, out := timed("backup", "-config", cfg)
	backup := out[strings.LastIndexByte(out, '\n')+1:]
	if _, err := os.Stat(backup); err != nil {
		t.Fatalf("the backup command did not print its file: %q", out)
	}

	// Restores.
	took, _ = timed("restore", "-config", cfg, backup)
	for range rounds {
		if killedAt(took, "restore", "-config", cfg, backup) {
			killed["restore"]++
		}
		restart("a killed restore")
	}
	timed("restore", "-config", cfg, backup)
	restart("a restore")

	// Upgrades: a database of schema version 1, padded.
	raw, err := os.ReadFile("store/testdata/schema-v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	// One padded version-1 file, copied for each round (SQLite in this
	// test process runs under the race detector: slow to fill 64 MiB).
	v1File := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", "file:"+v1File)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(raw)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	pad(t, v1File, 64)
	v1 := func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(dbPath + suffix)
		}
		data, err := os.ReadFile(v1File)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dbPath, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	upgradeTook := func() time.Duration {
		v1()
		start := time.Now()
		restart("an upgrade")
		return time.Since(start)
	}
	took = upgradeTook()
	for range rounds {
		v1()
		if killedAt(took, "serve", "-config", cfg) {
			killed["upgrade"]++
		}
		restart("a killed upgrade")
		db, err := openReadOnly(dbPath)
		if err != nil {
			t.Fatal(err)
		}
		var version int
		err = db.QueryRowContext(context.Background(), "PRAGMA user_version").Scan(&version)
		db.Close()
		if err != nil || version < 2 {
			t.Fatalf("after a killed upgrade and a restart: schema version %d (%v)", version, err)
		}
	}
	t.Logf("killed mid-way: %v of %d rounds each; nothing left after each restart", killed, rounds)
	if killed["backup"] == 0 && killed["restore"] == 0 && killed["upgrade"] == 0 {
		t.Fatal("no operation was killed before it finished: the test proved nothing")
	}
}
