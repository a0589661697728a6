package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Frame is one printed frame: a function line and its file line. An elision marker
// ("...additional frames elided..." or "...N frames elided...") is a Frame with only
// Marker set.
type Frame struct {
	Func   string // as printed: "main.f", "panic", "main.(*T).m", "main.g[...]"
	Args   string // between the parentheses: "0x1, 0x2", "{}", "..." for inlined frames
	File   string
	Line   int
	Off    string // "+0x1b", or "" (inlined frame, or pc at the function entry)
	FP     string // crash mode: "0xc000054db8", else ""
	SP     string
	PC     string
	Marker string
	Where  int // line number in the input, for messages
}

// Inlined reports whether the runtime printed the frame as an inlined call.
func (f *Frame) Inlined() bool { return f.Marker == "" && f.Args == "..." }

// Creator is a goroutine's "created by" line and the file line below it.
type Creator struct {
	Func   string
	Parent int64 // -1 when the line has no "in goroutine N" (before Go 1.21)
	File   string
	Line   int
	Off    string
	Where  int
}

// Labels are a goroutine's pprof labels as its header printed them (Go 1.26+).
type Labels struct {
	// Text is the whole part, byte for byte: ` labels:{"k": "v"}` inside the brackets
	// (1.26), or ` {k: v}` after them (1.27).
	Text  string
	Pairs [][2]string // keys and values as printed, quoted or not
}

// Goroutine is one printed goroutine.
type Goroutine struct {
	ID          int64
	GP, M, MP   string // Go 1.22+ crash mode header values, "" when absent
	Status      string // status without the ", N minutes" part and the labels
	Minutes     int
	Labels      *Labels // nil when the header shows none
	Unavailable bool    // "goroutine running on other thread; stack unavailable"
	Frames      []Frame
	Created     *Creator
	Where       int // line number of the header
	Printings   int // how often the input printed this goroutine
}

// HasFrames tells whether a printing of the goroutine shows a stack.
func (g *Goroutine) HasFrames() bool {
	for i := range g.Frames {
		if g.Frames[i].Marker == "" {
			return true
		}
	}
	return false
}

// Trace is a parsed traceback.
type Trace struct {
	Name       string
	Signal     []string // a leading "SIGxxx: ..." line, its "PC=..." line, "signal arrived ..." lines
	Reason     []string // compared reason lines: everything before the first goroutine, "runtime: " lines too
	Info       []string // the "runtime: ..." lines among Reason (for -dump)
	Notes      []string // EXTRACTED's "# ..." notes outside goroutines, without the "# "
	Goroutines []*Goroutine
	byID       map[int64]*Goroutine
	First      *Goroutine // the goroutine printed first (the crashing one), nil when that was goroutine 0
	Warnings   []string
}

// Goroutine returns the goroutine with the given id, or nil.
func (t *Trace) Goroutine(id int64) *Goroutine { return t.byID[id] }

var (
	// A header up to the status: parseHeaderRest reads the rest.
	headerRE  = regexp.MustCompile(`^goroutine (\d+)(?: gp=(0x[0-9a-f]+) m=(nil|\d+)(?: mp=(0x[0-9a-f]+))?)? \[(.*)$`)
	minutesRE = regexp.MustCompile(`, (\d+) minutes`)
	fileRE    = regexp.MustCompile(`^\t(.*):(\d+)(?: (\+0x[0-9a-f]+))?(?: fp=(0x[0-9a-f]+) sp=(0x[0-9a-f]+) pc=(0x[0-9a-f]+))?$`)
	elidedRE  = regexp.MustCompile(`^\.\.\.(?:additional|\d+) frames elided\.\.\.$`)
	createdRE = regexp.MustCompile(`^created by (.+?)(?: in goroutine (\d+))?$`)
	signalRE  = regexp.MustCompile(`^SIG[A-Z0-9]+: `)
	regRE     = regexp.MustCompile(`^[a-z][a-z0-9]*\s+0x[0-9a-f]+$`)
	// The "goroutine N gp=... m=..." part some lines may carry; dropped before comparing.
	reasonGoroutineRE = regexp.MustCompile(`\s*\[?goroutine \d+ gp=0x[0-9a-f]+ m=(?:nil|\d+)(?: mp=0x[0-9a-f]+)?\]?`)
)

