-- Per council and objective (deliverable, action, priority project, strategic risk): the latest
-- rating, the previous one, and whether it improved. An objective is known by its ref, or by
-- its title where the report prints no ref. The previous rating is the one the latest report
-- prints ("Good (Strong in Q1)"), else the rating of the objective in the report before.
WITH updates AS (
    SELECT u.*, r.report_recency, r.period_label AS report_period_label,
           r.period_year AS report_period_year, r.period_quarter AS report_period_quarter,
           r.period_end AS report_period_end,
           COALESCE(u.objective_ref, lower(u.title)) AS objective_key
    FROM objective_updates u
    JOIN reports r ON r.report_id = u.report_id
),
ranked AS (
    SELECT u.*,
           ROW_NUMBER() OVER (
               PARTITION BY u.council_code, u.kind, u.objective_key
               ORDER BY u.report_recency DESC, u.event_id
           ) AS k
    FROM updates u
),
earlier AS (
    SELECT council_code AS e_council, kind AS e_kind, objective_key AS e_key,
           rating AS earlier_rating, risk_score AS earlier_risk_score,
           report_period_label AS earlier_report_period
    FROM ranked WHERE k = 2
),
joined AS (
    SELECT c.*, e.*,
           COALESCE(c.previous_rating, e.earlier_rating) AS prior_rating,
           CASE WHEN c.previous_rating IS NOT NULL THEN 'printed'
                WHEN e.earlier_rating IS NOT NULL THEN CONCAT('report ', e.earlier_report_period) END AS prior_source
    FROM ranked c
    LEFT JOIN earlier e ON e.e_council = c.council_code AND e.e_kind = c.kind AND e.e_key = c.objective_key
    WHERE c.k = 1
)
SELECT council_code, kind, objective_ref, title, theme,
       -- The status is as at the end of the period of the report that gave it.
       'snapshot' AS period_kind, report_period_label AS period_label,
       report_period_year AS period_year, report_period_quarter AS period_quarter,
       report_period_end AS period_end, expected_completion,
       rating, rating_text, status_text, risk_score,
       prior_rating AS previous_rating, prior_source AS previous_rating_source,
       earlier_risk_score AS previous_risk_score,
       lapis_rating_rank(rating) AS rating_rank,
       lapis_rating_rank(prior_rating) AS previous_rating_rank,
       CASE WHEN lapis_rating_rank(rating) IS NOT NULL AND lapis_rating_rank(prior_rating) IS NOT NULL
                THEN lapis_rating_rank(rating) > lapis_rating_rank(prior_rating)
            WHEN risk_score IS NOT NULL AND earlier_risk_score IS NOT NULL
                THEN risk_score < earlier_risk_score
       END AS improved,
       CASE WHEN lapis_rating_rank(rating) IS NOT NULL AND lapis_rating_rank(prior_rating) IS NOT NULL THEN
                CASE WHEN lapis_rating_rank(rating) > lapis_rating_rank(prior_rating) THEN 'improved'
                     WHEN lapis_rating_rank(rating) < lapis_rating_rank(prior_rating) THEN 'worsened'
                     ELSE 'unchanged' END
            WHEN risk_score IS NOT NULL AND earlier_risk_score IS NOT NULL THEN
                CASE WHEN risk_score < earlier_risk_score THEN 'improved'
                     WHEN risk_score > earlier_risk_score THEN 'worsened'
                     ELSE 'unchanged' END
       END AS change,
       report_id, report_period_label, source_line
FROM joined
