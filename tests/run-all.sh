#!/bin/bash
# The test command: installs the dependencies, builds with warnings as
# errors, runs every test (unit suites, golden fixtures, kernel checks in
# network namespaces), then builds and runs everything again under
# ASan+UBSan with no recovery, then runs each libFuzzer target (clang,
# ASan+UBSan) for a minute.  Run as root on Debian 12.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

"$top/tests/install-deps.sh"

echo "== build (-Werror) and test"
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFS_WERROR=ON >/dev/null
cmake --build "$top/build" -j "$jobs"
(cd "$top/build" && ctest --output-on-failure -j "$jobs")

echo "== build and test under ASan+UBSan"
cmake -S "$top" -B "$top/build-asan" -DCMAKE_BUILD_TYPE=Debug -DFS_WERROR=ON -DFS_SANITIZE=ON >/dev/null
cmake --build "$top/build-asan" -j "$jobs"
(cd "$top/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j "$jobs")

# Every parser under libFuzzer for a bounded time (tests/fuzz/README.md):
# FS_FUZZ_SECONDS per target (default 60), two targets at a time.
echo "== fuzz: each libFuzzer target for ${FS_FUZZ_SECONDS:-60} s (clang, ASan+UBSan)"
cmake -S "$top" -B "$top/build-fuzz" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	-DFS_WERROR=ON -DFS_FUZZ=ON -DFS_BENCH=OFF >/dev/null
cmake --build "$top/build-fuzz" -j "$jobs" --target fuzz_exabgp fuzz_frr fuzz_config fuzz_save fuzz_route
"$top/tests/fuzz/run.sh" "$top/build-fuzz" "${FS_FUZZ_SECONDS:-60}"

