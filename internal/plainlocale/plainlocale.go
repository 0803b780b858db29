// Package plainlocale lets the program start quietly under the C locale.
//
// Fyne reads the locale while its packages initialise. Under LANG=C.UTF-8,
// the usual setting of containers, ssh sessions and cron, it takes "C" for
// a language tag and logs "Fyne error: Error parsing user locale C" before
// main runs, on every command of the desktop binary. The C locale means
// untranslated text, which is English, so this says so in LANGUAGE, the
// variable the locale reader consults next. GNU gettext ignores LANGUAGE
// under the C locale, so programs this one starts see no difference.
//
// It must be imported by package main, and import nothing Fyne needs
// itself: Go initialises, from the packages sorted by import path, the
// first whose imports are ready, so this init runs before fyne.io/fyne/v2/
// lang's. main's test checks that it does.
package plainlocale

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") == "" && IsC(Messages()) {
		os.Setenv("LANGUAGE", "en")
	}
}

// Messages is the locale that decides the language of messages: the first
// of LC_ALL, LC_MESSAGES and LANG that is set.
func Messages() string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// IsC says whether a locale name is the C (POSIX) locale with an encoding,
// such as C.UTF-8 or POSIX.utf8. Plain "C" and "POSIX" need nothing: they
// are understood already.
func IsC(locale string) bool {
	lang, _, found := strings.Cut(locale, ".")
	return found && (lang == "C" || lang == "POSIX")
}
