#!/bin/bash
# A Go service under a real systemd PID 1: a systemd-nspawn container booted from the host's
# /usr (tests/e2e/container.sh). Its panic leaves no core until `gocrashctl enable --unit`
# writes the drop-in (GOTRACEBACK=crash, LimitCORE=infinity) and systemd reloads; then the
# kernel hands the core to gocrashd, which stores it with the container's unit and the
# service's, and sends the crash to the container's journal as well: systemctl status and
# journalctl -u of the service inside show it. kernel.core_pattern is one for the whole machine and read-only inside the
# container: enable there takes the host's gocrashd as the handler and changes nothing else.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/container.sh"

command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is missing (Debian: systemd-container)"
goroot=$(ls -d /usr/lib/go-1.* 2>/dev/null | tail -n 1)
[ -n "$goroot" ] || skip "no Debian Go toolchain (golang-1.NN-go) installed"

# shellcheck disable=SC2034 # read by container.sh
CT_RUNDIR=$T/ct-run
ct=gcunit$$
ct_dir=$T/ct
trap 'ct_stop "$ct"; cleanup' EXIT
write_config </dev/null
use_gocrashd
start_journald
(cd "$SRC/tests/go/panic" && GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$T/gocache \
	GOPATH=$T/gopath "$goroot/bin/go" build -o "$T/gosvc" .) || { fail "go build"; finish; }

ct_create "$ct_dir"
# The same paths inside as outside: the service's binary, gocrashctl, its config, the store.
ct_boot "$ct_dir" "$ct" --bind="$T" --bind-ro="$BUILD" || { fail "container boot"; finish; }
ct_exec "$ct" sh -c 'cat >/etc/systemd/system/gosvc.service' <<EOF
[Unit]
Description=A Go service that panics

[Service]
ExecStart=$T/gosvc panic
EOF
inside() { ct_exec "$ct" "$@"; }
inside systemctl daemon-reload

# Without GOTRACEBACK=crash the runtime exits with status 2 on a panic: no signal, no core.
inside systemctl start gosvc || true
sleep 1
wait_handlers
check "without the drop-in, the panic leaves no core" test "$(count_entries 2>/dev/null || echo 0)" = 0
check "... and the service failed" inside systemctl is-failed -q gosvc

# Another handler on the host: enable inside cannot take it over, and changes nothing.
echo '|/bin/false other-handler' >/proc/sys/kernel/core_pattern
rc=0; inside "$GOCRASHCTL" --config="$T/c" enable --unit gosvc.service >"$T/refused" 2>&1 || rc=$?
check "enable refuses another host handler" test "$rc" != 0
check "... saying to enable gocrashd on the host" grep -q "enable gocrashd on the host" "$T/refused"
check "... before writing the drop-in" test ! -e "$ct_dir/etc/systemd/system/gosvc.service.d"
use_gocrashd

inside "$GOCRASHCTL" --config="$T/c" enable --unit gosvc.service >"$T/enable.out" 2>&1 || fail "enable --unit in the container"
cat "$T/enable.out"
dropin=$ct_dir/etc/systemd/system/gosvc.service.d/50-gocrashd.conf
check "enable --unit wrote the drop-in" test -f "$dropin"
check "enable says the host's gocrashd handles crashes" grep -q "host's gocrashd" "$T/enable.out"
check "enable left core_pattern to the host" grep -qF "|$T/gocrashd " /proc/sys/kernel/core_pattern
inside systemctl show -p Environment gosvc >"$T/env"
check "systemd reloaded the drop-in" grep -q GOTRACEBACK=crash "$T/env"
check "systemd-analyze verify accepts the unit and drop-in" \
	inside systemd-analyze verify --man=no gosvc.service

inside systemctl restart gosvc || true
check "the crash is captured" wait_entries 1
wait_handlers
check "as a Go program" test "$(json_field go)" = true
check "killed by SIGABRT" test "$(json_field signal)" = 6
check "the exact binary" test "$(json_field exe)" = "$T/gosvc"
check "the host's unit is the container's scope" test "$(json_field unit)" = "machine-$ct.scope"
id=$(json_field id)
check "the service's unit inside the container" test "$(json_field container_unit)" = gosvc.service
check "... in info" sh -c "'$GOCRASHCTL' --store='$STORE' info '$id' | grep -q 'Container Unit: gosvc.service'"
check "journald has it with GOCRASH_CONTAINER_UNIT" \
	sh -c "journalctl -o export MESSAGE_ID=$MESSAGE_ID GOCRASH_CORE_ID=$id | grep -qx 'GOCRASH_CONTAINER_UNIT=gosvc.service'"
# Where the operator of the container looks: the host's handler sent the crash to the
# container's journald too, under the unit it has there (and _UID=0, which systemctl status
# and journalctl -u want of an OBJECT_SYSTEMD_UNIT= entry).
inside journalctl --sync 2>/dev/null || true
inside systemctl status --no-pager --full --lines=50 gosvc >"$T/ct-status" 2>&1 || true
cat "$T/ct-status"
check "systemctl status inside shows gocrashd's crash line" \
	grep -qE "gocrashd\[[0-9]+\]: gosvc\[[0-9]+\] .*core stored as $id" "$T/ct-status"
inside journalctl -u gosvc -o export --no-pager >"$T/ct-unit" 2>/dev/null || true
check "journalctl -u inside: the entry, from root, with the unit inside" sh -c "
	grep -qx 'GOCRASH_CORE_ID=$id' '$T/ct-unit' && grep -qx 'OBJECT_SYSTEMD_UNIT=gosvc.service' '$T/ct-unit' &&
	grep -qx '_UID=0' '$T/ct-unit' && grep -qx 'MESSAGE_ID=$MESSAGE_ID' '$T/ct-unit'"
check "... without the host's store path" sh -c "! grep -q '^GOCRASH_STORE=' '$T/ct-unit'"
check "the host's journal: under the container's scope, not the unit inside" sh -c "
	journalctl -o export MESSAGE_ID=$MESSAGE_ID GOCRASH_CORE_ID=$id | grep -qx 'OBJECT_SYSTEMD_UNIT=machine-$ct.scope' &&
	test -z \"\$(journalctl -o export MESSAGE_ID=$MESSAGE_ID OBJECT_SYSTEMD_UNIT=gosvc.service)\""
inside "$GOCRASHCTL" --config="$T/c" status >"$T/status" 2>&1 || true
check "gocrashctl status inside: gocrashd is active" grep -q "gocrashd (active)" "$T/status"
check "gocrashctl status inside: the last crash" grep -q "$id" "$T/status"
finish
