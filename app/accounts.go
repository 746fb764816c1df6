package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"venuebook/store"
)

// Owner sessions: an idle session ends after SessionIdle, any session after
// SessionMax. The front desk stays signed in through a working day.
const (
	SessionIdle = 12 * time.Hour
	SessionMax  = 14 * 24 * time.Hour
	// touchEvery limits the writes that record a session's activity.
	touchEvery = time.Minute
)

// argon2id parameters (OWASP): 19 MiB, 2 passes, 1 lane.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// Password hashing is capped: at most HashSlots argon2id hashes run at once
// (each takes 19 MiB and a core), at most HashQueue more wait for a slot, and
// none waits longer than HashWait. A sign-in that cannot be checked soon is
// refused as unavailable (503 with Retry-After), never queued without end.
const (
	HashSlots = 2
	HashQueue = 8
	HashWait  = 5 * time.Second
)

// errHashBusy is the answer to a sign-in that gets no hashing slot in time.
var errHashBusy = NewError(CodeUnavailable, "errors.account.hash_busy").Retry(2 * time.Second)

// HashGate caps concurrent password hashing and the queue waiting for it.
type HashGate struct {
	slots chan struct{}
	queue int
	wait  time.Duration

	mu      sync.Mutex
	waiting int
}

// NewHashGate returns a gate of slots hashing slots, with at most queue
// waiting, each for at most wait.
func NewHashGate(slots, queue int, wait time.Duration) *HashGate {
	return &HashGate{slots: make(chan struct{}, slots), queue: queue, wait: wait}
}

// Acquire takes a hashing slot: at once when one is free, else after waiting
// for one, when fewer than the queue's length wait already, at most the
// gate's wait. It returns the function that gives the slot back, or an
// unavailable error.
func (g *HashGate) Acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-g.slots }
	select {
	case g.slots <- struct{}{}:
		return release, nil
	default:
	}
	g.mu.Lock()
	if g.waiting >= g.queue {
		g.mu.Unlock()
		return nil, errHashBusy
	}
	g.waiting++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.waiting--
		g.mu.Unlock()
	}()
	timer := time.NewTimer(g.wait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
		return release, nil
	case <-timer.C:
		return nil, errHashBusy
	case <-ctx.Done():
		return nil, errHashBusy
	}
}

// Waiting reports how many wait for a slot now.
func (g *HashGate) Waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiting
}

// hashPassword returns the argon2id hash of password in PHC string form. The
// caller holds a slot of the Service's HashGate.
func hashPassword(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword reports whether password matches a PHC argon2id hash, in
// constant time. The caller holds a slot of the Service's HashGate.
func VerifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version, memory, passes int
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil || memory <= 0 || memory > 1<<20 || passes <= 0 || passes > 10 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, uint32(passes), uint32(memory), threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when an email is unknown, so that an unknown
// email takes as long to refuse as a wrong password.
var dummyHash = sync.OnceValue(func() string { return hashPassword("venuebook: no such account") })

// CheckPassword applies the password rules (OWASP ASVS): at least 8
// characters, at most 1024, no composition rules, not one of the most common.
func CheckPassword(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < 8:
		return M("errors.field.password_short")
	case len(password) > 1024:
		return M("errors.field.password_long")
	case commonPasswords()[strings.ToLower(password)]:
		return M("errors.field.password_common")
	}
	return nil
}

// CreateAdmin adds an owner account after checking the email and password.
func (s *Service) CreateAdmin(ctx context.Context, email, password string) (store.Admin, error) {
	f := fieldErrors{}
	email, err := ParseEmail(email)
	if err != nil {
		f.addErr("email", err)
	}
	if err := CheckPassword(password); err != nil {
		f.addErr("password", err)
	}
	if err := f.err(); err != nil {
		return store.Admin{}, err
	}
	release, err := s.Hashing.Acquire(ctx)
	if err != nil {
		return store.Admin{}, err
	}
	hash := hashPassword(password)
	release()
	a, err := s.Store.CreateAdmin(ctx, email, hash, s.Now())
	if errors.Is(err, store.ErrExists) {
		return store.Admin{}, ErrorWith(CodeValidationFailed, M("errors.account.exists"), map[string]Msg{"email": M("errors.field.has_account")})
	}
	if err != nil {
		return store.Admin{}, err
	}
	s.Log.Info("owner account created", "email", email)
	return a, nil
}

// Login checks an owner's email and password and opens a session. It answers
// the same unauthorized error, after the same work, for an unknown email and a
// wrong password; unavailable when no hashing slot is free soon (HashGate).
// It returns the session id (for the cookie) and the session.
func (s *Service) Login(ctx context.Context, email, password string) (string, store.Session, error) {
	refused := NewError(CodeUnauthorized, "errors.account.wrong")
	if len(password) > 1024 || len(email) > 254 {
		return "", store.Session{}, refused
	}
	a, err := s.Store.FindAdminByEmail(ctx, strings.TrimSpace(email))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", store.Session{}, err
	}
	release, err := s.Hashing.Acquire(ctx)
	if err != nil {
		s.Log.Warn("console sign-in refused: no hashing slot free", "email_hash", shortHash(email))
		return "", store.Session{}, err
	}
	hash := a.PasswordHash
	if hash == "" {
		hash = dummyHash()
	}
	match := VerifyPassword(hash, password)
	release()
	if !match || a.ID == 0 {
		s.Log.Warn("console sign-in refused", "email_hash", shortHash(email))
		// The audit names an account's email, never what else was typed
		// (a password typed into the email field, say).
		actor := "an unknown account"
		if a.ID != 0 {
			actor = a.Email
		}
		if err := s.Store.Audit(ctx, s.Now(), actor, "admin.sign_in_failed", "", ""); err != nil {
			s.Log.Error("a refused sign-in could not be audited", "err", err)
		}
		return "", store.Session{}, refused
	}
	now := s.Now()
	id := randomToken(32)
	sess := store.Session{IDHash: hashToken(id), AdminID: a.ID, Email: a.Email, CSRFToken: randomToken(24),
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(SessionMax)}
	if err := s.Store.CreateSession(ctx, sess, now, now.Add(-SessionIdle)); err != nil {
		return "", store.Session{}, err
	}
	if err := s.Store.Audit(ctx, now, a.Email, "admin.signed_in", "", ""); err != nil {
		s.Log.Error("a sign-in could not be audited", "err", err)
	}
	s.Log.Info("owner signed in", "email", a.Email)
	return id, sess, nil
}

