package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"venuebook/store"
)

// TestCrashSafety starts the real binary, books from several clients, kills
// it with SIGKILL at a random moment, and restarts it: every booking that was
// answered 201 must still be there, the file must pass integrity_check, and
// the restart needs no manual step. VENUEBOOK_CRASH_ROUNDS sets the rounds
// (make test: 3; make bench: 20).
func TestCrashSafety(t *testing.T) {
	rounds := 3
	if v, err := strconv.Atoi(os.Getenv("VENUEBOOK_CRASH_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	dir := t.TempDir()
	bin := buildBinary(t)
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cfg := fmt.Sprintf(`
[server]
listen = "127.0.0.1:%d"
[venue]
slot_step_minutes = 15
cleaning_gap_minutes = 0
min_notice_minutes = 0
max_advance_days = 3660
[venue.hours]
mon = "00:00-24:00"
tue = "00:00-24:00"
wed = "00:00-24:00"
thu = "00:00-24:00"
fri = "00:00-24:00"
sat = "00:00-24:00"
sun = "00:00-24:00"
[[rooms]]
id = "a"
name = "A"
[[rooms]]
id = "b"
name = "B"
[[tiers]]
id = "t"
name = "T"
  [[tiers.packages]]
  id = "p15"
  name = "15 minutes"
  duration_minutes = 15
  price_cents = 100
  max_guests = 2
[limits]
booking_per_ip = ""
booking_per_email = ""
read_per_ip = ""
[backup]
schedule = ""
[log]
level = "warn"
`, port)
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "data", "venuebook.db")
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	first := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2)
	var acknowledged []string // booking ids answered 201
	slot := 0
	// Killed, the server's connections close at once: the timeout only
	// bounds a request to a server that hangs.
	client := &http.Client{Timeout: patience}

	for round := 0; round < rounds; round++ {
		cmd := exec.Command(bin, "serve", "-config", cfgPath)
		var logs bytes.Buffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, base)

		// Several clients book distinct slots until the process dies.
		var mu sync.Mutex
		var wg sync.WaitGroup
		stop := make(chan struct{})
		acked := make(chan struct{}) // closed at the round's first 201
		var ackOnce sync.Once
		for c := 0; c < 16; c++ { // enough at once that the kills land in batches of several
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					start := first.Add(time.Duration(slot/2) * 15 * time.Minute)
					slot++
					mu.Unlock()
					body := fmt.Sprintf(`{"tier":"t","package":"p15","start":%q,"guests":1,"customer":{"name":"Crash Test","email":"crash@example.com"}}`,
						start.Format(time.RFC3339))
					resp, err := client.Post(base+"/api/bookings", "application/json", strings.NewReader(body))
					if err != nil {
						return // the server is gone
					}
					var created struct {
						Booking struct{ ID string } `json:"booking"`
					}
					_ = json.NewDecoder(resp.Body).Decode(&created)
					resp.Body.Close()
					if resp.StatusCode == http.StatusCreated {
						mu.Lock()
						acknowledged = append(acknowledged, created.Booking.ID)
						mu.Unlock()
						ackOnce.Do(func() { close(acked) })
					}
				}
			}()
		}
		// The crash comes at a random moment once the round has had a
		// booking acknowledged, so that every round proves something
		// however slowly the server books.
		clientsDone := make(chan struct{})
		go func() { wg.Wait(); close(clientsDone) }()
		var noAck string
		select {
		case <-acked:
		case <-clientsDone:
			noAck = "every client stopped"
		case <-time.After(patience):
			noAck = "waited " + patience.String()
		}
		if noAck == "" {
			time.Sleep(time.Duration(50+rng.Intn(400)) * time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		close(stop)
		wg.Wait()
		if noAck != "" {
			t.Fatalf("round %d: no booking acknowledged (%s)\n%s", round, noAck, logs.String())
		}
		if err := store.Verify(context.Background(), dbPath); err != nil {
			t.Fatalf("round %d: after SIGKILL the database fails its check: %v\n%s", round, err, logs.String())
		}
	}

	// A last restart: every acknowledged booking is there.
	cmd := exec.Command(bin, "serve", "-config", cfgPath)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	waitHealthy(t, base)
	if len(acknowledged) < rounds {
		t.Fatalf("only %d bookings acknowledged in %d rounds: the test proves little", len(acknowledged), rounds)
	}
	db, err := openReadOnly(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, id := range acknowledged {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM bookings WHERE id = ?", id).Scan(&n); err != nil || n != 1 {
			t.Errorf("acknowledged booking %s lost after a crash (%v)", id, err)
		}
	}
	t.Logf("%d rounds, %d acknowledged bookings, all kept", rounds, len(acknowledged))
}

func openReadOnly(path string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(60000)") // a lock is waited for, not failed on
}
