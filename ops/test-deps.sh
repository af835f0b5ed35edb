#!/usr/bin/env bash
# Installs what the tests need besides Rust: fpdf2, python-docx and LibreOffice's Writer (the
# PDF tests render the shared reports to PDF at test time, with fpdf2, ReportLab and through Word
# documents printed by LibreOffice, and HTML pages printed by headless Chromium, WeasyPrint,
# MuPDF, xhtml2pdf and wkhtmltopdf, and typeset by Typst and pdflatex) and the DejaVu fonts; the SQL server's real clients (psql, psycopg 3,
# SQLAlchemy, the PostgreSQL JDBC driver with a JDK, psqlODBC with unixODBC's isql, Go with
# Debian's pgconn for Grafana's queries) and openssl for a TLS certificate. Safe to run again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
python3 -m pip install --quiet --disable-pip-version-check "fpdf2==2.8.9" "reportlab==5.1.0" "weasyprint==70.0" "python-docx==1.2.0" "pymupdf==2.0" "xhtml2pdf==0.2.28" "typst==0.15.2" "psycopg[binary]==3.2.13" "sqlalchemy==2.0.*"
missing=""
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
command -v psql >/dev/null || missing="$missing postgresql-client"
command -v chromium >/dev/null || missing="$missing chromium"
command -v wkhtmltopdf >/dev/null || missing="$missing wkhtmltopdf"
# WeasyPrint lays text out with Pango.
ldconfig -p | grep -q libpangoft2-1.0.so.0 || missing="$missing libpangoft2-1.0-0"
command -v openssl >/dev/null || missing="$missing openssl"
command -v javac >/dev/null || missing="$missing default-jdk-headless"
[ -f /usr/share/java/postgresql.jar ] || missing="$missing libpostgresql-jdbc-java"
command -v isql >/dev/null || missing="$missing unixodbc"
odbcinst -q -d -n "PostgreSQL Unicode" >/dev/null 2>&1 || missing="$missing odbc-postgresql"
command -v go >/dev/null || missing="$missing golang-go"
[ -d /usr/share/gocode/src/github.com/jackc/pgconn ] || missing="$missing golang-github-jackc-pgconn-dev"
# LibreOffice without its recommendations (no Java, no desktop integration).
lean=""
command -v soffice >/dev/null || lean="libreoffice-writer-nogui"
# pdflatex with longtable, booktabs and the Latin Modern fonts, for LaTeX's PDFs.
command -v pdflatex >/dev/null && kpsewhich booktabs.sty lmodern.sty >/dev/null 2>&1 \
  || lean="$lean texlive-latex-base texlive-latex-recommended lmodern"
if [ -n "$missing$lean" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  [ -z "$missing" ] || $SUDO apt-get install -y -qq $missing
  [ -z "$lean" ] || $SUDO apt-get install -y -qq --no-install-recommends $lean
fi
