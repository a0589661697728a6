# shellcheck shell=bash
# A throwaway systemd-nspawn container that boots a real systemd as its PID 1, for the tests
# that need one (units, sd_booted(), systemctl) on machines whose own PID 1 is not systemd.
# Sourced, never run. No debootstrap and no network: the tree is a few directories, a small
# /etc and an empty /var, and the host's /usr bound read-only over its /usr (Debian is
# merged-usr, so /bin, /lib, /lib64 and /sbin are symlinks into /usr and come along).
#
#   ct_create DIR             make the tree (idempotent; DIR must be empty or a previous tree)
#   ct_boot DIR NAME [ARG...] boot it in the background (ARGs go to nspawn); return once
#                             systemd inside is running or degraded; on failure print why
#                             with the end of the boot log, stop it, and return 1
#   ct_exec NAME CMD...       run CMD inside, as root, with the caller's stdin/out/err;
#                             returns CMD's status
#   ct_leader NAME            host PID of the container's PID 1
#   ct_stop NAME              power off, kill past a timeout; a no-op if nothing is running;
#                             keeps $CT_RUNDIR/NAME/log (the console) for a failed test
#
# Needs root and systemd-nspawn (Debian: systemd-container). Host machined is not needed:
# containers are not registered, and ct_exec uses nsenter rather than machinectl/systemd-run -M.
# set -euo pipefail friendly: every function returns non-zero on failure rather than exiting.

CT_RUNDIR=${CT_RUNDIR:-/run/gocrashd-ct}	# NAME/{pid,leader,dir,log}: one container's state
CT_BOOT_TIMEOUT=${CT_BOOT_TIMEOUT:-60}	# seconds until systemd inside must be running
CT_STOP_TIMEOUT=${CT_STOP_TIMEOUT:-30}	# seconds of orderly poweroff before SIGKILL
CT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

ct_create() { # ct_create DIR
	local dir=$1 f
	mkdir -p "$dir"/{usr,etc,var/log/journal,var/tmp,run,tmp,root,home,proc,sys,dev,opt,srv,mnt}
	chmod 1777 "$dir/tmp" "$dir/var/tmp"
	chmod 700 "$dir/root"
	for f in bin lib lib64 sbin; do
		# Only where the host has them as merged-usr links (lib64 is absent on some arches).
		if [ -L "/$f" ]; then ln -sfn "$(readlink "/$f")" "$dir/$f"; fi
	done
	# nspawn refuses a tree without os-release before /usr is bound, so a real copy, not
	# Debian's link into /usr.
	cp -L /etc/os-release "$dir/etc/os-release"
	# Accounts (root, messagebus for dbus, nobody...) and what glibc needs to find them and
	# the libraries; nothing that enables a host service.
	for f in passwd group shadow gshadow nsswitch.conf ld.so.cache ld.so.conf login.defs; do
		if [ -e "/etc/$f" ]; then cp -a "/etc/$f" "$dir/etc/$f"; fi
	done
	if [ -d /etc/ld.so.conf.d ]; then cp -a /etc/ld.so.conf.d "$dir/etc/"; fi
	# Empty: systemd runs on a transient ID (nspawn passes one) and does not take it for
	# a first boot, so no systemd-firstboot prompt.
	: >"$dir/etc/machine-id"
	echo ct >"$dir/etc/hostname"
	ct_units "$dir"
}

ct_units() { # ct_units DIR: mask what slows a boot or waits on a console nobody reads
	local dir=$1 u
	mkdir -p "$dir/etc/systemd/system"
	for u in systemd-firstboot.service console-getty.service getty.target \
		systemd-random-seed.service systemd-tmpfiles-clean.timer; do
		ln -sfn /dev/null "$dir/etc/systemd/system/$u"
	done
}

ct_state() { # ct_state NAME FIELD: one recorded fact about a booted container
	cat "$CT_RUNDIR/$1/$2" 2>/dev/null
}

