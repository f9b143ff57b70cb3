/*
 * fuzz_frr.c - FRR's "show bgp ... flowspec detail json" reader, both
 * families, and the summary reader, on the same input.  Every route read
 * must survive the canonical-text round trip; a snapshot keeps one route
 * per key; and the reader fed in pieces (fs_frr_reader_feed, the size
 * taken from the input) reads what it reads whole, or fails the same way.
 */
#include "flowspec/frr.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ka[FS_KEY_MAX + 64], kb[FS_KEY_MAX + 64];
	struct fs_frr_snapshot s;
	struct fs_frr_summary sum;
	struct fs_err err;
	size_t i, j;
	int rc, fam, la, lb;

	fuzz_init();
	for (fam = 0; fam < 2; fam++) {
		memset(&s, 0, sizeof(s));
		fs_err_clear(&err);
		rc = fs_frr_parse_detail((const char *)data, size, fam ? FS_INET6 : FS_INET,
		    "fuzz detail", &s, &err);
		fuzz_check_err(rc, &err);
		if (rc < 0)
			FUZZ_REQUIRE(s.n == 0, "a failed parse left %zu routes", s.n);
		for (i = 0; i < s.n; i++) {
			fuzz_roundtrip(s.routes[i]);
			/* keys unique: only for small snapshots, it is quadratic */
			for (j = i + 1; s.n <= 64 && j < s.n; j++) {
				la = fs_route_key(s.routes[i], ka, sizeof(ka));
				lb = fs_route_key(s.routes[j], kb, sizeof(kb));
				FUZZ_REQUIRE(la != lb || memcmp(ka, kb, (size_t)la) != 0,
				    "routes %zu and %zu have one key", i, j);
			}
		}
		if (size > 0) {
			struct fs_frr_reader *r = fs_frr_reader_new(fam ? FS_INET6 : FS_INET,
			    "fuzz detail", NULL);
			struct fs_frr_snapshot p;
			struct fs_err perr;
			size_t step = 1 + data[size - 1] % 97, at;
			int prc = 0;

			FUZZ_REQUIRE(r != NULL, "no reader");
			memset(&p, 0, sizeof(p));
			for (at = 0; prc == 0 && at < size; at += step)
				prc = fs_frr_reader_feed(r, (const char *)data + at,
				    size - at < step ? size - at : step, &perr);
			if (prc == 0)
				prc = fs_frr_reader_finish(r, &p, &perr);
			fs_frr_reader_free(r);
			FUZZ_REQUIRE(prc == rc, "whole %d, in %zu-byte pieces %d", rc, step, prc);
			if (rc < 0)
				FUZZ_REQUIRE(perr.code == err.code, "whole: %s; in pieces: %s", err.msg,
				    perr.msg);
			FUZZ_REQUIRE(p.n == s.n, "whole %zu routes, in pieces %zu", s.n, p.n);
			for (i = 0; i < s.n; i++) {
				la = fs_route_key(s.routes[i], ka, sizeof(ka));
				lb = fs_route_key(p.routes[i], kb, sizeof(kb));
				FUZZ_REQUIRE(la == lb && (la < 0 || memcmp(ka, kb, (size_t)la) == 0) &&
				    strcmp(s.routes[i]->source_loss, p.routes[i]->source_loss) == 0,
				    "route %zu differs in pieces", i);
			}
			fs_frr_snapshot_free(&p);
		}
		fs_frr_snapshot_free(&s);
	}
	memset(&sum, 0, sizeof(sum));
	fs_err_clear(&err);
	rc = fs_frr_parse_summary((const char *)data, size, "fuzz summary", &sum, &err);
	fuzz_check_err(rc, &err);
	if (rc == 0)
		FUZZ_REQUIRE(sum.established <= sum.n, "%zu established of %zu", sum.established, sum.n);
	fs_frr_summary_free(&sum);
	return 0;
}
