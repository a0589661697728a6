package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Comparer compares a runtime traceback (want) with an extracted one (got) and writes
// every mismatch to Out.
type Comparer struct {
	Strict bool
	Out    io.Writer

	Goroutines int // goroutines of want compared
	Frames     int // frames of want compared
	Mismatches int

	wantName string
}

func (c *Comparer) mismatch(format string, args ...interface{}) {
	c.Mismatches++
	fmt.Fprintln(c.Out, strings.TrimRight(fmt.Sprintf(format, args...), "\n"))
}

// Compare runs every check.
func (c *Comparer) Compare(want, got *Trace) {
	c.wantName = want.Name
	c.compareSignal(want, got)
	c.compareReason(want, got)
	for _, w := range want.Goroutines {
		c.compareGoroutine(w, got.Goroutine(w.ID), w == want.First)
	}
}

func (c *Comparer) compareSignal(want, got *Trace) {
	if want.ExternalSignal() || len(want.Signal) == 0 && got.ExternalSignal() {
		return // kill -ABRT / kill -QUIT from outside: not part of the crash
	}
	if want.SignalName() != got.SignalName() {
		c.mismatch("signal line differs:\n  - %s\n  + %s", orNone(want.SignalName()), orNone(got.SignalName()))
		return
	}
	if c.Strict {
		c.compareLines("signal block", want.Signal, got.Signal)
	}
}

func (c *Comparer) compareReason(want, got *Trace) {
	// Two threads can both print the same fatal error before one of them takes the
	// panic lock (two goroutines writing a map at once): a repeated line is one reason.
	c.compareLines("reason", dedupLines(leftOut(want.Reason, got)), dedupLines(got.Reason))
}

// leftOutRE is how gocrashd says that it leaves out a line it cannot know: a note
// `... the line "runtime: goroutine stack exceeds N-byte limit" is left out`, N standing
// for a number.
var leftOutRE = regexp.MustCompile(`the line "([^"]+)" is left out`)

