#!/bin/bash
# Self-test of tbcompare on real runtime output.
#
# For every installed Go toolchain (/usr/lib/go-1.*, or the GOROOTs listed in
# TBCOMPARE_GOROOTS) it builds tests/go/crash, runs each mode with GOTRACEBACK=crash
# (ulimit -c 0: no core is written), checks that the program crashed the way the mode
# promises, and then checks tbcompare on the captured stderr:
#   - a file compared with itself (and with -strict) is equal;
#   - copies with a line number changed, a frame removed, a goroutine removed, the
#     status changed or the reason changed differ, with the expected message;
#   - a copy with the goroutines reordered, with an extra goroutine, with the minutes
#     off by one, or (busy) with frames where the runtime had "stack unavailable" is equal;
#   - the goroutines that busywait prints twice are compared in their printing with frames;
#   - an fp= value changed differs with -strict only.
# Prints one "ok - ..." or "FAIL - ..." line per check (and "skip - ..." for what cannot
# run here) and exits 1 if any check failed.
#
# Environment: TBCOMPARE_GOROOTS (toolchains), TBCOMPARE_MODES (modes, default all),
# TBCOMPARE_MANY (goroutines for the many mode, default 10000), GOCACHE, GOPATH.
# Takes about 4 minutes with five toolchains.
set -u

here=$(cd "$(dirname "$0")" && pwd)
crashsrc=$here/../crash

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tbcompare-selftest.XXXXXX") || exit 2
waitpid=
cleanup() {
	if [ -n "$waitpid" ]; then
		kill -KILL "$waitpid" 2>/dev/null
		wait "$waitpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ulimit -c 0
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod
export GOPATH=${GOPATH:-$tmp/gopath} # standard library only: nothing is downloaded
unset GOTRACEBACK GODEBUG

passed=0
failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "FAIL - $*"; failed=$((failed + 1)); }
skip() { echo "skip - $*"; }

goroots=${TBCOMPARE_GOROOTS:-$(ls -d /usr/lib/go-1.* 2>/dev/null)}
modes=${TBCOMPARE_MODES:-panic error custom stringer int namedint nested repanic repanicdefer goexit deferfault float complex fatalinpanic nil divide mapwrite deadlock overflow many wait waitquit busy busywait throw cgo}
many=${TBCOMPARE_MANY:-10000}
[ -n "$goroots" ] || { echo "FAIL - no Go toolchain found (set TBCOMPARE_GOROOTS)"; exit 1; }

# Reuse the caller's build cache when it is writable, else use a private one.
newest=$(for g in $goroots; do [ -x "$g/bin/go" ] && echo "$g"; done | sort -V | tail -n 1)
[ -n "$newest" ] || { echo "FAIL - no usable go binary in: $goroots"; exit 1; }
if [ -z "${GOCACHE:-}" ]; then
	c=$("$newest/bin/go" env GOCACHE 2>/dev/null)
	if [ -n "$c" ] && mkdir -p "$c" 2>/dev/null && [ -w "$c" ]; then
		export GOCACHE=$c
	else
		export GOCACHE=$tmp/gocache
	fi
fi

tbc=$tmp/tbcompare
if (cd "$here" && "$newest/bin/go" build -o "$tbc" .) >"$tmp/build.log" 2>&1; then
	ok "build tbcompare with $("$newest/bin/go" env GOVERSION)"
else
	cat "$tmp/build.log"
	fail "build tbcompare"
	exit 1
fi

