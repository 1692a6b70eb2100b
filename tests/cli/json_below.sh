#!/bin/sh
# tests/cli/json_below.sh KEY LIMIT: succeeds when the number at "KEY" in the one-line JSON on
# stdin is below LIMIT (fails for a missing key, null, or a larger value).
#   noether integrate ... --json | sh tests/cli/json_below.sh constraint_drift 1e-12
value=$(sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p")
awk -v v="$value" -v limit="$2" 'BEGIN { exit !(v != "" && v != "null" && v + 0 < limit + 0) }'
