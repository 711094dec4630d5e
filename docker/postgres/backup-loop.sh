#!/bin/sh
# The backup runner (compose service postgres-backup, beside the primary's data
# directory and socket): creates the stanza once, then a full backup every
# Sunday (and at first start) and a differential one every other night. WAL
# goes to the same repository continuously through the primary's archive_command.
set -eu
until pgbackrest --stanza=alexandrite stanza-create; do
  echo "waiting for PostgreSQL and MinIO..."; sleep 5
done
pgbackrest --stanza=alexandrite check
if ! pgbackrest --stanza=alexandrite info --output=json | grep -q '"type":"full"'; then
  pgbackrest --stanza=alexandrite backup --type=full
fi
while true; do
  # Sleep until the next 02:00 UTC.
  now=$(date -u +%s); next=$(date -u -d "tomorrow 02:00" +%s)
  sleep $((next - now))
  if [ "$(date -u +%u)" = 7 ]; then type=full; else type=diff; fi
  pgbackrest --stanza=alexandrite backup --type="$type" || echo "backup ($type) failed; the next night tries again"
done