ct_leader() { # ct_leader NAME: host PID of the container's init, once nspawn has forked it
	local pid leader
	leader=$(ct_state "$1" leader) && [ -d "/proc/$leader" ] && { echo "$leader"; return; }
	pid=$(ct_state "$1" pid) || return 1
	# nspawn's payload is its only child that lives in another PID namespace.
	for leader in $(cat "/proc/$pid/task/"*/children 2>/dev/null); do
		if [ "$(readlink "/proc/$leader/ns/pid")" != "$(readlink "/proc/$pid/ns/pid")" ]; then
			echo "$leader" >"$CT_RUNDIR/$1/leader"
			echo "$leader"
			return
		fi
	done
	return 1
}

ct_exec() { # ct_exec NAME CMD...: CMD inside every namespace of the container, as its root
	# CMD stays in the caller's cgroup, outside every unit (its /proc/self/cgroup reads
	# 0::/../../..): for a process that must belong to a unit (a crash whose unit is
	# looked up), use ct_exec NAME systemd-run --wait --pipe CMD.
	local name=$1 leader; shift
	leader=$(ct_leader "$name") || { echo "ct_exec: container $name is not running" >&2; return 1; }
	# A clean environment: the host's (GOCACHE, NOTIFY_SOCKET...) means nothing inside.
	nsenter --target "$leader" --all --root --wd \
		env -i PATH="$CT_PATH" HOME=/root TERM=dumb LANG=C.UTF-8 "$@"
}

ct_boot() { # ct_boot DIR NAME [NSPAWN-ARG...]
	local dir=$1 name=$2 pid state deadline; shift 2
	[ -e "$CT_RUNDIR/$name/pid" ] && ct_running "$name" &&
		{ echo "ct_boot: container $name is already running" >&2; return 1; }
	rm -rf "${CT_RUNDIR:?}/$name"
	mkdir -p "$CT_RUNDIR/$name"
	realpath "$dir" >"$CT_RUNDIR/$name/dir"
	# Off systemd (the case this is for), nspawn stays in the cgroup it starts in and makes
	# payload/ and supervisor/ there: ct_cgroup_enter gives each container its own, laid out
	# as a systemd host would (machine.slice/machine-NAME.scope). --register=no and
	# --keep-unit: nothing asks a host systemd or machined for a scope.
	# --link-journal=no: the journal stays in the tree (journalctl -D DIR/var/log/journal).
	# --console=read-only: boot messages go to the log, and no getty waits for input.
	# SYSTEMD_NSPAWN_API_VFS_WRITABLE is cleared unless CT_API_VFS_WRITABLE=1: with it,
	# /proc/sys inside is mounted rw, and it is the host's: kernel.core_pattern included.
	(
		ct_cgroup_enter "$name" || exit 1
		# nspawn picks the container's cgroup mode from the systemd version it finds under
		# DIR/usr, which is empty until the bind: it would fall back to cgroup v1 (no
		# cgroup v2 paths, a v1-only systemd inside). Debian 12 runs v2: ask for it.
		export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=${CT_UNIFIED_HIERARCHY:-1}
		unset SYSTEMD_NSPAWN_API_VFS_WRITABLE	# nspawn rejects it empty
		[ -n "${CT_API_VFS_WRITABLE:-}" ] && export SYSTEMD_NSPAWN_API_VFS_WRITABLE=$CT_API_VFS_WRITABLE
		exec systemd-nspawn \
			--boot --directory="$dir" --machine="$name" --bind-ro=/usr \
			--register=no --keep-unit --link-journal=no --console=read-only \
			--resolv-conf=off --timezone=off "$@"
	) </dev/null >"$CT_RUNDIR/$name/log" 2>&1 &
	pid=$!
	echo "$pid" >"$CT_RUNDIR/$name/pid"
	# ct_running knows nspawn by its command line: wait for the subshell's exec.
	deadline=$((SECONDS + CT_BOOT_TIMEOUT))
	while ct_alive "$pid" && ! ct_running "$name" && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.05
	done
	while [ "$SECONDS" -lt "$deadline" ]; do
		ct_running "$name" || { ct_boot_failed "$name" "nspawn exited"; return 1; }
		# Fails, or says offline, until PID 1 listens on its private socket; then
		# --wait blocks until the boot is over.
		state=$(ct_exec_quiet "$name" timeout $((deadline - SECONDS + 1)) \
			systemctl is-system-running --wait 2>/dev/null) || true
		case $state in
		running | degraded) return 0 ;;
		maintenance | stopping) break ;;
		esac
		sleep 0.2
	done
	# The --wait above was cut short by timeout: ask once more, without waiting.
	[ -n "$state" ] || state=$(ct_exec_quiet "$name" systemctl is-system-running 2>/dev/null) || true
	ct_boot_failed "$name" "systemd is ${state:-not answering} after ${CT_BOOT_TIMEOUT}s"
	return 1
}