const unavailableLine = "\tgoroutine running on other thread; stack unavailable"

// ParseError is a line the parser cannot make sense of where it must.
type ParseError struct {
	Name string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg) }

// Parse reads a traceback in the format of the Go runtime's GOTRACEBACK=crash output.
//
// Layout it understands:
//
//	[SIGxxx: name / PC=... m=N sigcode=N / signal arrived during ...]   (signal crash)
//	reason lines ("panic: ...", "fatal error: ...", "[signal ...]", "runtime: ...")
//	["runtime stack:" and frames]                                      (skipped)
//	goroutine sections, separated by blank lines
//	register dump ("rax    0x0")                                       (skipped)
//	"-----", "SIGQUIT: quit", "PC=...", then goroutine sections of other threads
//
// Goroutine 0 (a thread's system stack) is skipped. A goroutine printed more than once
// is kept in its most complete printing: the first one that shows frames, else the first.
func Parse(name string, r io.Reader) (*Trace, error) {
	t := &Trace{Name: name, byID: make(map[int64]*Goroutine)}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)

	var (
		n             int
		section       int      // 0: main part, then one per "-----"
		seenHeader    bool     // a goroutine header or "runtime stack:" was seen in section 0
		seenGoroutine bool     // a goroutine header was seen
		pre           []string // lines before the first header of section 0, with line numbers
		preAt         []int
		cur           *Goroutine // goroutine being read, nil outside one
		skip          bool       // reading frames that are dropped (goroutine 0, runtime stack, ancestors)
		fn            *Frame     // function line waiting for its file line
		creator       *Creator   // "created by" line waiting for its file line
	)
	fail := func(format string, args ...interface{}) error {
		return &ParseError{Name: name, Line: n, Msg: fmt.Sprintf(format, args...)}
	}
	finish := func() error {
		if fn != nil {
			return &ParseError{Name: name, Line: fn.Where, Msg: fmt.Sprintf("frame %q has no file line", fn.Func)}
		}
		if creator != nil {
			return &ParseError{Name: name, Line: creator.Where, Msg: "\"created by\" line has no file line"}
		}
		if cur != nil && !skip {
			t.add(cur)
		}
		cur, skip = nil, false
		return nil
	}

	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")

		if m := headerRE.FindStringSubmatch(line); m != nil {
			if err := finish(); err != nil {
				return nil, err
			}
			g, err := newGoroutine(m, n)
			if err != nil {
				return nil, fail("%v", err)
			}
			if section == 0 && !seenGoroutine && g.ID != 0 {
				t.First = g
			}
			seenHeader, seenGoroutine = true, true
			cur, skip = g, g.ID == 0
			continue
		}
		if line == "runtime stack:" {
			if err := finish(); err != nil {
				return nil, err
			}
			seenHeader = true
			cur, skip = &Goroutine{}, true
			continue
		}
		if line == "-----" {
			if err := finish(); err != nil {
				return nil, err
			}
			section++
			continue
		}
		if strings.HasPrefix(line, "# ") && cur == nil {
			t.Notes = append(t.Notes, line[2:])
			continue
		}
		if section == 0 && !seenHeader {
			if line != "" {
				pre = append(pre, line)
				preAt = append(preAt, n)
			}
			continue
		}
		if line == "" {
			if err := finish(); err != nil {
				return nil, err
			}
			continue
		}
		if cur == nil {
			switch {
			case regRE.MatchString(line):
			case section > 0 && (signalRE.MatchString(line) || strings.HasPrefix(line, "PC=") || strings.HasPrefix(line, "signal arrived during")):
			default:
				t.Warnings = append(t.Warnings, fmt.Sprintf("%s:%d: ignored line %q", name, n, line))
			}
			continue
		}

		// Inside a goroutine (or a skipped stack).
		switch {
		case creator != nil:
			m := fileRE.FindStringSubmatch(line)
			if m == nil {
				return nil, fail("expected the file line of \"created by\", got %q", line)
			}
			creator.File, creator.Line, creator.Off = m[1], atoi(m[2]), m[3]
			if !skip {
				cur.Created = creator
			}
			creator = nil
		case fn != nil:
			m := fileRE.FindStringSubmatch(line)
			if m == nil {
				return nil, fail("expected the file line of frame %q, got %q", fn.Func, line)
			}
			fn.File, fn.Line, fn.Off, fn.FP, fn.SP, fn.PC = m[1], atoi(m[2]), m[3], m[4], m[5], m[6]
			if !skip {
				cur.Frames = append(cur.Frames, *fn)
			}
			fn = nil
		case line == unavailableLine:
			cur.Unavailable = true
		case elidedRE.MatchString(line):
			if !skip {
				cur.Frames = append(cur.Frames, Frame{Marker: line, Where: n})
			}
		case strings.HasPrefix(line, "created by "):
			m := createdRE.FindStringSubmatch(line)
			c := &Creator{Func: m[1], Parent: -1, Where: n}
			if m[2] != "" {
				c.Parent = atoi64(m[2])
			}
			creator = c
		case strings.HasPrefix(line, "[originating from goroutine "):
			// GODEBUG=tracebackancestors: frames of a goroutine that no longer runs.
			if !skip {
				t.add(cur)
			}
			skip = true
		case regRE.MatchString(line):
			// The register dump may follow a goroutine without a blank line.
			if err := finish(); err != nil {
				return nil, err
			}
		case strings.HasPrefix(line, "runtime: ") || strings.HasPrefix(line, "stack: ") ||
			strings.HasPrefix(line, "0x") || strings.HasPrefix(line, "\t0x"):
			// Unwinder complaints and their hex dumps.
			t.Warnings = append(t.Warnings, fmt.Sprintf("%s:%d: ignored line %q", name, n, line))
		case strings.HasPrefix(line, "\t"):
			return nil, fail("file line %q without a function line", line)
		default:
			f, ok := parseFuncLine(line)
			if !ok {
				return nil, fail("cannot parse %q as a frame", line)
			}
			f.Where = n
			fn = &f
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	t.splitPre(pre, preAt)
	if len(t.Goroutines) == 0 {
		return nil, &ParseError{Name: name, Line: n, Msg: "no goroutine found"}
	}
	return t, nil
}

