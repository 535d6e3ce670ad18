#!/bin/sh
# Refresh the English catalog: extract the strings, report what is left to translate, compile.
#   scripts/i18n.sh            # makemessages + check + compilemessages
# New strings come out untranslated (or "fuzzy" when gettext guessed from a similar one):
#   uv run python scripts/i18n.py todo > /tmp/todo.json   # the msgids to translate
#   (write {"msgid": "English", "plural msgid": ["one", "other"]} to /tmp/en.json)
#   uv run python scripts/i18n.py fill /tmp/en.json && scripts/i18n.sh
# Commit both src/parindex/locale/en/LC_MESSAGES/django.po and django.mo (CI may lack gettext).
set -eu
cd "$(dirname "$0")/../src/parindex"
uv run django-admin makemessages -l en --settings=parindex.settings -i "static/*" --no-location --no-obsolete
cd ../..
uv run python scripts/i18n.py check || echo "i18n: the catalog has untranslated or fuzzy strings (see above)" >&2
cd src/parindex
uv run django-admin compilemessages -l en --settings=parindex.settings
