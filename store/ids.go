package store

import "crypto/rand"

// NewID returns a random 128-bit identifier as 26 lower-case base32
// characters, the form of every id the store keeps.
func NewID() string { return newID() }

// NewReference returns a random booking reference ("VB-7KQ2MX"); the unique
// index decides whether it is free.
func NewReference() string { return newReference() }

// newID returns a random 128-bit identifier as 26 lower-case base32 characters.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return encodeBase32(b[:], 26)
}

const base32Alphabet = "0123456789abcdefghjkmnpqrstvwxyz"

func encodeBase32(b []byte, n int) string {
	out := make([]byte, 0, n)
	var acc uint64
	bits := 0
	for _, c := range b {
		acc = acc<<8 | uint64(c)
		bits += 8
		for bits >= 5 && len(out) < n {
			bits -= 5
			out = append(out, base32Alphabet[(acc>>uint(bits))&31])
		}
	}
	for len(out) < n {
		out = append(out, base32Alphabet[(acc<<uint(5-bits))&31])
		bits = 0
	}
	return string(out)
}

// referenceAlphabet leaves out letters and digits that read alike (0/O, 1/I/L, 2/Z, 5/S, 8/B).
const referenceAlphabet = "34679ACDEFGHJKMNPQRTUVWXY"

// newReference returns a short human booking reference such as "VB-7K3Q9M".
func newReference() string {
	var b [6]byte
	out := []byte("VB-")
	for {
		_, _ = rand.Read(b[:])
		ok := true
		for _, c := range b {
			if int(c) >= 250 { // reject to keep the choice uniform over 25 symbols
				ok = false
				break
			}
		}
		if ok {
			break
		}
	}
	for _, c := range b {
		out = append(out, referenceAlphabet[int(c)%len(referenceAlphabet)])
	}
	return string(out)
}
