/*
 * fuzz_frr.c - FRR's "show bgp ... flowspec detail json" reader, both
 * families, and the summary reader, on the same input.  Every route read
 * must survive the canonical-text round trip; a snapshot keeps one route
 * per key.
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
