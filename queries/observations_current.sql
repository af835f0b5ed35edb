-- The current belief for each (council, measure, period).
--
-- The value is the assertion of the newest report (reports.report_recency: the latest period,
-- then the latest published_at, then the document recorded last), so ingesting an older report after a newer one
-- changes nothing here. A later report often repeats an earlier period's value without its
-- target, rating or benchmark ("Same quarter 2023-2024"), or prints a benchmark for a year
-- whose target only an earlier report gave. Each annotation therefore comes from the
-- best-ranked report that printed it for that period: the target; the rating (with its text
-- and previous rating), but only from a report that printed it beside the current value; the
-- benchmark with its group; the direction of travel. annotation_report_id names the report of
-- the rating, else of the target, benchmark or direction. A repeated value never hides what an
-- earlier report said about the period, and a rating never judges a value it was not given to.
WITH ranked AS (
    SELECT o.*, r.period_label AS report_period_label,
           ROW_NUMBER() OVER (
               PARTITION BY o.council_code, o.measure_id, o.period_kind, o.period_label
               ORDER BY r.report_recency DESC, o.event_id
           ) AS belief_rank
    FROM observations o
    JOIN reports r ON r.report_id = o.report_id
),
targets AS (
    SELECT * FROM (
        SELECT council_code AS t_council, measure_id AS t_measure, period_kind AS t_kind,
               period_label AS t_label, report_id AS target_report_id, target, target_text,
               ROW_NUMBER() OVER (
                   PARTITION BY council_code, measure_id, period_kind, period_label
                   ORDER BY belief_rank
               ) AS target_rank
        FROM ranked
        WHERE target_text IS NOT NULL
    ) t
    WHERE target_rank = 1
),
judgement AS (
    SELECT * FROM (
        SELECT r.council_code AS a_council, r.measure_id AS a_measure, r.period_kind AS a_kind,
               r.period_label AS a_label, r.report_id AS rating_report_id,
               r.rating, r.rating_text, r.previous_rating,
               ROW_NUMBER() OVER (
                   PARTITION BY r.council_code, r.measure_id, r.period_kind, r.period_label
                   ORDER BY r.belief_rank
               ) AS annotation_rank
        FROM ranked r
        JOIN ranked cur
          ON cur.belief_rank = 1 AND cur.council_code = r.council_code
         AND cur.measure_id = r.measure_id AND cur.period_kind = r.period_kind
         AND cur.period_label = r.period_label
        -- A rating judges the value it was printed beside: one given to another value (a
        -- figure since restated, or "Data due in Q3") does not carry over.
        WHERE r.rating_text IS NOT NULL AND r.value IS NOT DISTINCT FROM cur.value
    ) a
    WHERE annotation_rank = 1
),
bench AS (
    SELECT * FROM (
        SELECT council_code AS b_council, measure_id AS b_measure, period_kind AS b_kind,
               period_label AS b_label, report_id AS benchmark_report_id,
               benchmark, benchmark_text, benchmark_group,
               ROW_NUMBER() OVER (
                   PARTITION BY council_code, measure_id, period_kind, period_label
                   ORDER BY belief_rank
               ) AS benchmark_rank
        FROM ranked
        WHERE benchmark_text IS NOT NULL OR benchmark_group IS NOT NULL
    ) b
    WHERE benchmark_rank = 1
),
travel AS (
    SELECT * FROM (
        SELECT council_code AS d_council, measure_id AS d_measure, period_kind AS d_kind,
               period_label AS d_label, report_id AS direction_report_id, direction_text,
               ROW_NUMBER() OVER (
                   PARTITION BY council_code, measure_id, period_kind, period_label
                   ORDER BY belief_rank
               ) AS direction_rank
        FROM ranked
        WHERE direction_text IS NOT NULL
    ) d
    WHERE direction_rank = 1
)
SELECT v.event_id, v.report_id, v.council_code, v.measure_id, v.measure_ref, v.measure_name,
       v.objective_ref, v.theme, v.period_kind, v.period_label, v.period_year, v.period_quarter,
       v.period_end, v.value, v.value_text, v.unit,
       t.target, t.target_text, a.rating, a.rating_text, a.previous_rating, b.benchmark,
       b.benchmark_text, b.benchmark_group, d.direction_text,
       v.frequency, v.source_line, v.recorded_at, v.report_period_label,
       COALESCE(a.rating_report_id, t.target_report_id, b.benchmark_report_id,
                d.direction_report_id) AS annotation_report_id
FROM ranked v
LEFT JOIN targets t
  ON t.t_council = v.council_code AND t.t_measure = v.measure_id
 AND t.t_kind = v.period_kind AND t.t_label = v.period_label
LEFT JOIN judgement a
  ON a.a_council = v.council_code AND a.a_measure = v.measure_id
 AND a.a_kind = v.period_kind AND a.a_label = v.period_label
LEFT JOIN bench b
  ON b.b_council = v.council_code AND b.b_measure = v.measure_id
 AND b.b_kind = v.period_kind AND b.b_label = v.period_label
LEFT JOIN travel d
  ON d.d_council = v.council_code AND d.d_measure = v.measure_id
 AND d.d_kind = v.period_kind AND d.d_label = v.period_label
WHERE v.belief_rank = 1
