-- The current belief for each (council, measure, period): the assertion of the report about the
-- latest period wins, then the latest published_at, then the latest recorded_at. Ingesting an
-- older report after a newer one therefore changes nothing here.
SELECT event_id, report_id, council_code, measure_id, measure_ref, measure_name, objective_ref, theme,
       period_kind, period_label, period_year, period_quarter, period_end, value, value_text, unit,
       target, target_text, rating, rating_text, previous_rating, benchmark, benchmark_text,
       benchmark_group, direction_text, frequency, source_line, recorded_at,
       report_period_label
FROM (
    SELECT o.*, r.period_label AS report_period_label,
           ROW_NUMBER() OVER (
               PARTITION BY o.council_code, o.measure_id, o.period_kind, o.period_label
               ORDER BY r.period_end DESC, r.published_at DESC NULLS LAST, o.recorded_at DESC, o.event_id
           ) AS belief_rank
    FROM observations o
    JOIN reports r ON r.report_id = o.report_id
) ranked
WHERE belief_rank = 1
