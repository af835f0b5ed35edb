-- Every (council, measure, period) for which two reports asserted different values: the earlier
-- report's value, the later report's value, both reports, and the difference (later - earlier).
-- "Later" is reports.report_recency, the one definition of a newer report.
SELECT a.council_code, a.measure_id, a.measure_name, a.period_kind, a.period_label,
       a.period_year, a.period_quarter, a.period_end,
       a.value AS earlier_value, a.value_text AS earlier_value_text, a.report_id AS earlier_report_id,
       ra.period_label AS earlier_report_period,
       b.value AS later_value, b.value_text AS later_value_text, b.report_id AS later_report_id,
       rb.period_label AS later_report_period,
       round(b.value - a.value, 6) AS difference
FROM observations a
JOIN reports ra ON ra.report_id = a.report_id
JOIN observations b
  ON b.council_code = a.council_code AND b.measure_id = a.measure_id
 AND b.period_kind = a.period_kind AND b.period_label = a.period_label
 AND b.report_id <> a.report_id
JOIN reports rb ON rb.report_id = b.report_id
WHERE a.value IS NOT NULL AND b.value IS NOT NULL AND a.value <> b.value
  AND ra.report_recency < rb.report_recency
