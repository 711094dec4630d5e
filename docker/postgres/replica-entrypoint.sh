#!/bin/sh
# The streaming replica: on its first start a base backup of the primary
# (pg_basebackup -R writes standby.signal and primary_conninfo, -C -S a
# replication slot so the primary keeps the WAL it has not received), then a
# hot standby that falls back to the pgBackRest archive when the stream is behind.
set -eu
mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres -p 5432 -q; do sleep 1; done
  # A replica made anew (its volume removed) finds the slot of its predecessor: drop it, the base backup makes it again.
  PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres psql -h postgres -U replicator -d alexandrite -qAt \
    -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'replica_1' AND NOT active"
  PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres pg_basebackup -h postgres -U replicator -D "$PGDATA" -R -X stream -C -S replica_1 --checkpoint=fast
fi
exec gosu postgres postgres \
  -c hot_standby=on \
  -c hot_standby_feedback=on \
  -c restore_command='pgbackrest --stanza=alexandrite archive-get %f "%p"'
