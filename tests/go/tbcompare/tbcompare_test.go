package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Go 1.22+ style traceback of a signal crash, cut down: a goroutine printed as
// "stack unavailable" in the main part and in full in a thread's SIGQUIT section.
const sample = `SIGSEGV: segmentation violation
PC=0x49cbc9 m=3 sigcode=1 addr=0x0
signal arrived during cgo execution

goroutine 1 gp=0xc000002380 m=3 mp=0xc00004b008 [syscall]:
runtime.cgocall(0x49cbc0, 0xc000059e10)
	/go/src/runtime/cgocall.go:167 +0x4b fp=0xc000059de8 sp=0xc000059db0 pc=0x4695eb
main._Cfunc_crash_in_c(0x1)
	_cgo_gotypes.go:48 +0x3a fp=0xc000059e10 sp=0xc000059de8 pc=0x49c0ba
main.main()
	/src/main.go:38 +0x3e fp=0xc000059f50 sp=0xc000059f30 pc=0x49acde

goroutine 7 gp=0xc000091340 m=nil [chan receive, 3 minutes, locked to thread]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	/go/src/runtime/proc.go:435 +0xce fp=0xc000040678 sp=0xc000040658 pc=0x46b2ce
main.receive[...](...)
	/src/main.go:394
main.waitOn[...](0x0?)
	/src/main.go:390 +0x26 fp=0xc000040740 sp=0xc000040718 pc=0x49c8a6
...2 frames elided...
main.(*T).run(0xc000012345)
	/src/main.go:20 +0x1b fp=0xc0000407e0 sp=0xc0000407c0 pc=0x49bc1b
created by main.spawn in goroutine 1
	/src/main.go:370 +0x6e

goroutine 9 gp=0xc000084a80 m=6 mp=0xc00008a008 [running]:
	goroutine running on other thread; stack unavailable
created by main.startSpinners in goroutine 1
	/src/main.go:450 +0x4d

rax    0x0
rip    0x49cbc9

-----

SIGQUIT: quit
PC=0x4738e3 m=6 sigcode=0

goroutine 0 gp=0xc000002c40 m=6 mp=0xc00004a808 [idle]:
runtime.futex(0x578180, 0x80, 0x0, 0x7f3feb0fed40, 0x0, 0x0)
	/go/src/runtime/sys_linux_amd64.s:558 +0x23 fp=0x7f3feb0fed10 sp=0x7f3feb0fed08 pc=0x4738e3
goroutine 9 gp=0xc000084a80 m=6 mp=0xc00008a008 [running]:
main.spin(0xc000012345)
	/src/main.go:470 +0x4 fp=0xc0000bc768 sp=0xc0000bc760 pc=0x49c004
created by main.startSpinners in goroutine 1
	/src/main.go:450 +0x4d
rax    0xfffffffffffffffc
`

