-- Per council and measure: the latest period with a value or a rating, from observations_current,
-- with the published rating, the rating the council's rule gives with the measure's polarity
-- (computed_rating; null while polarity is unknown), both as a scheme-independent rank
-- (4 best … 1 worst), the benchmark, and the report it came from.
WITH latest AS (
    SELECT c.*,
           ROW_NUMBER() OVER (
               PARTITION BY c.council_code, c.measure_id
               ORDER BY (c.value IS NOT NULL OR c.rating IS NOT NULL) DESC, c.period_end DESC,
                        (c.rating IS NOT NULL) DESC, (c.target IS NOT NULL) DESC,
                        (c.period_quarter IS NOT NULL) DESC, c.period_label
           ) AS k
    FROM observations_current c
),
rated AS (
    SELECT l.*, m.polarity, m.polarity_source,
           COALESCE(lapis_rating_scheme(l.rating), s.scheme) AS scheme
    FROM latest l
    LEFT JOIN measures m ON m.council_code = l.council_code AND m.measure_id = l.measure_id
    LEFT JOIN council_schemes s ON s.council_code = l.council_code
    WHERE l.k = 1
),
computed AS (
    SELECT r.*, lapis_rate(r.scheme, r.value, r.target, r.polarity) AS computed_rating FROM rated r
)
SELECT council_code, measure_id, measure_ref, measure_name, theme,
       period_kind, period_label, period_year, period_quarter, period_end,
       value, value_text, unit, target, target_text,
       rating AS published_rating, rating_text, previous_rating,
       computed_rating,
       lapis_rating_rank(rating) AS rating_rank,
       lapis_rating_rank(computed_rating) AS computed_rating_rank,
       CASE WHEN rating IS NULL OR computed_rating IS NULL THEN CAST(NULL AS BOOLEAN)
            ELSE rating = computed_rating END AS rating_reproduced,
       polarity, polarity_source, scheme,
       benchmark, benchmark_text, benchmark_group, direction_text,
       report_id, report_period_label, annotation_report_id
FROM computed
