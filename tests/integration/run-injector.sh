#!/bin/sh
# ExaBGP's API process in the live lab: the injector with a fixed argv, its
# log appended to a file.  Route data only ever flows through stdin.
log=$1
shift
exec "$@" 2>>"$log"