// Authenticate returns the live session of a cookie's id; unauthorized when
// none (unknown, logged out, idle too long or past its absolute expiry).
func (s *Service) Authenticate(ctx context.Context, id string) (store.Session, error) {
	if len(id) < 32 || len(id) > 128 {
		return store.Session{}, NewError(CodeUnauthorized, "errors.account.sign_in_first")
	}
	now := s.Now()
	sess, err := s.Store.FindSession(ctx, hashToken(id), now, now.Add(-SessionIdle))
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, NewError(CodeUnauthorized, "errors.account.session_ended")
	}
	if err != nil {
		return store.Session{}, err
	}
	if now.Sub(sess.LastSeen) > touchEvery {
		if err := s.Store.TouchSession(ctx, sess.IDHash, now); err != nil {
			return store.Session{}, err
		}
	}
	return sess, nil
}

// Logout ends one session; LogoutEverywhere every session of its owner.
func (s *Service) Logout(ctx context.Context, sess store.Session) error {
	return s.Store.DeleteSession(ctx, sess.IDHash)
}

func (s *Service) LogoutEverywhere(ctx context.Context, sess store.Session) error {
	if err := s.Store.DeleteAdminSessions(ctx, sess.AdminID); err != nil {
		return err
	}
	return s.Store.Audit(ctx, s.Now(), sess.Email, "admin.signed_out_everywhere", "", "")
}

// ValidCSRF reports whether token is the session's CSRF token.
func ValidCSRF(sess store.Session, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(sess.CSRFToken), []byte(token)) == 1
}

// SetupLink returns, when no owner account exists, a one-time link with which
// the first owner creates theirs from the browser (valid 24 hours); "" when an
// account exists.
func (s *Service) SetupLink(ctx context.Context) (string, error) {
	n, err := s.Store.CountAdmins(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	token := randomToken(24)
	expires := s.Now().Add(24 * time.Hour).Unix()
	if err := s.Store.SetSetting(ctx, "setup_token", fmt.Sprintf("%d:%s", expires, hashToken(token))); err != nil {
		return "", err
	}
	return s.Config.Server.BaseURL + "/admin/setup?token=" + token, nil
}

// CheckSetupToken reports whether token is the live one-time setup token.
func (s *Service) CheckSetupToken(ctx context.Context, token string) error {
	bad := NewError(CodeForbidden, "errors.account.setup_link")
	v, err := s.Store.GetSetting(ctx, "setup_token")
	if err != nil || token == "" {
		return bad
	}
	var expires int64
	var hash string
	if _, err := fmt.Sscanf(strings.Replace(v, ":", " ", 1), "%d %s", &expires, &hash); err != nil {
		return bad
	}
	if s.Now().Unix() >= expires || subtle.ConstantTimeCompare([]byte(hash), []byte(hashToken(token))) != 1 {
		return bad
	}
	return nil
}

// setupMu makes SetupFirstAdmin's check-then-create one step: without it,
// forms submitted together all pass the checks before any account exists.
var setupMu sync.Mutex

// SetupFirstAdmin creates the first owner account with the setup token, once.
func (s *Service) SetupFirstAdmin(ctx context.Context, token, email, password string) (store.Admin, error) {
	setupMu.Lock()
	defer setupMu.Unlock()
	if err := s.CheckSetupToken(ctx, token); err != nil {
		return store.Admin{}, err
	}
	if n, err := s.Store.CountAdmins(ctx); err != nil || n > 0 {
		return store.Admin{}, NewError(CodeForbidden, "errors.account.owner_exists")
	}
	a, err := s.CreateAdmin(ctx, email, password)
	if err != nil {
		return store.Admin{}, err
	}
	if err := s.Store.DeleteSetting(ctx, "setup_token"); err != nil {
		return store.Admin{}, err
	}
	return a, nil
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// shortHash identifies a value in logs without writing it.
func shortHash(v string) string { return hashToken(strings.ToLower(strings.TrimSpace(v)))[:12] }

// commonPasswords are refused outright (a short list of the most used ones).
var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`123456 123456789 12345678 password qwerty123 qwerty 1q2w3e4r 1234567890 111111 123123
		password1 password123 qwertyuiop abc12345 iloveyou 00000000 11111111 12341234 1qaz2wsx passw0rd
		welcome1 welcome123 letmein1 sunshine1 football1 baseball1 superman1 trustno1 administrator admin123
		changeme changeme1 monkey123 dragon123 princess1 starwars1 zaq12wsx qazwsxedc asdfghjkl 987654321
		88888888 12344321 q1w2e3r4 iloveyou1 password! p@ssw0rd p@ssword venuebook booking123 sauna123`) {
		m[p] = true
	}
	return m
})
