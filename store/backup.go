package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// BackupFile is one backup in the backup directory.
type BackupFile struct {
	Name    string
	Path    string
	Size    int64
	ModTime time.Time
}

// backupPrefix and backupSuffix frame every backup's name:
// venuebook-20261127T030000Z.db.
const (
	backupPrefix = "venuebook-"
	backupSuffix = ".db"
)

// Backup writes a consistent snapshot of the live database into dir and
// returns it. VACUUM INTO reads one snapshot without blocking writers; the copy
// goes to a temporary name, must pass PRAGMA integrity_check, is fsynced, and
// only then renamed into place. Backups beyond the newest keep are deleted,
// and the write-ahead log, grown meanwhile, is truncated.
func (s *Store) Backup(ctx context.Context, dir string, keep int, now time.Time) (BackupFile, error) {
	f, err := BackupDatabase(ctx, s.path, dir, keep, now)
	if err != nil {
		return f, err
	}
	// The WAL grew while the snapshot was read; give the space back now.
	_, _, _, _ = s.TruncateWAL(ctx)
	return f, nil
}

// BackupDatabase is Backup for the database file at dbPath, whether or not a
// server has it open (VACUUM INTO is safe beside a running server).
func BackupDatabase(ctx context.Context, dbPath, dir string, keep int, now time.Time) (BackupFile, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return BackupFile{}, fmt.Errorf("backup directory: %w", err)
	}
	// One backup of a database at a time, across processes: a second one
	// waits its turn rather than doubling the disk and I/O it needs.
	resolved, err := resolvePath(dbPath)
	if err != nil {
		return BackupFile{}, fmt.Errorf("backup: %w", err)
	}
	release, err := lockFile(resolved+backupLockSuffix, true)
	if err != nil {
		return BackupFile{}, fmt.Errorf("backup lock: %w", err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Minute)
	defer cancel()
	tmp, err := checkedSnapshot(ctx, dbPath, dir)
	if err != nil {
		return BackupFile{}, err
	}
	defer os.Remove(tmp) // once linked into place, only the temporary name goes
	// Backups started in the same second (the job, the console, the CLI) each
	// get their own name: the first is venuebook-STAMP.db, the next
	// venuebook-STAMP-2.db, and so on. A hard link never replaces a file, so
	// two processes cannot take the same name either.
	var name, final string
	for seq := 1; ; seq++ {
		name = backupName(now, seq)
		final = filepath.Join(dir, name)
		err := os.Link(tmp, final)
		if err == nil {
			break
		}
		if errors.Is(err, os.ErrExist) && seq < 1000 {
			continue
		}
		if errors.Is(err, os.ErrExist) {
			return BackupFile{}, fmt.Errorf("backup: no free name for %s: %w", name, err)
		}
		// A file system without hard links: take the first name not there.
		if _, statErr := os.Stat(final); statErr == nil {
			continue
		}
		if err := os.Rename(tmp, final); err != nil {
			return BackupFile{}, fmt.Errorf("backup: %w", err)
		}
		break
	}
	if err := syncDir(dir); err != nil {
		return BackupFile{}, err
	}
	st, err := os.Stat(final)
	if err != nil {
		return BackupFile{}, err
	}
	if err := prune(dir, keep); err != nil {
		return BackupFile{}, err
	}
	return BackupFile{Name: name, Path: final, Size: st.Size(), ModTime: st.ModTime().UTC()}, nil
}

// partialSuffix marks a copy still being written: a copy is renamed to its
// real name only once complete and synced, so a process killed meanwhile
// leaves a .partial file, never a good-looking name on a broken file, and
// RemoveLeftovers deletes it at the next start.
const partialSuffix = ".partial"

// keepCopy writes a consistent, synced copy of the database at path to
// target, through target+".partial".
func keepCopy(ctx context.Context, path, target string) error {
	tmp := target + partialSuffix
	_ = os.Remove(tmp)
	if err := vacuumInto(ctx, path, tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, target); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(target))
}

// keepRawCopy copies the file at path, and its WAL if there is one, byte for
// byte to target (and target-wal), through .partial names.
func keepRawCopy(path, target string) error {
	for _, suffix := range []string{"-wal", ""} {
		from := path + suffix
		if _, err := os.Stat(from); suffix != "" && errors.Is(err, os.ErrNotExist) {
			continue
		}
		tmp := target + suffix + partialSuffix
		if err := copyFile(from, tmp, nil); err != nil {
			_ = os.Remove(tmp)
			return err
		}
		if err := os.Rename(tmp, target+suffix); err != nil {
			_ = os.Remove(tmp)
			return err
		}
	}
	return syncDir(filepath.Dir(target))
}

