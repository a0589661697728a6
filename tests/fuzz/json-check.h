/* SPDX-License-Identifier: MIT */
/* A JSON checker of the fuzz targets' own, written from RFC 8259's grammar rather than from the
 * library's writer: whether text is exactly one JSON value, with nothing but whitespace
 * around it. It checks the syntax, not the strings' UTF-8 (fuzz-escape does that). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct json_check {
	const char *p, *end;
	unsigned depth;
};

#define JSON_CHECK_MAX_DEPTH 64

static bool json_check_value(struct json_check *c);

static void json_check_space(struct json_check *c)
{
	while (c->p < c->end && *c->p && strchr(" \t\n\r", *c->p))
		c->p++;
}

static bool json_check_eat(struct json_check *c, char ch)
{
	json_check_space(c);
	if (c->p >= c->end || *c->p != ch)
		return false;
	c->p++;
	return true;
}

static bool json_check_literal(struct json_check *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return false;
	c->p += n;
	return true;
}

static bool json_check_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool json_check_string(struct json_check *c)
{
	if (!json_check_eat(c, '"'))
		return false;
	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p++;

		if (ch == '"')
			return true;
		if (ch < 0x20)
			return false;
		if (ch != '\\')
			continue;
		if (c->p >= c->end)
			return false;
		ch = (unsigned char)*c->p++;
		if (ch == 'u') {
			for (int i = 0; i < 4; i++)
				if (c->p >= c->end || !json_check_hex(*c->p++))
					return false;
		} else if (!ch || !strchr("\"\\/bfnrt", ch)) {
			return false;
		}
	}
	return false;
}

static bool json_check_digits(struct json_check *c)
{
	const char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > start;
}

static bool json_check_number(struct json_check *c)
{
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (!json_check_digits(c))
		return false;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!json_check_digits(c))
			return false;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!json_check_digits(c))
			return false;
	}
	return true;
}

/* Members (object) or elements (array) up to the closing bracket. */
static bool json_check_container(struct json_check *c, bool object)
{
	char close = object ? '}' : ']';

	if (++c->depth > JSON_CHECK_MAX_DEPTH)
		return false;
	json_check_space(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		c->depth--;
		return true;
	}
	do {
		if (object && (!json_check_string(c) || !json_check_eat(c, ':')))
			return false;
		if (!json_check_value(c))
			return false;
	} while (json_check_eat(c, ','));
	c->depth--;
	return json_check_eat(c, close);
}

static bool json_check_value(struct json_check *c)
{
	json_check_space(c);
	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{':
		c->p++;
		return json_check_container(c, true);
	case '[':
		c->p++;
		return json_check_container(c, false);
	case '"':
		return json_check_string(c);
	case 't':
		return json_check_literal(c, "true");
	case 'f':
		return json_check_literal(c, "false");
	case 'n':
		return json_check_literal(c, "null");
	default:
		return json_check_number(c);
	}
}

static inline bool json_is_valid(const char *text, size_t size)
{
	struct json_check c = {.p = text, .end = text + size};

	if (!json_check_value(&c))
		return false;
	json_check_space(&c);
	return c.p == c.end;
}