func mustParse(t *testing.T, text string) *Trace {
	t.Helper()
	tr, err := Parse("test", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestParse(t *testing.T) {
	tr := mustParse(t, sample)
	if got := strings.Join(tr.Signal, "|"); got != "SIGSEGV: segmentation violation|PC=0x49cbc9 m=3 sigcode=1 addr=0x0|signal arrived during cgo execution" {
		t.Errorf("signal block %q", got)
	}
	if len(tr.Reason) != 0 {
		t.Errorf("reason %q, want none", tr.Reason)
	}
	if tr.First == nil || tr.First.ID != 1 {
		t.Fatalf("crashing goroutine %+v, want 1", tr.First)
	}
	if len(tr.Goroutines) != 3 {
		t.Fatalf("%d goroutines, want 3 (goroutine 0 skipped, 9 merged)", len(tr.Goroutines))
	}
	g := tr.Goroutine(7)
	if g.Status != "chan receive, locked to thread" || g.Minutes != 3 || g.GP != "0xc000091340" || g.M != "nil" {
		t.Errorf("goroutine 7 header: %+v", g)
	}
	if len(g.Frames) != 5 || !g.Frames[1].Inlined() || g.Frames[1].Off != "" ||
		g.Frames[3].Marker != "...2 frames elided..." || g.Frames[4].Func != "main.(*T).run" ||
		g.Frames[4].Args != "0xc000012345" || g.Frames[2].Func != "main.waitOn[...]" || g.Frames[2].Line != 390 ||
		g.Frames[2].Off != "+0x26" || g.Frames[2].PC != "0x49c8a6" {
		t.Errorf("goroutine 7 frames: %+v", g.Frames)
	}
	if c := g.Created; c == nil || c.Func != "main.spawn" || c.Parent != 1 || c.File != "/src/main.go" || c.Line != 370 || c.Off != "+0x6e" {
		t.Errorf("goroutine 7 creator: %+v", c)
	}
	g = tr.Goroutine(9)
	if !g.HasFrames() || g.Frames[0].Func != "main.spin" || g.Printings != 2 {
		t.Errorf("goroutine 9 should be kept in its printing with frames: %+v", g)
	}
	if f := tr.Goroutine(1).Frames[1]; f.File != "_cgo_gotypes.go" || f.Line != 48 {
		t.Errorf("cgo frame %+v", f)
	}
}

func TestParseOld(t *testing.T) {
	tr := mustParse(t, `runtime: goroutine stack exceeds 1000000000-byte limit
fatal error: stack overflow

runtime stack:
runtime.throw({0x4a52be?, 0x532420?})
	/go/src/runtime/panic.go:1047 +0x5d fp=0x7f8d4f4ebc98 sp=0x7f8d4f4ebc68 pc=0x43389d

goroutine 1 [running]:
main.recurse(0x0?)
	/src/main.go:257 +0x2d fp=0xc0010e03c0 sp=0xc0010e03a8 pc=0x489a4d
...additional frames elided...

goroutine 5 [select]:
main.f()
	/src/main.go:3 +0x2
created by main.g
	/src/main.go:4 +0x1
`)
	if strings.Join(tr.Reason, "|") != "runtime: goroutine stack exceeds 1000000000-byte limit|fatal error: stack overflow" || len(tr.Info) != 1 {
		t.Errorf("reason %q info %q", tr.Reason, tr.Info)
	}
	if tr.First == nil || tr.First.ID != 1 || len(tr.Goroutines) != 2 {
		t.Fatalf("goroutines %+v", tr.Goroutines)
	}
	if fs := tr.First.Frames; len(fs) != 2 || fs[1].Marker != "...additional frames elided..." {
		t.Errorf("frames %+v", fs)
	}
	if c := tr.Goroutine(5).Created; c == nil || c.Parent != -1 || c.Func != "main.g" {
		t.Errorf("creator %+v", c)
	}
}

func TestParseErrors(t *testing.T) {
	for _, text := range []string{
		"",
		"panic: x\n",
		"goroutine 1 [running]:\nmain.main()\nmain.f()\n\t/a.go:1\n",
		"goroutine 1 [running]:\n\t/a.go:1\n",
		"goroutine 2 [running]:\nmain.main()\n\t/a.go:1\ncreated by main.x\n\n",
	} {
		if _, err := Parse("test", strings.NewReader(text)); err == nil {
			t.Errorf("no error for %q", text)
		}
	}
}

func compare(t *testing.T, strict bool, want, got string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	c := &Comparer{Strict: strict, Out: &out}
	c.Compare(mustParse(t, want), mustParse(t, got))
	return c.Mismatches, out.String()
}

func TestCompare(t *testing.T) {
	if n, out := compare(t, true, sample, sample); n != 0 {
		t.Errorf("sample against itself: %s", out)
	}
	for _, tc := range []struct {
		name, old, new string
		strict         bool
		want           int
		text           string
	}{
		{"line", "main.go:390 +0x26", "main.go:391 +0x26", false, 1, "frames differ"},
		{"offset", "main.go:390 +0x26", "main.go:390 +0x27", false, 1, "frames differ"},
		{"inlined", "main.receive[...](...)", "main.receive[...](0x1)", false, 1, "frames differ"},
		{"marker", "...2 frames elided...", "...3 frames elided...", false, 1, "frames differ"},
		{"args", "main.(*T).run(0xc000012345)", "main.(*T).run(0xc000012346)", false, 0, ""},
		{"args strict", "main.(*T).run(0xc000012345)", "main.(*T).run(0xc000012346)", true, 1, "frames differ"},
		{"status", "[chan receive, 3 minutes, locked to thread]", "[chan receive, 3 minutes]", false, 1, "status differs"},
		{"minutes+1", "[chan receive, 3 minutes,", "[chan receive, 4 minutes,", false, 0, ""},
		{"minutes+2", "[chan receive, 3 minutes,", "[chan receive, 5 minutes,", false, 1, "status differs"},
		{"creator", "created by main.spawn in goroutine 1", "created by main.spawn in goroutine 2", false, 1, "created by"},
		{"signal", "SIGSEGV: segmentation violation\n", "SIGBUS: bus error\n", false, 1, "signal line differs"},
		{"pc line strict", "PC=0x49cbc9 m=3", "PC=0x49cbca m=3", true, 1, "signal block differs"},
		{"pc line", "PC=0x49cbc9 m=3", "PC=0x49cbca m=3", false, 0, ""},
		{"header strict", "gp=0xc000091340 m=nil", "gp=0xc000091341 m=nil", true, 1, "header differs"},
		// Goroutine 9 counts in its printing with frames, from the thread's section.
		{"unavailable", "main.spin(0xc000012345)\n\t/src/main.go:470", "main.spin(0xc000012345)\n\t/src/main.go:471", false, 1, "frames differ"},
		// The crashing goroutine: leading runtime frames are not compared...
		{"runtime frame", "runtime.cgocall(0x49cbc0", "runtime.asmcgocall(0x49cbc0", false, 0, ""},
		// ...but one must be there.
		{"no runtime frame", "runtime.cgocall(0x49cbc0, 0xc000059e10)\n\t/go/src/runtime/cgocall.go:167 +0x4b fp=0xc000059de8 sp=0xc000059db0 pc=0x4695eb\n", "", false, 1, "leading runtime frames"},
	} {
		if !strings.Contains(sample, tc.old) {
			t.Fatalf("%s: %q not in sample", tc.name, tc.old)
		}
		n, out := compare(t, tc.strict, sample, strings.Replace(sample, tc.old, tc.new, 1))
		if n != tc.want || !strings.Contains(out, tc.text) {
			t.Errorf("%s: %d mismatches, want %d with %q:\n%s", tc.name, n, tc.want, tc.text, out)
		}
	}
}

func TestCompareExternalSignal(t *testing.T) {
	want := "SIGABRT: abort\nPC=0x1 m=0 sigcode=0\n\ngoroutine 1 [select (no cases)]:\nmain.main()\n\t/a.go:1 +0x1\n"
	got := "goroutine 1 [select (no cases)]:\nmain.main()\n\t/a.go:1 +0x1\n\ngoroutine 2 [idle]:\nmain.x()\n\t/a.go:2 +0x1\n"
	if n, out := compare(t, true, want, got); n != 0 {
		t.Errorf("an external SIGABRT block is not compared:\n%s", out)
	}
}

// TestData compares the captured runtime output kept for the C unit tests with itself.
func TestData(t *testing.T) {
	files, _ := filepath.Glob("../../data/traceback/*.txt")
	if len(files) == 0 {
		t.Skip("no files in tests/data/traceback")
	}
	for _, f := range files {
		var out, errOut bytes.Buffer
		if rc := run([]string{"-strict", f, f}, &out, &errOut); rc != 0 {
			t.Errorf("%s against itself: exit %d\n%s%s", f, rc, out.String(), errOut.String())
		}
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := mustParse(t, string(text))
		if tr.First == nil || len(tr.Reason) == 0 {
			t.Errorf("%s: no crashing goroutine or reason", f)
		}
	}
}

func TestReasonGoroutinePart(t *testing.T) {
	body := "\ngoroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n"
	want := "fatal error: concurrent map writes\n" + body
	got := "fatal error: concurrent map writes goroutine 18 gp=0xc000102a80 m=3 mp=0xc000080008\n" + body
	if n, out := compare(t, false, want, got); n != 0 {
		t.Errorf("a goroutine part on the reason line counts:\n%s", out)
	}
	got = "fatal error: concurrent map reads\n" + body
	if n, out := compare(t, false, want, got); n != 1 || !strings.Contains(out, "reason differs") {
		t.Errorf("changed reason not reported:\n%s", out)
	}
}

// The "runtime: " lines before the fatal error are compared; one that a note of EXTRACTED
// says is left out may be missing, and only that one.
func TestRuntimeLines(t *testing.T) {
	body := "\ngoroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n"
	limit := "runtime: goroutine stack exceeds 16777216-byte limit\n"
	sp := "runtime: sp=0xc0200e0390 stack=[0xc0200e0000, 0xc0210e0000]\n"
	want := limit + sp + "fatal error: stack overflow\n" + body
	if n, out := compare(t, false, want, want); n != 0 {
		t.Errorf("against itself:\n%s", out)
	}
	got := sp + "fatal error: stack overflow\n" + body
	if n, out := compare(t, false, want, got); n != 1 || !strings.Contains(out, "reason differs") {
		t.Errorf("a missing runtime: line is not reported:\n%s", out)
	}
	note := "\n# the stack limit is not known: the line \"runtime: goroutine stack exceeds N-byte limit\" is left out\n"
	if n, out := compare(t, false, want, got+note); n != 0 {
		t.Errorf("a line noted as left out counts:\n%s", out)
	}
	got = limit + "runtime: sp=0xc0200e0398 stack=[0xc0200e0000, 0xc0210e0000]\n" + "fatal error: stack overflow\n" + body
	if n, out := compare(t, false, want, got+note); n != 1 || !strings.Contains(out, "reason differs") {
		t.Errorf("a different sp is not reported:\n%s", out)
	}
}

// Labels as go1.26.11 and go1.27.4 printed them (GODEBUG=tracebacklabels=1).
const (
	labels126 = `goroutine 19 gp=0xc000102a80 m=nil [sleep, 2 minutes labels:{"": "", "Z": "a-b", "ctl": "\n\r\t\x01\u007f\x00", "sp ace": "q\"uote\\", "x]": "}]:"}]:`
	labels127 = `goroutine 19 gp=0xc000102a80 m=nil [sleep, 2 minutes] {: , Z: "a-b", bad: "\xff\xc3(", plain: v1.2/x_y, "sp ace": "q\"uote\\", "x]": "}]:"}:`
	labelBody = "\nmain.main()\n\t/a.go:1 +0x1\n"
)

func TestParseLabels(t *testing.T) {
	for _, tc := range []struct {
		header, text string
		pairs        int
	}{
		{labels126, ` labels:{"": "", "Z": "a-b", "ctl": "\n\r\t\x01\u007f\x00", "sp ace": "q\"uote\\", "x]": "}]:"}`, 5},
		{labels127, ` {: , Z: "a-b", bad: "\xff\xc3(", plain: v1.2/x_y, "sp ace": "q\"uote\\", "x]": "}]:"}`, 6},
	} {
		g := mustParse(t, tc.header+labelBody).Goroutine(19)
		if g.Status != "sleep" || g.Minutes != 2 || g.Labels == nil || g.Labels.Text != tc.text || len(g.Labels.Pairs) != tc.pairs {
			t.Errorf("%s: %+v %+v", tc.header, g, g.Labels)
		}
	}
	if p := mustParse(t, labels127+labelBody).Goroutine(19).Labels.Pairs; p[0] != [2]string{"", ""} || p[3] != [2]string{"plain", "v1.2/x_y"} || p[4][1] != `"q\"uote\\"` {
		t.Errorf("1.27 pairs %q", p)
	}
	for _, bad := range []string{
		`goroutine 1 [running labels:{k: "v"}]:`,  // 1.26 quotes everything
		`goroutine 1 [running labels:{"k": "v"]:`, // no }
		`goroutine 1 [running] {"k" "v"}:`,        // no ": "
		`goroutine 1 [running] {"k": "v}:`,        // quote does not end
		`goroutine 1 [running] {k: v}`,            // no ":"
		`goroutine 1 [running] {k: v-w}:`,         // 1.27 quotes "v-w"
		`goroutine 1 [running labels:{"k": "v"}] {k: v}:`,
	} {
		if _, err := Parse("test", strings.NewReader(bad+labelBody)); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

func TestCompareLabels(t *testing.T) {
	plain := "goroutine 19 gp=0xc000102a80 m=nil [sleep, 2 minutes]:"
	for _, tc := range []struct {
		name, want, got string
		mismatches      int
	}{
		{"1.26 same", labels126, labels126, 0},
		{"1.27 same", labels127, labels127, 0},
		{"none", plain, plain, 0},
		{"missing", labels127, plain, 1},
		{"extra", plain, labels126, 1},
		{"quoting", labels127, strings.Replace(labels127, "plain: v1.2/x_y", `"plain": "v1.2/x_y"`, 1), 1},
		{"value", labels126, strings.Replace(labels126, `"a-b"`, `"a-c"`, 1), 1},
		{"1.26 for 1.27", labels127, labels126, 1},
	} {
		n, out := compare(t, false, tc.want+labelBody, tc.got+labelBody)
		if n != tc.mismatches || n > 0 && !strings.Contains(out, "labels differ") {
			t.Errorf("%s: %d mismatches, want %d:\n%s", tc.name, n, tc.mismatches, out)
		}
	}
}
