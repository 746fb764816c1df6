package web

import (
	"venuebook/app"
	"venuebook/app/l10n"
)

// errorText is an error's message as a page shows it, in the page's
// language (the JSON API keeps the English message).
func errorText(l *l10n.Lang, e *app.Error) string { return e.In(l) }

// fieldProblem is what is wrong with one field of a validation error, in
// the page's language ("" when the field is fine).
func fieldProblem(l *l10n.Lang, e *app.Error, field string) string { return e.FieldIn(l, field) }

// fieldProblems are the problems of every field at fault, in the page's
// language, by field (nil when there are none).
func fieldProblems(l *l10n.Lang, e *app.Error) map[string]string {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	out := make(map[string]string, len(e.Fields))
	for field := range e.Fields {
		out[field] = e.FieldIn(l, field)
	}
	return out
}
