package ui

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// speak switches the window's language for one test, as the next start
// would with Settings › Language, and back to English after it.
func speak(t *testing.T, tag string) {
	t.Helper()
	if err := useLanguage("en"); err != nil { // the once of the process, if still to come
		t.Fatal(err)
	}
	// Under the UI's lock: the windows' work reads the catalogue as it goes.
	var err error
	onUI(func() { err = loadLanguage(tag) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { onUI(func() { fyneSetupLang("en") }) })
}

// texts are the words on screen: each text widget's whole text (a wrapped
// one is drawn line by line) and every other canvas.Text under o that shows.
func texts(o fyne.CanvasObject) []string {
	var out []string
	walkShown(o, func(o fyne.CanvasObject) bool {
		switch x := o.(type) {
		case *widget.RichText:
			if s := strings.TrimSpace(x.String()); s != "" {
				out = append(out, s)
			}
			return false
		case *canvas.Text:
			if strings.TrimSpace(x.Text) != "" {
				out = append(out, x.Text)
			}
		}
		return true
	})
	return out
}

var (
	pseudoPart = regexp.MustCompile(`\[[^\]]*\]`)
	// what is the user's or the server's, not the window's words
	data    = regexp.MustCompile(`https?://\S+|\b[\w-]+\.(jpg|png)\b|\b\d+(\.\d+)? ?(B|KB|MB|GB|s)\b|ImageKit Uploader|127\.0\.0\.1:\d+|\bVersion \d+\b`)
	english = regexp.MustCompile(`[A-Za-z]{3,}`)
	// examples of syntax shown as they are typed: placeholders of code
	code = regexp.MustCompile(`[{}<>"=_/]|\w-\w`)
)

// TestEveryWordGoesThroughTheCatalogue shows the main screens in the
// pseudo-locale, where every translated word is bracketed and accented:
// a word on screen outside brackets was never translated.
func TestEveryWordGoesThroughTheCatalogue(t *testing.T) {
	speak(t, Pseudo)
	if got := lang.L("Upload"); !strings.HasPrefix(got, "[Ûp") {
		t.Fatalf("the pseudo-locale is not in use: Upload is %q", got)
	}
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	check := func(screen string) {
		t.Helper()
		onUI(func() {
			for _, s := range texts(onScreen(c)) {
				if pseudoPart.MatchString(s) || code.MatchString(s) {
					continue // translated (with values in it), or syntax
				}
				if w := english.FindString(data.ReplaceAllString(s, "")); w != "" {
					t.Errorf("%s shows %q: %q is not translated", screen, s, w)
				}
			}
		})
	}
	eachScreen(t, u, check)
}

// TestLanguageChosenInSettings: Settings › Language saves the choice, the
// next start reads it (over the system's), and the window then speaks it,
// Fyne's own words too.
func TestLanguageChosenInSettings(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	onUI(func() { u.showSettings(false) })
	var pick *choice
	onUI(func() {
		walkShown(onScreen(u.win.Canvas()), func(o fyne.CanvasObject) bool {
			if x, ok := o.(*choice); ok && slices.Contains(x.Options, "日本語") {
				pick = x
			}
			return true
		})
		if pick == nil {
			t.Fatal("Settings has no Language")
		}
		if pick.SelectedIndex() != 0 {
			t.Errorf("Language starts at %q, not the system's", pick.Selected)
		}
		pick.SetSelected("日本語")
	})
	t.Setenv(EnvLanguage, "")
	if got := chosenLanguage(u.app.Preferences()); got != "ja" {
		t.Fatalf("the next start reads %q", got)
	}
	t.Setenv(EnvLanguage, "zh-Hans") // the environment's, over Settings'
	if got := chosenLanguage(u.app.Preferences()); got != "zh-Hans" {
		t.Fatalf("with %s=zh-Hans the next start reads %q", EnvLanguage, got)
	}

	ja := readCatalogue(t, "ja.json")
	speak(t, "ja")
	again := newTestUIOn(t, test.NewTempApp(t), Config{Demo: true})
	onUI(func() {
		want, _ := ja["Add files…"].(string)
		if shown := texts(again.win.Canvas().Content()); want == "" || !slices.Contains(shown, want) {
			t.Errorf("in Japanese the window shows no %q: %q", want, shown)
		}
	})
	if got := lang.L("Create Folder"); got != readCatalogue(t, "fyne.ja.json")["Create Folder"] || got == "Create Folder" {
		t.Errorf("Fyne's own Create Folder reads %q in Japanese", got)
	}
}

// TestWindowFitsInEveryLanguage: in German, whose labels are the longest,
// and in Japanese, the window still fits 1100 px with a finished row in the
// list (it had grown to 1435: the toolbar, and the list asking for a row
// with every button and the bar at once). Toolbar buttons that do not fit
// show their icon alone, the least used first; English keeps every label.
func TestWindowFitsInEveryLanguage(t *testing.T) {
	onUI(func() { // Fyne's text measures are shared with the windows at work
		b := newButtonWithIcon("Fehlgeschlagene wiederholen", theme.ViewRefreshIcon(), nil)
		b.label = b.Text
		with := b.MinSize().Width
		b.setShort(true)
		if without := b.MinSize().Width; math.Abs(float64(with-without-labelWidth(b))) > 1 {
			t.Errorf("a label adds %v to a button, labelWidth says %v", with-without, labelWidth(b))
		}
	})

	short := func(u *UI) (names []string) {
		for _, b := range u.toolbarButtons() {
			if b.short {
				names = append(names, b.label)
			}
		}
		return names
	}
	for _, tag := range []string{"en", "de", "ja"} {
		speak(t, tag)
		u := newTestUIOn(t, test.NewTempApp(t), Config{Demo: true})
		drop(u, makeFiles(t, t.TempDir(), "a.jpg")...)
		waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
		onUI(func() { test.Tap(u.form.button) })
		waitFor(t, "it uploaded", func() bool { return allDone(u, 1) })
		onUI(func() {
			// 1000 in the test theme: the real fonts are wider.
			if w := u.win.Content().MinSize().Width; w > 1000 {
				t.Errorf("%s: the window needs %v px", tag, w)
			}
			switch s := short(u); {
			case tag == "en" && len(s) > 0:
				t.Errorf("in English at 1100 px, %q show no label", s)
			case tag == "de" && (len(s) == 0 || len(s) == len(u.toolbarButtons())):
				t.Errorf("in German at 1100 px, the labels gone are %q", s)
			}
			for _, b := range u.toolbarButtons() {
				if b.Visible() && b.Position().X+b.Size().Width > u.win.Canvas().Size().Width {
					t.Errorf("%s: %q ends past the window", tag, b.label)
				}
			}
			for _, r := range shownRows(u) {
				if r.MinSize().Width > r.Size().Width {
					t.Errorf("%s: a finished row needs %v px and has %v", tag, r.MinSize().Width, r.Size().Width)
				}
			}
		})
	}
}

// BenchmarkLoadLanguage: what the catalogues cost a start (all seven
// parsed, one chosen).
func BenchmarkLoadLanguage(b *testing.B) {
	defer fyneSetupLang("en")
	for b.Loop() {
		if err := loadLanguage("de"); err != nil {
			b.Fatal(err)
		}
	}
}
