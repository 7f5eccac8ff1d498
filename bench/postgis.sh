#!/usr/bin/env bash
# deconflict against PostGIS on the same workloads, side by side, in one run.
#
# PostGIS is used as a competent user would: a geography column with a GiST
# index, range columns for time and altitude, ST_DWithin (with the largest
# radius in the table, so that the index can filter) and an exact spheroid
# ST_Distance test against each row's own limit, plan_cache_mode =
# force_custom_plan; one query at a time from one session. The rules of
# DESIGN §5 are in the WHERE clause (a zone binds only the parties that
# accepted it, §6.2). Both sides must find the same pairs
# (activity, other volume), up to the 1 m accuracy band: the script checks it.
#
# Usage: bench/postgis.sh [BUILD_DIR] [dense|world|all] [RUNS]
# Needs Debian's postgresql-15-postgis-3 (scripts/install-deps.sh --bench).
set -euo pipefail
BUILD=${1:-build}
WHICH=${2:-dense}
RUNS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$HERE/data
. "$HERE/pg.sh"
[ -f /usr/share/postgresql/15/extension/postgis.control ] ||
  { echo "bench/postgis.sh needs postgresql-15-postgis-3 (scripts/install-deps.sh --bench)" >&2; exit 2; }
trap stop_pg EXIT
start_pg "-c shared_buffers=2GB -c work_mem=64MB -c fsync=off -c max_parallel_workers_per_gather=0 -c jit=off"
psql_ -c "CREATE EXTENSION postgis" > /dev/null

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

load_sql() {  # table name from NDJSON lines of Features
  local table=$1 file=$2
  psql_ <<SQL
CREATE UNLOGGED TABLE raw_$table (j jsonb);
\copy raw_$table (j) FROM '$file' WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')
CREATE TABLE $table AS
SELECT j->'properties'->>'id' AS id, j->'properties'->>'party' AS party, j->'properties'->>'type' AS type,
       j->'properties'->>'kind' IN ('strike', 'exercise') AS hazardous,
       ST_GeomFromGeoJSON(j->>'geometry')::geography AS g,
       coalesce((j->'properties'->>'radius_m')::float8, (j->'properties'->>'buffer_m')::float8, 0) AS r,
       tstzrange((j->'properties'->>'start')::timestamptz, (j->'properties'->>'end')::timestamptz, '[)') AS t,
       numrange((j->'properties'->'altitude'->>'lower_m')::numeric, (j->'properties'->'altitude'->>'upper_m')::numeric, '[)') AS alt,
       coalesce(ARRAY(SELECT jsonb_array_elements_text(j->'properties'->'permitted')), '{}') AS permitted,
       coalesce(ARRAY(SELECT jsonb_array_elements_text(j->'properties'->'accepted')), '{}') AS accepted
FROM raw_$table;
DROP TABLE raw_$table;
SQL
}

