/* SPDX-License-Identifier: MIT */
/* The crash signature: a hash of what the crash is, not of where this build put it, so that
 * the same bug keeps one signature across restarts, rebuilds and Go upgrades. */
#pragma once

#include "goreport.h"
#include "gotarget.h"

/* Sets report->signature from report->reason and the crashed goroutine's frames (the rule is
 * in gocrashd(8), "Crash signature"). Returns 0 or -ENOMEM. */
int gc_go_signature(const struct gc_go_target *t, struct gc_go_report *report);
