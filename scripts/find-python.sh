#!/usr/bin/env bash
# Print the path of a working Python interpreter of the series given (e.g. 3.12), or exit 1.
#
# Why not just `python3.12`: on a pyenv machine PATH holds pyenv's shim, which exists for every
# installed version but refuses to run ("command not found") unless that version is selected with
# `pyenv global/local/shell`. So each candidate is *run*, and pyenv's own versions directory is
# searched directly; nothing is installed and no pyenv selection is changed.
# Usage: find-python.sh 3.12
set -uo pipefail
series="${1:?usage: find-python.sh X.Y}"
works() {  # the interpreter runs and is of the series asked for
  [ -x "$1" ] && [ "$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$series" ]
}
candidates=()
# 1. What the user or CI put first on PATH (actions/setup-python, Debian's python3.12...).
if found="$(command -v "python$series" 2>/dev/null)"; then candidates+=("$found"); fi
# 2. pyenv's own interpreters, newest patch release first (3.12.10 before 3.12.9).
pyenv_root="${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}"
while IFS= read -r dir; do
  candidates+=("$dir/bin/python$series")
done < <(ls -d "$pyenv_root/versions/$series".* 2>/dev/null | sort -rV)
# 3. The usual system locations.
candidates+=("/usr/local/bin/python$series" "/usr/bin/python$series")
for candidate in "${candidates[@]}"; do
  if works "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done
echo "No working Python $series found (tried: ${candidates[*]})." >&2
exit 1
