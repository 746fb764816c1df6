package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/gofiber/fiber/v2"

	"venuebook/app"
)

// rawBody returns the request body as sent. Fiber's c.Body() would inflate a
// compressed body past the size limit, so compressed bodies are refused before
// any handler runs (see refuseEncodedBodies).
func rawBody(c *fiber.Ctx) []byte { return c.Request().Body() }

// maxNesting is the deepest a request body may nest objects and arrays. No
// request of the API nests deeper than three levels (a list in an object in
// the body). The decoder's own bound is 10000 levels, and skipping a value
// that deep costs it tens of bytes per byte of body; a count of brackets
// refuses such a body first, at no cost.
const maxNesting = 32

// strictJSON are the decoder's options: member names match exactly (case
// included), a name may appear once per object, unknown names are refused,
// strings must be valid UTF-8. Decoding is one pass over the body, in time
// and memory proportional to its size, whatever its shape.
var strictJSON = json.JoinOptions(
	json.RejectUnknownMembers(true),
	json.MatchCaseInsensitiveNames(false),
	jsontext.AllowDuplicateNames(false),
	jsontext.AllowInvalidUTF8(false),
)

// decodeJSON decodes body into dst strictly: a JSON content type (when one is
// given), valid UTF-8, one JSON object, field names exactly as documented, no
// unknown or repeated fields, no trailing data, right types. Every refusal is
// invalid_request.
func decodeJSON(contentType string, body []byte, dst any) error {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return invalidf("the body must be JSON, sent with Content-Type: application/json")
		}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return invalidf("the request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return invalidf("the body is not valid UTF-8")
	}
	if trimmed[0] != '{' {
		return invalidf("the body must be a JSON object")
	}
	if nestedDeeper(trimmed, maxNesting) {
		return invalidf("the body nests objects and arrays deeper than %d levels", maxNesting)
	}
	if err := json.Unmarshal(body, dst, strictJSON); err != nil {
		return decodeError(err)
	}
	return nil
}

// nestedDeeper reports whether body, read as JSON, nests objects and arrays
// deeper than most levels. It counts brackets outside strings and checks
// nothing else: the decoder does that.
func nestedDeeper(body []byte, most int) bool {
	depth, inString := 0, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped character cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > most {
				return true
			}
		case '}', ']':
			depth--
		}
	}
	return false
}

// decodeError turns the decoder's error into invalid_request, naming the
// field at fault (as "customer.email") when there is one.
func decodeError(err error) error {
	var syntax *jsontext.SyntacticError
	var semantic *json.SemanticError
	switch {
	case errors.As(err, &syntax) && errors.Is(syntax.Err, jsontext.ErrDuplicateName):
		field := fieldPath(syntax.JSONPointer)
		return &app.Error{Code: app.CodeInvalidRequest, Message: fmt.Sprintf("field %q appears twice", field),
			Fields: map[string]string{field: "appears twice"}}
	case errors.As(err, &semantic) && errors.Is(semantic.Err, json.ErrUnknownName):
		field := fieldPath(semantic.JSONPointer)
		return &app.Error{Code: app.CodeInvalidRequest, Message: fmt.Sprintf("unknown field %q (field names are case-sensitive)", field),
			Fields: map[string]string{field: "is not a known field"}}
	case errors.As(err, &semantic):
		field := fieldPath(semantic.JSONPointer)
		if field == "" || semantic.GoType == nil {
			return invalidf("the body must be a JSON object")
		}
		return &app.Error{Code: app.CodeInvalidRequest, Message: fmt.Sprintf("%s must be a JSON %s", field, jsonKind(semantic.GoType)),
			Fields: map[string]string{field: "has the wrong type"}}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidf("malformed JSON: the body ends too early")
	case errors.As(err, &syntax):
		if strings.Contains(syntax.Err.Error(), "after top-level value") {
			return invalidf("the body must hold exactly one JSON object")
		}
		return invalidf("malformed JSON at byte %d: %s", syntax.ByteOffset, clip(syntax.Err.Error()))
	}
	return invalidf("malformed JSON")
}

// fieldPath writes a JSON pointer ("/customer/email") as the API names fields
// ("customer.email"), each name clipped so that an error never echoes a
// long body back.
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for name := range p.Tokens() {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(clip(name))
	}
	return b.String()
}

// clip shortens s to at most 64 bytes, on a character boundary.
func clip(s string) string {
	const most = 64
	if len(s) <= most {
		return s
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// jsonKind names the JSON kind a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Bool:
		return "boolean"
	}
	return "value of another type"
}
