package serve_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"venuebook/app"
	"venuebook/app/serve"
	"venuebook/store"
)

// newMain returns an unstarted Main for the demo venue with its data in dir.
func newMain(t *testing.T, dir, listen string) *serve.Main {
	t.Helper()
	demo, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := app.ParseConfig(demo, "demo", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server.Listen = listen
	schema, err := os.ReadFile("../../schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	return &serve.Main{Config: cfg, Schema: string(schema), Assets: os.DirFS("../../assets"),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), ManualJobs: true}
}

func get(t *testing.T, url string) int {
	t.Helper()
	c := &http.Client{Timeout: time.Minute}
	r, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	r.Body.Close()
	return r.StatusCode
}

// Run serves; Close stops serving, releases the database, and may be called
// twice; a new Main on the same file then starts and finds what the first wrote.
func TestRunAndClose(t *testing.T) {
	dir := t.TempDir()
	m := newMain(t, dir, "127.0.0.1:0")
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	url := m.URL()
	if code := get(t, url+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz: %d", code)
	}
	if err := m.Service.Store.SetSetting(context.Background(), "probe", "kept"); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Minute); err == nil {
		t.Errorf("still accepting connections after Close")
	}
	again := newMain(t, dir, "127.0.0.1:0")
	if err := again.Run(context.Background()); err != nil {
		t.Fatalf("Run after Close: %v", err)
	}
	defer again.Close()
	if v, err := again.Service.Store.GetSetting(context.Background(), "probe"); err != nil || v != "kept" {
		t.Errorf("after restart: %q, %v", v, err)
	}
}

// A second Main on a database in use stops at the lock, before touching the
// file, and leaves the first one serving.
func TestSecondMainOnSameDatabase(t *testing.T) {
	dir := t.TempDir()
	first := newMain(t, dir, "127.0.0.1:0")
	if err := first.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second := newMain(t, dir, "127.0.0.1:0")
	if err := second.Run(context.Background()); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second Run: %v, want ErrLocked", err)
	}
	if code := get(t, first.URL()+"/healthz"); code != http.StatusOK {
		t.Errorf("first after the second was refused: %d", code)
	}
}

// A taken address is refused before the database is even created.
func TestAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	m := newMain(t, dir, ln.Addr().String())
	err = m.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "server.listen") {
		t.Fatalf("Run on a taken address: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "venuebook.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("database created although the address was taken: %v", err)
	}
}

// Starting removes what a killed restore or backup left half-written.
func TestRunRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	m := newMain(t, dir, "127.0.0.1:0")
	db := m.Config.Database.Path
	if err := os.MkdirAll(m.Config.Backup.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	leftovers := []string{db + ".restore.tmp", db + ".replaced-20261127T030000Z.partial", filepath.Join(m.Config.Backup.Dir, ".venuebook-42.tmp")}
	for _, p := range leftovers {
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, p := range leftovers {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there after start: %v", p, err)
		}
	}
}

// damagedVenue makes the demo venue's database in dir hold some hundreds of
// kilobytes, backs it up, stops, and turns four pages in the middle of the
// file into garbage. It returns the backup made before the damage.
func damagedVenue(t *testing.T, dir string) store.BackupFile {
	t.Helper()
	m := newMain(t, dir, "127.0.0.1:0")
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		if err := m.Service.Store.SetSetting(ctx, fmt.Sprintf("filler-%03d", i), strings.Repeat("x", 2000)); err != nil {
			t.Fatal(err)
		}
	}
	backup, err := m.Service.Backup(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(m.Config.Database.Path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if _, err := f.WriteAt([]byte(strings.Repeat("\xde\xad\xbe\xef", 4096)), (st.Size()/4096/2)*4096); err != nil {
		t.Fatal(err)
	}
	return backup
}

// A damaged database file is refused at start, with what to do: the command
// that restores the newest verified backup.
func TestRunRefusesDamagedDatabase(t *testing.T) {
	dir := t.TempDir()
	backup := damagedVenue(t, dir)
	again := newMain(t, dir, "127.0.0.1:0")
	err := again.Run(context.Background())
	if !errors.Is(err, store.ErrCorrupt) {
		again.Close()
		t.Fatalf("Run on a damaged file: %v, want ErrCorrupt", err)
	}
	t.Logf("refusal: %v", err)
	if !strings.Contains(err.Error(), "venuebook restore") || !strings.Contains(err.Error(), backup.Path) {
		t.Errorf("the refusal does not say how to restore the newest backup %s:\n%v", backup.Path, err)
	}
	// The refusal left the address free and the lock released.
	if err := newMainAfterRestore(t, dir, backup.Path); err != nil {
		t.Errorf("after restoring the backup: %v", err)
	}
}

// newMainAfterRestore restores backup over the demo venue's database in dir
// and starts a Main on it.
func newMainAfterRestore(t *testing.T, dir, backup string) error {
	m := newMain(t, dir, "127.0.0.1:0")
	if _, err := store.Restore(context.Background(), m.Config.Database.Path, backup, time.Now(), nil); err != nil {
		return err
	}
	if err := m.Run(context.Background()); err != nil {
		return err
	}
	return m.Close()
}

// A file too large to check within the start-up wait is checked while the
// server serves: reads go on, writes wait for the verdict, and damage found
// then refuses every write and turns /healthz to 503.
func TestDamageFoundAfterStart(t *testing.T) {
	dir := t.TempDir()
	damagedVenue(t, dir)
	ctx := context.Background()
	again := newMain(t, dir, "127.0.0.1:0")
	again.StoreLimits = store.Limits{IntegrityWait: -1} // as if the file were too large to wait for
	if err := again.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	defer again.Close()
	<-again.Service.Store.IntegrityChecked()
	if err := again.Service.Store.SetSetting(ctx, "after", "x"); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("a write after damage was found: %v, want ErrCorrupt", err)
	}
	if code := get(t, again.URL()+"/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz after damage was found: %d, want 503", code)
	}
}
