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
"$gocrashctl" enable