ct_cgroup_roots() { # ct_cgroup_roots: the hierarchies systemd tracks processes in, if we own them
	# A host booted with systemd owns its tree: leave it to nspawn and machined there
	# (untested: this is for hosts without; two containers would share one cgroup).
	[ -d /run/systemd/system ] && return 0
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo /sys/fs/cgroup
	else
		# Hybrid or legacy: systemd's named v1 hierarchy, and the v2 one beside it.
		[ -d /sys/fs/cgroup/systemd ] && echo /sys/fs/cgroup/systemd
		[ -d /sys/fs/cgroup/unified ] && echo /sys/fs/cgroup/unified
	fi
	return 0
}

ct_cgroup_enter() { # ct_cgroup_enter NAME: move this (sub)shell into the container's cgroup
	local root
	for root in $(ct_cgroup_roots); do
		mkdir -p "$root/machine.slice/machine-$1.scope"
		echo "$BASHPID" >"$root/machine.slice/machine-$1.scope/cgroup.procs"
	done
}

ct_cgroup_remove() { # ct_cgroup_remove NAME: its cgroups, deepest first, once they are empty
	local root
	for root in $(ct_cgroup_roots); do
		[ -d "$root/machine.slice/machine-$1.scope" ] || continue
		find "$root/machine.slice/machine-$1.scope" -depth -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$root/machine.slice" 2>/dev/null || true	# if no other container is in it
	done
}

ct_exec_quiet() { # ct_exec for a polling loop: no message while the leader is not yet there
	ct_leader "$1" >/dev/null 2>&1 || return 1
	ct_exec "$@"
}

ct_boot_failed() { # ct_boot_failed NAME WHY: say why, with the end of the boot log; stop it
	echo "ct_boot: container $1: $2; last lines of $CT_RUNDIR/$1/log:" >&2
	tail -n 30 "$CT_RUNDIR/$1/log" >&2 || true
	ct_stop "$1"
}

ct_alive() { # ct_alive PID: exists and is not a zombie waiting to be reaped
	local state
	state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) &&
		[ -n "$state" ] && [ "$state" != Z ]
}

ct_running() { # ct_running NAME: is its nspawn still alive
	local pid
	pid=$(ct_state "$1" pid) || return 1
	ct_alive "$pid" && grep -q systemd-nspawn "/proc/$pid/cmdline" 2>/dev/null
}

ct_stop() { # ct_stop NAME: orderly poweroff, then SIGKILL; safe in an EXIT trap
	local name=$1 pid leader deadline
	pid=$(ct_state "$name" pid) || return 0
	if ct_running "$name"; then
		leader=$(ct_leader "$name") || true
		# nspawn turns SIGTERM into SIGRTMIN+3 for the container's systemd: a clean halt.
		kill -TERM "$pid" 2>/dev/null || true
		deadline=$((SECONDS + CT_STOP_TIMEOUT))
		while ct_running "$name" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
		if ct_running "$name"; then
			echo "ct_stop: container $name did not power off in ${CT_STOP_TIMEOUT}s; killing it" >&2
			# Killing a PID namespace's init kills everything in it; then nspawn itself.
			[ -n "$leader" ] && kill -KILL "$leader" 2>/dev/null || true
			sleep 0.5
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	# nspawn is our child when booted from this shell: reap it, whatever its status.
	wait "$pid" 2>/dev/null || true
	# Not our child (booted from another shell): wait until it is gone.
	while ct_running "$name"; do sleep 0.1; done
	rm -f "$CT_RUNDIR/$name/pid" "$CT_RUNDIR/$name/leader"
	ct_cgroup_remove "$name"
	# nspawn leaves these behind when /run is not a tmpfs; rmdir keeps those in use.
	rmdir /run/systemd/nspawn/propagate/"$name" /run/systemd/nspawn/{propagate,locks} \
		/run/systemd/nspawn 2>/dev/null || true
}
