/* SPDX-License-Identifier: MIT */
/* The access ACL of acl.h, encoded and decoded by hand: a 4-byte header and 8-byte entries,
 * little-endian. */
#include "acl.h"

#include <endian.h>
#include <errno.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "macro.h"

#define ACL_XATTR     "system.posix_acl_access"
#define ACL_N_ENTRIES 5 /* user_obj, user, group_obj, mask, other: tag order */
#define ACL_MAX_READ  64

static void put_entry(struct posix_acl_xattr_entry *e, uint16_t tag, uint16_t perm, uint32_t id)
{
	e->e_tag = htole16(tag);
	e->e_perm = htole16(perm);
	e->e_id = htole32(id);
}

/* Both parts are 4-byte aligned: the layout has no padding, as the kernel's has none. */
_Static_assert(sizeof(struct posix_acl_xattr_header) == 4, "ACL header layout");
_Static_assert(sizeof(struct posix_acl_xattr_entry) == 8, "ACL entry layout");

int gc_acl_grant_read(int fd, uid_t uid)
{
	struct {
		struct posix_acl_xattr_header header;
		struct posix_acl_xattr_entry entries[ACL_N_ENTRIES];
	} acl;
	uint16_t group, user;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	user = ACL_READ | (S_ISDIR(st.st_mode) ? ACL_EXECUTE : 0);
	group = (st.st_mode >> 3) & 7;
	acl.header.a_version = htole32(POSIX_ACL_XATTR_VERSION);
	put_entry(&acl.entries[0], ACL_USER_OBJ, (st.st_mode >> 6) & 7, ACL_UNDEFINED_ID);
	put_entry(&acl.entries[1], ACL_USER, user, uid);
	put_entry(&acl.entries[2], ACL_GROUP_OBJ, group, ACL_UNDEFINED_ID);
	/* The mask bounds the named user and the owning group: both, and no more. */
	put_entry(&acl.entries[3], ACL_MASK, user | group, ACL_UNDEFINED_ID);
	put_entry(&acl.entries[4], ACL_OTHER, st.st_mode & 7, ACL_UNDEFINED_ID);
	if (fsetxattr(fd, ACL_XATTR, &acl, sizeof(acl), 0) < 0)
		return errno == ENOTSUP ? -EOPNOTSUPP : negative_errno();
	return 0;
}

int gc_acl_granted_user(int fd, uid_t *ret)
{
	struct {
		struct posix_acl_xattr_header header;
		struct posix_acl_xattr_entry entries[ACL_MAX_READ];
	} acl;
	ssize_t size = fgetxattr(fd, ACL_XATTR, &acl, sizeof(acl));
	size_t n;

	if (size < 0)
		return errno == ENOTSUP || errno == ERANGE ? -ENODATA : negative_errno();
	if ((size_t)size < sizeof(acl.header) ||
	    ((size_t)size - sizeof(acl.header)) % sizeof(acl.entries[0]) != 0 ||
	    le32toh(acl.header.a_version) != POSIX_ACL_XATTR_VERSION)
		return -EBADMSG;
	n = ((size_t)size - sizeof(acl.header)) / sizeof(acl.entries[0]);
	for (size_t i = 0; i < n; i++)
		if (le16toh(acl.entries[i].e_tag) == ACL_USER &&
		    (le16toh(acl.entries[i].e_perm) & ACL_READ)) {
			*ret = le32toh(acl.entries[i].e_id);
			return 0;
		}
	return -ENODATA;
}
