-- The rating scheme of each council's measures, read from the words it publishes
-- (strong/good/review/action: 'derbyshire'; blue/green/amber/red: 'derby_city').
SELECT council_code, scheme, CAST(rated AS INT) AS rated_observations
FROM (
    SELECT council_code, scheme, COUNT(*) AS rated,
           ROW_NUMBER() OVER (PARTITION BY council_code ORDER BY COUNT(*) DESC, scheme) AS k
    FROM (SELECT council_code, lapis_rating_scheme(rating) AS scheme FROM observations) s
    WHERE scheme IS NOT NULL
    GROUP BY council_code, scheme
) t
WHERE k = 1
