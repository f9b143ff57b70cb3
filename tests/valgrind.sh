#!/bin/bash
# valgrind.sh SUITE-BINARY - one Check suite under valgrind memcheck:
# no invalid read or write, no use of uninitialised values, no definite
# leak.  CK_FORK=no runs the tests in valgrind's own process (Check forks
# each test otherwise).  The translate suite runs 1/20 of its random route
# sets (FS_TRANSLATE_DIV); everything else runs in full.  Exit 99 on a
# valgrind error, the suite's own status otherwise.
set -u
bin=${1:?usage: valgrind.sh SUITE-BINARY}
command -v valgrind >/dev/null || { echo "skipped: valgrind not installed"; exit 77; }
export CK_FORK=no FS_TRANSLATE_DIV=${FS_TRANSLATE_DIV:-20}
exec valgrind -q --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--error-exitcode=99 "$bin"
