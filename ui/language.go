package ui

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	_ "unsafe" // go:linkname, below

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"github.com/jeandeaual/go-locale"
	"golang.org/x/text/language"

	"imagekit-uploader/assets"
)

// args is the data of a translated template: lang.L("Copied {{.Text}}", args{"Text": s}).
type args = map[string]any

const (
	prefLanguage = "language" // a tag of languages, or "" for the system's
	// EnvLanguage names a language for this run, over Settings: screenshots, development.
	EnvLanguage = "IMAGEKIT_UPLOADER_LANGUAGE"
	// Pseudo is the pseudo-locale: English, accented and 40% longer, in
	// brackets, so that text not translated, clipped or joined from pieces
	// shows at a glance.
	Pseudo = "en-XA"
)

// languages are the window's languages, each named in itself, in the order
// Settings › Language lists them.
var languages = []struct{ tag, name string }{
	{"en", "English"},
	{"de", "Deutsch"},
	{"es", "Español"},
	{"fr", "Français"},
	{"pt-BR", "Português (Brasil)"},
	{"ja", "日本語"},
	{"zh-Hans", "简体中文"},
}

// pseudoName is how Settings names the pseudo-locale, listed only once chosen.
const pseudoName = "[Þšéûðö] (development)"

var languageOnce sync.Once

// useLanguage loads the translations and picks the language, once a process:
// tag, or the system's when tag is "". It runs before the window makes any text.
func useLanguage(tag string) (err error) {
	languageOnce.Do(func() { err = loadLanguage(tag) })
	return err
}

func loadLanguage(tag string) error {
	if err := lang.AddTranslationsFS(assets.Lang, "lang"); err != nil {
		return fmt.Errorf("the translations could not be read: %w", err)
	}
	tag = cmp.Or(windowLanguage(tag), systemLanguage())
	if tag == Pseudo {
		src, err := assets.Lang.ReadFile("lang/en.json")
		if err != nil {
			return err
		}
		pseudo, err := pseudoCatalogue(src)
		if err != nil {
			return err
		}
		if err := lang.AddTranslationsForLocale(pseudo, fyne.Locale(Pseudo)); err != nil {
			return err
		}
	}
	fyneSetupLang(tag)
	return nil
}

// chosenLanguage is the language of this run: the environment's, else Settings'.
func chosenLanguage(p fyne.Preferences) string {
	if v := os.Getenv(EnvLanguage); v != "" {
		return v
	}
	return p.String(prefLanguage)
}

// fyneSetupLang makes Fyne's localizer speak tag, its own strings (dialogs'
// Cancel, the file dialog) and ours alike. Fyne 2.7 follows only the
// system's language and has no way yet to choose another
// (fyne-io/fyne#5333); this is the function its own tests choose one with.
// Should Fyne rename it, the build fails to link: it cannot go wrong quietly.
//
//go:linkname fyneSetupLang fyne.io/fyne/v2/lang.setupLang
func fyneSetupLang(tag string)

// pseudoCatalogue makes the pseudo-locale's catalogue from the English one.
func pseudoCatalogue(en []byte) ([]byte, error) {
	var src map[string]any
	if err := json.Unmarshal(en, &src); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(src))
	for k, v := range src {
		switch v := v.(type) {
		case string:
			out[k] = pseudo(v)
		case map[string]any:
			forms := map[string]any{}
			for f, s := range v {
				if s, ok := s.(string); ok {
					forms[f] = pseudo(s)
				}
			}
			out[k] = forms
		}
	}
	return json.Marshal(out)
}

var accented = strings.NewReplacer(
	"a", "á", "e", "é", "i", "î", "o", "ö", "u", "û", "c", "ç", "n", "ñ", "s", "š", "y", "ý", "z", "ž",
	"A", "Å", "E", "É", "I", "Î", "O", "Ö", "U", "Û", "C", "Ç", "N", "Ñ", "S", "Š", "Y", "Ý", "Z", "Ž",
)