// leftOut drops from want the lines that a note of got says are left out.
func leftOut(want []string, got *Trace) []string {
	var pats []*regexp.Regexp
	for _, n := range got.Notes {
		for _, m := range leftOutRE.FindAllStringSubmatch(n, -1) {
			q := regexp.QuoteMeta(m[1])
			q = regexp.MustCompile(`\bN\b`).ReplaceAllString(q, `[0-9]+`)
			pats = append(pats, regexp.MustCompile("^"+q+"$"))
		}
	}
	if len(pats) == 0 {
		return want
	}
	var out []string
next:
	for _, l := range want {
		for _, p := range pats {
			if p.MatchString(l) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}

// compareLines reports two line lists that differ, with a line diff.
func (c *Comparer) compareLines(what string, want, got []string) {
	if equalStrings(want, got) {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s differs:\n", what)
	for _, d := range diff(want, got, func(s string) string { return s }) {
		fmt.Fprintf(&b, "  %c %s\n", d.op, strings.ReplaceAll(d.text, "\t", "\\t"))
	}
	c.mismatch("%s", b.String())
}

func (c *Comparer) compareGoroutine(w, g *Goroutine, crashing bool) {
	c.Goroutines++
	title := fmt.Sprintf("goroutine %d [%s]", w.ID, statusString(w))
	if g == nil {
		c.mismatch("%s (%s:%d): missing from EXTRACTED", title, c.wantName, w.Where)
		return
	}
	if w.Status != g.Status || abs(w.Minutes-g.Minutes) > 1 {
		c.mismatch("%s: status differs:\n  - [%s]\n  + [%s]", title, statusString(w), statusString(g))
	}
	if w.LabelText() != g.LabelText() {
		c.mismatch("%s: labels differ:\n  - %s\n  + %s", title, orNone(w.LabelText()), orNone(g.LabelText()))
	}
	if c.Strict && w.GP != "" {
		if w.GP != g.GP || w.M != g.M || w.MP != g.MP {
			c.mismatch("%s: header differs:\n  - gp=%s m=%s mp=%s\n  + gp=%s m=%s mp=%s",
				title, w.GP, w.M, orNone(w.MP), g.GP, g.M, orNone(g.MP))
		}
	}
	c.compareCreator(title, w.Created, g.Created)
	if !w.HasFrames() {
		// "stack unavailable" (or no frames at all): only the status and creator count.
		return
	}
	if !g.HasFrames() {
		c.mismatch("%s: EXTRACTED shows no stack (runtime printed %d frames)", title, len(w.Frames))
		return
	}
	wf, gf := w.Frames, g.Frames
	if crashing {
		var wd, gd int
		wf, wd = dropRuntime(wf)
		gf, gd = dropRuntime(gf)
		if wd > 0 && gd == 0 {
			c.mismatch("%s: crashing goroutine: runtime printed %d leading runtime frames (%s), EXTRACTED none",
				title, wd, w.Frames[0].Func)
		}
	}
	c.Frames += countFrames(wf)
	key := c.frameKey
	if equalFrames(wf, gf, key) {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: frames differ (- RUNTIME, + EXTRACTED):\n", title)
	writeDiff(&b, diff(wf, gf, key), c.frameText)
	c.mismatch("%s", b.String())
}

func (c *Comparer) compareCreator(title string, w, g *Creator) {
	if w == nil {
		return // goroutine 1, or a runtime that printed none: nothing to check
	}
	if g == nil {
		c.mismatch("%s: EXTRACTED has no \"created by\" line:\n  - %s", title, creatorText(w))
		return
	}
	if creatorText(w) != creatorText(g) {
		c.mismatch("%s: \"created by\" differs:\n  - %s\n  + %s", title, creatorText(w), creatorText(g))
	}
}

func creatorText(c *Creator) string {
	s := "created by " + c.Func
	if c.Parent >= 0 {
		s += fmt.Sprintf(" in goroutine %d", c.Parent)
	}
	s += fmt.Sprintf(" at %s:%d", c.File, c.Line)
	if c.Off != "" {
		s += " " + c.Off
	}
	return s
}

// dropRuntime drops the leading runtime plumbing of the crashing goroutine: frames whose
// function begins with "runtime." or is "panic".
func dropRuntime(fs []Frame) ([]Frame, int) {
	i := 0
	for i < len(fs) && fs[i].Marker == "" && (strings.HasPrefix(fs[i].Func, "runtime.") || fs[i].Func == "panic") {
		i++
	}
	return fs[i:], i
}

// frameKey is what must be equal between two frames.
func (c *Comparer) frameKey(f Frame) string {
	if f.Marker != "" {
		return f.Marker
	}
	k := fmt.Sprintf("%s %s:%d %s", f.Func, f.File, f.Line, f.Off)
	if f.Inlined() {
		k += " inlined"
	}
	if c.Strict {
		k += fmt.Sprintf(" (%s) fp=%s sp=%s pc=%s", f.Args, f.FP, f.SP, f.PC)
	}
	return k
}

// frameText is how a frame shows in a diff: one line, like the runtime's two.
func (c *Comparer) frameText(f Frame) string {
	if f.Marker != "" {
		return f.Marker
	}
	// Arguments show as printed (only -strict compares them); "(...)" is an inlined frame.
	s := fmt.Sprintf("%s(%s)  %s:%d", f.Func, f.Args, f.File, f.Line)
	if f.Off != "" {
		s += " " + f.Off
	}
	if c.Strict && f.FP != "" {
		s += fmt.Sprintf(" fp=%s sp=%s pc=%s", f.FP, f.SP, f.PC)
	}
	return s
}

func equalFrames(a, b []Frame, key func(Frame) string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if key(a[i]) != key(b[i]) {
			return false
		}
	}
	return true
}

func countFrames(fs []Frame) int {
	n := 0
	for i := range fs {
		if fs[i].Marker == "" {
			n++
		}
	}
	return n
}

func statusString(g *Goroutine) string {
	s := g.Status
	if g.Minutes > 0 {
		// The runtime puts the minutes right after the status word (and its " (scan)").
		if i := strings.Index(s, ", "); i >= 0 {
			return fmt.Sprintf("%s, %d minutes%s", s[:i], g.Minutes, s[i:])
		}
		s += fmt.Sprintf(", %d minutes", g.Minutes)
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// --- a small line diff ---

type diffLine[T any] struct {
	op   byte // ' ', '-' or '+'
	item T
	text string
}

// diff is a longest-common-subsequence diff of a and b under key.
func diff[T any](a, b []T, key func(T) string) []diffLine[T] {
	ka := make([]string, len(a))
	kb := make([]string, len(b))
	for i := range a {
		ka[i] = key(a[i])
	}
	for i := range b {
		kb[i] = key(b[i])
	}
	if len(a)*len(b) > 1<<22 {
		return positionalDiff(a, b, ka, kb)
	}
	// lcs[i][j] = length of the LCS of ka[i:] and kb[j:]
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			switch {
			case ka[i] == kb[j]:
				lcs[i][j] = lcs[i+1][j+1] + 1
			case lcs[i+1][j] >= lcs[i][j+1]:
				lcs[i][j] = lcs[i+1][j]
			default:
				lcs[i][j] = lcs[i][j+1]
			}
		}
	}
	var out []diffLine[T]
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && ka[i] == kb[j]:
			out = append(out, diffLine[T]{' ', a[i], ka[i]})
			i++
			j++
		case j == len(b) || i < len(a) && lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, diffLine[T]{'-', a[i], ka[i]})
			i++
		default:
			out = append(out, diffLine[T]{'+', b[j], kb[j]})
			j++
		}
	}
	return out
}

// positionalDiff pairs the items by position: for lists too long for diff.
func positionalDiff[T any](a, b []T, ka, kb []string) []diffLine[T] {
	var out []diffLine[T]
	for i := 0; i < len(a) || i < len(b); i++ {
		switch {
		case i < len(a) && i < len(b) && ka[i] == kb[i]:
			out = append(out, diffLine[T]{' ', a[i], ka[i]})
		default:
			if i < len(a) {
				out = append(out, diffLine[T]{'-', a[i], ka[i]})
			}
			if i < len(b) {
				out = append(out, diffLine[T]{'+', b[i], kb[i]})
			}
		}
	}
	return out
}

// writeDiff prints the changed lines of d with two lines of context around them.
func writeDiff(w io.Writer, d []diffLine[Frame], text func(Frame) string) {
	const context = 2
	show := make([]bool, len(d))
	for i := range d {
		if d[i].op != ' ' {
			for k := i - context; k <= i+context; k++ {
				if k >= 0 && k < len(d) {
					show[k] = true
				}
			}
		}
	}
	skipped := false
	for i := range d {
		if !show[i] {
			skipped = true
			continue
		}
		if skipped {
			fmt.Fprintln(w, "    ...")
			skipped = false
		}
		fmt.Fprintf(w, "  %c %s\n", d[i].op, text(d[i].item))
	}
	if skipped {
		fmt.Fprintln(w, "    ...")
	}
}

// dedupLines drops a line that repeats the one before it.
func dedupLines(lines []string) []string {
	var out []string
	for i, l := range lines {
		if i > 0 && l == lines[i-1] {
			continue
		}
		out = append(out, l)
	}
	return out
}
