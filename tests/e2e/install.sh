#!/bin/bash
# `meson install --destdir`: the installed tree has every file, with the build's paths
# substituted, and installing into a DESTDIR leaves the running system alone.
. "$(dirname "$0")/lib.sh"

dest=$T/dest
before=$(cat /proc/sys/kernel/core_pattern)
meson install -C "$BUILD" --destdir "$dest" >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "meson install"; }
eval "$(meson introspect "$BUILD" --buildoptions | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
p = o["prefix"]
for name in ("libexecdir", "bindir", "sysconfdir", "mandir", "datadir"):
    d = o[name]
    print("%s=%s" % (name, d if d.startswith("/") else p + "/" + d))
print("prefix=" + p)
')"
check "handler installed" test -x "$dest$libexecdir/gocrashd"
check "gocrashctl installed" test -x "$dest$bindir/gocrashctl"
check "config installed" test -f "$dest$sysconfdir/gocrashd/gocrashd.conf"
check "config has no placeholders" sh -c "! grep -q '@[A-Z_]*@' '$dest$sysconfdir/gocrashd/gocrashd.conf'"
sysctl_file=$dest$prefix/lib/sysctl.d/50-gocrashd.conf
check "sysctl.d file installed" test -f "$sysctl_file"
check "core_pattern points at the installed handler" \
	grep -qxF "kernel.core_pattern=|$libexecdir/gocrashd --dump-mode=%d %P %e %s %t %u %g" "$sysctl_file"
check "core_pipe_limit set" grep -q '^kernel.core_pipe_limit=[1-9]' "$sysctl_file"
check "tmpfiles.d entry" grep -q '^d .*/gocrashd 0711 root root' "$dest$prefix/lib/tmpfiles.d/gocrashd.conf"
check "sysusers.d entry" grep -q '^u gocrashd ' "$dest$prefix/lib/sysusers.d/gocrashd.conf"
check "bash completion" test -f "$dest$datadir/bash-completion/completions/gocrashctl"
if command -v scdoc >/dev/null; then
	for page in man8/gocrashd.8 man1/gocrashctl.1 man5/gocrashd.conf.5; do
		check "man page $page" test -s "$dest$mandir/$page"
		check "$page has no placeholders" sh -c "! grep -q '@[A-Z_]*@' '$dest$mandir/$page'"
	done
	check "man renders" sh -c "man -l '$dest$mandir/man1/gocrashctl.1' 2>/dev/null | grep -q 'gocrashctl - list'"
else
	echo "scdoc not installed: man pages not built, not checked"
fi
check "a DESTDIR install leaves core_pattern alone" test "$(cat /proc/sys/kernel/core_pattern)" = "$before"
check "the installed handler runs" "$dest$libexecdir/gocrashd" --version
finish
