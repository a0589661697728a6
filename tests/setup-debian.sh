#!/bin/bash
# Installs what gocrashd needs to build and test on Debian 12, idempotently.
#   tests/setup-debian.sh build   build dependencies only
#   tests/setup-debian.sh test    build + test dependencies, Go toolchains included
set -euo pipefail
what=${1:-test}
export DEBIAN_FRONTEND=noninteractive

build_pkgs=(meson ninja-build gcc pkg-config libsystemd-dev libzstd-dev libelf-dev libdw-dev libinih-dev scdoc)
# go-md2man and golang-chroma: bookworm's programs built by go1.18, for which Debian has no
# toolchain (tests/e2e/go118.sh).
# systemd-coredump: its coredumpctl reads gocrashd's coredump-compatible entries (e2e-journal).
# acl: getfacl reads back the grants of the store (test-access, e2e-useraccess).
# gdb and tmux: e2e-debug drives gocrashctl debug in a terminal (delve, below, too).
test_pkgs=(libcmocka-dev zstd gdb tmux elfutils binutils systemd systemd-container systemd-coredump procps golang-1.19-go
	go-md2man golang-chroma acl)
# Newer Go toolchains: bookworm-backports (1.21-1.23), trixie (1.24) and trixie-backports
# (1.25-1.27), the trixie suites pinned low so that nothing else is upgraded from them.
backports_go=(golang-1.21-go golang-1.22-go golang-1.23-go)
# Delve from trixie too: bookworm's 1.20 cannot read the cores of the newer toolchains.
trixie_go=(golang-1.24-go/trixie golang-1.25-go/trixie-backports golang-1.26-go/trixie-backports
	golang-1.27-go/trixie-backports delve/trixie)

missing() { local p; for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done; }

add_suites() {
	local list=/etc/apt/sources.list.d/gocrashd-tests.sources
	local want='Suites: bookworm-backports trixie trixie-backports'
	grep -qx "$want" "$list" 2>/dev/null && return 1
	cat >"$list" <<EOS
Types: deb
URIs: http://deb.debian.org/debian
$want
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	cat >/etc/apt/preferences.d/gocrashd-tests-trixie <<'EOS'
Package: *
Pin: release n=trixie
Pin-Priority: 100

Package: *
Pin: release n=trixie-backports
Pin-Priority: 100
EOS
	return 0
}

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")
need=$(missing "${pkgs[@]}")
if [ -n "$need" ]; then
	apt-get update -qq
	# systemd-coredump's postinst applies its sysctl.d file (core_pattern, core_pipe_limit,
	# fs.suid_dumpable=2): put back what was there.
	saved_pattern=$(cat /proc/sys/kernel/core_pattern)
	saved_pipe_limit=$(cat /proc/sys/kernel/core_pipe_limit)
	saved_suid_dumpable=$(cat /proc/sys/fs/suid_dumpable)
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >/dev/null
	printf '%s\n' "$saved_pattern" >/proc/sys/kernel/core_pattern 2>/dev/null || true
	printf '%s\n' "$saved_pipe_limit" >/proc/sys/kernel/core_pipe_limit 2>/dev/null || true
	printf '%s\n' "$saved_suid_dumpable" >/proc/sys/fs/suid_dumpable 2>/dev/null || true
fi
if [ "$what" = test ]; then
	need=$(missing "${backports_go[@]}" "${trixie_go[@]%/*}")
	if [ -n "$need" ]; then
		if add_suites || ! apt-cache policy golang-1.27-go | grep -q trixie-backports; then
			apt-get update -qq || true
		fi
		need=$(missing "${backports_go[@]}")
		# shellcheck disable=SC2086
		[ -z "$need" ] || apt-get install -y -qq --no-install-recommends \
			-t bookworm-backports $need >/dev/null ||
			echo "setup: could not install $need; the Go tests use what is there" >&2
		for p in "${trixie_go[@]}"; do
			dpkg -s "${p%/*}" >/dev/null 2>&1 ||
				apt-get install -y -qq --no-install-recommends "$p" >/dev/null ||
				echo "setup: could not install $p" >&2
		done
	fi
fi
exit 0
