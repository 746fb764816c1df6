package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// FormTokenTTL is how long a customer's form stays good to send: a form left
// open over lunch still books.
const FormTokenTTL = 24 * time.Hour

// FormToken is the CSRF token of a customer's form: when it was made, a
// nonce, and their MAC under the instance secret. It needs no cookie, so the
// booking flow works where cookies are blocked (a third-party iframe); the
// pages pair it with a check of the request's Origin (web).
func (s *Service) FormToken() string {
	var b [32]byte
	binary.BigEndian.PutUint64(b[:8], uint64(s.Now().Unix()))
	_, _ = rand.Read(b[8:16])
	copy(b[16:], s.formTokenMAC(b[:16]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// CheckFormToken refuses a token this instance did not make, one older than
// FormTokenTTL, and one from the future.
func (s *Service) CheckFormToken(token string) error {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 32 || !hmac.Equal(raw[16:], s.formTokenMAC(raw[:16])) {
		return NewError(CodeForbidden, "errors.booking.form_expired")
	}
	made := time.Unix(int64(binary.BigEndian.Uint64(raw[:8])), 0)
	if age := s.Now().Sub(made); age > FormTokenTTL || age < -5*time.Minute {
		return NewError(CodeForbidden, "errors.booking.form_expired")
	}
	return nil
}

func (s *Service) formTokenMAC(msg []byte) []byte {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write(msg)
	return m.Sum(nil)[:16]
}
