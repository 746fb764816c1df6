package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/app/l10n"
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
			return invalid("errors.request.not_json")
		}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return invalid("errors.request.empty")
	}
	if !utf8.Valid(body) {
		return invalid("errors.request.not_utf8")
	}
	if trimmed[0] != '{' {
		return invalid("errors.request.not_object")
	}
	if nestedDeeper(trimmed, maxNesting) {
		return invalid("errors.request.too_deep", "Max", maxNesting)
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
		return app.ErrorWith(app.CodeInvalidRequest, app.M("errors.request.duplicate", "Field", strconv.Quote(field)),
			map[string]app.Msg{field: app.M("errors.field.twice")})
	case errors.As(err, &semantic) && errors.Is(semantic.Err, json.ErrUnknownName):
		field := fieldPath(semantic.JSONPointer)
		return app.ErrorWith(app.CodeInvalidRequest, app.M("errors.request.unknown_field", "Field", strconv.Quote(field)),
			map[string]app.Msg{field: app.M("errors.field.unknown")})
	case errors.As(err, &semantic):
		field := fieldPath(semantic.JSONPointer)
		if field == "" || semantic.GoType == nil {
			return invalid("errors.request.not_object")
		}
		return app.ErrorWith(app.CodeInvalidRequest, app.M("errors.request.wrong_type", "Field", field, "Kind", jsonKind(semantic.GoType)),
			map[string]app.Msg{field: app.M("errors.field.wrong_type")})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("errors.request.ends_early")
	case errors.As(err, &syntax):
		if strings.Contains(syntax.Err.Error(), "after top-level value") {
			return invalid("errors.request.one_object")
		}
		return invalid("errors.request.malformed_at", "Offset", syntax.ByteOffset, "Detail", clip(syntax.Err.Error()))
	}
	return invalid("errors.request.malformed")
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

// clipped is a message clipped as clip clips a text (a parser's problem
// that names what was sent).
type clipped struct{ m app.Msg }

func (c clipped) Localize(l *l10n.Lang) string { return clip(c.m.Localize(l)) }
