#!/usr/bin/env bash
# Installs what the tests need besides Rust: fpdf2 (the PDF tests render the shared reports to
# PDF at test time) and the DejaVu fonts; psql, psycopg 3 and openssl (the SQL server's tests
# connect with real clients and make a TLS certificate). Safe to run again.
set -euo pipefail
python3 -m pip install --quiet --disable-pip-version-check "fpdf2==2.8.9" "psycopg[binary]==3.2.13" "sqlalchemy==2.0.*"
missing=""
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
command -v psql >/dev/null || missing="$missing postgresql-client"
command -v openssl >/dev/null || missing="$missing openssl"
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq $missing
fi
