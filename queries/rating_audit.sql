-- Every published measure rating that the council's own rule does not reproduce. With a known
-- polarity: the rule gives another word. With polarity unknown: neither polarity gives the
-- published word (so the finding does not depend on the polarity). A finding, not an error:
-- Derby City rates 18 travel-training completions against 15 as Green where its key says Blue.
WITH rated AS (
    SELECT o.*, lapis_rating_scheme(o.rating) AS scheme, m.polarity, m.polarity_source,
           r.period_label AS report_period_label
    FROM observations o
    JOIN reports r ON r.report_id = o.report_id
    LEFT JOIN measures m ON m.council_code = o.council_code AND m.measure_id = o.measure_id
    WHERE o.value IS NOT NULL AND o.target IS NOT NULL AND lapis_rating_scheme(o.rating) IS NOT NULL
),
computed AS (
    SELECT r.*,
           lapis_rate(scheme, value, target, polarity) AS computed_rating,
           lapis_rate(scheme, value, target, 'higher_is_better') AS if_higher_is_better,
           lapis_rate(scheme, value, target, 'lower_is_better') AS if_lower_is_better
    FROM rated r
)
SELECT council_code, measure_id, measure_ref, measure_name,
       period_kind, period_label, period_year, period_quarter, period_end,
       value, value_text, target, target_text,
       rating AS published_rating, rating_text, computed_rating,
       if_higher_is_better, if_lower_is_better,
       lapis_rating_rank(rating) AS published_rank,
       lapis_rating_rank(computed_rating) AS computed_rank,
       CASE WHEN target <> 0 THEN
           round((value - target) / abs(target) * CASE WHEN polarity = 'lower_is_better' THEN -1.0 ELSE 1.0 END, 6)
       END AS relative_to_target,
       polarity, polarity_source, scheme,
       CASE WHEN computed_rating IS NOT NULL THEN CONCAT('rule gives ', computed_rating)
            ELSE CONCAT('neither polarity gives ', rating, ' (higher: ', if_higher_is_better,
                        ', lower: ', if_lower_is_better, ')') END AS finding,
       report_id, report_period_label, source_line
FROM computed
WHERE (computed_rating IS NOT NULL AND computed_rating <> rating)
   OR (computed_rating IS NULL AND if_higher_is_better <> rating AND if_lower_is_better <> rating)