# expect_reason MODE FILE: the crash program failed the way MODE promises.
expect_reason() {
	local re
	case $1 in
	panic) re='^panic: boom$' ;;
	error) re='^panic: open settings.conf: boom$' ;;
	custom) re='^panic: \(main\.point\) 0x[0-9a-f]+$' ;;
	stringer) re='^panic: temperature 451 is too hot$' ;;
	int) re='^panic: 42$' ;;
	namedint) re='^panic: main\.exitCode\(7\)$' ;;
	nested) re='^	panic: second \[recovered\]$' ;;
	repanic) re='^panic: boom \[recovered(, repanicked)?\]$' ;;
	repanicdefer) re='^(	)?panic: boom( \[recovered, repanicked\])?$' ;;
	goexit) re='^panic: after Goexit$' ;;
	deferfault) re='^	panic: runtime error: invalid memory address or nil pointer dereference$' ;;
	float) re='^panic: (\+3\.000000e-001|0\.30000000000000004)$' ;;
	complex) re='^panic: (\(\+1\.000000e-001-2\.000000e\+000i\)|\(0\.1-2i\))$' ;;
	fatalinpanic) re='^	?fatal error: sync: unlock of unlocked mutex$' ;;
	nil) re='^\[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x[0-9a-f]+\]$' ;;
	divide) re='^panic: runtime error: integer divide by zero$' ;;
	mapwrite) re='^fatal error: concurrent map writes$' ;;
	deadlock) re='^fatal error: all goroutines are asleep - deadlock!$' ;;
	overflow) re='^runtime: goroutine stack exceeds [0-9]+-byte limit$' ;;
	many) re='^panic: many goroutines are parked$' ;;
	wait) re='^SIGABRT: abort$' ;;
	waitquit) re='^SIGQUIT: quit$' ;;
	busywait) re='^SIGABRT: abort$' ;;
	busy) re='^	goroutine running on other thread; stack unavailable$' ;;
	throw) re='^fatal error: sync: unlock of unlocked mutex$' ;;
	cgo) re='^(SIGSEGV: segmentation violation|\[signal SIGSEGV: segmentation violation .*)$' ;;
	*) return 1 ;;
	esac
	grep -Eq "$re" "$2"
}

# capture EXE MODE OUT: run one mode, stderr to OUT; sets rc to the exit status.
capture() {
	local exe=$1 mode=$2 out=$3 sig i
	case $mode in
	wait | waitquit | busywait)
		sig=ABRT
		[ "$mode" = waitquit ] && sig=QUIT
		[ "$mode" = waitquit ] && mode=wait
		: >"$tmp/ready"
		GOTRACEBACK=crash "$exe" "$mode" >"$tmp/ready" 2>"$out" &
		waitpid=$!
		for i in $(seq 200); do
			grep -q '^ready$' "$tmp/ready" 2>/dev/null && break
			sleep 0.05
		done
		kill -"$sig" "$waitpid" 2>/dev/null
		{ wait "$waitpid"; rc=$?; } 2>/dev/null # no "Aborted" note from bash
		waitpid=
		;;
	many)
		{ GOTRACEBACK=crash timeout 120 "$exe" many "$many" >/dev/null 2>"$out"; rc=$?; } 2>/dev/null
		;;
	*)
		{ GOTRACEBACK=crash timeout 120 "$exe" "$mode" >/dev/null 2>"$out"; rc=$?; } 2>/dev/null
		;;
	esac
}

# --- perturbations (awk, on the EXTRACTED copy) ---

# The first file line, with an offset, of a main.* frame in a goroutine other than 0.
# bump_line adds 1 to its line number; bump_fp changes its fp= value.
perturb_main_frame() { # WHAT IN OUT
	awk -v what="$1" '
		/^goroutine [0-9]+ / { ing = ($2 != "0") }
		/^runtime stack:$/ { ing = 0 }
		{
			if (!done && ing && fn && match($0, /:[0-9]+ \+0x/)) {
				if (what == "line") {
					num = substr($0, RSTART + 1, RLENGTH - 5)
					$0 = substr($0, 1, RSTART) (num + 1) substr($0, RSTART + 1 + length(num))
					done = 1
				} else if (match($0, / fp=0x/)) {
					$0 = substr($0, 1, RSTART + 5) "1" substr($0, RSTART + 6)
					done = 1
				}
			}
			fn = ($0 ~ /^main\./)
			print
		}' "$2" >"$3"
}

