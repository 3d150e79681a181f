#!/bin/sh
# bad-images.sh UNIKVM DIR: `UNIKVM run` on every malformed image that
# mkbadelf wrote into DIR (listed in DIR/list as NAME STATUS SUBSTRING).
#
# Each must exit with STATUS, print nothing on stdout, and print exactly one
# line on stderr: "unikvm: DIR/NAME: ..." containing SUBSTRING. Images are
# refused before /dev/kvm is opened, so no KVM is needed. Also: a missing
# file (127) and a directory (126).
set -u

if [ $# -ne 2 ]; then
	echo "usage: bad-images.sh UNIKVM DIR" >&2
	exit 2
fi
UNIKVM=$1
DIR=$2
LIST=$DIR/list

if [ ! -x "$UNIKVM" ]; then
	echo "bad-images: $UNIKVM: not an executable" >&2
	exit 2
fi
if [ ! -s "$LIST" ]; then
	echo "bad-images: $LIST: missing or empty (run mkbadelf)" >&2
	exit 2
fi

TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

# check NAME FILE STATUS PREFIX SUBSTRING [exact]: runs `unikvm run FILE`.
check() {
	name=$1 file=$2 want_status=$3 prefix=$4 want=$5 exact=${6:-}
	"$UNIKVM" run "$file" >"$TMP/out" 2>"$TMP/err" </dev/null
	status=$?
	err=$(cat "$TMP/err")
	why=
	if [ "$status" -ne "$want_status" ]; then
		why="exit status $status, expected $want_status"
	elif [ -s "$TMP/out" ]; then
		why="output on stdout"
	elif [ "$(wc -l <"$TMP/err")" -ne 1 ] || [ -n "$(tail -c 1 "$TMP/err")" ]; then
		why="stderr is not exactly one line"
	else
		case $err in
		"$prefix"*) ;;
		*) why="stderr does not start with '$prefix'" ;;
		esac
		if [ -z "$why" ]; then
			if [ -n "$exact" ]; then
				[ "$err" = "$prefix$want" ] || why="expected exactly '$prefix$want'"
			else
				case ${err#"$prefix"} in
				*"$want"*) ;;
				*) why="stderr does not contain '$want'" ;;
				esac
			fi
		fi
	fi
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		echo "ok   $name"
	else
		fail=$((fail + 1))
		echo "FAIL $name: $why"
		sed 's/^/     | /' "$TMP/err"
	fi
}

while read -r name status msg; do
	[ -n "$name" ] || continue
	check "$name" "$DIR/$name" "$status" "unikvm: $DIR/$name: " "$msg"
done <"$LIST"

# Cannot be opened: 127 and strerror, the path as given.
check missing-file "$TMP/no-such-image" 127 "unikvm: $TMP/no-such-image: " \
	"No such file or directory" exact
check missing-dir "$TMP/no-such-dir/image" 127 "unikvm: $TMP/no-such-dir/image: " \
	"No such file or directory" exact
# Not a regular file: 126.
mkdir "$TMP/a-directory"
check directory "$TMP/a-directory" 126 "unikvm: $TMP/a-directory: " "not a regular file"

total=$((pass + fail))
if [ "$fail" -ne 0 ]; then
	echo "bad-images: $fail of $total cases FAILED"
	exit 1
fi
echo "bad-images: all $total cases passed"
exit 0
