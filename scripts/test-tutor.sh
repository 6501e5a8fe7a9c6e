#!/usr/bin/env bash
# Test the Tutor plugin with the real tutor package, in its own virtualenv: that venv holding no
# Django or Celery proves the plugin installs into a Tutor environment without them.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-tutor
STAMP="$VENV/.installed"
if [ ! -f "$STAMP" ] || [ requirements/tutor.txt -nt "$STAMP" ] || [ tutor-survey-report/pyproject.toml -nt "$STAMP" ]; then
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r requirements/tutor.txt
  "$VENV/bin/pip" install -q --no-deps -e tutor-survey-report
  touch "$STAMP"
fi
exec "$VENV/bin/pytest" tutor-survey-report/tests "$@"
