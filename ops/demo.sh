#!/usr/bin/env bash
# Ingests the real reports in ../shared/reports (when present) into a fresh warehouse and the
# bundled sample into one of its own, and shows the derived views.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lapis-target}"
WH="${LAPIS_WAREHOUSE:-$(mktemp -d)/warehouse}"
SAMPLE_WH="$WH"
lapis() { cargo run -q -p lapis-cli -- --warehouse "$WH" "$@"; }
if [ -d ../shared/reports ]; then
  lapis ingest ../shared/reports/derbyshire-county-*.txt --council E10000007 --council-name "Derbyshire County Council"
  lapis ingest ../shared/reports/derby-city-*.txt --council E06000015
  # Our sample covers the same quarter as the real 2025-26 Q1 report with figures of its own:
  # it goes into a warehouse of its own, so the two readings of that quarter never mix.
  SAMPLE_WH="$WH-sample"
fi
# The bundled samples come in through the offline fetch job (jobs/samples.toml), as a council's
# shared directory would.
cargo run -q -p lapis-cli -- --warehouse "$SAMPLE_WH" --jobs-dir jobs run samples
echo "== tables"
lapis query "select (select count(*) from reports) reports, (select count(*) from observations) observations, (select count(*) from objective_updates) objective_updates, (select count(*) from report_claims) claims, (select count(*) from parse_issues) parse_issues"
echo "== restatements"
lapis query "select council_code, measure_name, period_label, earlier_value_text, later_value_text, difference, earlier_report_period, later_report_period from restatements"
echo "== observations_current (sickness absence, aliased across a rename)"
lapis query "select measure_id, period_label, value_text, target_text, rating, report_period_label from observations_current where measure_id like '%sickness-hours%' order by period_end"
echo "== current_ratings (published beside the council's rule; Derby City)"
lapis query "select measure_ref, period_label, value, target, published_rating, computed_rating, rating_rank, polarity from current_ratings where council_code = 'E06000015' and published_rating is not null order by measure_ref limit 8"
echo "== rating_audit (published ratings the rule does not reproduce)"
lapis query "select council_code, measure_ref, period_label, value, target, published_rating, computed_rating from rating_audit order by 1, 2"
echo "== yoy_direction (Derbyshire, latest report)"
lapis query "select measure_name, period_label, previous_period_label, previous_value, value, change, direction, published_direction, agrees_with_published from yoy_direction where council_code = 'E10000007' and period_label = '2024-25 Q1' order by measure_name limit 8"
echo "== benchmark_gaps"
lapis query "select measure_name, period_label, value, benchmark, gap, gap_unit, better_than_benchmark, benchmark_group, benchmark_vintage from benchmark_gaps order by council_code, measure_name limit 8"
echo "== measures (polarity and where it came from)"
lapis query "select polarity, polarity_source, count(*) measures from measures group by 1, 2 order by 1, 2"
echo "== objective_status (changed since the previous report)"
lapis query "select council_code, objective_ref, title, previous_rating, rating, change from objective_status where change in ('improved', 'worsened') order by 1, 2 limit 10"
echo "== claim_reconciliation"
lapis query "select report_period_label, status, count(*) claims from claim_reconciliation group by 1, 2 order by 1, 2"
if [ "$SAMPLE_WH" != "$WH" ]; then
  echo "== the bundled sample, in its own warehouse ($SAMPLE_WH)"
  cargo run -q -p lapis-cli -- --warehouse "$SAMPLE_WH" query "select measure_name, period_label, value_text, target_text, published_rating, computed_rating from current_ratings order by measure_name limit 8"
fi
echo "warehouse: $WH"