func newGoroutine(m []string, where int) (*Goroutine, error) {
	g := &Goroutine{ID: atoi64(m[1]), GP: m[2], M: m[3], MP: m[4], Where: where, Printings: 1}
	status, labels, err := parseHeaderRest(m[5])
	if err != nil {
		return nil, fmt.Errorf("goroutine %d: %v", g.ID, err)
	}
	g.Labels = labels
	if mm := minutesRE.FindStringSubmatch(status); mm != nil {
		g.Minutes = atoi(mm[1])
		status = strings.Replace(status, mm[0], "", 1)
	}
	if status == "" {
		return nil, fmt.Errorf("goroutine %d: empty status", g.ID)
	}
	g.Status = status
	return g, nil
}

// labelsInside starts the labels that Go 1.26 prints inside the brackets.
const labelsInside = " labels:{"

// parseHeaderRest parses what follows the "[" of a header: the status, then "]:", or the
// labels inside the brackets and "]:" (1.26), or "]", the labels and ":" (1.27).
func parseHeaderRest(rest string) (string, *Labels, error) {
	end := strings.IndexByte(rest, ']')
	if in := strings.Index(rest, labelsInside); in >= 0 && (end < 0 || in < end) {
		l, tail, err := parseLabels(rest[in+len(labelsInside)-1:], true)
		if err != nil {
			return "", nil, err
		}
		if tail != "]:" {
			return "", nil, fmt.Errorf("%q after the labels, want \"]:\"", tail)
		}
		l.Text = rest[in : len(rest)-len(tail)]
		return rest[:in], l, nil
	}
	if end < 0 {
		return "", nil, fmt.Errorf("no \"]\" after the status")
	}
	status, tail := rest[:end], rest[end+1:]
	if tail == ":" {
		return status, nil, nil
	}
	if !strings.HasPrefix(tail, " {") {
		return "", nil, fmt.Errorf("%q after the status, want \":\" or labels", tail)
	}
	l, after, err := parseLabels(tail[1:], false)
	if err != nil {
		return "", nil, err
	}
	if after != ":" {
		return "", nil, fmt.Errorf("%q after the labels, want \":\"", after)
	}
	l.Text = tail[:len(tail)-len(after)]
	return status, l, nil
}

