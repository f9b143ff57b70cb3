#!/bin/sh
# ExaBGP's API process in the live lab: the injector with a fixed argv, its
# log appended to a file.  Route data only ever flows through stdin.
# FS_INJECTOR_EXTRA_ARGS (optional; a test exports it and ExaBGP passes its
# environment on): more options, split on blanks, appended to that argv.
log=$1
shift
if [ -n "${FS_INJECTOR_EXTRA_ARGS:-}" ]; then
	set -f
	# shellcheck disable=SC2086 # one option per word
	set -- "$@" $FS_INJECTOR_EXTRA_ARGS
fi
exec "$@" 2>>"$log"
