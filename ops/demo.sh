#!/usr/bin/env bash
# Ingests the bundled sample report (and the real reports in ../shared/reports when present)
# into a fresh warehouse and shows the derived views.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lapis-target}"
WH="${LAPIS_WAREHOUSE:-$(mktemp -d)/warehouse}"
lapis() { cargo run -q -p lapis-cli -- --warehouse "$WH" "$@"; }
if [ -d ../shared/reports ]; then
  lapis ingest ../shared/reports/derbyshire-county-*.txt --council E10000007 --council-name "Derbyshire County Council"
  lapis ingest ../shared/reports/derby-city-*.txt --council E06000015
fi
lapis ingest samples/*.txt --council E10000007 --council-name "Derbyshire County Council"
echo "== tables"
lapis query "select (select count(*) from reports) reports, (select count(*) from observations) observations, (select count(*) from objective_updates) objective_updates, (select count(*) from report_claims) claims, (select count(*) from parse_issues) parse_issues"
echo "== restatements"
lapis query "select council_code, measure_name, period_label, earlier_value_text, later_value_text, difference, earlier_report_period, later_report_period from restatements"
echo "== observations_current (sickness absence, aliased across a rename)"
lapis query "select measure_id, period_label, value_text, target_text, rating, report_period_label from observations_current where measure_id like '%sickness-hours%' order by period_end"
echo "warehouse: $WH"