// parseLabels reads "{K: V, K: V}" at the start of s and returns what follows it. With
// quotedOnly (1.26) every key and value is quoted; else (1.27) only those that need it.
func parseLabels(s string, quotedOnly bool) (*Labels, string, error) {
	if !strings.HasPrefix(s, "{") {
		return nil, "", fmt.Errorf("labels do not start with \"{\"")
	}
	l := &Labels{}
	s = s[1:]
	for {
		key, rest, err := labelToken(s, quotedOnly)
		if err != nil {
			return nil, "", err
		}
		if !strings.HasPrefix(rest, ": ") {
			return nil, "", fmt.Errorf("label %s: no \": \" after the key", key)
		}
		value, rest, err := labelToken(rest[2:], quotedOnly)
		if err != nil {
			return nil, "", err
		}
		l.Pairs = append(l.Pairs, [2]string{key, value})
		switch {
		case strings.HasPrefix(rest, ", "):
			s = rest[2:]
		case strings.HasPrefix(rest, "}"):
			return l, rest[1:], nil
		default:
			return nil, "", fmt.Errorf("label %s: %q after the value", key, rest)
		}
	}
}

// labelToken reads a key or value: quoted as the runtime's printquoted quotes (printable
// ASCII only, with backslash escapes), or bare: letters, digits, '.', '/' and '_', maybe
// none (what 1.27 prints unquoted).
func labelToken(s string, quotedOnly bool) (string, string, error) {
	if strings.HasPrefix(s, `"`) {
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '"':
				return s[:i+1], s[i+1:], nil
			}
		}
		return "", "", fmt.Errorf("a quoted label does not end")
	}
	if quotedOnly {
		return "", "", fmt.Errorf("a label is not quoted")
	}
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' ||
		s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '/' || s[i] == '_') {
		i++
	}
	return s[:i], s[i:], nil
}

// LabelText is the labels part of the header, "" when there is none.
func (g *Goroutine) LabelText() string {
	if g.Labels == nil {
		return ""
	}
	return g.Labels.Text
}

// parseFuncLine splits "pkg.f(args)": the arguments are in the last parentheses (the
// runtime never prints a parenthesis inside an argument list, while names can hold some,
// as in "sync.(*Mutex).Lock").
func parseFuncLine(line string) (Frame, bool) {
	if !strings.HasSuffix(line, ")") || strings.HasPrefix(line, " ") {
		return Frame{}, false
	}
	i := strings.LastIndexByte(line, '(')
	if i <= 0 {
		return Frame{}, false
	}
	return Frame{Func: line[:i], Args: line[i+1 : len(line)-1]}, true
}

