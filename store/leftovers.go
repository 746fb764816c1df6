package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Names of the files a backup, a restore or a schema upgrade writes before
// they are complete: what RemoveLeftovers looks for.
const (
	backupTempPattern = "." + backupPrefix + "*.tmp"
	backupLockSuffix  = ".backup-lock"
	restoreSuffix     = ".restore.tmp"
)

// RemoveLeftovers deletes what a backup, restore or schema upgrade killed
// half-way left behind: backup temporary files in backupDir that no running
// backup holds, the database's unfinished restore copy, and unfinished
// ".partial" copies beside it (kept databases of restores and upgrades). The
// caller holds the database's lock, so no restore or upgrade is running. It
// returns the paths it removed.
func RemoveLeftovers(dbPath, backupDir string) ([]string, error) {
	var removed []string
	var errs []error
	remove := func(p string) {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			return
		}
		removed = append(removed, p)
	}
	if backupDir != "" {
		temps, _ := filepath.Glob(filepath.Join(backupDir, backupTempPattern))
		for _, p := range temps {
			if unheld(p) {
				remove(p)
			}
		}
	}
	if _, err := os.Stat(dbPath + restoreSuffix); err == nil {
		remove(dbPath + restoreSuffix)
	}
	partials, _ := filepath.Glob(globEscape(dbPath) + ".*" + partialSuffix)
	for _, p := range partials {
		rest := strings.TrimPrefix(p, dbPath+".")
		if strings.HasPrefix(rest, "replaced-") || strings.HasPrefix(rest, "before-v") {
			remove(p)
		}
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("remove leftovers: %w", errors.Join(errs...))
	}
	return removed, nil
}

// unheld reports whether no process holds path's flock (a backup writing it).
func unheld(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false
	}
	return true
}

// globEscape quotes the characters filepath.Match treats specially.
func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`).Replace(s)
}
