/*
 * fuzz.h - what every fuzz target checks besides "no crash, no sanitizer
 * report": a failed parse sets an error code and a message, and every
 * route a reader returns survives the trip through its canonical text
 * (fs_route_format, then fs_route_parse) with the same key and the same
 * text.  A broken property aborts, which libFuzzer reports as a crash.
 */
#ifndef FS_FUZZ_H
#define FS_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/err.h"
#include "flowspec/log.h"
#include "flowspec/rule.h"

#define FUZZ_REQUIRE(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz property broken: %s: ", #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

static void fuzz_log_sink(enum fs_log_level lvl, const char *msg, void *ctx)
{
	(void)lvl;
	(void)ctx;
	/* the message is formatted (that code runs too), then dropped */
	FUZZ_REQUIRE(msg != NULL && msg[0] != '\0', "an empty log message");
}

/* Every log message goes to a sink that checks and drops it. */
static inline void fuzz_init(void)
{
	static int done;

	if (!done) {
		fs_log_set_level(FS_LOG_DEBUG);
		fs_log_set_sink(fuzz_log_sink, NULL);
		done = 1;
	}
}

/* A failure must say what failed. */
static inline void fuzz_check_err(int rc, const struct fs_err *err)
{
	if (rc < 0)
		FUZZ_REQUIRE(err->code != FS_E_OK && err->msg[0] != '\0',
		    "code %d, message \"%s\"", (int)err->code, err->msg);
}

/*
 * parse(format(r)) has r's key and prints r's text again.  A route that
 * fails fs_route_validate (the FRR reader keeps those, e.g. DF on IPv6,
 * so that one bad NLRI does not sink the snapshot) has no canonical text
 * to read back: the translator refuses it by name instead (translate.c).
 */
static inline void fuzz_roundtrip(const struct fs_route *r)
{
	static char t1[FS_TEXT_MAX], t2[FS_TEXT_MAX];
	static uint8_t k1[FS_KEY_MAX + 64], k2[FS_KEY_MAX + 64];
	struct fs_route *back = NULL;
	struct fs_err err;
	int n1, n2, l1, l2;

	if (fs_route_validate(r, &err) < 0) {
		FUZZ_REQUIRE(err.msg[0] != '\0', "an invalid route without a reason");
		return;
	}
	n1 = fs_route_format(r, t1, sizeof(t1));
	FUZZ_REQUIRE(n1 >= 0, "a route's text does not fit in FS_TEXT_MAX");
	l1 = fs_route_key(r, k1, sizeof(k1));
	FUZZ_REQUIRE(l1 > 0, "a route without a key: %s", t1);
	FUZZ_REQUIRE(fs_route_parse(t1, (size_t)n1, "fuzz", &back, &err) == 0,
	    "canonical text refused: %s: %s", t1, err.msg);
	n2 = fs_route_format(back, t2, sizeof(t2));
	l2 = fs_route_key(back, k2, sizeof(k2));
	FUZZ_REQUIRE(n1 == n2 && strcmp(t1, t2) == 0, "text changed: %s -> %s", t1, t2);
	FUZZ_REQUIRE(l1 == l2 && memcmp(k1, k2, (size_t)l1) == 0, "key changed: %s", t1);
	fs_route_free(back);
}

#endif
