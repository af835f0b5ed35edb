-- Every piece of evidence about a measure's polarity (DESIGN §4), one row each:
--
-- * 'published_rating': a rated observation with a numeric value and target whose published
--   rating the council's rule reproduces under exactly one polarity;
-- * 'direction_of_travel': a published "Improving" / "Deteriorating" beside the change from
--   the previous period printed in the same report.
--
-- Rows where both polarities (value on target) or neither (a rating the rule does not
-- reproduce, see rating_audit) give the rating are not evidence and are left out.
WITH rated AS (
    SELECT o.*, lapis_rating_scheme(o.rating) AS scheme,
           lapis_rate(lapis_rating_scheme(o.rating), o.value, o.target, 'higher_is_better') AS if_higher,
           lapis_rate(lapis_rating_scheme(o.rating), o.value, o.target, 'lower_is_better') AS if_lower
    FROM observations o
    WHERE o.value IS NOT NULL AND o.target IS NOT NULL AND lapis_rating_scheme(o.rating) IS NOT NULL
),
from_ratings AS (
    SELECT council_code, measure_id, report_id, period_kind, period_label, period_year, period_quarter, period_end,
           'published_rating' AS source,
           CASE WHEN if_higher = rating THEN 'higher_is_better' ELSE 'lower_is_better' END AS polarity,
           CONCAT(value_text, ' against ', target_text, ' rated ', rating, ' (', scheme, ' rule)') AS detail,
           source_line
    FROM rated
    WHERE (if_higher = rating) <> (if_lower = rating)
),
travel AS (
    SELECT o.council_code, o.measure_id, o.report_id, o.period_kind, o.period_label, o.period_year,
           o.period_quarter, o.value, o.value_text,
           o.direction_text, o.source_line, o.period_end,
           lapis_direction(o.direction_text) AS published
    FROM observations o
    WHERE o.direction_text IS NOT NULL AND o.value IS NOT NULL
),
previous AS (
    SELECT t.*, p.value AS previous_value, p.value_text AS previous_value_text,
           p.period_label AS previous_period_label,
           ROW_NUMBER() OVER (
               PARTITION BY t.report_id, t.measure_id, t.period_label ORDER BY p.period_end DESC
           ) AS k
    FROM travel t
    JOIN observations p
      ON p.report_id = t.report_id AND p.measure_id = t.measure_id
     AND p.period_end < t.period_end AND p.value IS NOT NULL
    WHERE t.published IN ('improving', 'deteriorating')
),
from_travel AS (
    SELECT council_code, measure_id, report_id, period_kind, period_label, period_year, period_quarter, period_end,
           'direction_of_travel' AS source,
           CASE WHEN (published = 'improving') = (value > previous_value) THEN 'higher_is_better'
                ELSE 'lower_is_better' END AS polarity,
           CONCAT(previous_value_text, ' (', previous_period_label, ') to ', value_text, ' printed as ',
                  direction_text) AS detail,
           source_line
    FROM previous
    WHERE k = 1 AND value <> previous_value
)
SELECT council_code, measure_id, report_id, period_kind, period_label, period_year, period_quarter, period_end,
       source, polarity, detail, source_line
FROM from_ratings
UNION ALL
SELECT council_code, measure_id, report_id, period_kind, period_label, period_year, period_quarter, period_end,
       source, polarity, detail, source_line
FROM from_travel