// vacuumInto writes a consistent copy of the database at path to target.
func vacuumInto(ctx context.Context, path, target string) error {
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", target)
	return err
}

// checkedSnapshot writes a snapshot of the database at dbPath to a new
// temporary file in dir, checks it and fsyncs it, and returns its path; on any
// failure nothing is left behind.
func checkedSnapshot(ctx context.Context, dbPath, dir string) (string, error) {
	f, err := os.CreateTemp(dir, backupTempPattern)
	if err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	tmp := f.Name()
	// Held while the file is written, so that RemoveLeftovers in a server
	// starting meanwhile leaves it alone.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		_ = os.Remove(tmp)
		return "", fmt.Errorf("snapshot: lock %s: %w", tmp, err)
	}
	defer f.Close()
	// VACUUM INTO writes into an empty file; it reads one snapshot on a
	// connection of its own (the readers are query_only, the writer is for bookings).
	if err := vacuumInto(ctx, dbPath, tmp); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("snapshot: %w", err)
	}
	if err := Verify(ctx, tmp); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("the snapshot failed its check, so it was discarded: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// SnapshotTo writes a checked snapshot of the database at dbPath to out
// (through a temporary name, synced, then renamed); it never replaces a file.
func SnapshotTo(ctx context.Context, dbPath, out string) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s exists already; name a new file", out)
	}
	tmp, err := checkedSnapshot(ctx, dbPath, filepath.Dir(out))
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, out); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists already; name a new file", out)
		}
		if err := os.Rename(tmp, out); err != nil {
			return err
		}
	}
	return syncDir(filepath.Dir(out))
}

// ListBackups returns the backups in dir, newest first.
func ListBackups(dir string) ([]BackupFile, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []BackupFile
	for _, e := range entries {
		if !ValidBackupName(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, BackupFile{Name: e.Name(), Path: filepath.Join(dir, e.Name()), Size: info.Size(), ModTime: info.ModTime().UTC()})
	}
	sort.Slice(out, func(i, j int) bool {
		ti, si, _ := parseBackupName(out[i].Name)
		tj, sj, _ := parseBackupName(out[j].Name)
		return ti.After(tj) || ti.Equal(tj) && si > sj
	})
	return out, nil
}

// ValidBackupName reports whether name is a backup's file name (and so safe
// to join to the backup directory).
func ValidBackupName(name string) bool {
	_, _, ok := parseBackupName(name)
	return ok
}

const backupStamp = "20060102T150405Z"

// backupName is the name of the seq-th backup taken in now's second:
// venuebook-20261127T030000Z.db, then venuebook-20261127T030000Z-2.db.
func backupName(now time.Time, seq int) string {
	stamp := now.UTC().Format(backupStamp)
	if seq > 1 {
		stamp += "-" + strconv.Itoa(seq)
	}
	return backupPrefix + stamp + backupSuffix
}

// parseBackupName reads the time and sequence number out of a backup's name.
func parseBackupName(name string) (time.Time, int, bool) {
	if !strings.HasPrefix(name, backupPrefix) || !strings.HasSuffix(name, backupSuffix) {
		return time.Time{}, 0, false
	}
	stamp := strings.TrimSuffix(strings.TrimPrefix(name, backupPrefix), backupSuffix)
	seq := 1
	if base, n, found := strings.Cut(stamp, "-"); found {
		v, err := strconv.Atoi(n)
		if err != nil || v < 2 || strconv.Itoa(v) != n {
			return time.Time{}, 0, false
		}
		stamp, seq = base, v
	}
	t, err := time.Parse(backupStamp, stamp)
	return t, seq, err == nil
}

func prune(dir string, keep int) error {
	list, err := ListBackups(dir)
	if err != nil {
		return err
	}
	for i := keep; i < len(list); i++ {
		// A backup running beside this one may have removed it already.
		if err := os.Remove(list[i].Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove old backup: %w", err)
		}
	}
	return nil
}

