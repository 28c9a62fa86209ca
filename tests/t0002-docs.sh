#!/usr/bin/env bash
# tests/t0002-docs.sh - help that cannot drift: every option in a
# "struct option" table of cmd/<command>.c is in that command's --help, in
# its section of docs/tokentrail.1 and of the README, and nothing else is;
# every column of every header row the code writes (read from a real run
# on the demo data) is documented under its report in the man page
# (exactly) and in the README.
. "$(dirname "$0")/lib/harness.sh"

ROOT=$(dirname "$TESTS_DIR")
MAN=$ROOT/docs/tokentrail.1
README=$ROOT/README.md

# table_options FILE: the long options of FILE's struct option tables as
# "--name", and their short letters as "-x", one a line, sorted.
table_options() {
	awk '/struct option [a-z_]*\[\] = \{/ { on = 1; next }
	    on && /^\};/ { on = 0 }
	    on && match($0, /\{ "[a-z-]+"/) {
		print "--" substr($0, RSTART + 3, RLENGTH - 4)
		if (match($0, /'"'"'[a-zA-Z]'"'"' \}/))
			print "-" substr($0, RSTART + 1, 1)
	    }' "$1" | sort -u
}

# help_options TEXT-FILE: options named in --help's option lines, which
# start with white space and a dash.
help_options() {
	grep -E '^ +-' "$1" | grep -oE '(^|[ ,])--?[a-zA-Z][a-z-]*' |
	    sed 's/^[ ,]//' | sort -u
}

# man_section TITLE: the lines of the ".Ss TITLE" section of the man page.
man_section() {
	awk -v t=".Ss $1" '$0 == t { on = 1; next }
	    on && /^\.S[hs] / { on = 0 } on' "$MAN"
}

# man_options COMMAND: the options in the command's section, from
# ".Fl x" and ".Fl \-long".
man_options() {
	man_section "tokentrail $1" | sed 's/\\-/-/g' |
	    grep -oE 'Fl -?[a-zA-Z][a-z-]*' | sed 's/^Fl /-/' | sort -u
}

# readme_section TITLE: the lines under "TITLE" (a whole heading line)
# up to the next heading of any level.
readme_section() {
	awk -v t="$1" '$0 == t { on = 1; next } on && /^#/ { on = 0 } on' \
	    "$README"
}

# readme_options COMMAND: options in the command's option table
# (identify's are those of lookup, as the README says).
readme_options() {
	local cmd=$1
	[ "$cmd" = identify ] && cmd=lookup
	readme_section "## tokentrail $cmd" | grep '^| `-' |
	    grep -oE '`--?[a-zA-Z][a-z-]*' | tr -d '`' | sort -u
}

# compare NAME WANT-FILE GOT-FILE: the two sorted lists are equal.
compare() {
	local missing extra
	missing=$(comm -23 "$2" "$3" | tr '\n' ' ')
	extra=$(comm -13 "$2" "$3" | tr '\n' ' ')
	if [ -z "$missing$extra" ]; then
		pass "$1"
	else
		fail "$1" "missing: $missing" "not in the code: $extra"
	fi
}

