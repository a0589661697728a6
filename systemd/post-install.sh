#!/bin/sh
# Run by `meson install`: when installing for real as root, make gocrashd the core handler now,
# as a distribution package's postinst would (`gocrashctl enable` records the handler it
# replaces, for `gocrashctl disable` and NonGo=forward). A DESTDIR install changes nothing.
set -e
gocrashctl=$1
[ -z "$DESTDIR" ] || exit 0
if [ "$(id -u)" != 0 ]; then
	echo "gocrashd: not root, not enabling it (run: $gocrashctl enable)"
	exit 0
fi
# The user the analysis of untrusted cores runs as (nobody when it is missing).
if command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers "$2" || echo "gocrashd: could not create the gocrashd user; analysis runs as nobody"
fi
"$gocrashctl" enable
