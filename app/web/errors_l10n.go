package web

import (
	"venuebook/app"
	"venuebook/app/l10n"
)

// errorText is an error's message as a page shows it, in the page's
// language (the JSON API keeps the English message).
func errorText(l *l10n.Lang, e *app.Error) string { return e.Message }

// fieldProblem is what is wrong with one field of a validation error, in
// the page's language ("" when the field is fine).
func fieldProblem(l *l10n.Lang, e *app.Error, field string) string { return e.Fields[field] }
