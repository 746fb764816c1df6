package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bookingIDsIn returns the ids of the bookings in the database file at path,
// read through a connection of its own that is closed again at once.
func bookingIDsIn(t *testing.T, path string) map[string]bool {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT id FROM bookings")
	if err != nil {
		t.Fatalf("read bookings of %s: %v", path, err)
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// mustBookAt books p60 in room at start and returns the booking's id.
func mustBookAt(t *testing.T, s *Store, start time.Time, room string) string {
	t.Helper()
	b, _, err := s.CreateBooking(context.Background(), newBooking(start, room))
	if err != nil {
		t.Fatalf("book %s in %s: %v", start, room, err)
	}
	return b.ID
}

// A backup taken while bookings are being committed holds every booking
// committed before it started, and passes Verify.
func TestBackupWhileBookingsAreWritten(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	s.limits.WriteWait = 2 * time.Minute // queued writers wait; this is not a timing test
	dir := t.TempDir()

	var (
		mu        sync.Mutex
		committed []string
	)
	record := func(id string) {
		mu.Lock()
		committed = append(committed, id)
		mu.Unlock()
	}
	for i := range 10 {
		record(mustBookAt(t, s, day0.Add(time.Duration(2*i)*time.Hour), "a"))
	}

	const writers, perWriter = 4, 400
	var (
		wg    sync.WaitGroup
		stop  = make(chan struct{})
		ticks = make(chan struct{}, 64) // one per commit, dropped when full
		errs  = make(chan error, writers)
	)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each writer has its own 40 days of room b, two hours per booking.
			first := day0.AddDate(0, 0, 10+40*g)
			for k := range perWriter {
				select {
				case <-stop:
					return
				default:
				}
				b, _, err := s.CreateBooking(ctx, newBooking(first.Add(time.Duration(2*k)*time.Hour), "b"))
				if err != nil {
					errs <- err
					return
				}
				record(b.ID)
				select {
				case ticks <- struct{}{}:
				default:
				}
			}
		}()
	}
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	var backups []BackupFile
	for round := range 3 {
		for range 5 { // let the writers commit a few more
			select {
			case <-ticks:
			case err := <-errs:
				t.Fatalf("writer: %v", err)
			}
		}
		mu.Lock()
		before := slices.Clone(committed)
		mu.Unlock()
		f, err := s.Backup(ctx, dir, 2, testNow.Add(time.Duration(round)*time.Minute))
		if err != nil {
			t.Fatalf("backup %d: %v", round+1, err)
		}
		if err := Verify(ctx, f.Path); err != nil {
			t.Fatalf("backup %d fails Verify: %v", round+1, err)
		}
		in := bookingIDsIn(t, f.Path)
		for _, id := range before {
			if !in[id] {
				t.Fatalf("backup %d lacks booking %s, committed before it started (%d of %d there)", round+1, id, len(in), len(before))
			}
		}
		backups = append(backups, f)
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("writer: %v", err)
	default:
	}

	// Nothing in a backup that was never committed.
	all := map[string]bool{}
	for _, id := range committed {
		all[id] = true
	}
	for id := range bookingIDsIn(t, backups[2].Path) {
		if !all[id] {
			t.Errorf("the last backup holds booking %s that no writer committed", id)
		}
	}
	// keep = 2: the first of the three is gone.
	list, err := ListBackups(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != backups[2].Name || list[1].Name != backups[1].Name {
		t.Errorf("backups kept %v, want the newest two of %v", list, backups)
	}
	t.Logf("%d bookings committed in all; the last backup holds %d", len(committed), len(bookingIDsIn(t, backups[2].Path)))
}

// keep N prunes older backups, and only files with a backup's name.
func TestBackupKeepsNewest(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	mustBookAt(t, s, at(10, 0), "a")
	dir := t.TempDir()
	strays := []string{"notes.txt", "venuebook-latest.db", "venuebook-20300101T000000Z.db.old"}
	for _, name := range strays {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("keep me"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for i := range 6 {
		f, err := s.Backup(ctx, dir, 3, testNow.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		if !ValidBackupName(f.Name) || f.Path != filepath.Join(dir, f.Name) || f.Size == 0 {
			t.Errorf("backup %d: %+v", i, f)
		}
		names = append(names, f.Name)
		list, err := ListBackups(dir)
		if err != nil {
			t.Fatal(err)
		}
		if want := min(i+1, 3); len(list) != want {
			t.Errorf("after backup %d: %d backups, want %d", i, len(list), want)
		}
	}
	list, _ := ListBackups(dir)
	var got []string
	for _, f := range list {
		got = append(got, f.Name)
		if err := Verify(ctx, f.Path); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
	if want := []string{names[5], names[4], names[3]}; !slices.Equal(got, want) {
		t.Errorf("kept %v, want %v (newest first)", got, want)
	}
	entries, _ := os.ReadDir(dir)
	var files []string
	for _, e := range entries {
		files = append(files, e.Name())
	}
	for _, name := range strays {
		if !slices.Contains(files, name) {
			t.Errorf("pruning removed %s", name)
		}
	}
	if len(files) != 3+len(strays) {
		t.Errorf("backup dir holds %v", files)
	}
}

// copyBytes writes data to a new file in dir and returns its path.
func copyBytes(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Verify refuses damaged files and files that are not venuebook databases.
func TestVerifyRefusesBadFiles(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	db := openRaw(t, s)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 { // enough rows for many pages
		r := validRaw("a", unixAt(0, 0)+int64(i)*2*hour)
		r.Notes = strings.Repeat("n", 400)
		mustInsert(t, tx, r)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	f, err := s.Backup(ctx, t.TempDir(), 3, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(ctx, f.Path); err != nil {
		t.Fatalf("good backup: %v", err)
	}
	if err := Verify(ctx, s.Path()); err != nil {
		t.Errorf("the live database: %v", err)
	}
	good, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(binary.BigEndian.Uint16(good[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	pages := len(good) / pageSize
	if pages < 10 {
		t.Fatalf("backup has only %d pages", pages)
	}
	dir := t.TempDir()
	damaged := func(edit func([]byte) []byte) []byte { return edit(slices.Clone(good)) }

	other, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "other.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"CREATE TABLE notes (x TEXT)", "INSERT INTO notes VALUES ('hello')"} {
		if _, err := other.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	other.Close()
	versioned, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "versioned.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"CREATE TABLE notes (x TEXT)", "PRAGMA user_version = 7"} {
		if _, err := versioned.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	versioned.Close()
	if err := os.Mkdir(filepath.Join(dir, "a-directory.db"), 0o700); err != nil {
		t.Fatal(err)
	}

	for name, path := range map[string]string{
		"truncated to half": copyBytes(t, dir, "half.db", good[:len(good)/2]),
		"last page cut":     copyBytes(t, dir, "short.db", good[:len(good)-pageSize]),
		"a page in the middle overwritten": copyBytes(t, dir, "middle.db", damaged(func(b []byte) []byte {
			mid := pages / 2 * pageSize
			for i := mid; i < mid+pageSize; i++ {
				b[i] = 0xA5
			}
			return b
		})),
		"header overwritten": copyBytes(t, dir, "header.db", damaged(func(b []byte) []byte {
			copy(b, "this is not the header of a database")
			return b
		})),
		"another SQLite database":    filepath.Join(dir, "other.db"),
		"a versioned other database": filepath.Join(dir, "versioned.db"),
		"empty file":                 copyBytes(t, dir, "empty.db", nil),
		"text file":                  copyBytes(t, dir, "text.db", []byte("venuebook backup, honest\n")),
		"directory":                  filepath.Join(dir, "a-directory.db"),
		"missing file":               filepath.Join(dir, "missing.db"),
	} {
		if err := Verify(ctx, path); err == nil {
			t.Errorf("%s passes Verify", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if err := Verify(ctx, filepath.Join(dir, "other.db")); err == nil || !strings.Contains(err.Error(), "not a venuebook database") {
		t.Errorf("another SQLite database: %v, want it named not a venuebook database", err)
	}
}

func TestValidBackupName(t *testing.T) {
	for _, name := range []string{"venuebook-20261127T030000Z.db", "venuebook-20300603T235959Z.db"} {
		if !ValidBackupName(name) {
			t.Errorf("%q refused", name)
		}
	}
	for _, name := range []string{"", "../x", "venuebook-x.db", "venuebook-.db", "venuebook-20261127T030000Z", "../venuebook-20261127T030000Z.db",
		"venuebook-20261127T030000Z.db/../../etc/passwd", "venuebook-20261127T030000Z/../x.db", "venuebook-20261399T030000Z.db",
		".venuebook-20261127T030000Z.db.tmp", "venuebook-20261127T030000Z.db.tmp", "backups/venuebook-20261127T030000Z.db",
		"VENUEBOOK-20261127T030000Z.db", "venuebook-20261127T030000Z.db\x00"} {
		if ValidBackupName(name) {
			t.Errorf("%q accepted", name)
		}
	}
}

// sideFiles lists what Restore may leave beside the database.
func sideFiles(t *testing.T, path string) []string {
	t.Helper()
	matches, err := filepath.Glob(path + ".re*")
	if err != nil {
		t.Fatal(err)
	}
	return matches
}

// Restore puts a backup in place of the database and keeps the one it
// replaces; it refuses a bad backup, and a database another process holds,
// without changing anything.
func TestRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	path := s.Path()
	early := map[string]bool{}
	for i := range 3 {
		early[mustBookAt(t, s, at(9+2*i, 0), "a")] = true
	}
	f, err := s.Backup(ctx, t.TempDir(), 3, testNow)
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for id := range early {
		all[id] = true
	}
	for i := range 2 {
		all[mustBookAt(t, s, at(9+2*i, 0), "b")] = true
	}
	unchanged := func(what string) {
		t.Helper()
		if got := bookingIDsIn(t, path); len(got) != len(all) {
			t.Errorf("%s: %d bookings, want %d", what, len(got), len(all))
		}
		if side := sideFiles(t, path); len(side) != 0 {
			t.Errorf("%s left %v", what, side)
		}
	}

	// A bad backup is refused before anything is touched.
	bad := copyBytes(t, t.TempDir(), "venuebook-20300601T000000Z.db", []byte("SQLite format 3\x00 but not really"))
	if _, err := Restore(ctx, path, bad, testNow, nil); err == nil || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("bad backup: %v", err)
	}
	unchanged("a bad backup")

	// A good backup is refused while another holder has the lock.
	lock, err := LockDatabase(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Restore(ctx, path, f.Path, testNow, nil)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "stop the running server") {
		t.Errorf("restore under a held lock: %v", err)
	}
	if _, err := LockDatabase(path); !errors.Is(err, ErrLocked) {
		t.Errorf("a second lock: %v", err)
	}
	unchanged("a held lock")
	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}

	// With the server stopped (store closed), it restores.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	when := testNow.Add(time.Hour)
	var done, total int64
	kept, err := Restore(ctx, path, f.Path, when, func(d, n int64) { done, total = d, n })
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if want := path + ".replaced-" + when.UTC().Format("20060102T150405Z"); kept != want {
		t.Errorf("kept %q, want %q", kept, want)
	}
	if done != f.Size || total != f.Size {
		t.Errorf("progress ended at %d of %d, want %d", done, total, f.Size)
	}
	if side := sideFiles(t, path); !slices.Equal(side, []string{kept}) {
		t.Errorf("beside the database: %v, want only %s", side, kept)
	}
	if err := Verify(ctx, path); err != nil {
		t.Errorf("restored database: %v", err)
	}
	if err := Verify(ctx, kept); err != nil {
		t.Errorf("kept database: %v", err)
	}
	if got := bookingIDsIn(t, kept); !maps.Equal(got, all) {
		t.Errorf("the kept database holds %d bookings, want the %d from before the restore", len(got), len(all))
	}

	// Reopened, the store has the earlier bookings only, and works.
	s2 := openStoreAt(t, path)
	if got := bookingIDsIn(t, path); !maps.Equal(got, early) {
		t.Errorf("after restore: %d bookings, want the %d of the backup", len(got), len(early))
	}
	for id := range all {
		_, err := s2.FindBookingByID(ctx, id)
		if early[id] != (err == nil) {
			t.Errorf("booking %s after restore: %v", id, err)
		}
	}
	mustBookAt(t, s2, at(9, 0), "b") // the later booking's slot is free again
	lock, err = LockDatabase(path)
	if err != nil {
		t.Fatalf("Restore kept its lock: %v", err)
	}
	lock.Release()
}

// Eight backups started in the same second — the scheduled job, the console,
// the API and the command line at once — all succeed, each with its own file
// that passes Verify; no temporary file is left, and the listing orders them
// newest first, the second's later ones before its first.
func TestBackupsInTheSameSecondNeverCollide(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	s.limits.WriteWait = 2 * time.Minute
	mustCreate(t, s, newBooking(at(10, 0), "a"))
	dir := t.TempDir()
	now := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	const n = 8
	var wg sync.WaitGroup
	files := make(chan BackupFile, n)
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f, err := s.Backup(ctx, dir, 14, now)
			if err != nil {
				errs <- err
				return
			}
			files <- f
		}()
	}
	close(start)
	wg.Wait()
	close(files)
	close(errs)
	for err := range errs {
		t.Errorf("backup: %v", err)
	}
	names := map[string]bool{}
	for f := range files {
		if names[f.Name] {
			t.Errorf("two backups named %s", f.Name)
		}
		names[f.Name] = true
		if err := Verify(ctx, f.Path); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
	if len(names) != n {
		t.Fatalf("%d distinct backups, want %d", len(names), n)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != n {
		var all []string
		for _, e := range entries {
			all = append(all, e.Name())
		}
		t.Errorf("backup dir holds %v, want only the %d backups", all, n)
	}
	list, err := ListBackups(dir)
	if err != nil || len(list) != n {
		t.Fatalf("ListBackups: %d, %v", len(list), err)
	}
	if list[0].Name != "venuebook-20261127T030000Z-8.db" || list[n-1].Name != "venuebook-20261127T030000Z.db" {
		t.Errorf("order: first %s, last %s", list[0].Name, list[n-1].Name)
	}
	// With keep smaller than the burst, the newest are kept and none fails.
	if _, err := s.Backup(ctx, dir, 3, now); err != nil {
		t.Fatalf("ninth backup with keep 3: %v", err)
	}
	if list, _ := ListBackups(dir); len(list) != 3 || list[0].Name != "venuebook-20261127T030000Z-9.db" {
		t.Errorf("after keep 3: %v", list)
	}
}

// Names that only look like backups are not listed, served or pruned.
func TestValidBackupNameWithSequence(t *testing.T) {
	for name, want := range map[string]bool{
		"venuebook-20261127T030000Z.db":    true,
		"venuebook-20261127T030000Z-2.db":  true,
		"venuebook-20261127T030000Z-12.db": true,
		"venuebook-20261127T030000Z-1.db":  false,
		"venuebook-20261127T030000Z-02.db": false,
		"venuebook-20261127T030000Z-x.db":  false,
		"venuebook-20261127T030000Z-.db":   false,
		"venuebook-2026.db":                false,
		"../venuebook-20261127T030000Z.db": false,
		".venuebook-123.tmp":               false,
	} {
		if got := ValidBackupName(name); got != want {
			t.Errorf("ValidBackupName(%q) = %v, want %v", name, got, want)
		}
	}
}

// What a backup, restore or upgrade killed half-way leaves is removed at the
// next start, except a backup's temporary file that a running backup holds;
// finished copies and unrelated files stay.
func TestRemoveLeftovers(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "venue book.db")
	backups := filepath.Join(dir, "backups")
	if err := os.MkdirAll(backups, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(p string) string {
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leftovers := []string{
		write(filepath.Join(backups, ".venuebook-123456.tmp")),
		write(db + ".restore.tmp"),
		write(db + ".replaced-20261127T030000Z.partial"),
		write(db + ".before-v3-20261127T030000.000000000Z.partial"),
	}
	kept := []string{
		write(db),
		write(db + ".replaced-20261127T030000Z"),
		write(filepath.Join(backups, "venuebook-20261127T030000Z.db")),
		write(filepath.Join(backups, "notes.txt")),
		write(filepath.Join(dir, "other.db.partial")),
	}
	// A backup still writing its temporary file holds its flock.
	held := write(filepath.Join(backups, ".venuebook-999999.tmp"))
	f, err := os.Open(held)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	kept = append(kept, held)

	removed, err := RemoveLeftovers(db, backups)
	if err != nil {
		t.Fatalf("RemoveLeftovers: %v", err)
	}
	slices.Sort(removed)
	slices.Sort(leftovers)
	if !slices.Equal(removed, leftovers) {
		t.Errorf("removed %q, want %q", removed, leftovers)
	}
	for _, p := range leftovers {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there", p)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
	f.Close()
	if removed, _ := RemoveLeftovers(db, backups); len(removed) != 1 || removed[0] != held {
		t.Errorf("once its backup let go, the temporary file is a leftover too: removed %q", removed)
	}
}

// The lock is taken on the file a path resolves to: a symbolic link to a
// database in use does not get a lock of its own.
func TestLockDatabaseThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real", "venuebook.db")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	linkedDir := filepath.Join(dir, "linked-dir")
	if err := os.Symlink(filepath.Dir(real), linkedDir); err != nil {
		t.Fatal(err)
	}
	lock, err := LockDatabase(real)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	for _, p := range []string{link, filepath.Join(linkedDir, "venuebook.db")} {
		if l, err := LockDatabase(p); !errors.Is(err, ErrLocked) {
			l.Release()
			t.Errorf("LockDatabase(%s) while %s is locked: %v, want ErrLocked", p, real, err)
		}
	}
}

// A restore through a symbolic database path replaces the file the link
// names, and the link stays a link: the server opens the restored data.
func TestRestoreThroughSymlink(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t, nil)
	real := s.Path()
	first := mustBookAt(t, s, at(9, 0), "a")
	f, err := s.Backup(ctx, t.TempDir(), 3, testNow)
	if err != nil {
		t.Fatal(err)
	}
	mustBookAt(t, s, at(11, 0), "b")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "venuebook.db")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	kept, err := Restore(ctx, link, f.Path, testNow, nil)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced by a file (%v)", err)
	}
	if got := bookingIDsIn(t, real); len(got) != 1 || !got[first] {
		t.Errorf("the linked file holds %v, want only the backup's booking %s", got, first)
	}
	if filepath.Dir(kept) != filepath.Dir(real) {
		t.Errorf("the replaced database was kept at %s, not beside the real file %s", kept, real)
	}
}

// Verifying a stopped server's database (a WAL-mode file with nothing beside
// it) leaves nothing beside it.
func TestVerifyLeavesNoWALBehind(t *testing.T) {
	s := openTestStore(t, nil)
	path := s.Path()
	mustBookAt(t, s, at(9, 0), "a")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Fatalf("%s exists after the store closed", path+suffix)
		}
	}
	if err := Verify(context.Background(), path); err != nil {
		t.Fatalf("verify: %v", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Errorf("verify left %s behind", path+suffix)
		}
	}
}
