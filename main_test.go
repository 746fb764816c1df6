package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"venuebook/app"
)

// patience bounds every wait for the binary (to build, to answer, to exit):
// it only decides how long a failing test takes.
const patience = 2 * time.Minute

func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr, getenv)
	return code, stdout.String(), stderr.String()
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.toml", string(demoConfig))
	bad := writeFile(t, dir, "bad.toml", `
[venue]
timezone = "Mars/Olympus"
slot_step_minutes = 0
[venue.hours]
mon = "09:00-12:00,11:00-13:00"
tue = "9-5"
[[rooms]]
id = "a"
name = "A"
[[rooms]]
id = "a"
name = "A again"
[[tiers]]
id = "t"
name = "T"
  [[tiers.packages]]
  id = "p"
  name = "P"
  duration_minutes = 2000
  price_cents = -5
  max_guests = 2
[parking]
link_ttl = "soon"
[limits]
booking_per_ip = "20 per hour"
[mystery]
key = 1
`)
	code, out, _ := runCLI(t, nil, "check-config", "-config", good)
	if code != 0 || !strings.Contains(out, "OK") {
		t.Errorf("good config: %d %q", code, out)
	}
	code, out, _ = runCLI(t, nil, "check-config", "-config", bad)
	if code != 1 {
		t.Errorf("bad config exit %d", code)
	}
	for _, key := range []string{"venue.timezone", "venue.slot_step_minutes", "venue.hours.mon", "venue.hours.tue", "rooms[1].id",
		"tiers[0].packages[0].duration_minutes", "tiers[0].packages[0].price_cents", "parking.link_ttl", "limits.booking_per_ip", "mystery"} {
		if !strings.Contains(out, key) {
			t.Errorf("problems do not name %s:\n%s", key, out)
		}
	}
	// The environment names the file; a missing file is a clear error.
	code, out, _ = runCLI(t, map[string]string{"VENUEBOOK_CONFIG": bad}, "check-config")
	if code != 1 || !strings.Contains(out, "venue.timezone") {
		t.Errorf("VENUEBOOK_CONFIG: %d %q", code, out)
	}
	code, _, errOut := runCLI(t, nil, "check-config", "-config", filepath.Join(dir, "missing.toml"))
	if code != 1 || !strings.Contains(errOut, "missing.toml") {
		t.Errorf("missing file: %d %q", code, errOut)
	}
	code, _, _ = runCLI(t, nil, "check-config", "stray")
	if code != 2 {
		t.Errorf("stray argument: %d", code)
	}
	// Malformed TOML names the line.
	broken := writeFile(t, dir, "broken.toml", "[venue]\nname = \"x\nfoo")
	code, out, _ = runCLI(t, nil, "check-config", "-config", broken)
	if code != 1 || !strings.Contains(out, "line 2") {
		t.Errorf("broken TOML: %d %q", code, out)
	}
}

func TestVersionAndUsage(t *testing.T) {
	if code, out, _ := runCLI(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "venuebook ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, nil, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, out, _ := runCLI(t, nil, "help"); code != 0 || !strings.Contains(out, "check-config") {
		t.Errorf("help: %d %q", code, out)
	}
}

// TestServeBinary builds the real binary, serves a config from a temp
// directory (relative paths resolve there), books over HTTP, and stops it with
// SIGTERM: it exits 0 and the booking is still there after a restart.
func TestServeBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "venuebook")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	port := freePort(t)
	cfg := strings.Replace(string(demoConfig), `listen = "127.0.0.1:8080"`, fmt.Sprintf(`listen = "127.0.0.1:%d"`, port), 1)
	cfgPath := writeFile(t, dir, "config.toml", cfg)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	start := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin, "serve", "-config", cfgPath)
		cmd.Dir = t.TempDir() // not the config's directory: paths must resolve against the file
		var logs bytes.Buffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, base)
		return cmd, &logs
	}
	stop := func(cmd *exec.Cmd, logs *bytes.Buffer) {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, logs)
			}
		case <-time.After(patience):
			cmd.Process.Kill()
			<-done
			t.Fatalf("no exit %s after SIGTERM\n%s", patience, logs)
		}
		if !strings.Contains(logs.String(), "stopped cleanly") {
			t.Errorf("logs lack the clean stop:\n%s", logs)
		}
		// Held up by a connection, the HTTP shutdown would give up at its
		// deadline and log so (and still exit 0): the log says whether
		// anything held it up, however long the shutdown took.
		if strings.Contains(logs.String(), `"msg":"http shutdown"`) {
			t.Errorf("the HTTP shutdown did not finish:\n%s", logs)
		}
	}

	cmd, logs := start()
	// Find the first bookable slot and book it.
	day := time.Now().AddDate(0, 0, 3).Format("2006-01-02")
	resp, err := http.Get(base + "/api/availability?package=classic-60&from=" + day + "&to=" + time.Now().AddDate(0, 0, 10).Format("2006-01-02"))
	if err != nil {
		t.Fatal(err)
	}
	var avail struct {
		Days []struct {
			Slots []struct{ Start string } `json:"slots"`
		} `json:"days"`
	}
	json.NewDecoder(resp.Body).Decode(&avail)
	resp.Body.Close()
	var slot string
	for _, d := range avail.Days {
		if len(d.Slots) > 0 {
			slot = d.Slots[0].Start
			break
		}
	}
	if slot == "" {
		t.Fatal("no slot offered in the coming week")
	}
	body := fmt.Sprintf(`{"tier":"classic","package":"classic-60","start":%q,"guests":1,"customer":{"name":"Ada","email":"ada@example.com"}}`, slot)
	resp, err = http.Post(base+"/api/bookings", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Booking struct {
			ManageURL string `json:"manage_url"`
		} `json:"booking"`
	}
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("booking: %d", resp.StatusCode)
	}
	// An idle keep-alive connection must not hold up the shutdown.
	idle, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	fmt.Fprintf(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	bufio.NewReader(idle).ReadString('}')
	began := time.Now()
	stop(cmd, logs)
	t.Logf("shutdown with an idle connection took %v", time.Since(began))
	if _, err := os.Stat(filepath.Join(dir, "data", "venuebook.db")); err != nil {
		t.Fatalf("database not beside the config: %v", err)
	}
	if !strings.Contains(logs.String(), `"msg":"request"`) || strings.Contains(logs.String(), "?t=") {
		t.Errorf("access log missing, or it logs tokens:\n%s", logs)
	}

	// After a restart the booking is there.
	cmd, logs = start()
	defer stop(cmd, logs)
	path := strings.Replace(created.Booking.ManageURL, "http://localhost:8080/b/", base+"/api/bookings/", 1)
	resp, err = http.Get(path)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(data), `"status":"confirmed"`) {
		t.Fatalf("after restart: %d %s", resp.StatusCode, data)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not become healthy within %s", base, patience)
}

