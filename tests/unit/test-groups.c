/* SPDX-License-Identifier: MIT */
/* Crash groups on a real temporary store: recording, listing, a store of an earlier version
 * (entries without group files), value lists, the file format and hostile bytes in it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "groups.h"
#include "log.h"
#include "macro.h"
#include "store.h"

#define T0	 1704164645000000ull /* 2024-01-02 03:04:05 UTC */
#define SEC	 1000000ull
#define SIG_A	 "0123456789abcdef"
#define SIG_B	 "fedcba9876543210"
#define EXE	 "/usr/bin/crashy"
#define EXE_HASH "5a60e56d1b608a1d" /* FNV-1a 64 of "/usr/bin/crashy\0" "11", by Python */

struct fixture {
	char root[64];
	struct gc_store *store;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->root, "/tmp/test-groups-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	assert_int_equal(gc_store_open(f->root, false, &f->store), 0);
	*state = f;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	gc_store_free(f->store);
	nftw(f->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

struct crash {
	uint64_t time_usec;
	const char *exe, *signature, *unit, *go_version, *reason, *crash_site;
	int signal;
	bool core;
	bool old;	      /* an entry of an earlier version: no group in its meta */
	uint64_t group_count; /* recorded in its meta when not 0 */
};

static void crash_meta(const struct crash *c, struct gc_meta *meta)
{
	*meta = (struct gc_meta){.time_usec = c->time_usec, .pid = 4242, .signal = c->signal};
	meta->comm = strdup("crashy");
	meta->exe = c->exe ? strdup(c->exe) : NULL;
	meta->go_signature = c->signature ? strdup(c->signature) : NULL;
	meta->unit = c->unit ? strdup(c->unit) : NULL;
	meta->go_version = c->go_version ? strdup(c->go_version) : NULL;
	meta->go_reason = c->reason ? strdup(c->reason) : NULL;
	meta->go_crash_site = c->crash_site ? strdup(c->crash_site) : NULL;
	meta->core_stored = c->core;
	if (!c->old) {
		char group[GC_GROUP_LEN + 1];

		gc_group_of(meta, group);
		meta->group = strdup(group);
	}
	if (c->group_count)
		GC_META_SET(meta, group_count, c->group_count);
}

/* Commits an entry for the crash; its meta (with its id) stays the caller's. */
static void commit_crash(struct fixture *f, const struct crash *c, struct gc_meta *meta)
{
	struct gc_entry *entry;

	crash_meta(c, meta);
	assert_int_equal(gc_entry_new(f->store, c->time_usec, meta->pid, &entry), 0);
	assert_int_equal(gc_entry_commit(entry, meta), 0);
	assert_non_null(meta->id);
}

/* Commits the crash and counts it into its group, as the handler does. */
static void store_crash(struct fixture *f, const struct crash *c, struct gc_group *ret)
{
	struct gc_meta meta;

	commit_crash(f, c, &meta);
	assert_int_equal(gc_group_record(f->store, &meta, 1, ret), 0);
	gc_meta_free(&meta);
}

static size_t n_values(char *const values[GC_GROUP_VALUES])
{
	size_t n = 0;

	while (n < GC_GROUP_VALUES && values[n])
		n++;
	return n;
}

static void test_group_of(void **state)
{
	struct gc_meta meta = {.signal = 11, .exe = EXE, .comm = "crashy"};
	char a[GC_GROUP_LEN + 1], b[GC_GROUP_LEN + 1];

	gc_group_of(&meta, a);
	assert_string_equal(a, EXE_HASH);
	assert_true(gc_group_id_valid(a));

	/* A redeployed executable stays the same group. */
	meta.exe = EXE " (deleted)";
	gc_group_of(&meta, b);
	assert_string_equal(a, b);

	/* The signal counts, and the NUL keeps "/a" "11" apart from "/a1" "1". */
	meta.signal = 6;
	gc_group_of(&meta, b);
	assert_string_not_equal(a, b);
	meta = (struct gc_meta){.signal = 11, .exe = "/a"};
	gc_group_of(&meta, a);
	meta = (struct gc_meta){.signal = 1, .exe = "/a1"};
	gc_group_of(&meta, b);
	assert_string_not_equal(a, b);

	/* No exe: the comm. */
	meta = (struct gc_meta){.signal = 11, .comm = EXE};
	gc_group_of(&meta, b);
	assert_string_equal(b, EXE_HASH);

	/* A Go signature is the group; one that is not 16 lowercase hex digits is not used. */
	meta = (struct gc_meta){.signal = 11, .exe = EXE, .go_signature = SIG_A};
	gc_group_of(&meta, a);
	assert_string_equal(a, SIG_A);
	meta.go_signature = "0123456789ABCDEF";
	gc_group_of(&meta, a);
	assert_string_equal(a, EXE_HASH);
	meta.go_signature = "0123";
	gc_group_of(&meta, a);
	assert_string_equal(a, EXE_HASH);
}

static void test_id_valid(void **state)
{
	assert_true(gc_group_id_valid(SIG_A));
	assert_false(gc_group_id_valid(NULL));
	assert_false(gc_group_id_valid(""));
	assert_false(gc_group_id_valid("0123456789abcde"));
	assert_false(gc_group_id_valid("0123456789abcdef0"));
	assert_false(gc_group_id_valid("0123456789abcdeF"));
	assert_false(gc_group_id_valid("../../etc/passwd"));
	assert_false(gc_group_id_valid(".123456789abcdef"));
}

static void test_record_list_get(void **state)
{
	struct fixture *f = *state;
	struct crash go = {.time_usec = T0,
			   .exe = "/srv/api",
			   .signature = SIG_A,
			   .unit = "api.service",
			   .go_version = "go1.22.1",
			   .reason = "panic: boom\n\tpanic: earlier",
			   .crash_site = "main.handler (main.go:42)",
			   .signal = 6,
			   .core = true};
	struct crash c = {.time_usec = T0 + 5 * SEC, .exe = EXE, .signal = 11, .core = true};
	struct gc_group g, *groups;
	char path[256], line[64];
	struct stat st;
	size_t n;
	FILE *file;

	store_crash(f, &go, &g);
	assert_string_equal(g.id, SIG_A);
	assert_int_equal(g.count, 1);
	assert_int_equal(g.first_usec, T0);
	assert_int_equal(g.last_usec, T0);
	assert_string_equal(g.reason, "panic: boom");
	assert_string_equal(g.crash_site, "main.handler (main.go:42)");
	assert_string_equal(g.units[0], "api.service");
	assert_string_equal(g.exes[0], "/srv/api");
	assert_string_equal(g.go_versions[0], "go1.22.1");
	assert_non_null(g.last_id);
	gc_group_done(&g);

	/* The second crash of the group is analysis only: no core. */
	go.time_usec = T0 + 10 * SEC;
	go.core = false;
	go.exe = "/srv/api (deleted)";
	go.go_version = "go1.22.2";
	store_crash(f, &go, NULL);
	store_crash(f, &c, NULL);

	assert_int_equal(gc_groups_list(f->store, &groups, &n), 0);
	assert_int_equal(n, 2);
	/* Most recent last crash last. */
	assert_string_equal(groups[0].id, EXE_HASH);
	assert_int_equal(groups[0].count, 1);
	assert_string_equal(groups[0].reason, "SIGSEGV");
	assert_null(groups[0].crash_site);
	assert_int_equal(groups[0].entries, 1);
	assert_int_equal(groups[0].cores, 1);
	assert_string_equal(groups[1].id, SIG_A);
	assert_int_equal(groups[1].count, 2);
	assert_int_equal(groups[1].first_usec, T0);
	assert_int_equal(groups[1].last_usec, T0 + 10 * SEC);
	assert_int_equal(groups[1].entries, 2);
	assert_int_equal(groups[1].cores, 1);
	assert_int_equal(n_values(groups[1].exes), 1); /* " (deleted)" cut */
	assert_int_equal(n_values(groups[1].go_versions), 2);
	assert_string_equal(groups[1].go_versions[1], "go1.22.2");
	assert_int_equal(n_values(groups[1].units), 1);
	gc_group_array_free(groups, n);

	assert_int_equal(gc_group_get(f->store, SIG_A, &g), 0);
	assert_int_equal(g.count, 2);
	assert_int_equal(g.entries, 2);
	assert_int_equal(g.cores, 1);
	gc_group_done(&g);
	assert_int_equal(gc_group_get(f->store, SIG_B, &g), -ENOENT);
	assert_int_equal(gc_group_get(f->store, "../.lock", &g), -EINVAL);

	/* The files: 0700 directory, 0600 file, version first. */
	snprintf(path, sizeof(path), "%s/.groups", f->root);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(path, sizeof(path), "%s/.groups/" SIG_A, f->root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	file = fopen(path, "re");
	assert_non_null(file);
	assert_non_null(fgets(line, sizeof(line), file));
	assert_string_equal(line, "version=1\n");
	fclose(file);

	/* .groups is no entry of the store's. */
	{
		struct gc_meta *metas;

		assert_int_equal(gc_store_list(f->store, &metas, &n), 0);
		assert_int_equal(n, 3);
		gc_meta_array_free(metas, n);
	}
}

/* Rate-limited crashes are counted without an entry; they say nothing of the latest entry. */
static void test_record_counted(void **state)
{
	struct fixture *f = *state;
	struct crash go = {.time_usec = T0,
			   .exe = "/srv/api",
			   .signature = SIG_A,
			   .reason = "panic: boom",
			   .crash_site = "main.handler (main.go:42)",
			   .signal = 6,
			   .core = true};
	struct gc_meta counted = {.time_usec = T0 + 60 * SEC, .signal = 6, .group = SIG_A};
	struct gc_group g, before;

	store_crash(f, &go, &before);
	assert_int_equal(gc_group_record(f->store, &counted, 37, &g), 0);
	assert_int_equal(g.count, 38);
	assert_int_equal(g.last_usec, T0 + 60 * SEC);
	assert_string_equal(g.last_id, before.last_id);
	assert_string_equal(g.reason, "panic: boom");
	assert_string_equal(g.crash_site, "main.handler (main.go:42)");
	gc_group_done(&g);
	gc_group_done(&before);

	/* No group in the meta: refused. */
	counted.group = NULL;
	assert_int_equal(gc_group_record(f->store, &counted, 1, &g), -EINVAL);
	counted.group = "../../x";
	assert_int_equal(gc_group_record(f->store, &counted, 1, &g), -EINVAL);
}

/* A store of an earlier version: entries without group meta and no .groups at all. */
static void test_upgrade(void **state)
{
	struct fixture *f = *state;
	struct crash c = {.exe = EXE, .signal = 11, .unit = "c.service", .old = true};
	struct crash go = {.exe = "/srv/api", .signature = SIG_A, .signal = 6, .old = true};
	struct gc_group *groups, g;
	struct gc_meta meta;
	char path[256];
	size_t n;

	for (unsigned i = 0; i < 3; i++) {
		c.time_usec = T0 + i * SEC;
		c.core = i == 0;
		commit_crash(f, &c, &meta);
		gc_meta_free(&meta);
	}
	go.time_usec = T0 + 10 * SEC;
	commit_crash(f, &go, &meta);
	gc_meta_free(&meta);

	assert_int_equal(gc_groups_list(f->store, &groups, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(groups[0].id, EXE_HASH);
	assert_int_equal(groups[0].count, 3);
	assert_int_equal(groups[0].entries, 3);
	assert_int_equal(groups[0].cores, 1);
	assert_int_equal(groups[0].first_usec, T0);
	assert_int_equal(groups[0].last_usec, T0 + 2 * SEC);
	assert_string_equal(groups[0].units[0], "c.service");
	assert_string_equal(groups[1].id, SIG_A);
	assert_int_equal(groups[1].count, 1);
	gc_group_array_free(groups, n);
	assert_int_equal(gc_group_get(f->store, EXE_HASH, &g), 0);
	assert_int_equal(g.count, 3);
	gc_group_done(&g);

	/* The first crash recorded after the upgrade: the entries, then it, once. It is committed
	 * before it is recorded, as the handler does. */
	c.old = false;
	c.time_usec = T0 + 20 * SEC;
	store_crash(f, &c, &g);
	assert_int_equal(g.count, 4);
	assert_int_equal(g.first_usec, T0);
	gc_group_done(&g);
	assert_int_equal(gc_group_get(f->store, EXE_HASH, &g), 0);
	assert_int_equal(g.count, 4);
	assert_int_equal(g.entries, 4);
	gc_group_done(&g);

	/* Every group got its file at once, the other one too, and the store is marked. */
	snprintf(path, sizeof(path), "%s/.groups/" SIG_A, f->root);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/.groups/.seeded", f->root);
	assert_int_equal(access(path, F_OK), 0);
	go.old = false;
	go.time_usec = T0 + 30 * SEC;
	store_crash(f, &go, &g);
	assert_int_equal(g.count, 2);
	gc_group_done(&g);

	/* Once marked, a group without a file is a new one: nothing listed under the lock. */
	struct crash other = {.time_usec = T0 + 40 * SEC, .exe = "/bin/new", .signal = 11};
	store_crash(f, &other, &g);
	assert_int_equal(g.count, 1);
	assert_int_equal(g.first_usec, T0 + 40 * SEC);
	gc_group_done(&g);
}

/* A lost or damaged group file: the entries' own group_count says more than their number. */
static void test_lost_file(void **state)
{
	struct fixture *f = *state;
	struct crash go = {.time_usec = T0, .exe = "/srv/api", .signature = SIG_A, .signal = 6};
	char path[256];
	struct gc_group g;
	FILE *file;

	store_crash(f, &go, NULL);
	go.time_usec = T0 + SEC;
	go.group_count = 57;
	store_crash(f, &go, NULL);
	assert_int_equal(gc_group_get(f->store, SIG_A, &g), 0);
	assert_int_equal(g.count, 2); /* the file counts */
	gc_group_done(&g);

	snprintf(path, sizeof(path), "%s/.groups/" SIG_A, f->root);
	file = fopen(path, "we");
	assert_non_null(file);
	fputs("version=1\nid=zzz\ncount=999\n", file);
	fclose(file);
	assert_int_equal(gc_group_get(f->store, SIG_A, &g), 0);
	assert_int_equal(g.count, 57);
	gc_group_done(&g);

	go.time_usec = T0 + 2 * SEC;
	go.group_count = 0;
	store_crash(f, &go, &g);
	assert_int_equal(g.count, 58);
	gc_group_done(&g);
}

static void test_values_capped(void **state)
{
	struct fixture *f = *state;
	struct gc_meta meta = {.signal = 11, .exe = EXE, .group = EXE_HASH};
	char unit[32];
	struct gc_group g;

	for (unsigned i = 0; i < GC_GROUP_VALUES + 3; i++) {
		snprintf(unit, sizeof(unit), "u%u.service", i);
		meta.unit = unit;
		meta.time_usec = T0 + i * SEC;
		assert_int_equal(gc_group_record(f->store, &meta, 1, NULL), 0);
	}
	/* A known value comes back as the newest, not twice. */
	meta.unit = "u5.service";
	meta.time_usec = T0 + 100 * SEC;
	assert_int_equal(gc_group_record(f->store, &meta, 1, &g), 0);
	assert_int_equal(g.count, GC_GROUP_VALUES + 4);
	assert_int_equal(n_values(g.units), GC_GROUP_VALUES);
	assert_string_equal(g.units[0], "u3.service");
	assert_string_equal(g.units[GC_GROUP_VALUES - 2], "u10.service");
	assert_string_equal(g.units[GC_GROUP_VALUES - 1], "u5.service");
	for (size_t i = 0; i < GC_GROUP_VALUES; i++)
		for (size_t j = i + 1; j < GC_GROUP_VALUES; j++)
			assert_string_not_equal(g.units[i], g.units[j]);
	assert_int_equal(n_values(g.exes), 1);
	assert_null(g.go_versions[0]);
	gc_group_done(&g);
}

static void test_format_parse(void **state)
{
	static const char text[] = "version=1\n"
				   "id=" SIG_A "\n"
				   "count=12\n"
				   "first_usec=100\n"
				   "last_usec=200\n"
				   "last_id=20240102-030405-4242\n"
				   "reason=panic: boom\n"
				   "crash_site=main.f (a.go:1)\n"
				   "unit=a.service\n"
				   "unit=b.service\n"
				   "exe=/srv/api\n"
				   "go_version=go1.22.1\n";
	struct gc_group g, again;
	char *out, *out2;

	assert_int_equal(gc_group_parse(text, strlen(text), &g), 0);
	assert_string_equal(g.id, SIG_A);
	assert_int_equal(g.count, 12);
	assert_int_equal(g.first_usec, 100);
	assert_int_equal(g.last_usec, 200);
	assert_string_equal(g.units[1], "b.service");
	assert_int_equal(g.entries, 0);
	assert_int_equal(gc_group_format(&g, &out), 0);
	assert_string_equal(out, text);
	assert_int_equal(gc_group_parse(out, strlen(out), &again), 0);
	assert_int_equal(gc_group_format(&again, &out2), 0);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	gc_group_done(&g);
	gc_group_done(&again);

	/* Unknown keys, bad numbers, lines without '=' and bad escapes are skipped. */
	static const char odd[] = "version=2\nfuture=yes\ncount=-3\nfirst_usec=1x\nnonsense\n"
				  "reason=bad\\q\nid=" SIG_B "\nlast_usec=99999999999999999999\n"
				  "=empty key\ncount=7";
	assert_int_equal(gc_group_parse(odd, strlen(odd), &g), 0);
	assert_string_equal(g.id, SIG_B);
	assert_int_equal(g.count, 7);
	assert_int_equal(g.first_usec, 0);
	assert_int_equal(g.last_usec, 0);
	assert_null(g.reason);
	gc_group_done(&g);

	/* The id is required, valid, and a bad one after a good one spoils the file. */
	g.count = 1234;
	assert_int_equal(gc_group_parse("count=1\n", 8, &g), -EBADMSG);
	assert_int_equal(g.count, 1234); /* not written */
	assert_int_equal(gc_group_parse("id=../../etc\n", 13, &g), -EBADMSG);
	static const char twice[] = "id=" SIG_A "\nid=nothex\n";
	assert_int_equal(gc_group_parse(twice, strlen(twice), &g), -EBADMSG);
	assert_int_equal(gc_group_parse("", 0, &g), -EBADMSG);
	/* A NUL inside the text ends nothing: the id line after it still counts. */
	static const char nul[] = "reason=a\0b\nid=" SIG_A "\n";
	assert_int_equal(gc_group_parse(nul, sizeof(nul) - 1, &g), 0);
	assert_null(g.reason);
	gc_group_done(&g);

	g = (struct gc_group){.id = "nope"};
	assert_int_equal(gc_group_format(&g, &out), -EINVAL);
}

/* What the crashed process chooses (its unit name is the admin's, but the executable path, the
 * panic value and the crash site are its own) cannot add lines to the file. */
static void test_hostile_values(void **state)
{
	struct fixture *f = *state;
	static const char evil[] = "x\nid=" SIG_B "\ncount=999999\n\\\t\r\033[2J\xc0\xaf=";
	struct gc_meta meta = {.time_usec = T0, .signal = 6, .group = SIG_A};
	struct gc_group g, back;
	char path[256], *text;
	size_t size = 0;
	FILE *file;

	meta.exe = (char *)evil;
	meta.unit = (char *)evil;
	meta.go_reason = (char *)evil;
	meta.go_crash_site = (char *)evil;
	meta.go_version = (char *)evil;
	meta.id = (char *)"20240102-030405-1\nid=" SIG_B;
	assert_int_equal(gc_group_record(f->store, &meta, 1, &g), 0);
	assert_int_equal(gc_group_get(f->store, SIG_A, &back), 0);
	assert_int_equal(back.count, 1);
	assert_string_equal(back.exes[0], evil);
	assert_string_equal(back.units[0], evil);
	assert_string_equal(back.go_versions[0], evil);
	assert_string_equal(back.crash_site, evil);
	assert_string_equal(back.reason, "x"); /* the first line */
	assert_string_equal(back.last_id, meta.id);
	gc_group_done(&back);
	gc_group_done(&g);
	assert_int_equal(gc_group_get(f->store, SIG_B, &g), -ENOENT);

	/* Exactly the lines the format has: version, id, 3 numbers, 3 strings, 3 values. */
	snprintf(path, sizeof(path), "%s/.groups/" SIG_A, f->root);
	file = fopen(path, "re");
	assert_non_null(file);
	text = calloc(1, 65536);
	assert_non_null(text);
	size = fread(text, 1, 65535, file);
	fclose(file);
	assert_true(size > 0);
	{
		unsigned lines = 0;

		for (size_t i = 0; i < size; i++)
			lines += text[i] == '\n';
		assert_int_equal(lines, 11);
	}
	assert_null(memchr(text, '\t', size));
	assert_null(memchr(text, '\r', size));
	free(text);
}

/* .groups is opened without following a symlink: nobody redirects root's writes. */
static void test_groups_dir_symlink(void **state)
{
	struct fixture *f = *state;
	struct gc_meta meta = {.time_usec = T0, .signal = 6, .group = SIG_A};
	char target[128], link_path[256], path[256];
	struct gc_group g;

	snprintf(target, sizeof(target), "%s/elsewhere", f->root);
	assert_int_equal(mkdir(target, 0700), 0);
	snprintf(link_path, sizeof(link_path), "%s/.groups", f->root);
	assert_int_equal(symlink(target, link_path), 0);
	assert_true(gc_group_record(f->store, &meta, 1, &g) < 0);
	snprintf(path, sizeof(path), "%s/" SIG_A, target);
	assert_int_equal(access(path, F_OK), -1);
	assert_true(gc_groups_list(f->store, &(struct gc_group *){NULL}, &(size_t){0}) < 0);

	/* A directory others may write to is refused too. */
	assert_int_equal(unlink(link_path), 0);
	assert_int_equal(mkdir(link_path, 0777), 0);
	assert_int_equal(chmod(link_path, 0777), 0);
	assert_int_equal(gc_group_record(f->store, &meta, 1, &g), -EPERM);
	/* One only readable by others is tightened. */
	assert_int_equal(chmod(link_path, 0755), 0);
	assert_int_equal(gc_group_record(f->store, &meta, 1, NULL), 0);
	{
		struct stat st;

		assert_int_equal(stat(link_path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0700);
	}
}

/* Called with the store lock held through the same store, as a caller committing may. */
static void test_record_under_lock(void **state)
{
	struct fixture *f = *state;
	struct gc_meta meta = {.time_usec = T0, .signal = 6, .group = SIG_A};
	struct gc_group g;

	assert_int_equal(gc_store_lock(f->store), 0);
	assert_int_equal(gc_group_record(f->store, &meta, 2, NULL), 0);
	assert_int_equal(gc_group_record(f->store, &meta, 3, &g), 0);
	gc_store_unlock(f->store);
	assert_int_equal(g.count, 5);
	gc_group_done(&g);
}

/* Handlers of crashes at the same time, each with its own store object: no crash is lost. */
static void test_concurrent_record(void **state)
{
	struct fixture *f = *state;
	enum { WRITERS = 4, RECORDS = 50 };
	struct gc_group g;
	pid_t pids[WRITERS];

	for (unsigned w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0) {
			struct gc_meta meta = {.signal = 6, .group = SIG_A};
			struct gc_store *store;
			int bad = 0;

			if (gc_store_open(f->root, false, &store) < 0)
				_exit(1);
			for (unsigned i = 0; i < RECORDS; i++) {
				meta.time_usec = T0 + (w * RECORDS + i) * SEC;
				bad |= gc_group_record(store, &meta, 1, NULL) < 0;
			}
			gc_store_free(store);
			_exit(bad);
		}
	}
	for (unsigned w = 0; w < WRITERS; w++) {
		int status;

		assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(gc_group_get(f->store, SIG_A, &g), 0);
	assert_int_equal(g.count, WRITERS * RECORDS);
	assert_int_equal(g.first_usec, T0);
	assert_int_equal(g.last_usec, T0 + (WRITERS * RECORDS - 1) * SEC);
	gc_group_done(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_group_of),
	    cmocka_unit_test(test_id_valid),
	    cmocka_unit_test(test_format_parse),
	    cmocka_unit_test_setup_teardown(test_record_list_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_record_counted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lost_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_values_capped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_groups_dir_symlink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_record_under_lock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_record, setup, teardown),
	};

	umask(022);
	gc_log_set(NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
