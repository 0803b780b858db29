package emulator

import (
	"fmt"
	"image"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// ImageKit's upload checks: an expression the server evaluates before it
// stores a file, such as "file.size" < "10mb" AND "mediaMetadata.width" >= 1200.
// Each comparison is a quoted field, an operator and a value (a quoted text,
// a number, or a list in brackets for IN); comparisons join with AND and OR
// (AND first), NOT and parentheses. Its syntax error message is ImageKit's
// own; the message for a failed check is this server's (ImageKit documents
// a 400, not its words).

const checksSyntax = "Your request contains invalid syntax for the checks parameter."

// checkSubject is what checks may ask about an upload.
type checkSubject struct {
	fileName, folder string
	tags             []string
	size             int64
	mime             string
	blob             string // read for the image's size, only when a check asks
	width, height    int
	sized            bool
}

type checkToken struct {
	kind byte // 's' quoted text, 'n' number or bare word, 'o' operator, '(' ')' '[' ']' ','
	text string
}

func lexChecks(expr string) ([]checkToken, error) {
	var out []checkToken
	r := []rune(expr)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(r) && r[j] != c {
				j++
			}
			if j == len(r) {
				return nil, fmt.Errorf("a quote is not closed")
			}
			out = append(out, checkToken{'s', string(r[i+1 : j])})
			i = j + 1
		case strings.ContainsRune("()[],", c):
			out = append(out, checkToken{byte(c), string(c)})
			i++
		case strings.ContainsRune(":=!<>", c):
			j := i + 1
			if j < len(r) && r[j] == '=' {
				j++
			}
			op := string(r[i:j])
			if op == "!" {
				return nil, fmt.Errorf("! must be !=")
			}
			out = append(out, checkToken{'o', op})
			i = j
		case unicode.IsLetter(c) || unicode.IsDigit(c) || c == '.' || c == '-':
			j := i
			for j < len(r) && (unicode.IsLetter(r[j]) || unicode.IsDigit(r[j]) || r[j] == '.' || r[j] == '-') {
				j++
			}
			out = append(out, checkToken{'n', string(r[i:j])})
			i = j
		default:
			return nil, fmt.Errorf("unexpected %q", c)
		}
	}
	return out, nil
}

type checkParser struct {
	toks  []checkToken
	pos   int
	depth int // of NOT and parentheses: bounded, so no expression runs the stack deep
	subj  *checkSubject
}

const maxCheckDepth = 32

func (p *checkParser) peek() checkToken {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return checkToken{}
}

func (p *checkParser) word(w string) bool {
	if t := p.peek(); t.kind == 'n' && strings.EqualFold(t.text, w) {
		p.pos++
		return true
	}
	return false
}

// evalChecks says whether the upload passes expr, or why expr cannot be read.
// Every comparison is checked for its syntax, evaluated or not.
func evalChecks(expr string, subj *checkSubject) (bool, error) {
	toks, err := lexChecks(expr)
	if err != nil {
		return false, err
	}
	if len(toks) == 0 {
		return false, fmt.Errorf("it is empty")
	}
	p := &checkParser{toks: toks, subj: subj}
	ok, err := p.or()
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("unexpected %q", p.peek().text)
	}
	return ok, err
}

func (p *checkParser) or() (bool, error) {
	v, err := p.and()
	for err == nil && p.word("OR") {
		var w bool
		w, err = p.and()
		v = v || w
	}
	return v, err
}

func (p *checkParser) and() (bool, error) {
	v, err := p.unary()
	for err == nil && p.word("AND") {
		var w bool
		w, err = p.unary()
		v = v && w
	}
	return v, err
}

func (p *checkParser) unary() (bool, error) {
	if p.depth++; p.depth > maxCheckDepth {
		return false, fmt.Errorf("it nests deeper than %d", maxCheckDepth)
	}
	defer func() { p.depth-- }()
	if p.word("NOT") {
		v, err := p.unary()
		return !v, err
	}
	if p.peek().kind == '(' {
		p.pos++
		v, err := p.or()
		if err != nil {
			return false, err
		}
		if p.peek().kind != ')' {
			return false, fmt.Errorf("a parenthesis is not closed")
		}
		p.pos++
		return v, nil
	}
	return p.comparison()
}

func (p *checkParser) value() ([]string, bool, error) {
	t := p.peek()
	switch t.kind {
	case 's', 'n':
		p.pos++
		return []string{t.text}, false, nil
	case '[':
		p.pos++
		var list []string
		for {
			v := p.peek()
			if v.kind != 's' && v.kind != 'n' {
				return nil, false, fmt.Errorf("a list holds texts and numbers")
			}
			list = append(list, v.text)
			p.pos++
			switch p.peek().kind {
			case ',':
				p.pos++
			case ']':
				p.pos++
				return list, true, nil
			default:
				return nil, false, fmt.Errorf("a list is not closed")
			}
		}
	}
	return nil, false, fmt.Errorf("a value is missing")
}

