package ui

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

var update = flag.Bool("update", false, "write the keys the code uses into assets/lang/en.json")

const langDir = "../assets/lang"

// catalogueKeys reads the window's code for the strings it translates:
// lang.L's and lang.N's first argument and later's. Each must be a literal,
// so that the catalogue can be checked; plural says which are lang.N's.
func catalogueKeys(t *testing.T) (keys, plural map[string]bool, fallbacks map[string]string) {
	t.Helper()
	keys, plural, fallbacks = map[string]bool{}, map[string]bool{}, map[string]string{}
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			var fn string
			switch f := call.Fun.(type) {
			case *ast.SelectorExpr:
				if x, ok := f.X.(*ast.Ident); ok && x.Name == "lang" {
					fn = "lang." + f.Sel.Name
				}
			case *ast.Ident:
				if f.Name == "later" {
					fn = "later"
				}
			}
			switch fn {
			case "":
				return true
			case "lang.L", "lang.N", "later":
			case "lang.X": // a key of its own, where the English text is one of go-i18n's words (Description)
				key, ok1 := call.Args[0].(*ast.BasicLit)
				fallback, ok2 := call.Args[1].(*ast.BasicLit)
				if !ok1 || !ok2 {
					t.Errorf("%s: lang.X needs a literal key and English text", fset.Position(call.Pos()))
					return true
				}
				k, _ := strconv.Unquote(key.Value)
				keys[k] = true
				fallbacks[k], _ = strconv.Unquote(fallback.Value)
				return true
			case "lang.XN", "lang.Localize", "lang.LocalizeKey", "lang.LocalizePlural", "lang.LocalizePluralKey":
				t.Errorf("%s: %s: use lang.L or lang.N, keyed by the English text", fset.Position(call.Pos()), fn)
				return true
			default: // lang.AddTranslationsFS and the like
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				if fn != "lang.L" { // lang.L(x) of a later() string is fine
					t.Errorf("%s: %s needs a string literal, for the catalogue", fset.Position(call.Pos()), fn)
				}
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			keys[s] = true
			if fn == "lang.N" {
				plural[s] = true
			}
			return true
		})
	}
	return keys, plural, fallbacks
}

func readCatalogue(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(langDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// TestCatalogueHasEveryString checks that en.json, the source of every
// translation, holds each string the window translates, and only those.
// go test ./ui -run TestCatalogueHasEveryString -update writes the missing
// ones (a plural's "one" form is then to be written by hand).
func TestCatalogueHasEveryString(t *testing.T) {
	keys, plural, fallbacks := catalogueKeys(t)
	if len(keys) < 100 {
		t.Fatalf("only %d strings found in the window's code: is the scan broken?", len(keys))
	}
	en := readCatalogue(t, "en.json")
	if *update {
		out := map[string]any{}
		for k := range keys {
			if !plural[k] {
				out[k] = cmp.Or(fallbacks[k], k)
				continue
			}
			forms := map[string]any{"one": "", "other": k}
			if old, ok := en[k].(map[string]any); ok && old["one"] != nil {
				forms["one"] = old["one"]
			}
			out[k] = forms
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(out)
		if err := os.WriteFile(filepath.Join(langDir, "en.json"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		en = out
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		v, ok := en[k]
		switch {
		case !ok:
			t.Errorf("en.json lacks %q (go test ./ui -run TestCatalogueHasEveryString -update adds it)", k)
		case plural[k]:
			forms, _ := v.(map[string]any)
			if forms["one"] == "" || forms["one"] == nil || forms["other"] != k {
				t.Errorf("en.json: %q is a plural: it needs its one form, and other as the key", k)
			}
		case v != cmp.Or(fallbacks[k], k):
			t.Errorf("en.json: %q should be %q, the English in the code (found %q)", k, cmp.Or(fallbacks[k], k), v)
		}
	}
	for k := range en {
		if !keys[k] {
			t.Errorf("en.json holds %q, which the window no longer uses", k)
		}
	}
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// forms is a message's plural forms, or "other" alone for a plain one.
func forms(v any) map[string]string {
	switch v := v.(type) {
	case string:
		return map[string]string{"other": v}
	case map[string]any:
		out := map[string]string{}
		for f, s := range v {
			out[f], _ = s.(string)
		}
		return out
	}
	return nil
}

// TestTranslationsAreComplete checks each language against English: every
// key, no other, the same placeholders, a template that parses, and each
// plural form the language needs.
func TestTranslationsAreComplete(t *testing.T) {
	en := readCatalogue(t, "en.json")
	names, _ := filepath.Glob(filepath.Join(langDir, "*.json"))
	seen := map[string]bool{}
	for _, path := range names {
		name := filepath.Base(path)
		if name == "en.json" || strings.HasPrefix(name, "fyne.") {
			continue
		}
		tag := strings.TrimSuffix(name, ".json")
		seen[tag] = true
		t.Run(tag, func(t *testing.T) {
			tr := readCatalogue(t, name)
			for _, k := range slices.Sorted(maps.Keys(en)) {
				v, ok := tr[k]
				if !ok {
					t.Errorf("%s lacks %q", name, k)
					continue
				}
				want := placeholders(forms(en[k])["other"])
				for f, s := range forms(v) {
					if s == "" {
						t.Errorf("%s: %q: the %s form is empty", name, k, f)
					}
					if _, err := template.New(k).Parse(s); err != nil {
						t.Errorf("%s: %q: %v", name, k, err)
					}
					got := placeholders(s)
					// A form for one thing may leave its count out ("eine Datei").
					if !slices.Equal(got, want) && !(f != "other" && slices.Equal(got, slices.DeleteFunc(slices.Clone(want), func(p string) bool { return p == "Count" }))) {
						t.Errorf("%s: %q: %s form has placeholders %v, English has %v", name, k, f, got, want)
					}
				}
			}
			for k := range tr {
				if _, ok := en[k]; !ok {
					t.Errorf("%s holds %q, which English does not", name, k)
				}
			}
			checkPlurals(t, name, tag, en, tr)
		})
	}
	for _, l := range languages {
		if l.tag != "en" && !seen[l.tag] {
			t.Errorf("Settings offers %s (%s), which has no catalogue", l.name, l.tag)
		}
	}
}

// checkPlurals asks go-i18n for each plural with counts that reach every
// CLDR form, as the window will: a form the language needs and the
// catalogue lacks is an error there.
func checkPlurals(t *testing.T, name, tag string, en, tr map[string]any) {
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	if _, err := bundle.ParseMessageFileBytes(b, name); err != nil {
		t.Fatalf("%s: go-i18n cannot read it: %v", name, err)
	}
	loc := i18n.NewLocalizer(bundle, tag)
	for k, v := range en {
		if _, ok := v.(map[string]any); !ok {
			continue
		}
		for _, n := range []int{0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 14, 21, 22, 25, 100, 101, 102, 1000000} {
			if _, err := loc.Localize(&i18n.LocalizeConfig{MessageID: k, PluralCount: n, TemplateData: map[string]any{"Count": n}}); err != nil {
				t.Errorf("%s: %q with %d: %v", name, k, n, err)
				break
			}
		}
	}
}
