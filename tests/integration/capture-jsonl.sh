#!/bin/sh
# ExaBGP API process for the integration lab: append every line ExaBGP writes
# to our stdin to the file named by $1, unchanged.  Writes nothing back
# (ExaBGP needs no answer).  Exits when ExaBGP closes the pipe.
out=${1:?usage: capture-jsonl.sh FILE}
while IFS= read -r line; do
	printf '%s\n' "$line" >>"$out"
done