func (p *checkParser) comparison() (bool, error) {
	field := p.peek()
	if field.kind != 's' {
		return false, fmt.Errorf("a field must be quoted, such as \"file.size\"")
	}
	p.pos++
	var op string
	switch t := p.peek(); {
	case t.kind == 'o':
		op = t.text
		p.pos++
	case p.word("NOT"):
		if !p.word("IN") {
			return false, fmt.Errorf("NOT must be followed by IN here")
		}
		op = "NOT IN"
	case p.word("IN"):
		op = "IN"
	default:
		return false, fmt.Errorf("an operator is missing after %q", field.text)
	}
	vals, isList, err := p.value()
	if err != nil {
		return false, err
	}
	if isList != (op == "IN" || op == "NOT IN") {
		return false, fmt.Errorf("IN takes a list in brackets, and only IN does")
	}
	return p.subj.compare(field.text, op, vals)
}

// compare evaluates one comparison.
func (s *checkSubject) compare(field, op string, vals []string) (bool, error) {
	switch field {
	case "file.size":
		n, err := checkSize(vals[0])
		if err != nil || len(vals) != 1 {
			return false, fmt.Errorf("file.size is compared with a size, such as \"10mb\"")
		}
		return compareNumbers(float64(s.size), op, float64(n))
	case "mediaMetadata.width", "mediaMetadata.height":
		n, err := strconv.ParseFloat(vals[0], 64)
		if err != nil || len(vals) != 1 || math.IsNaN(n) {
			return false, fmt.Errorf("%s is compared with a number", field)
		}
		if !s.readSize() {
			return false, nil // not an image: no width or height to pass
		}
		got := s.width
		if field == "mediaMetadata.height" {
			got = s.height
		}
		return compareNumbers(float64(got), op, n)
	case "file.mime":
		return compareTexts([]string{s.mime}, op, vals, strings.EqualFold)
	case "request.fileName":
		return compareTexts([]string{s.fileName}, op, vals, func(a, b string) bool { return a == b })
	case "request.folder":
		norm := func(f string) string { return strings.Trim(f, "/") }
		return compareTexts([]string{norm(s.folder)}, op, vals, func(a, b string) bool { return a == norm(b) })
	case "request.tags":
		return compareTexts(s.tags, op, vals, func(a, b string) bool { return a == b })
	}
	return false, fmt.Errorf("%q is not a field checks can ask about", field)
}

func compareNumbers(a float64, op string, b float64) (bool, error) {
	switch op {
	case ":", "=", "==":
		return a == b, nil
	case "!=":
		return a != b, nil
	case "<":
		return a < b, nil
	case "<=":
		return a <= b, nil
	case ">":
		return a > b, nil
	case ">=":
		return a >= b, nil
	}
	return false, fmt.Errorf("%s does not compare numbers", op)
}

// compareTexts: have holds the upload's values (one, or its tags); it
// matches when any of them equals a value given.
func compareTexts(have []string, op string, vals []string, eq func(a, b string) bool) (bool, error) {
	any := slices.ContainsFunc(have, func(h string) bool {
		return slices.ContainsFunc(vals, func(v string) bool { return eq(h, v) })
	})
	switch op {
	case ":", "=", "==", "IN":
		return any, nil
	case "!=", "NOT IN":
		return !any, nil
	}
	return false, fmt.Errorf("%s does not compare texts", op)
}

// checkSize reads "10mb", "500kb", "1.5gb" or a number of bytes.
func checkSize(s string) (int64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range []struct {
		suffix string
		mult   float64
	}{{"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}, {"b", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(f >= 0) || math.IsInf(f, 0) { // NaN and infinity are no size
		return 0, fmt.Errorf("not a size")
	}
	if f*mult >= math.MaxInt64 {
		return math.MaxInt64, nil // larger than any file
	}
	return int64(f * mult), nil
}

// readSize reads the image's width and height from its blob, once.
func (s *checkSubject) readSize() bool {
	if !s.sized {
		s.sized = true
		if f, err := os.Open(s.blob); err == nil {
			if c, _, err := image.DecodeConfig(f); err == nil {
				s.width, s.height = c.Width, c.Height
			}
			f.Close()
		}
	}
	return s.width > 0
}

// sniffMime is a blob's type as its first bytes say.
func sniffMime(blob, declared string) string {
	f, err := os.Open(blob)
	if err != nil {
		return declared
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := f.Read(head)
	if m := http.DetectContentType(head[:n]); m != "application/octet-stream" {
		m, _, _ = strings.Cut(m, ";")
		return m
	}
	return declared
}