// pseudo accents s's letters outside its template actions ({{.Count}})
// and pads it to 140% of its length, in brackets.
func pseudo(s string) string {
	var b strings.Builder
	b.WriteString("[")
	letters := 0
	for rest := s; rest != ""; {
		i := strings.Index(rest, "{{")
		if i < 0 {
			i = len(rest)
		}
		b.WriteString(accented.Replace(rest[:i]))
		letters += utf8.RuneCountInString(rest[:i])
		rest = rest[i:]
		if rest == "" {
			break
		}
		j := strings.Index(rest, "}}")
		if j < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:j+2])
		rest = rest[j+2:]
	}
	if pad := letters * 2 / 5; pad > 0 {
		b.WriteString(" ")
		b.WriteString(strings.Repeat("·", pad))
	}
	b.WriteString("]")
	return b.String()
}

// later marks s for the catalogue where it is translated later, at its use
// (lang.L(s)): tables made before the language is chosen.
func later(s string) string { return s }

// languageChoice is Settings › Language: the system's, or one of the
// window's languages, each named in itself. Saved at once; it applies at the
// next start, when the window is made again.
func (u *UI) languageChoice() fyne.CanvasObject {
	p := u.app.Preferences()
	options, tags := []string{lang.L("The system's")}, []string{""}
	for _, l := range languages {
		options, tags = append(options, l.name), append(tags, l.tag)
	}
	saved := p.String(prefLanguage)
	if saved == Pseudo {
		options, tags = append(options, pseudoName), append(tags, Pseudo)
	}
	sel := newSelect(options, nil)
	sel.SetSelectedIndex(max(slices.Index(tags, saved), 0))
	note := hint(lang.L("Applies when the app next starts."))
	if os.Getenv(EnvLanguage) != "" { // said, not silently overridden at every start
		note = hint(lang.L("{{.Variable}} is set: it chooses the language before this setting.", args{"Variable": EnvLanguage}))
	}
	sel.OnChanged = func(string) {
		if i := sel.SelectedIndex(); i >= 0 {
			p.SetString(prefLanguage, tags[i])
		}
	}
	return container.NewVBox(sel, note)
}

// windowLanguage is the window's language that tag names, as a person or a
// system writes it (de, de-AT, de_DE.UTF-8, pt_BR, zh_CN, en-xa), or "" when
// the window does not speak it: then the system's is asked.
func windowLanguage(tag string) string {
	tag = bcp47(tag)
	if strings.EqualFold(tag, Pseudo) {
		return Pseudo
	}
	t, err := language.Parse(tag)
	if tag == "" || err != nil {
		return ""
	}
	return matchLanguage(t)
}

// matchLanguage is the window's language closest to the first of wanted
// that it speaks, or "".
func matchLanguage(wanted ...language.Tag) string {
	ours := make([]language.Tag, len(languages))
	for i, l := range languages {
		ours[i] = language.MustParse(l.tag)
	}
	_, i, conf := language.NewMatcher(ours).Match(wanted...)
	if conf < language.High { // Traditional Chinese is not read as Simplified, nor Galician as Spanish
		return ""
	}
	return languages[i].tag
}

// systemLanguage is the window's language closest to the system's list of
// them, English when it speaks none of those. Fyne's own matching would take
// a language only Fyne speaks (Russian): its words beside English ones,
// and English plurals without their singular.
func systemLanguage() string {
	var wanted []language.Tag
	all, _ := locale.GetLocales()
	for _, l := range all {
		if t, err := language.Parse(bcp47(l)); err == nil {
			wanted = append(wanted, t)
		}
	}
	return cmp.Or(matchLanguage(wanted...), "en")
}

// bcp47 writes a locale as systems write it (de_DE.UTF-8, de_DE@euro) as a
// language tag (de-DE).
func bcp47(locale string) string {
	locale, _, _ = strings.Cut(locale, "@")
	locale, _, _ = strings.Cut(locale, ".")
	return strings.ReplaceAll(locale, "_", "-")
}
