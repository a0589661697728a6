#!/bin/bash
# Executables crafted by the crashing user, through the real kernel. The executable is read
# before the pipe is drained (by a sandboxed child the handler waits for, up to 1 s), so a
# reader that spins or stalls would hold the dying process, and with it one of
# core_pipe_limit's slots. Each crafted binary is a copy
# of /bin/sleep (the kernel ignores section headers, so it runs): its core must be stored and
# the process released.
. "$(dirname "$0")/lib.sh"

command -v objcopy >/dev/null || skip "objcopy (binutils) is not installed"
write_config </dev/null
use_gocrashd

state_of() { awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || echo gone; }

released() { # released PID: the kernel finished the dump (zombie or reaped) within 30 s
	local _
	for _ in $(seq 1 300); do
		case $(state_of "$1") in Z | X | gone) return 0 ;; esac
		sleep 0.1
	done
	return 1
}

crash_held() { # crash_held NAME: SIGSEGV a sleeping copy; true if released in time
	local pid ok=0
	(cd "$T" && ulimit -c unlimited && exec "./$1" 600) &
	pid=$!
	sleep 0.3
	kill -SEGV "$pid"
	released "$pid" || ok=1
	# A hung handler must not hang the suite: kill it, which lets the kernel go on.
	[ "$ok" = 0 ] || pkill -KILL -f "$T/gocrashd" || true
	wait "$pid" 2>/dev/null || true
	return "$ok"
}

# 0. A .go.buildinfo section at the top of the address space: the build-info scan used to
# let its address wrap past 2^64 and spin for 2^48 rounds.
head -c $((0x17ff0)) /dev/zero >"$T/blob"
objcopy --add-section .go.buildinfo="$T/blob" \
	--change-section-address .go.buildinfo=0xfffffffffffe8000 /bin/sleep "$T/wrap-sleep"
check "top-of-memory build info: process released" crash_held wrap-sleep
check "top-of-memory build info: core stored" wait_entries 1
check "top-of-memory build info: handler done" wait_handlers
check "top-of-memory build info: comm" test "$(json_field comm)" = wrap-sleep
check "top-of-memory build info: not Go" test "$(json_field go)" = false
ctl dump latest -o "$T/wrap.core"
check "top-of-memory build info: core readable" sh -c "readelf -n '$T/wrap.core' | grep -q NT_PRSTATUS"

# A build info header whose string lengths claim more than the file holds.
{ printf '\xff Go buildinf:\x08\x02'; head -c 16 /dev/zero; printf '\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01'; } >"$T/blob2"
objcopy --add-section .go.buildinfo="$T/blob2" /bin/sleep "$T/long-sleep"
check "overlong build info: process released" crash_held long-sleep
check "overlong build info: core stored" wait_entries 2
check "overlong build info: handler done" wait_handlers

# The same executables replayed through the real handler, its messages kept: the root part
# must not have reached a parser (each refuses there, and logs "bug: ... root part").
ctl dump latest -o "$T/long.core"
not_parsed_as_root() { # not_parsed_as_root EXE CORE: no refused parser in its log
	rm -f "$T/replay.log"
	timeout 60 "$GOCRASHD" --config="$T/c" --store="$T/replay" --exe="$T/$1" --no-journal \
		4242 "$1" 11 <"$2" 2>"$T/replay.log"
	! grep -q "root part" "$T/replay.log"
}
check "top-of-memory build info: not parsed as root" not_parsed_as_root wrap-sleep "$T/wrap.core"
check "overlong build info: not parsed as root" not_parsed_as_root long-sleep "$T/long.core"
check "replays stored" test "$(find "$T/replay" -name meta | wc -l)" = 2
finish
