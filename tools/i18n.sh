#!/usr/bin/env bash
# Refresh the Chinese catalogue from the source: extract every msgid, merge it into the .po, then compile.
# New msgids arrive with an empty msgstr: translate them in the .po (tests/test_i18n.py fails until you do).
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=.venv/bin/pybabel
DIR=webapp/translations
PO=$DIR/zh_Hans_CN/LC_MESSAGES/messages.po
POT=$(mktemp --suffix=.pot)
trap 'rm -f "$POT"' EXIT

$PYBABEL -q extract -F babel.cfg -k _l -k lazy_gettext --add-location=file --sort-output --no-wrap \
  --project=Xiaobao --version="$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)" --copyright-holder=Xiaobao -o "$POT" .
if [[ -f "$PO" ]]; then
  # No fuzzy matching: a guessed translation of a changed string is worse than an empty one the test reports.
  $PYBABEL update -i "$POT" -d "$DIR" -l zh_Hans_CN --no-fuzzy-matching --ignore-obsolete --no-wrap
else
  $PYBABEL init -i "$POT" -d "$DIR" -l zh_Hans_CN --no-wrap
fi
$PYBABEL compile -d "$DIR" --statistics