// runCLIInput is runCLI with text on standard input.
func runCLIInput(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr, func(string) string { return "" })
	return code, stdout.String(), stderr.String()
}

// TestAdminAdd: "venuebook admin add EMAIL -config FILE" creates an owner
// account with the password on the first line of stdin; the account then
// signs in. A short or common password, a taken email or a bad one exit 1
// with a message and create nothing; a wrong command line exits 2.
func TestAdminAdd(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "owners.db")
	cfg := strings.Replace(string(demoConfig), `path = "data/venuebook.db"`, fmt.Sprintf("path = %q", dbPath), 1)
	if !strings.Contains(cfg, dbPath) {
		t.Fatal("the demo config has no database.path line to replace")
	}
	cfgPath := writeFile(t, dir, "config.toml", cfg)
	if code, out, _ := runCLI(t, nil, "check-config", "-config", cfgPath); code != 0 {
		t.Fatalf("check-config: %d %s", code, out)
	}

	code, out, errOut := runCLIInput(t, "correct horse battery staple\n", "admin", "add", "owner@example.com", "-config", cfgPath)
	if code != 0 || out != "owner account owner@example.com created; sign in at http://localhost:8080/admin\n" {
		t.Fatalf("admin add: %d %q %q", code, out, errOut)
	}
	// The flag may come first; a password line may end in CR LF.
	if code, out, errOut := runCLIInput(t, "another long passphrase\r\n", "admin", "add", "-config", cfgPath, "partner@example.com"); code != 0 {
		t.Fatalf("admin add with the flag first: %d %q %q", code, out, errOut)
	}

	for _, c := range []struct {
		name, stdin string
		args        []string
		code        int
		stderr      string
	}{
		{"short password", "short\n", []string{"admin", "add", "third@example.com", "-config", cfgPath}, 1, "the password must be at least 8 characters"},
		{"common password", "password123\n", []string{"admin", "add", "third@example.com", "-config", cfgPath}, 1, "the password is one of the most common passwords"},
		{"no password", "", []string{"admin", "add", "third@example.com", "-config", cfgPath}, 1, "the password must be at least 8 characters"},
		{"taken email", "a third long passphrase\n", []string{"admin", "add", "OWNER@example.com", "-config", cfgPath}, 1, "the email has an account already"},
		{"bad email", "a third long passphrase\n", []string{"admin", "add", "not-an-email", "-config", cfgPath}, 1, "the email must be a valid email address"},
		{"no email", "a third long passphrase\n", []string{"admin", "add", "-config", cfgPath}, 2, "usage: venuebook admin add EMAIL"},
		{"two emails", "a third long passphrase\n", []string{"admin", "add", "a@example.com", "b@example.com", "-config", cfgPath}, 2, "usage: venuebook admin add EMAIL"},
		{"no sub-command", "", []string{"admin"}, 2, "usage: venuebook admin add EMAIL"},
		{"unknown sub-command", "", []string{"admin", "remove", "owner@example.com", "-config", cfgPath}, 2, "usage: venuebook admin add EMAIL"},
		{"unknown flag", "", []string{"admin", "add", "third@example.com", "-force"}, 2, "flag provided but not defined: -force"},
	} {
		code, out, errOut := runCLIInput(t, c.stdin, c.args...)
		if code != c.code || !strings.Contains(errOut, c.stderr) || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d and %q", c.name, code, out, errOut, c.code, c.stderr)
		}
	}

	// Exactly the two accounts, each signing in with its password as typed.
	conf, err := app.LoadConfig(cfgPath, demoConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	assets, _ := fs.Sub(assetsDir, "assets")
	svc, err := app.Open(context.Background(), conf, schemaSQL, assets, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if n, err := svc.Store.CountAdmins(context.Background()); err != nil || n != 2 {
		t.Errorf("%d accounts (%v), want 2", n, err)
	}
	for email, password := range map[string]string{"owner@example.com": "correct horse battery staple", "partner@example.com": "another long passphrase"} {
		if _, _, err := svc.Login(context.Background(), email, password); err != nil {
			t.Errorf("sign-in as %s: %v", email, err)
		}
	}
	if _, _, err := svc.Login(context.Background(), "partner@example.com", "another long passphrase\r"); err == nil {
		t.Error("the CR of the password line became part of the password")
	}
}

// sample-config prints the embedded config.example.toml byte for byte; what it
// writes is a config check-config accepts, so an owner can start from the
// binary alone. Stray arguments are refused and print nothing on stdout.
func TestSampleConfig(t *testing.T) {
	want, err := os.ReadFile("config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, nil, "sample-config")
	if code != 0 || out != string(want) || errOut != "" {
		t.Fatalf("sample-config: exit %d, stderr %q, stdout equal to config.example.toml: %v", code, errOut, out == string(want))
	}
	path := writeFile(t, t.TempDir(), "config.toml", out)
	if code, out, errOut := runCLI(t, nil, "check-config", "-config", path); code != 0 || !strings.Contains(out, "OK") {
		t.Errorf("check-config of the sample: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, nil, "sample-config", "extra"); code != 2 || out != "" || !strings.Contains(errOut, "usage") {
		t.Errorf("sample-config extra: %d %q %q", code, out, errOut)
	}
}

// check-config reports what the server would refuse at start-up about the
// existing database — a booked package moved to another tier — beside a
// running venue and after it stopped, and leaves the database file as it was.
func TestCheckConfigAgainstDatabase(t *testing.T) {
	dir := t.TempDir()
	premium := "\n[[tiers]]\nid = \"premium\"\nname = \"Premium\"\n  [[tiers.packages]]\n  id = \"premium-90\"\n  name = \"90 minutes\"\n  duration_minutes = 90\n  price_cents = 9000\n  max_guests = 4\n"
	current := writeFile(t, dir, "current.toml", string(demoConfig)+premium)
	// classic-60 moves to the premium tier; classic gets a new package.
	moved := writeFile(t, dir, "moved.toml", strings.Replace(string(demoConfig), `id = "classic-60"`, `id = "classic-45"`, 1)+premium+
		"  [[tiers.packages]]\n  id = \"classic-60\"\n  name = \"60 minutes\"\n  duration_minutes = 60\n  price_cents = 4500\n  max_guests = 4\n")

	conf, err := app.LoadConfig(current, demoConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	assets, _ := fs.Sub(assetsDir, "assets")
	svc, err := app.Open(context.Background(), conf, schemaSQL, assets, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().In(conf.Location).AddDate(0, 0, 3)
	start = time.Date(start.Year(), start.Month(), start.Day(), 10, 0, 0, 0, conf.Location)
	if _, _, err := svc.CreateBooking(context.Background(), app.BookingRequest{Tier: "classic", Package: "classic-60", Start: start.Format(time.RFC3339), Guests: 2,
		Customer: app.CustomerRequest{Name: "Ada Lovelace", Email: "ada@example.com"}}, ""); err != nil {
		t.Fatal(err)
	}

	check := func(when string) {
		t.Helper()
		if code, out, errOut := runCLI(t, nil, "check-config", "-config", current); code != 0 || !strings.Contains(out, "OK") {
			t.Errorf("%s: the current config: exit %d %q %q", when, code, out, errOut)
		}
		code, out, errOut := runCLI(t, nil, "check-config", "-config", moved)
		if code != 1 {
			t.Fatalf("%s: moving a booked package: exit %d %q %q, want 1", when, code, out, errOut)
		}
		for _, want := range []string{"1 problem(s)", "tiers[1].packages[1].id:", `package "classic-60" has 1 booking(s) under tier "classic"`, `tier "premium"`, "refuse to start"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", when, want, out)
			}
		}
	}
	check("beside the open database")
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
	dbPath := conf.Database.Path
	before, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	check("after the venue stopped")
	if after, err := os.ReadFile(dbPath); err != nil || !bytes.Equal(after, before) {
		t.Errorf("check-config changed the database (%v)", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(dbPath + suffix); err == nil {
			t.Errorf("check-config left %s%s behind", dbPath, suffix)
		}
	}
	// The server itself refuses the moved config, with the same words.
	movedConf, err := app.LoadConfig(moved, demoConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Open(context.Background(), movedConf, schemaSQL, assets, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now); err == nil ||
		!strings.Contains(err.Error(), `package "classic-60" has 1 booking(s) under tier "classic"`) {
		t.Errorf("opening the moved config: %v", err)
	}
}
