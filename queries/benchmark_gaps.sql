-- Per council, measure and period with a numeric benchmark (from observations_current): the gap
-- value - benchmark in the measure's unit (rounded to 6 decimals) (percentage points for percentages), the relative gap,
-- whether the value is better than the benchmark by the measure's polarity (null while polarity
-- is unknown), the benchmark group and the vintage printed in it ("England Average 2023-24").
WITH gaps AS (
    SELECT c.*, COALESCE(m.polarity, 'unknown') AS polarity,
           round(c.value - c.benchmark, 6) AS gap,
           regexp_match(COALESCE(c.benchmark_group, ''), '((?:19|20)\d{2}(?:\s*[-/]\s*(?:19|20)?\d{2})?)') AS vintage_match
    FROM observations_current c
    LEFT JOIN measures m ON m.council_code = c.council_code AND m.measure_id = c.measure_id
    WHERE c.value IS NOT NULL AND c.benchmark IS NOT NULL
)
SELECT council_code, measure_id, measure_ref, measure_name,
       period_kind, period_label, period_year, period_quarter, period_end,
       value, value_text, unit, benchmark, benchmark_text, benchmark_group,
       vintage_match[1] AS benchmark_vintage,
       gap,
       CASE WHEN unit = '%' THEN 'percentage points' ELSE unit END AS gap_unit,
       CASE WHEN benchmark <> 0 THEN round(gap / abs(benchmark), 6) END AS relative_gap,
       polarity,
       CASE WHEN polarity = 'higher_is_better' THEN value > benchmark
            WHEN polarity = 'lower_is_better' THEN value < benchmark END AS better_than_benchmark,
       report_id, annotation_report_id
FROM gaps
