#!/usr/bin/env bash
# tests/cli/run_table.sh: the CLI table test (issue 14). Runs every row of a table of bad inputs
# through the noether program and checks, for each: the exit code, a fragment of the message,
# and that a file already at the output path ({OUT}) is byte-identical afterwards.
#
#   bash tests/cli/run_table.sh build/apps/noether tests/cli/bad_inputs.table tests/cli/fixtures [--markdown FILE]
#
# Table rows: `EXIT | MESSAGE FRAGMENT | ARGUMENTS`, '#' starts a comment line. In the arguments,
# {OUT} is a scratch path holding a file the command must not change (it may carry an
# extension: {OUT}.sdf), {FIX} the fixtures folder, {TMP} a scratch folder (also the working
# directory). With --markdown, the table with each command's actual first error line is written
# to FILE (docs/reliability.md includes it).
set -u
noether=$(realpath "$1")
table=$2
fixtures=$(realpath "$3")
markdown=""
if [ "${4:-}" = "--markdown" ]; then markdown=$5; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows=0
failed=0
md_rows=()
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in ''|'#'*) continue ;; esac
  IFS='|' read -r want fragment args <<< "$line"
  want=$(echo "$want" | xargs)
  fragment=$(echo "$fragment" | sed 's/^ *//; s/ *$//')
  args=$(echo "$args" | sed 's/^ *//; s/ *$//')
  rows=$((rows + 1))
  out="$work/out_$rows"
  expanded=${args//\{OUT\}/$out}
  expanded=${expanded//\{FIX\}/$fixtures}
  expanded=${expanded//\{TMP\}/$work}
  eval "argv=($expanded)"
  kept=()
  for a in "${argv[@]}"; do
    case "$a" in "$out"*) printf 'a file the user had, row %d\n' "$rows" > "$a"; cp "$a" "$a.orig"; kept+=("$a") ;; esac
  done
  (cd "$work" && timeout 120 "$noether" "${argv[@]}" > "$work/stdout" 2> "$work/stderr" < /dev/null)
  rc=$?
  message=$(grep -v '^[[:space:]]*$' "$work/stderr" | grep -m1 -i 'error' || true)
  [ -n "$message" ] || message=$(grep -v '^[[:space:]]*$' "$work/stderr" | head -n 1)
  problems=()
  [ "$rc" = "$want" ] || problems+=("exit $rc, expected $want")
  grep -qF -- "$fragment" "$work/stderr" "$work/stdout" || problems+=("message lacks '$fragment'")
  for k in "${kept[@]}"; do
    cmp -s "$k" "$k.orig" || problems+=("the file at ${k#$work/} was changed")
  done
  if [ "${#problems[@]}" -gt 0 ]; then
    failed=$((failed + 1))
    echo "FAIL: noether $args"
    printf '  %s\n' "${problems[@]}"
    sed 's/^/  stderr: /' "$work/stderr" | head -n 5
  else
    echo "ok:   noether $args  -> $rc"
  fi
  shown=${message//$work\//}
  shown=${shown//$fixtures\//}
  shown=${shown//|/\\|}
  md_rows+=("| \`noether ${args//|/\\|}\` | $rc | ${shown} |")
  rm -f "$work"/out_* "$work/stdout" "$work/stderr"
done < "$table"

if [ -n "$markdown" ]; then
  {
    echo "| command | exit | message |"
    echo "|---|---|---|"
    printf '%s\n' "${md_rows[@]}"
  } > "$markdown"
fi
echo "$rows rows, $failed failed"
[ "$failed" -eq 0 ] && [ "$rows" -gt 0 ]