# remove_frame: drop the first main.layer frame (function and file line).
remove_frame() {
	awk '
		!done && /^main\.layer\(/ { getline; done = 1; next }
		{ print }' "$1" >"$2"
}

# remove_goroutine: drop every printing of the goroutine in select.
remove_goroutine() {
	awk '
		/^goroutine [0-9]+ .*\[select\]:$/ { drop = 1 }
		drop && $0 == "" { drop = 0; next }
		!drop { print }' "$1" >"$2"
}

# set_status OLD NEW IN OUT: change the status of the first goroutine in OLD.
set_status() {
	awk -v old="[$1]:" -v new="[$2]:" '
		!done && /^goroutine [0-9]+ / && substr($0, length($0) - length(old) + 1) == old {
			$0 = substr($0, 1, length($0) - length(old)) new
			done = 1
		}
		{ print }' "$3" >"$4"
}

# change_reason: alter the first reason line, or the signal line of a signal crash; for a
# kill from outside (no reason at all) add a reason line after the PC= line.
change_reason() {
	awk '
		!done && /^(panic: |fatal error: |\[signal |SIG(SEGV|BUS|FPE|ILL|TRAP): )/ { $0 = $0 " (perturbed)"; done = 1 }
		!done && NR == 2 && /^PC=/ { print; $0 = "panic: perturbed"; done = 1 }
		{ print }' "$1" >"$2"
}

# reorder: print the goroutines of the main part in reverse order.
reorder() {
	awk '
		{ line[NR] = $0 }
		END {
			for (start = 1; start <= NR; start++)
				if (line[start] ~ /^goroutine [0-9]+ /) break
			for (end = start; end <= NR; end++)
				if (line[end] == "-----" || line[end] ~ /^[a-z][a-z0-9]* +0x[0-9a-f]+$/) break
			end--
			nb = 0
			for (k = start; k <= end; k++) {
				if (line[k] == "") continue
				if (k == start || line[k - 1] == "") { nb++; b[nb] = "" }
				b[nb] = b[nb] line[k] "\n"
			}
			for (i = 1; i < start; i++) print line[i]
			for (k = nb; k >= 1; k--) { printf "%s", b[k]; print "" }
			for (i = end + 1; i <= NR; i++) print line[i]
		}' "$1" >"$2"
}

# add_goroutine: append a goroutine the runtime did not print.
add_goroutine() {
	cat "$1" >"$2"
	printf '\ngoroutine 999999 [chan receive]:\nmain.notPrinted()\n\t/nowhere/main.go:1 +0x1\n' >>"$2"
}

# fill_unavailable: frames where the runtime printed "stack unavailable".
fill_unavailable() {
	awk '
		$0 == "\tgoroutine running on other thread; stack unavailable" {
			print "main.spin(0xc000012345)"
			print "\t/nowhere/main.go:470 +0x4"
			next
		}
		{ print }' "$1" >"$2"
}

# bump_section_frame: add 1 to the line number of the last main.spinVia frame: in a
# thread section ("-----"), a spinner that the main part showed as "stack unavailable".
bump_section_frame() {
	awk '
		NR == FNR { if (prev ~ /^main\.spinVia\(/) last = FNR; prev = $0; next }
		FNR == last && match($0, /:[0-9]+ \+0x/) {
			num = substr($0, RSTART + 1, RLENGTH - 5)
			$0 = substr($0, 1, RSTART) (num + 1) substr($0, RSTART + 1 + length(num))
		}
		{ print }' "$1" "$1" >"$2"
}

# check_cmp NAME WANT_STATUS WANT_TEXT [tbcompare args...]
check_cmp() {
	local name=$1 want=$2 text=$3 rc
	shift 3
	"$tbc" "$@" >"$tmp/cmp.out" 2>&1
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name: tbcompare exit $rc, want $want"
		sed -n '1,30s/^/    /p' "$tmp/cmp.out"
		return
	fi
	if [ -n "$text" ] && ! grep -q -- "$text" "$tmp/cmp.out"; then
		fail "$name: output lacks \"$text\""
		sed -n '1,30s/^/    /p' "$tmp/cmp.out"
		return
	fi
	if [ "$want" != 2 ] && ! tail -n 1 "$tmp/cmp.out" | grep -Eq '^[0-9]+ goroutines compared, [0-9]+ frames, [0-9]+ mismatches$'; then
		fail "$name: no summary line"
		return
	fi
	ok "$name"
}

# check_file NAME FILE: every comparator check on one captured stderr.
check_file() {
	local n=$1 f=$2 p=$tmp/perturbed
	check_cmp "$n: itself" 0 " 0 mismatches" "$f" "$f"
	check_cmp "$n: itself -strict" 0 " 0 mismatches" -strict "$f" "$f"

	perturb_main_frame line "$f" "$p"
	if cmp -s "$f" "$p"; then fail "$n: no frame line to change"; else
		check_cmp "$n: line number changed" 1 "frames differ" "$f" "$p"
	fi
	remove_frame "$f" "$p"
	check_cmp "$n: frame removed" 1 "frames differ" "$f" "$p"
	remove_goroutine "$f" "$p"
	check_cmp "$n: goroutine removed" 1 "missing from EXTRACTED" "$f" "$p"
	set_status "chan send" "chan receive" "$f" "$p"
	check_cmp "$n: status changed" 1 "status differs" "$f" "$p"
	set_status "chan send" "chan send, 2 minutes" "$f" "$p"
	check_cmp "$n: status 2 minutes off" 1 "status differs" "$f" "$p"
	set_status "chan send" "chan send, 1 minutes" "$f" "$p"
	check_cmp "$n: status 1 minute off" 0 "" "$f" "$p"
	change_reason "$f" "$p"
	check_cmp "$n: reason changed" 1 "differs" "$f" "$p"
	perturb_main_frame fp "$f" "$p"
	check_cmp "$n: fp changed, -strict" 1 "frames differ" -strict "$f" "$p"
	check_cmp "$n: fp changed, not strict" 0 "" "$f" "$p"
	reorder "$f" "$p"
	if cmp -s "$f" "$p"; then fail "$n: reorder changed nothing"; else
		check_cmp "$n: goroutines reordered" 0 "" "$f" "$p"
	fi
	add_goroutine "$f" "$p"
	check_cmp "$n: extra goroutine" 0 "" "$f" "$p"
	# (Only when no thread section prints those goroutines again with their frames.)
	if grep -q 'stack unavailable$' "$f" && ! grep -q '^-----$' "$f"; then
		fill_unavailable "$f" "$p"
		check_cmp "$n: frames for a stack unavailable" 0 "" "$f" "$p"
	fi
	if grep -q 'stack unavailable$' "$f" && grep -q '^-----$' "$f"; then
		bump_section_frame "$f" "$p"
		check_cmp "$n: frames of a thread section" 1 "frames differ" "$f" "$p"
	fi
}

for goroot in $goroots; do
	go=$goroot/bin/go
	[ -x "$go" ] || { skip "$goroot: no bin/go"; continue; }
	v=$("$go" env GOVERSION)
	v=${v%.*} # go1.22.12 -> go1.22
	exe=$tmp/crash-$v
	if ! (cd "$crashsrc" && "$go" build -o "$exe" .) >"$tmp/build.log" 2>&1; then
		cat "$tmp/build.log"
		fail "$v: build crash"
		continue
	fi
	if ! (cd "$crashsrc" && CGO_ENABLED=0 "$go" build -o "$exe-nocgo" .) >"$tmp/build.log" 2>&1; then
		cat "$tmp/build.log"
		fail "$v: build crash with CGO_ENABLED=0"
		continue
	fi
	ok "$v: build crash"
	for mode in $modes; do
		f=$tmp/$v-$mode.txt
		bin=$exe
		[ "$mode" = deadlock ] && bin=$exe-nocgo # no deadlock detection with cgo
		capture "$bin" "$mode" "$f"
		if [ "$mode" = cgo ] && [ "$rc" = 3 ]; then
			skip "$v cgo: built without cgo"
			continue
		fi
		if [ "$rc" != 134 ]; then
			fail "$v $mode: exit status $rc, want 134 (SIGABRT)"
			sed -n '1,10s/^/    /p' "$f"
			continue
		fi
		if ! expect_reason "$mode" "$f"; then
			fail "$v $mode: unexpected output"
			sed -n '1,10s/^/    /p' "$f"
			continue
		fi
		if [ "$mode" = many ] && [ "$(grep -c '^goroutine [0-9]* .*\[chan receive\]:$' "$f")" -lt "$many" ]; then
			fail "$v many: fewer than $many goroutines in chan receive"
			continue
		fi
		ok "$v $mode: crashed as expected"
		check_file "$v $mode" "$f"
	done
done

# Usage and parse errors exit 2.
: >"$tmp/empty"
check_cmp "usage" 2 "usage" "$tmp/empty"
check_cmp "parse error: empty file" 2 "no goroutine" "$tmp/empty" "$tmp/empty"
printf 'panic: x\n\ngoroutine 1 [running]:\nmain.main()\nmain.main()\n' >"$tmp/bad"
check_cmp "parse error: frame without file line" 2 "file line" "$tmp/bad" "$tmp/bad"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