run() {
  local name=$1 dir=$DATA/$1
  mkdir -p "$dir"
  [ -s "$dir/queries.ndjson" ] || "$BUILD/deconflict-gen" "$name" "$dir"
  local n; n=$(wc -l < "$dir/world.ndjson")
  echo "== $name: $n volumes, $(wc -l < "$dir/queries.ndjson") queries, $RUNS runs each"

  # deconflict: `check --stats`, one thread; the median of the runs. Both
  # sides are rated on the sum of their queries' own timings (each check from
  # its call to its conflicts; each statement from its start to its rows
  # inserted), as PostGIS's is below; deconflict's rate with its output
  # written out as JSON lines is shown beside it.
  local ours=() written=() p99s=() loads=()
  for _ in $(seq "$RUNS"); do
    "$BUILD/deconflict" check --stats --against "$dir/world.ndjson" "$dir/queries.ndjson" \
      > "$PGDIR/ours.ndjson" 2> "$PGDIR/stats.json"
    ours+=("$(grep -o '"checks_per_second_checking":[0-9.e+]*' "$PGDIR/stats.json" | cut -d: -f2)")
    written+=("$(grep -o '"checks_per_second":[0-9.e+]*' "$PGDIR/stats.json" | cut -d: -f2)")
    p99s+=("$(grep -o '"p99_us":[0-9.e+]*' "$PGDIR/stats.json" | cut -d: -f2)")
  done
  local our_rate our_written our_p99
  our_rate=$(printf '%s\n' "${ours[@]}" | median)
  our_written=$(printf '%s\n' "${written[@]}" | median)
  our_p99=$(printf '%s\n' "${p99s[@]}" | median)

  # PostGIS: load, index, then every query from one session.
  local t0 t1
  t0=$(date +%s.%N)
  psql_ -c "DROP TABLE IF EXISTS volumes, queries, found, timings" > /dev/null
  load_sql volumes "$dir/world.ndjson"
  load_sql queries "$dir/queries.ndjson"
  psql_ -c "CREATE INDEX ON volumes USING gist (g); ANALYZE volumes;" > /dev/null
  t1=$(date +%s.%N)
  local pg_rates=() pg_p99s=()
  for _ in $(seq "$RUNS"); do
    psql_ > /dev/null <<'SQL'
SET plan_cache_mode = force_custom_plan;
DROP TABLE IF EXISTS found, timings;
CREATE TABLE found (query text, other text, distance float8);
CREATE TABLE timings (query text, us float8);
DO $$
DECLARE q record; started timestamptz; maxr float8 := (SELECT max(r) FROM volumes);
BEGIN
  FOR q IN SELECT * FROM queries ORDER BY id LOOP
    started := clock_timestamp();
    EXECUTE $q$
      INSERT INTO found
      SELECT $1, v.id, ST_Distance(v.g, $2, true) FROM volumes v
      WHERE ST_DWithin(v.g, $2, $3 + $4, true)
        AND v.party <> $5 AND v.t && $6 AND v.alt && $7
        AND ((v.type = 'zone' AND $5 = ANY (v.accepted) AND NOT ($5 = ANY (v.permitted))) OR v.type = 'activity' OR (v.type = 'site' AND $8))
        AND ST_Distance(v.g, $2, true) <= v.r + $4
    $q$ USING q.id, q.g, maxr, q.r, q.party, q.t, q.alt, q.hazardous;
    INSERT INTO timings VALUES (q.id, extract(epoch FROM clock_timestamp() - started) * 1e6);
  END LOOP;
END $$;
SQL
    pg_rates+=("$(psql_ -At -c "SELECT count(*) / (sum(us) / 1e6) FROM timings")")
    pg_p99s+=("$(psql_ -At -c "SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY us) FROM timings")")
  done
  local pg_rate pg_p99
  pg_rate=$(printf '%s\n' "${pg_rates[@]}" | median)
  pg_p99=$(printf '%s\n' "${pg_p99s[@]}" | median)

  # The same pairs on both sides, up to the 1 m band.
  # Each line is {"id": QUERY, "conflicts": [{"id": OTHER, ...}, ...]}; a redacted id is null.
  awk '{ n = 0; s = $0
         while (match(s, /"id":"[^"]*"/)) {
           id = substr(s, RSTART + 6, RLENGTH - 7); s = substr(s, RSTART + RLENGTH)
           if (n++ == 0) q = id; else print q "\t" id } }' "$PGDIR/ours.ndjson" |
    sort -u > "$PGDIR/ours.pairs"
  psql_ -At -F $'\t' -c "SELECT DISTINCT query, other FROM found ORDER BY 1, 2" | sort -u > "$PGDIR/pg.pairs"
  local only_ours only_pg
  only_ours=$(comm -23 "$PGDIR/ours.pairs" "$PGDIR/pg.pairs" | wc -l)
  only_pg=$(comm -13 "$PGDIR/ours.pairs" "$PGDIR/pg.pairs" | wc -l)
  # A pair found by one side only is explained when PostGIS puts it within 1 m of its limit.
  local unexplained=0
  if [ "$((only_ours + only_pg))" -gt 0 ]; then
    comm -3 "$PGDIR/ours.pairs" "$PGDIR/pg.pairs" | awk -F'\t' '{ print ($1 != "" ? $1 : $2) "\t" ($1 != "" ? $2 : $3) }' \
      > "$PGDIR/diff.pairs"
    psql_ -c "CREATE TEMP TABLE d (query text, other text)" -c "\copy d FROM '$PGDIR/diff.pairs'" \
      -At -c "SELECT count(*) FROM d JOIN queries q ON q.id = d.query JOIN volumes v ON v.id = d.other
              WHERE abs(ST_Distance(v.g, q.g, true) - (v.r + q.r)) > 1" > "$PGDIR/unexplained"
    unexplained=$(tail -1 "$PGDIR/unexplained")
  fi
  local pairs; pairs=$(wc -l < "$PGDIR/pg.pairs")
  printf '| %s | %s | %.0f (%.0f written) | %.0f | %.0fx | %.0f us | %.0f us | %s pairs; %s only ours, %s only PostGIS, %s outside the 1 m band |\n' \
    "$name" "$n" "$our_rate" "$our_written" "$pg_rate" "$(echo "$our_rate / $pg_rate" | bc -l)" "$our_p99" "$pg_p99" \
    "$pairs" "$only_ours" "$only_pg" "$unexplained" >> "$PGDIR/table"
  echo "PostGIS load and index: $(echo "$t1 - $t0" | bc) s"
}

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GiB; $(psql_ -At -c 'SELECT postgis_full_version()' | cut -c1-60)"
case "$WHICH" in
  dense) run dense ;;
  world) run world ;;
  all) run dense; run world ;;
  *) echo "usage: bench/postgis.sh [BUILD_DIR] [dense|world|all] [RUNS]" >&2; exit 2 ;;
esac
echo
echo "| workload | volumes | deconflict checks/s (with output written) | PostGIS checks/s | ratio | deconflict p99 | PostGIS p99 | same answers |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
cat "$PGDIR/table"
