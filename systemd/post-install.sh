#!/bin/sh
# Run by `meson install`: when installing for real as root, make gocrashd active now, as a
# distribution package's postinst would. A DESTDIR install (packaging, tests) changes nothing.
set -e
[ -z "$DESTDIR" ] || exit 0
[ "$(id -u)" = 0 ] || { echo "gocrashd: not root, skipping activation (run: sysctl -p $1)"; exit 0; }
if command -v systemd-tmpfiles >/dev/null 2>&1; then
	systemd-tmpfiles --create "$2"
else
	install -d -m 0700 "$(awk '$1 == "d" { print $2 }' "$2")"
fi
sysctl -q -p "$1"
echo "gocrashd: active, kernel.core_pattern = $(cat /proc/sys/kernel/core_pattern)"
