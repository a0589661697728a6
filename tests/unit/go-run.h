/* SPDX-License-Identifier: MIT */
/* For unit tests that build Go programs with the Debian toolchains. */
#pragma once

/* Runs argv (argv[0] a path) in dir with GOCACHE=gocache, GOTOOLCHAIN=local, GOPROXY=off,
 * GOFLAGS=-mod=mod and CGO_ENABLED=cgo ("0" when NULL); stdout and stderr go to out (NULL:
 * discarded). Returns the exit code, 127 when it could not run, 128 when it died. Makes no
 * cmocka assertion: it also runs in group setups. */
int go_run(const char *dir, const char *gocache, const char *cgo, char *const argv[],
	   const char *out);
