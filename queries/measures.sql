-- The measure catalog: one row per (council, measure) with every name it was printed under,
-- its unit and frequency, the periods seen, and its polarity with the source of it.
--
-- Polarity: declared in catalog/measures.csv wins; otherwise inferred from published ratings,
-- then from directions of travel. When inferences disagree, polarity stays 'unknown' and
-- polarity_source says 'conflict': a person settles it in the catalog. polarity_evidence
-- counts each kind of evidence ("ratings 3 higher / 0 lower; travel 0 higher / 1 lower").
WITH seen AS (
    SELECT o.*, r.report_recency,
           ROW_NUMBER() OVER (
               PARTITION BY o.council_code, o.measure_id
               ORDER BY r.report_recency DESC, o.source_line
           ) AS latest
    FROM observations o
    JOIN reports r ON r.report_id = o.report_id
),
spans AS (
    SELECT council_code, measure_id,
           CAST(string_agg(DISTINCT measure_name, ' | ') AS VARCHAR) AS names_seen,
           MIN(period_end) AS first_period_end, MAX(period_end) AS last_period_end,
           CAST(COUNT(DISTINCT report_id) AS INT) AS reports,
           CAST(COUNT(*) AS INT) AS observations
    FROM seen
    GROUP BY council_code, measure_id
),
latest AS (
    SELECT * FROM seen WHERE latest = 1
),
units AS (
    SELECT council_code, measure_id, unit, frequency FROM (
        SELECT council_code, measure_id, unit, frequency,
               ROW_NUMBER() OVER (
                   PARTITION BY council_code, measure_id
                   ORDER BY (unit IS NOT NULL) DESC, (frequency IS NOT NULL) DESC, report_recency DESC
               ) AS k
        FROM seen
    ) u WHERE k = 1
),
firsts AS (
    SELECT council_code, measure_id, period_label AS first_period FROM (
        SELECT council_code, measure_id, period_label,
               ROW_NUMBER() OVER (PARTITION BY council_code, measure_id ORDER BY period_end, period_label) AS k
        FROM seen
    ) f WHERE k = 1
),
lasts AS (
    SELECT council_code, measure_id, period_label AS last_period FROM (
        SELECT council_code, measure_id, period_label,
               ROW_NUMBER() OVER (PARTITION BY council_code, measure_id ORDER BY period_end DESC, period_label) AS k
        FROM seen
    ) l WHERE k = 1
),
evidence AS (
    SELECT council_code, measure_id,
           SUM(CASE WHEN source = 'published_rating' AND polarity = 'higher_is_better' THEN 1 ELSE 0 END) AS rating_higher,
           SUM(CASE WHEN source = 'published_rating' AND polarity = 'lower_is_better' THEN 1 ELSE 0 END) AS rating_lower,
           SUM(CASE WHEN source = 'direction_of_travel' AND polarity = 'higher_is_better' THEN 1 ELSE 0 END) AS travel_higher,
           SUM(CASE WHEN source = 'direction_of_travel' AND polarity = 'lower_is_better' THEN 1 ELSE 0 END) AS travel_lower
    FROM polarity_evidence
    GROUP BY council_code, measure_id
),
declared AS (
    SELECT council_code AS d_council,
           COALESCE(NULLIF(CAST(canonical_id AS VARCHAR), ''), CAST(measure_id AS VARCHAR)) AS d_measure,
           MAX(CAST(polarity AS VARCHAR)) AS declared_polarity
    FROM measure_catalog
    WHERE CAST(polarity AS VARCHAR) IN ('higher_is_better', 'lower_is_better')
    GROUP BY 1, 2
),
inferred AS (
    SELECT e.*,
           CASE WHEN rating_higher > 0 AND rating_lower = 0 THEN 'higher_is_better'
                WHEN rating_lower > 0 AND rating_higher = 0 THEN 'lower_is_better' END AS by_rating,
           CASE WHEN travel_higher > 0 AND travel_lower = 0 THEN 'higher_is_better'
                WHEN travel_lower > 0 AND travel_higher = 0 THEN 'lower_is_better' END AS by_travel,
           (rating_higher > 0 AND rating_lower > 0) OR (travel_higher > 0 AND travel_lower > 0)
             OR (rating_higher + travel_higher > 0 AND rating_lower + travel_lower > 0) AS conflict
    FROM evidence e
)
SELECT s.council_code, s.measure_id, l.measure_ref, l.measure_name, s.names_seen,
       u.unit, u.frequency,
       CASE WHEN d.declared_polarity IS NOT NULL THEN d.declared_polarity
            WHEN i.conflict THEN 'unknown'
            ELSE COALESCE(i.by_rating, i.by_travel, 'unknown') END AS polarity,
       CASE WHEN d.declared_polarity IS NOT NULL THEN 'declared'
            WHEN i.conflict THEN 'conflict'
            WHEN i.by_rating IS NOT NULL AND i.by_travel IS NOT NULL THEN 'published_ratings+direction_of_travel'
            WHEN i.by_rating IS NOT NULL THEN 'published_ratings'
            WHEN i.by_travel IS NOT NULL THEN 'direction_of_travel'
            ELSE 'none' END AS polarity_source,
       CASE WHEN i.council_code IS NULL THEN NULL
            ELSE CONCAT('ratings ', CAST(i.rating_higher AS VARCHAR), ' higher / ', CAST(i.rating_lower AS VARCHAR),
                        ' lower; travel ', CAST(i.travel_higher AS VARCHAR), ' higher / ',
                        CAST(i.travel_lower AS VARCHAR), ' lower') END AS polarity_evidence,
       COALESCE(i.conflict, false) AS polarity_conflict,
       f.first_period, s.first_period_end, t.last_period, s.last_period_end,
       s.reports, s.observations
FROM spans s
JOIN latest l ON l.council_code = s.council_code AND l.measure_id = s.measure_id
JOIN units u ON u.council_code = s.council_code AND u.measure_id = s.measure_id
JOIN firsts f ON f.council_code = s.council_code AND f.measure_id = s.measure_id
JOIN lasts t ON t.council_code = s.council_code AND t.measure_id = s.measure_id
LEFT JOIN inferred i ON i.council_code = s.council_code AND i.measure_id = s.measure_id
LEFT JOIN declared d ON d.d_council = s.council_code AND d.d_measure = s.measure_id
