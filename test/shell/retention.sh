#!/usr/bin/env bash
# Retention (docs/data-protection-erasure.md): eckid.nv_purge() run by the
# real pg_cron (Debian's postgresql-NN-cron, installed with apt when
# missing), and the queue's size under a school year of daily enrolments.
#
# The school year: 200 school days compressed in time, 50 new pupils a day,
# each queued through eckid.nv_request() and answered as eckid-nv-worker
# does (nv_claim, nv_store: a Stampseudonym batch, then an ECK iD batch
# written into the LAS's table); each day's finished work is dated that
# day, and each day ends with the purge as a daily pg_cron job would run it
# that day (older_than = the retention + the days still to come).  The
# queue must stay under the bound a 30-day retention allows while the
# total answered grows to 20,000; the control is the same year without the
# purge, whose queue grows past the bound.
#
# pg_cron: a cluster with pg_cron preloaded (cron.database_name = postgres,
# background workers) schedules 'SELECT eckid.nv_purge()' every minute
# (Debian 12's pg_cron 1.4 has no seconds schedules), after some finished
# work was dated older than eckid.nv_retention; the job must succeed in
# cron.job_run_details and the old work be gone, the recent kept.
source "$(dirname "$0")/../../scripts/lib.sh"
source "$(dirname "$0")/lib/checks.sh"
set -euo pipefail

if [ ! -f "$("$PG_CONFIG" --pkglibdir)/pg_cron.so" ]; then
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "postgresql-$PG_MAJOR-cron"
fi
if [ ! -f "$("$PG_CONFIG" --pkglibdir)/pg_cron.so" ]; then
	echo "not ok - pg_cron is not installed in $("$PG_CONFIG" --pkglibdir)"
	exit 1
fi

start_cluster \
	"shared_preload_libraries = 'eckid,pg_cron'" \
	"cron.database_name = 'postgres'" \
	"cron.use_background_workers = on"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }
q -c "CREATE EXTENSION eckid" -c "CREATE EXTENSION pg_cron" \
	-c "CREATE TABLE pupils (id integer, hpgn text, eck_id eckid.eckid)" \
	-c "CREATE INDEX ON pupils (hpgn)"

# year PURGE: the school year; prints the largest queue (items), the
# largest number of batches, and the items answered
year() {
	q <<SQL
CREATE TEMP TABLE sizes (day integer, items bigint, batches bigint);
DO \$\$
DECLARE
	days constant integer := 200;
	d integer;
	c record;
	b bigint;
BEGIN
	FOR d IN 1 .. days LOOP
		INSERT INTO pupils SELECT d * 1000 + k, encode(sha256(convert_to('pupil ' || d || ' ' || k || ' $1', 'UTF8')), 'hex'), NULL
		  FROM generate_series(1, 50) k;
		PERFORM eckid.nv_request('pupils', 'hpgn', 'eck_id', p.hpgn, 'chain-1', 'PO')
		   FROM pupils p WHERE p.id / 1000 = d;
		-- the worker: Stampseudonyms, then ECK iDs
		FOR c IN SELECT 1 FROM generate_series(1, 2) LOOP
			SELECT eckid.nv_store(min(x.batch_id), 'w', array_agg(x.item_index),
								  array_agg(CASE WHEN x.operation = 'eckid'
												 THEN 'https://ketenid.nl/pilot/' || repeat(left(md5(x.stampseudonym), 2), 64)
												 ELSE 'https://ketenid.nl/sppilot/' || x.hpgn || x.hpgn END), NULL, NULL)
			  INTO b FROM eckid.nv_claim('w', 1000, '5 min') x;
		END LOOP;
		UPDATE eckid_internal.nv_item SET done_at = now() - make_interval(days => days - d)
		 WHERE state = 'done' AND done_at >= now() - interval '1 second';
		UPDATE eckid_internal.nv_batch SET finished = now() - make_interval(days => days - d)
		 WHERE state <> 'held' AND finished >= now() - interval '1 second';
		IF '$1' = 'purge' THEN
			PERFORM eckid.nv_purge(make_interval(days => 30 + days - d));
		END IF;
		INSERT INTO sizes SELECT d, (SELECT count(*) FROM eckid_internal.nv_item), (SELECT count(*) FROM eckid_internal.nv_batch);
	END LOOP;
END
\$\$;
SELECT max(items) || ' ' || max(batches) || ' ' || (SELECT count(*) FROM pupils WHERE eck_id IS NOT NULL) FROM sizes;
SQL
}

say "a school year of daily enrolments, purged daily (30 days kept)"
read -r items batches answered < <(year purge)
echo "# purged: largest queue $items items, $batches batches; $answered pupils answered"
check "every pupil of the year got an ECK iD" same "$answered" 10000
# 31 days of 50 pupils, two items each, and two batches a day
check "the queue stays under 31 days' work (3,100 items) while 20,000 were answered" [ "$items" -le 3100 ]
check "the batches stay under 31 days' (62)" [ "$batches" -le 62 ]
q -c "TRUNCATE pupils" -c "SELECT eckid.nv_purge('0')" >/dev/null
read -r items0 batches0 answered0 < <(year keep)
echo "# control, not purged: largest queue $items0 items, $batches0 batches"
check "control: without the purge the same year's queue grows past the bound" [ "$items0" -gt 3100 ]

say "pg_cron runs eckid.nv_purge()"
# half of the finished work is older than eckid.nv_retention (400 days)
q -c "UPDATE eckid_internal.nv_item SET done_at = now() - interval '401 days' WHERE state = 'done' AND id % 2 = 0" \
  -c "UPDATE eckid_internal.nv_batch SET finished = now() - interval '401 days' WHERE state = 'done'"
old=$(q -c "SELECT count(*) FROM eckid_internal.nv_item WHERE done_at < now() - interval '400 days'")
recent=$(q -c "SELECT count(*) FROM eckid_internal.nv_item WHERE state = 'done' AND done_at > now() - interval '400 days'")
check "control: there is work older than the retention ($old items) and recent work ($recent)" [ "$old" -gt 0 ] && [ "$recent" -gt 0 ]
q -c "SELECT cron.schedule('eckid-purge', '* * * * *', 'SELECT eckid.nv_purge()')" >/dev/null
status=
for _ in $(seq 1 150); do
	status=$(q -c "SELECT status FROM cron.job_run_details WHERE command = 'SELECT eckid.nv_purge()' AND status IN ('succeeded', 'failed') ORDER BY start_time DESC LIMIT 1")
	[ -n "$status" ] && break
	sleep 1
done
check "pg_cron ran the job, and it succeeded" same "$status" succeeded
check "the work older than the retention is gone" same "$(q -c "SELECT count(*) FROM eckid_internal.nv_item WHERE done_at < now() - interval '400 days'")" 0
check "the finished batches older than it are gone" same "$(q -c "SELECT count(*) FROM eckid_internal.nv_batch WHERE finished < now() - interval '400 days'")" 0
check "the recent work is kept" same "$(q -c "SELECT count(*) FROM eckid_internal.nv_item WHERE state = 'done'")" "$recent"
q -c "SELECT cron.unschedule('eckid-purge')" >/dev/null
checks_done
