-- Each summary claim a report makes ("19 objectives are Good") beside the count of extracted
-- rows it describes, and whether they match: the extractor's own check on itself.
--
-- Objective claims count objective_updates of the kind named by the subject; measure claims
-- count measures by the latest rating the report prints for each ("27 performance measures",
-- with no rating, counts every measure the report prints for the theme). A scope narrows the count to a theme. A
-- claim about the quarter before the report's own counts each row's printed previous rating
-- ("Good (Strong in Q1)"), else its current rating, and says so in basis. Direction claims
-- (improving / no change / declining) count measures by their printed direction of travel.
-- Claims nothing extracted can answer (other quarters, directions the report prints only as
-- arrows, directions of deliverables, ratings of a report that marks rows with icons only) have
-- status 'not checkable' and a null extracted_count.
WITH claims AS (
    SELECT c.*, r.period_label AS report_period_label, r.period_year AS report_year,
           r.period_quarter AS report_quarter,
           CASE lower(c.subject)
               WHEN 'strategic objectives' THEN 'strategic_objective'
               WHEN 'objectives' THEN 'strategic_objective'
               WHEN 'deliverables' THEN 'deliverable'
               WHEN 'delivery plan actions' THEN 'action'
               WHEN 'actions' THEN 'action'
               WHEN 'priority projects' THEN 'priority_project'
               WHEN 'strategic risks' THEN 'strategic_risk'
           END AS objective_kind,
           lower(c.subject) LIKE '%measures%' AS about_measures,
           lower(COALESCE(c.rating, '')) IN ('improving', 'no change', 'declining') AS about_direction,
           CASE WHEN c.period_label = r.period_label THEN 'current'
                WHEN c.period_label = CONCAT(CAST(q.previous_year AS VARCHAR), '-',
                                             lpad(CAST((q.previous_year + 1) % 100 AS VARCHAR), 2, '0'),
                                             ' Q', CAST(q.previous_quarter AS VARCHAR)) THEN 'previous'
           END AS which_quarter,
           CAST(regexp_match(c.period_label, '^([0-9]{4})-[0-9]{2} Q[1-4]$')[1] AS INT) AS period_year,
           CAST(regexp_match(c.period_label, '^[0-9]{4}-[0-9]{2} Q([1-4])$')[1] AS INT) AS period_quarter
    FROM report_claims c
    JOIN reports r ON r.report_id = c.report_id
    -- The quarter before the report's: Q1's is Q4 of the year before.
    JOIN (SELECT report_id AS q_report,
                 CAST(CASE WHEN period_quarter = 1 THEN period_year - 1 ELSE period_year END AS INT) AS previous_year,
                 CAST(CASE WHEN period_quarter = 1 THEN 4 ELSE period_quarter - 1 END AS INT) AS previous_quarter
          FROM reports) q ON q.q_report = r.report_id
),
objective_counts AS (
    SELECT c.event_id,
           CAST(COUNT(u.event_id) AS INT) AS n
    FROM claims c
    LEFT JOIN objective_updates u
      ON u.report_id = c.report_id AND u.kind = c.objective_kind
     AND (c.scope IS NULL OR u.theme = c.scope)
     AND (c.rating IS NULL
          OR (c.rating = 'blank' AND u.rating IS NULL AND u.risk_score IS NULL)
          OR (c.which_quarter = 'current' AND u.rating = c.rating)
          -- "Completed" counts rows rated complete or with a completion status ("Completed:
          -- 30 Sep 2023" beside a Good rating in the 2023-24 Q2 report).
          OR (c.which_quarter = 'current' AND c.rating = 'complete'
              AND lower(COALESCE(u.status_text, '')) LIKE 'complete%')
          OR (c.which_quarter = 'previous' AND COALESCE(u.previous_rating, u.rating) = c.rating))
    WHERE c.objective_kind IS NOT NULL AND NOT c.about_direction AND c.which_quarter IS NOT NULL
    GROUP BY c.event_id
),
rated_measures AS (
    SELECT o.report_id, o.measure_id, o.theme, o.rating, o.previous_rating,
           -- A claim's words (improving / declining / no change) for lapis_direction's.
           CASE lapis_direction(o.direction_text)
               WHEN 'improving' THEN 'improving'
               WHEN 'deteriorating' THEN 'declining'
               WHEN 'unchanged' THEN 'no change'
           END AS direction
           , o.period_year = r.period_year AND o.period_quarter IS NOT DISTINCT FROM r.period_quarter AS in_quarter
           -- The measure's latest rated row in this report: a report's rating wheel counts
           -- each key measure once, by its newest rating, even when that is for an earlier
           -- quarter ("Key Measures with new data for Quarter 1").
           , o.rating IS NOT NULL AND ROW_NUMBER() OVER (
                 PARTITION BY o.report_id, o.measure_id
                 ORDER BY o.rating IS NOT NULL DESC, o.period_end DESC, o.source_line) = 1 AS latest_rated
    FROM observations o
    JOIN reports r ON r.report_id = o.report_id
),
measure_counts AS (
    SELECT c.event_id,
           CAST(COUNT(DISTINCT m.measure_id) AS INT) AS n
    FROM claims c
    LEFT JOIN rated_measures m
      ON m.report_id = c.report_id
     AND (c.scope IS NULL OR m.theme = c.scope)
     AND CASE WHEN c.about_direction THEN m.in_quarter AND m.direction = c.rating
              WHEN c.rating IS NULL AND lower(c.subject) = 'rated measures' THEN m.latest_rated
              WHEN c.rating IS NULL THEN true
              WHEN c.which_quarter = 'current' THEN m.latest_rated AND m.rating = c.rating
              ELSE m.in_quarter AND COALESCE(m.previous_rating, m.rating) = c.rating END
    WHERE c.about_measures AND c.which_quarter IS NOT NULL
      AND (NOT c.about_direction
           OR (c.which_quarter = 'current'
               AND c.report_id IN (SELECT report_id FROM observations WHERE direction_text IS NOT NULL)))
    GROUP BY c.event_id
),
-- Reports whose rows carry rating words: the 2019/20 report marks deliverables and measures
-- with icons (kept as rating_text, a rating only where its text states one), so its rating
-- counts cannot be checked. A kind is checkable when it has ratings and no row marked by an
-- icon alone (no letter or digit) that lapis could not read as a rating.
rated_kinds AS (
    SELECT report_id, kind FROM objective_updates
    GROUP BY report_id, kind
    HAVING COUNT(rating) > 0
       AND SUM(CASE WHEN rating IS NULL AND NOT regexp_like(rating_text, '[A-Za-z0-9]')
                    THEN 1 ELSE 0 END) = 0
),
rated_reports AS (
    SELECT report_id FROM observations
    GROUP BY report_id
    HAVING COUNT(rating) > 0
       AND SUM(CASE WHEN rating IS NULL AND NOT regexp_like(rating_text, '[A-Za-z0-9]')
                    THEN 1 ELSE 0 END) = 0
),
reconciled AS (
    SELECT c.*,
           CASE WHEN c.rating IS NOT NULL AND c.rating <> 'blank' AND NOT c.about_direction
                     AND ((c.objective_kind IS NOT NULL AND k.report_id IS NULL)
                          OR (c.about_measures AND rr.report_id IS NULL))
                THEN NULL
                ELSE COALESCE(o.n, m.n) END AS extracted_count
    FROM claims c
    LEFT JOIN objective_counts o ON o.event_id = c.event_id
    LEFT JOIN measure_counts m ON m.event_id = c.event_id
    LEFT JOIN rated_kinds k ON k.report_id = c.report_id AND k.kind = c.objective_kind
    LEFT JOIN rated_reports rr ON rr.report_id = c.report_id
)
SELECT council_code, report_id, report_period_label, subject, scope, rating,
       -- The quarter the claim counts, from its label ("2023-24 Q1").
       CASE WHEN period_year IS NOT NULL THEN 'quarter' END AS period_kind, period_label,
       period_year, period_quarter,
       CASE period_quarter WHEN 1 THEN make_date(period_year, 6, 30)
                           WHEN 2 THEN make_date(period_year, 9, 30)
                           WHEN 3 THEN make_date(period_year, 12, 31)
                           WHEN 4 THEN make_date(period_year + 1, 3, 31) END AS period_end,
       CAST(count AS INT) AS claimed_count, extracted_count,
       CASE WHEN extracted_count IS NULL THEN 'not checkable'
            WHEN extracted_count = count THEN 'match'
            ELSE 'mismatch' END AS status,
       CASE WHEN extracted_count IS NULL THEN CAST(NULL AS BOOLEAN) ELSE extracted_count = count END AS matches,
       CASE WHEN extracted_count IS NULL THEN NULL
            WHEN which_quarter = 'previous' THEN 'previous rating as printed, else current rating'
            WHEN about_direction THEN 'direction of travel'
            WHEN objective_kind IS NOT NULL THEN CONCAT(objective_kind, ' rows')
            ELSE 'measures by their latest rating in the report' END AS basis,
       source_line
FROM reconciled