// add records a printing of a goroutine, keeping the most complete one per id.
func (t *Trace) add(g *Goroutine) {
	if g.ID == 0 {
		return
	}
	old := t.byID[g.ID]
	if old == nil {
		t.byID[g.ID] = g
		t.Goroutines = append(t.Goroutines, g)
		return
	}
	old.Printings++
	if !old.HasFrames() && g.HasFrames() {
		printings := old.Printings
		*old = *g
		old.Printings = printings
	}
}

// splitPre sorts the lines before the first goroutine: a leading signal block, then the
// compared reason lines ("runtime: " lines among them, also listed in Info).
func (t *Trace) splitPre(pre []string, at []int) {
	i := 0
	if len(pre) > 0 && signalRE.MatchString(pre[0]) {
		t.Signal = append(t.Signal, pre[0])
		i = 1
		for ; i < len(pre); i++ {
			if strings.HasPrefix(pre[i], "PC=") || strings.HasPrefix(pre[i], "signal arrived during") {
				t.Signal = append(t.Signal, pre[i])
				continue
			}
			break
		}
	}
	for ; i < len(pre); i++ {
		line := pre[i]
		switch {
		case strings.HasPrefix(line, "runtime: "):
			t.Info = append(t.Info, line)
			t.Reason = append(t.Reason, line)
		case regRE.MatchString(line):
		default:
			line = reasonGoroutineRE.ReplaceAllString(line, "")
			if strings.TrimSpace(line) != "" {
				t.Reason = append(t.Reason, line)
			}
		}
	}
}

// SignalName is the leading "SIGxxx: ..." line, "" when there is none.
func (t *Trace) SignalName() string {
	if len(t.Signal) == 0 {
		return ""
	}
	return t.Signal[0]
}

// ExternalSignal tells whether the leading signal block is one of those a user sends to
// get a dump (kill -ABRT, kill -QUIT): such blocks are not compared.
func (t *Trace) ExternalSignal() bool {
	s := t.SignalName()
	return strings.HasPrefix(s, "SIGABRT:") || strings.HasPrefix(s, "SIGQUIT:")
}

func atoi(s string) int {
	v, _ := strconv.Atoi(s)
	return v
}

func atoi64(s string) int64 {
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}

// Dump prints the parsed trace, one item a line.
func (t *Trace) Dump(w io.Writer) {
	for _, l := range t.Signal {
		fmt.Fprintf(w, "signal: %q\n", l)
	}
	for _, l := range t.Reason {
		fmt.Fprintf(w, "reason: %q\n", l)
	}
	for _, l := range t.Info {
		fmt.Fprintf(w, "info:   %q\n", l)
	}
	for _, l := range t.Notes {
		fmt.Fprintf(w, "note:   %q\n", l)
	}
	if t.First != nil {
		fmt.Fprintf(w, "crashing goroutine: %d\n", t.First.ID)
	}
	for _, g := range t.Goroutines {
		fmt.Fprintf(w, "goroutine %d [%s] minutes=%d gp=%s m=%s mp=%s line %d, printed %d times",
			g.ID, g.Status, g.Minutes, g.GP, g.M, g.MP, g.Where, g.Printings)
		if g.Labels != nil {
			fmt.Fprintf(w, ", labels %q", g.Labels.Pairs)
		}
		if g.Unavailable {
			fmt.Fprint(w, ", stack unavailable")
		}
		fmt.Fprintln(w)
		for _, f := range g.Frames {
			if f.Marker != "" {
				fmt.Fprintf(w, "\t%s\n", f.Marker)
				continue
			}
			fmt.Fprintf(w, "\t%s(%s) %s:%d %s fp=%s sp=%s pc=%s\n", f.Func, f.Args, f.File, f.Line, f.Off, f.FP, f.SP, f.PC)
		}
		if c := g.Created; c != nil {
			fmt.Fprintf(w, "\tcreated by %s parent=%d %s:%d %s\n", c.Func, c.Parent, c.File, c.Line, c.Off)
		}
	}
}