// Verify opens a database file read-only and checks it: PRAGMA
// integrity_check must say ok, and it must carry a venuebook schema version.
func Verify(ctx context.Context, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	// Without a -wal beside it the file holds everything: read it as
	// immutable, so that checking a stopped server's database (in WAL mode)
	// does not leave a -wal and a -shm behind. With one, a server may be
	// running: read through it as SQLite does.
	mode := "mode=ro"
	if _, err := os.Stat(path + "-wal"); errors.Is(err, os.ErrNotExist) {
		mode += "&immutable=1"
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+mode+"&_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var result string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil {
		return fmt.Errorf("not a readable SQLite database: %w", err)
	}
	if result != "ok" {
		return fmt.Errorf("integrity check failed: %s", result)
	}
	var version, bookings int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil || version == 0 {
		return errors.New("not a venuebook database (no schema version)")
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM bookings").Scan(&bookings); err != nil {
		return errors.New("not a venuebook database (no bookings table)")
	}
	return nil
}

// Lock holds an exclusive advisory lock beside the database for as long as a
// server (or a restore) works on it, so two never share one file.
type Lock struct{ f *os.File }

// ErrLocked means another venuebook process holds the database.
var ErrLocked = errors.New("another venuebook process is using this database")

// LockDatabase takes the lock of the database at path without waiting. The
// lock file sits beside the file the path resolves to, so two configs naming
// one database through different paths or symbolic links share one lock.
func LockDatabase(path string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	resolved, err := resolvePath(path)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	f, err := os.OpenFile(resolved+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s.lock is held): stop the running server first", ErrLocked, resolved)
		}
		return nil, fmt.Errorf("lock file: %w", err)
	}
	return &Lock{f: f}, nil
}

// resolvePath follows symbolic links in path, also when the file it names
// does not exist yet (a database about to be created, perhaps through a link).
func resolvePath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	for hops := 0; hops < 40; hops++ {
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			return r, nil
		}
		dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
		if err != nil {
			return "", err
		}
		abs = filepath.Join(dir, filepath.Base(abs))
		target, err := os.Readlink(abs)
		if err != nil {
			return abs, nil // not a link: a file still to be created
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		abs = target
	}
	return "", fmt.Errorf("%s: too many symbolic links", path)
}

// lockFile takes an exclusive flock on path (created if needed), waiting for
// it when wait, and returns its release.
func lockFile(path string, wait bool) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_EX
	if !wait {
		how |= syscall.LOCK_NB
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	return l.f.Close()
}

// Restore makes backup the database at path, which no process may hold: it
// verifies backup first, keeps the current database (with what its WAL holds)
// as path.replaced-TIMESTAMP, then puts a synced copy of backup in place.
// progress, when set, is told how many bytes were copied.
func Restore(ctx context.Context, path, backup string, now time.Time, progress func(done, total int64)) (kept string, err error) {
	if err := Verify(ctx, backup); err != nil {
		return "", fmt.Errorf("%s: %w; nothing was changed", backup, err)
	}
	lock, err := LockDatabase(path)
	if err != nil {
		return "", err
	}
	defer lock.Release()
	// Through a symbolic link, the file it names is replaced, not the link
	// (and the -wal and -shm beside that file are the ones SQLite uses).
	if path, err = resolvePath(path); err != nil {
		return "", err
	}
	if _, err := os.Stat(path); err == nil {
		kept = path + ".replaced-" + now.UTC().Format("20060102T150405Z")
		for n := 2; ; n++ { // two restores in one second keep both files
			if _, err := os.Stat(kept); errors.Is(err, os.ErrNotExist) {
				break
			}
			kept = fmt.Sprintf("%s.replaced-%s-%d", path, now.UTC().Format("20060102T150405Z"), n)
		}
		if err := keepCopy(ctx, path, kept); err != nil {
			if !isCorrupt(err) {
				return "", fmt.Errorf("keep the current database: %w; nothing was changed", err)
			}
			// A damaged database cannot be snapshotted, and it is just
			// what a restore is for: keep its bytes as they are.
			if err := keepRawCopy(path, kept); err != nil {
				return "", fmt.Errorf("keep the current (damaged) database: %w; nothing was changed", err)
			}
		}
	}
	tmp := path + restoreSuffix
	if err := copyFile(backup, tmp, progress); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("copy the backup: %w; nothing was changed", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	return kept, syncDir(filepath.Dir(path))
}

func copyFile(from, to string, progress func(done, total int64)) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return err
	}
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	var done int64
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				dst.Close()
				return err
			}
			done += int64(n)
			if progress != nil {
				progress(done, st.Size())
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			dst.Close()
			return rerr
		}
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
