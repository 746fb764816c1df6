package web_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// smallDisk mounts a tmpfs of size bytes for the test (the machine's CI runs as
// root) and returns its path.
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput(); err != nil {
		if os.Geteuid() != 0 {
			t.Skipf("a small file system for the full-disk test needs root (mount tmpfs): %v %s", err, out)
		}
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes a file into dir until the disk is full and returns it.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			break
		}
	}
	// Whatever fits in the last blocks too.
	for {
		if _, err := f.Write(chunk[:512]); err != nil {
			break
		}
	}
	return path
}

// A full disk is a pause, not an outage: bookings are refused with 503 and
// Retry-After while the disk is full, reads and pages go on, /healthz says
// disk_full, and once space is freed bookings go through again by themselves;
// every acknowledged booking is kept.
func TestFullDiskIsAPause(t *testing.T) {
	disk := smallDisk(t, 24<<20)
	v := newVenue(t, venueOptions{Rooms: 2, DatabasePath: filepath.Join(disk, "venuebook.db"), StoreLimits: patientStore})
	var acknowledged []string
	book := func(i int) response {
		start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i/2) * 24 * time.Hour)
		r := v.do(t, "POST", "/api/bookings", bookingBody(start.Format(time.RFC3339), func(m map[string]any) {
			m["customer"].(map[string]any)["email"] = fmt.Sprintf("guest%d@example.com", i)
		}), nil)
		if r.Status == http.StatusCreated {
			var b bookingResponse
			r.json(t, &b)
			acknowledged = append(acknowledged, b.Booking.ID)
		}
		return r
	}
	for i := 0; i < 4; i++ {
		if r := book(i); r.Status != http.StatusCreated {
			t.Fatalf("booking %d before the disk filled: %d %s", i, r.Status, r.Body)
		}
	}
	filler := fillDisk(t, disk)

	// The WAL may still hold room for a few bookings; then they are refused.
	var refused response
	next := 4
	for ; next < 176; next++ {
		if refused = book(next); refused.Status != http.StatusCreated {
			break
		}
	}
	t.Logf("%d bookings went into the WAL's room after the disk filled", next-4)
	if refused.Status != http.StatusServiceUnavailable || refused.errorCode() != "unavailable" || refused.Header.Get("Retry-After") == "" {
		t.Fatalf("booking on a full disk: %d %s (Retry-After %q), want 503 unavailable with Retry-After", refused.Status, refused.Body, refused.Header.Get("Retry-After"))
	}
	if r := v.do(t, "GET", "/api/availability?package=classic-60&from=2026-12-01&to=2026-12-31", nil, nil); r.Status != http.StatusOK {
		t.Errorf("availability on a full disk: %d %s", r.Status, r.Body)
	}
	if r := v.do(t, "GET", "/", nil, nil); r.Status != http.StatusOK {
		t.Errorf("home page on a full disk: %d", r.Status)
	}
	var health struct {
		Status string `json:"status"`
	}
	h := v.do(t, "GET", "/healthz", nil, nil)
	h.json(t, &health)
	if h.Status != http.StatusServiceUnavailable || health.Status != "disk_full" {
		t.Errorf("/healthz on a full disk: %d %s", h.Status, h.Body)
	}

	// The server starts on the full disk too, and serves reads.
	v.close(t)
	v = newVenue(t, venueOptions{Rooms: 2, DatabasePath: filepath.Join(disk, "venuebook.db"), StoreLimits: patientStore})
	if r := v.do(t, "GET", "/api/availability?package=classic-60&from=2026-12-01&to=2026-12-31", nil, nil); r.Status != http.StatusOK {
		t.Errorf("availability after a start on a full disk: %d %s", r.Status, r.Body)
	}
	if r := book(next); r.Status != http.StatusServiceUnavailable {
		t.Errorf("booking after a start on a full disk: %d %s, want 503", r.Status, r.Body)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if r := book(next); r.Status != http.StatusCreated {
		t.Fatalf("booking once space is free: %d %s", r.Status, r.Body)
	}
	if h := v.do(t, "GET", "/healthz", nil, nil); h.Status != http.StatusOK {
		t.Errorf("/healthz once space is free: %d %s", h.Status, h.Body)
	}
	for _, id := range acknowledged {
		if n := v.countRows(t, "SELECT count(*) FROM bookings WHERE id = ?", id); n != 1 {
			t.Errorf("acknowledged booking %s is gone", id)
		}
	}
	if n := v.countRows(t, "SELECT count(*) FROM bookings"); n != len(acknowledged) {
		t.Errorf("%d bookings stored, %d acknowledged", n, len(acknowledged))
	}
}
