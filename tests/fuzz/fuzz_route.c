/*
 * fuzz_route.c - the canonical route text: any input that fs_route_parse
 * accepts prints a text that parses to the same key and prints the same
 * text (format is a fixed point after one parse).  Refusals carry a
 * message.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fs_route *r = NULL;
	struct fs_err err;
	int rc;

	fuzz_init();
	fs_err_clear(&err);
	rc = fs_route_parse((const char *)data, size, "fuzz", &r, &err);
	fuzz_check_err(rc, &err);
	if (rc == 0) {
		FUZZ_REQUIRE(r != NULL, "success without a route");
		fuzz_roundtrip(r);
		fs_route_free(r);
	}
	return 0;
}
