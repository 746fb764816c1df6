package smtptest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"testing"
)

// Part is one non-multipart part of a message, with its body decoded.
type Part struct {
	MediaType string
	Params    map[string]string
	Header    textproto.MIMEHeader
	Body      []byte
}

// Message is a message parsed with net/mail and mime/multipart, for tests
// that check what was really sent rather than matching strings.
type Message struct {
	Raw      []byte
	Header   netmail.Header
	Envelope Received
	Subject  string // decoded
	Parts    []Part
}

// Parse parses raw, failing the test if it is not a well-formed message.
func Parse(t testing.TB, raw []byte) Message {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, raw)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject %q: %v", msg.Header.Get("Subject"), err)
	}
	e := Message{Raw: raw, Header: msg.Header, Subject: subject}
	top := textproto.MIMEHeader(msg.Header)
	e.Parts = walkMIME(t, top, msg.Body, 0)
	return e
}

func walkMIME(t testing.TB, h textproto.MIMEHeader, body io.Reader, depth int) []Part {
	t.Helper()
	if depth > 5 {
		t.Fatal("MIME nested too deep")
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", ct, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if params["boundary"] == "" {
			t.Fatalf("%s without a boundary", mediaType)
		}
		var out []Part
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart() // decodes quoted-printable itself
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			out = append(out, walkMIME(t, p.Header, p, depth+1)...)
		}
		return out
	}
	var r io.Reader = body
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s body: %v", mediaType, err)
	}
	return []Part{{MediaType: mediaType, Params: params, Header: h, Body: data}}
}

// Part returns the one part of mediaType, or fails the test.
func (e Message) Part(t testing.TB, mediaType string) Part {
	t.Helper()
	var found []Part
	for _, p := range e.Parts {
		if p.MediaType == mediaType {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s part(s), want 1; parts: %v", len(found), mediaType, e.MediaTypes())
	}
	return found[0]
}

// Has reports whether the message has a part of mediaType.
func (e Message) Has(mediaType string) bool {
	for _, p := range e.Parts {
		if p.MediaType == mediaType {
			return true
		}
	}
	return false
}

// MediaTypes lists the media types of the parts.
func (e Message) MediaTypes() []string {
	var out []string
	for _, p := range e.Parts {
		out = append(out, p.MediaType)
	}
	return out
}

// MessageID is the Message-ID without its angle brackets.
func (e Message) MessageID() string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(e.Header.Get("Message-Id")), "<"), ">")
}
