-- The current belief for each (council, measure, period).
--
-- The value is the assertion of the report about the latest period (then the latest
-- published_at, then the latest recorded_at), so ingesting an older report after a newer one
-- changes nothing here. A later report often repeats an earlier period's value without its
-- target, rating or benchmark ("Same quarter 2023-2024"): those columns come from the
-- best-ranked report that printed any of them for that period (annotation_report_id), so a
-- repeated value never hides the rating the period was given.
WITH ranked AS (
    SELECT o.*, r.period_label AS report_period_label,
           ROW_NUMBER() OVER (
               PARTITION BY o.council_code, o.measure_id, o.period_kind, o.period_label
               ORDER BY r.period_end DESC, r.published_at DESC NULLS LAST, o.recorded_at DESC, o.event_id
           ) AS belief_rank
    FROM observations o
    JOIN reports r ON r.report_id = o.report_id
),
annotation AS (
    SELECT * FROM (
        SELECT council_code AS a_council, measure_id AS a_measure, period_kind AS a_kind,
               period_label AS a_label, report_id AS annotation_report_id,
               target, target_text, rating, rating_text, previous_rating, benchmark,
               benchmark_text, benchmark_group, direction_text,
               ROW_NUMBER() OVER (
                   PARTITION BY council_code, measure_id, period_kind, period_label
                   ORDER BY belief_rank
               ) AS annotation_rank
        FROM ranked
        WHERE target_text IS NOT NULL OR rating_text IS NOT NULL OR benchmark_text IS NOT NULL
           OR direction_text IS NOT NULL
    ) a
    WHERE annotation_rank = 1
)
SELECT v.event_id, v.report_id, v.council_code, v.measure_id, v.measure_ref, v.measure_name,
       v.objective_ref, v.theme, v.period_kind, v.period_label, v.period_year, v.period_quarter,
       v.period_end, v.value, v.value_text, v.unit,
       a.target, a.target_text, a.rating, a.rating_text, a.previous_rating, a.benchmark,
       a.benchmark_text, a.benchmark_group, a.direction_text,
       v.frequency, v.source_line, v.recorded_at, v.report_period_label, a.annotation_report_id
FROM ranked v
LEFT JOIN annotation a
  ON a.a_council = v.council_code AND a.a_measure = v.measure_id
 AND a.a_kind = v.period_kind AND a.a_label = v.period_label
WHERE v.belief_rank = 1
