/* SPDX-License-Identifier: MIT */
/* Read access for one user, as a POSIX access ACL written straight to the
 * system.posix_acl_access extended attribute (the kernel's format, linux/posix_acl_xattr.h:
 * a version, then (tag, permissions, id) entries sorted by tag and id). That is all the
 * store needs of ACLs, so no libacl: the entries are made from the file's own mode bits,
 * plus one named user and the mask the kernel requires with it. */
#pragma once

#include <sys/types.h>

/* Gives uid read access to the file or directory fd (read and search for a directory) on top
 * of its mode bits; the owner, group and others keep theirs (group members still get only
 * the group bits: the mask covers the named user, not more). Replaces any access ACL fd
 * had. Returns 0, -EOPNOTSUPP when the filesystem has no ACLs, or another negative errno. */
int gc_acl_grant_read(int fd, uid_t uid);

/* The user fd's access ACL grants read access to by name (the first such entry), as
 * gc_acl_grant_read wrote it. Returns 0 with *ret set, -ENODATA when fd has no ACL or it
 * names no user with read access, -EBADMSG for an attribute it cannot parse, or another
 * negative errno. */
int gc_acl_granted_user(int fd, uid_t *ret);
