-- Per council, measure and period: the value against the same period a year earlier (same
-- period_kind and quarter, period_year - 1, same month for monthly figures), both from
-- observations_current; a Q4 figure with no Q4 a year earlier is compared with that whole year,
-- and comparison_basis says which. direction is improving / deteriorating / unchanged by the measure's
-- polarity, or increasing / decreasing while polarity is unknown. The published direction of
-- travel stands beside it (read by lapis_direction: improving / deteriorating / unchanged), with whether
-- they agree (null when there is nothing to compare).
WITH candidates AS (
    SELECT c.council_code, c.measure_id, c.measure_ref, c.measure_name, c.period_kind,
           c.period_label, c.period_year, c.period_quarter, c.period_end, c.value, c.value_text,
           c.unit, p.period_label AS previous_period_label, p.value AS previous_value,
           p.value_text AS previous_value_text, c.direction_text, c.report_id,
           p.report_id AS previous_report_id,
           p.period_kind AS previous_period_kind,
           COALESCE(m.polarity, 'unknown') AS polarity,
           ROW_NUMBER() OVER (
               PARTITION BY c.council_code, c.measure_id, c.period_kind, c.period_label
               ORDER BY p.period_kind = c.period_kind DESC
           ) AS preference
    FROM observations_current c
    JOIN observations_current p
      ON p.council_code = c.council_code AND p.measure_id = c.measure_id
     AND (p.period_year = c.period_year - 1)
     AND ((p.period_kind = c.period_kind
           AND (p.period_quarter IS NOT DISTINCT FROM c.period_quarter)
           AND (c.period_kind <> 'month' OR date_part('month', p.period_end) = date_part('month', c.period_end)))
          -- A year-end figure against the previous whole year, when that year has no
          -- figure of the same kind (Derby City prints "2023 24 actual" beside
          -- "2024 25 Q4 actual").
          OR (c.period_quarter = 4 AND c.period_kind IN ('quarter', 'quarter_ytd')
              AND p.period_kind = 'financial_year'))
    LEFT JOIN measures m ON m.council_code = c.council_code AND m.measure_id = c.measure_id
    WHERE c.value IS NOT NULL AND p.value IS NOT NULL
),
pairs AS (
    SELECT * FROM candidates WHERE preference = 1
),
directed AS (
    SELECT p.*,
           round(value - previous_value, 6) AS change,
           CASE WHEN previous_value <> 0 THEN round((value - previous_value) / abs(previous_value), 6) END AS relative_change,
           CASE WHEN value = previous_value THEN 'unchanged'
                WHEN polarity = 'higher_is_better' THEN CASE WHEN value > previous_value THEN 'improving' ELSE 'deteriorating' END
                WHEN polarity = 'lower_is_better' THEN CASE WHEN value < previous_value THEN 'improving' ELSE 'deteriorating' END
                WHEN value > previous_value THEN 'increasing'
                ELSE 'decreasing' END AS direction,
           lapis_direction(direction_text) AS published_direction
    FROM pairs p
)
SELECT council_code, measure_id, measure_ref, measure_name, period_kind, period_label,
       period_year, period_quarter, period_end, value, value_text, unit,
       previous_period_label, previous_value, previous_value_text,
       CASE WHEN previous_period_kind = period_kind THEN 'same period a year earlier'
            ELSE 'previous whole year' END AS comparison_basis,
       change, relative_change, polarity, direction,
       direction_text AS published_direction_text, published_direction,
       CASE WHEN published_direction IS NULL OR direction IN ('increasing', 'decreasing') THEN CAST(NULL AS BOOLEAN)
            ELSE published_direction = direction END AS agrees_with_published,
       report_id, previous_report_id
FROM directed
