package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"venuebook/app"
)

// rawBody returns the request body as sent. Fiber's c.Body() would inflate a
// compressed body past the size limit, so compressed bodies are refused before
// any handler runs (see refuseEncodedBodies).
func rawBody(c *fiber.Ctx) []byte { return c.Request().Body() }

// decodeJSON decodes body into dst strictly: a JSON content type (when one is
// given), valid UTF-8, one JSON object, field names exactly as documented
// (encoding/json alone would match them case-insensitively), no unknown or
// repeated fields, no trailing data, right types.
func decodeJSON(contentType string, body []byte, dst any) error {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return invalidf("the body must be JSON, sent with Content-Type: application/json")
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return invalidf("the request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return invalidf("the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := checkFields(dec, reflect.TypeOf(dst).Elem(), ""); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalidf("the body must hold exactly one JSON object")
	}
	dec = json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	return nil
}

// checkFields walks one JSON value from dec against type t: an object must
// only use t's JSON field names, spelt exactly, each once. Values of other
// types are left to the decoder's type checks.
func checkFields(dec *json.Decoder, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return decodeError(err)
	}
	delim, isDelim := tok.(json.Delim)
	if path == "" && (!isDelim || delim != '{') {
		return invalidf("the body must be a JSON object")
	}
	if !isDelim {
		return nil
	}
	switch delim {
	case '[':
		for dec.More() {
			elem := reflect.TypeOf((*any)(nil)).Elem()
			if t.Kind() == reflect.Slice {
				elem = t.Elem()
			}
			if err := checkFields(dec, elem, path+"[]"); err != nil {
				return err
			}
		}
	case '{':
		fields := map[string]reflect.Type{}
		if t.Kind() == reflect.Struct {
			for i := 0; i < t.NumField(); i++ {
				name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
				fields[name] = t.Field(i).Type
			}
		}
		seen := map[string]bool{}
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return decodeError(err)
			}
			key, _ := keyTok.(string)
			full := key
			if path != "" {
				full = path + "." + key
			}
			ft, known := fields[key]
			if t.Kind() == reflect.Struct && !known {
				return &app.Error{Code: app.CodeInvalidRequest, Message: fmt.Sprintf("unknown field %q (field names are case-sensitive)", full),
					Fields: map[string]string{full: "is not a known field"}}
			}
			if seen[key] {
				return &app.Error{Code: app.CodeInvalidRequest, Message: fmt.Sprintf("field %q appears twice", full),
					Fields: map[string]string{full: "appears twice"}}
			}
			seen[key] = true
			if ft == nil {
				ft = reflect.TypeOf((*any)(nil)).Elem()
			}
			if err := checkFields(dec, ft, full); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	if err != nil {
		return decodeError(err)
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return invalidf("malformed JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return invalidf("the body must be a JSON object")
		}
		return &app.Error{Code: app.CodeInvalidRequest, Message: fmt.Sprintf("%s must be a JSON %s", field, jsonKind(typeErr.Type.Kind().String())),
			Fields: map[string]string{field: "has the wrong type"}}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return invalidf("malformed JSON: the body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &app.Error{Code: app.CodeInvalidRequest, Message: fmt.Sprintf("unknown field %q", name), Fields: map[string]string{name: "is not a known field"}}
	}
	return invalidf("malformed JSON: %v", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int", "int64", "int32":
		return "integer"
	case "struct", "map", "ptr":
		return "object"
	case "slice":
		return "array"
	case "bool":
		return "boolean"
	}
	return "value of another type"
}
