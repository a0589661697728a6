#!/bin/bash
# Installs what gocrashd needs to build and test on Debian 12, idempotently.
#   tests/setup-debian.sh build   build dependencies only
#   tests/setup-debian.sh test    build + test dependencies, Go toolchains included
set -euo pipefail
what=${1:-test}
export DEBIAN_FRONTEND=noninteractive

build_pkgs=(meson ninja-build gcc pkg-config libsystemd-dev libzstd-dev libelf-dev libinih-dev scdoc)
test_pkgs=(libcmocka-dev zstd gdb elfutils binutils systemd systemd-container procps golang-1.19-go)
# Newer Go toolchains from bookworm-backports (1.21-1.23) and trixie (1.24, pinned low).
extra_go=(golang-1.21-go golang-1.22-go golang-1.23-go)

missing() { local p; for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done; }

add_suites() {
	local list=/etc/apt/sources.list.d/gocrashd-tests.sources
	[ -f "$list" ] && return 1
	cat >"$list" <<'EOS'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	cat >/etc/apt/preferences.d/gocrashd-tests-trixie <<'EOS'
Package: *
Pin: release n=trixie
Pin-Priority: 100
EOS
	return 0
}

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")
need=$(missing "${pkgs[@]}")
if [ -n "$need" ]; then
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
if [ "$what" = test ]; then
	need=$(missing "${extra_go[@]}")
	if [ -n "$need" ]; then
		add_suites || true
		apt-get update -qq || true
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends -t bookworm-backports $need >/dev/null ||
			echo "setup: could not install $need; the Go tests use what is there" >&2
	fi
	dpkg -s golang-1.24-go >/dev/null 2>&1 ||
		apt-get install -y -qq --no-install-recommends golang-1.24-go/trixie >/dev/null ||
		echo "setup: could not install golang-1.24-go from trixie" >&2
fi
exit 0
