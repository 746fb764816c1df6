package app

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// tomlDecoder sets a Config from the tree of a TOML file key by key, so that
// one mistake does not hide the others: an unknown key, or a value of the
// wrong type, is reported with its whole key, indexes included
// ("tiers[0].packages[1].price_cents"), and left out; every other key is set.
// (toml.Decode straight into the struct stops at the first wrong type, and
// names unknown keys without their indexes.)
type tomlDecoder struct {
	problems []string
	// refused holds the keys whose value was refused, so that the checks of
	// Validate, which see the default instead, do not report them again.
	refused map[string]bool
}

func newTOMLDecoder() *tomlDecoder { return &tomlDecoder{refused: map[string]bool{}} }

func (d *tomlDecoder) problem(key, format string, args ...any) {
	d.problems = append(d.problems, key+": "+fmt.Sprintf(format, args...))
	d.refused[key] = true
}

// table sets the fields of the struct dst from the TOML table t at key ("" for
// the whole file).
func (d *tomlDecoder) table(key string, t map[string]any, dst reflect.Value) {
	fields := tomlFields(dst.Type())
	names := make([]string, 0, len(t))
	for name := range t {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := name
		if key != "" {
			path = key + "." + name
		}
		i, ok := fields[name]
		if !ok { // as toml.Decode does, a key may differ from its field in case alone
			for field, j := range fields {
				if strings.EqualFold(field, name) {
					i, ok = j, true
				}
			}
		}
		if !ok {
			if path == "packages" {
				d.problem(path, "a package with no tier; write it as [[tiers.packages]] after its [[tiers]] entry")
				continue
			}
			d.problem(path, "unknown key")
			continue
		}
		d.value(path, t[name], dst.Field(i))
	}
}

// value sets dst from the TOML value v at key, or reports why it cannot.
func (d *tomlDecoder) value(key string, v any, dst reflect.Value) {
	switch dst.Kind() {
	case reflect.Struct:
		t, ok := v.(map[string]any)
		if !ok {
			d.problem(key, "must be a table ([%s]), not %s", key, describeTOML(v))
			return
		}
		d.table(key, t, dst)
	case reflect.Slice:
		items, ok := tomlArray(v)
		if !ok {
			if key == "tiers" {
				if t, isTable := v.(map[string]any); isTable && t["packages"] != nil {
					d.problem(key, "a package with no tier? [[tiers.packages]] must follow the [[tiers]] entry it belongs to")
					return
				}
			}
			d.problem(key, "must be a list, not %s", describeTOML(v))
			return
		}
		list := reflect.MakeSlice(dst.Type(), 0, len(items))
		for i, item := range items {
			elem := reflect.New(dst.Type().Elem()).Elem()
			path := fmt.Sprintf("%s[%d]", key, i)
			before := len(d.problems)
			d.value(path, item, elem)
			if elem.Kind() != reflect.Struct && len(d.problems) > before {
				continue // a refused item is left out, its siblings kept
			}
			list = reflect.Append(list, elem)
		}
		dst.Set(list)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			d.problem(key, "must be text in quotes, not %s", describeTOML(v))
			return
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			d.problem(key, "must be true or false, not %s", describeTOML(v))
			return
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, ok := v.(int64)
		if !ok {
			hint := ""
			if s, isString := v.(string); isString {
				if _, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
					hint = fmt.Sprintf(" (write it without quotes: %s)", strings.TrimSpace(s))
				}
			}
			d.problem(key, "must be a whole number, not %s%s", describeTOML(v), hint)
			return
		}
		if dst.OverflowInt(n) {
			d.problem(key, "%d is too large", n)
			return
		}
		dst.SetInt(n)
	default:
		d.problem(key, "cannot be set from a config file")
	}
}

// tomlFields maps the TOML names of a struct's fields to their indexes.
func tomlFields(t reflect.Type) map[string]int {
	fields := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
		if name != "" && name != "-" {
			fields[name] = i
		}
	}
	return fields
}

// tomlArray returns the items of an array ([...] or [[...]]).
func tomlArray(v any) ([]any, bool) {
	switch a := v.(type) {
	case []any:
		return a, true
	case []map[string]any:
		items := make([]any, len(a))
		for i, t := range a {
			items[i] = t
		}
		return items, true
	}
	return nil, false
}

// describeTOML names a TOML value for a message: `the text "45"`, `the number 4.5`.
func describeTOML(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the text %q", x)
	case int64:
		return fmt.Sprintf("the number %d", x)
	case float64:
		return fmt.Sprintf("the number %v", x)
	case bool:
		return strconv.FormatBool(x)
	case map[string]any:
		return "a table"
	case []any, []map[string]any:
		return "a list"
	case time.Time:
		return fmt.Sprintf("the date %s (dates and times are written in quotes here)", x.Format(time.RFC3339))
	default:
		return fmt.Sprintf("%v (a date or time? write it in quotes)", x)
	}
}

// tomlTable returns the table at path in a decoded TOML tree.
func tomlTable(tree map[string]any, path ...string) (map[string]any, bool) {
	t := tree
	for _, name := range path {
		next, ok := t[name].(map[string]any)
		if !ok {
			return nil, false
		}
		t = next
	}
	return t, true
}