new_work
for src in "$ROOT"/cmd/*.c; do
	grep -q 'struct option [a-z_]*\[\] = {' "$src" || continue
	cmd=$(basename "$src" .c)
	table_options "$src" >"$WORK/$cmd.code"
	if [ ! -s "$WORK/$cmd.code" ]; then
		fail "$cmd: the option table of $src is read"
		continue
	fi
	"$TT" "$cmd" --help >"$WORK/$cmd.help"
	help_options "$WORK/$cmd.help" >"$WORK/$cmd.helpopts"
	compare "$cmd: --help names exactly the options of the code" \
	    "$WORK/$cmd.code" "$WORK/$cmd.helpopts"
	man_options "$cmd" >"$WORK/$cmd.man"
	compare "$cmd: the man page names exactly the options of the code" \
	    "$WORK/$cmd.code" "$WORK/$cmd.man"
	readme_options "$cmd" >"$WORK/$cmd.readme"
	compare "$cmd: the README names exactly the options of the code" \
	    "$WORK/$cmd.code" "$WORK/$cmd.readme"
done

# The header rows, from a real run on the demo data.
cd "$WORK" || exit 1
if ! "$TT" snapshot --from-csv "$FIXTURES/demo/csv" -o snap.db ||
    ! "$TT" analyze -q --log-tz UTC -s snap.db -o out "$FIXTURES/demo/logs"
then
	fail "set-up: the demo run"
	done_testing
	exit
fi
"$TT" lookup -q -s snap.db 1 >out/lookup.csv
echo | "$TT" identify -q -s snap.db >out/identify.csv

# columns FILE: the header row of a CSV file, one column a line, sorted.
columns() {
	head -n 1 "$1" | tr -d '\r"' | tr ',' '\n' | sort -u
}

for report in requests timeline findings tokens manifest lookup identify; do
	columns "out/$report.csv" >"$report.code"
	if [ "$(wc -l <"$report.code")" -lt 5 ]; then
		fail "$report: the header row is read" "$(head -c 300 \
		    "out/$report.csv")"
		continue
	fi
	case $report in
	lookup | identify) title="lookup rows" ;;
	*) title="$report.csv" ;;
	esac
	man_section "$title" | sed -n 's/^\.It Li \([a-z0-9_]*\).*/\1/p' |
	    sort -u >"$report.man"
	if [ "$report" = lookup ]; then
		grep -vx line "$report.man" >"$report.man2"
		mv "$report.man2" "$report.man"
	fi
	compare "$report: the man page documents exactly its columns" \
	    "$report.code" "$report.man"

	case $report in
	lookup) text=$(readme_section "## tokentrail lookup") ;;
	identify) text=$(readme_section "## tokentrail lookup"
		readme_section "## tokentrail identify") ;;
	*) text=$(readme_section "### $report.csv") ;;
	esac
	missing=
	while read -r col; do
		grep -qF "\`$col\`" <<<"$text" || missing="$missing $col"
	done <"$report.code"
	expect_text_eq "$report: the README documents every column" \
	    "$missing" ""
done

# The investigations of the examples, as the README and the man page
# write them, find what they promise in the demo reports: the tokens of a
# project, whether its key starts the cell or comes later in a list
# (fixtures/demo/README.md: 555555555555 of PLAT/api also reached
# OPS/runbooks; 900000000001 is scoped "SEC;OPS"), and every request from
# an address (compared with a query of requests.csv by sqlite3).
sqlite3 -batch ip.db '.import --csv out/requests.csv requests' ||
    fail "set-up: requests.csv imported into sqlite3"
ip_rows=$(sqlite3 -batch ip.db \
    "SELECT count(*) FROM requests WHERE client_ip = '198.18.7.7'")
for doc in README "$MAN"; do
	[ "$doc" = README ] && doc=$README
	name=$(basename "$doc")
	audit=$(sed -n "s/^grep -E '\(.*\)' reports\/tokens\.csv\$/\1/p" \
	    "$doc")
	if [ -z "$audit" ]; then
		fail "$name: the project audit example is read"
		continue
	fi
	for want in "PLAT 111111111111 222222222222 444444444444 555555555555 555555555556" \
	    "OPS 555555555555 900000000001"; do
		key=${want%% *}
		got=$(grep -E -- "${audit//PLAT/$key}" out/tokens.csv |
		    cut -d, -f1 | tr -d '"' | tr '\n' ' ')
		expect_text_eq "$name: the project audit example finds the tokens of $key" \
		    "$got" "${want#* } "
	done

	ip=$(sed -n "s/^grep -F '\(\"[0-9.]*\"\)' reports\/requests\.csv\$/\1/p" \
	    "$doc")
	expect_text_eq "$name: the address example finds every request from it" \
	    "$(grep -cF -- "${ip:-missing}" out/requests.csv)" "$ip_rows"
done

# The exit statuses of cmd/main.h are in the man page and the README.
for status in $(sed -n 's/^\tEXIT_[A-Z]* = \([0-9]*\),.*/\1/p' \
    "$ROOT/cmd/main.h"); do
	expect_grep "exit status $status is in the man page" ".It $status" "$MAN"
	expect_grep "exit status $status is in the README" "| $status |" \
	    "$README"
done

done_testing
