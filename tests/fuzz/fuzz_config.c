/*
 * fuzz_config.c - the YAML configuration reader.  A refused file leaves
 * the configuration it started from untouched, byte for byte; an accepted
 * one parses the same way a second time.
 */
#include "flowspec/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fs_config c, before, again;
	struct fs_err err;
	int rc;

	fuzz_init();
	fs_config_default(&c);
	before = c;
	fs_err_clear(&err);
	rc = fs_config_parse((const char *)data, size, "fuzz.yaml", &c, &err);
	fuzz_check_err(rc, &err);
	if (rc < 0) {
		FUZZ_REQUIRE(memcmp(&c, &before, sizeof(c)) == 0, "a refused file changed the config: %s",
		    err.msg);
		return 0;
	}
	fs_config_default(&again);
	FUZZ_REQUIRE(fs_config_parse((const char *)data, size, "fuzz.yaml", &again, &err) == 0,
	    "accepted once, refused the second time: %s", err.msg);
	FUZZ_REQUIRE(memcmp(&c, &again, sizeof(c)) == 0, "two parses of one file differ");
	return 0;
}
