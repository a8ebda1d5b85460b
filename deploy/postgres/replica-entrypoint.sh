#!/bin/sh
# The streaming replica: on first start, copy the primary with pg_basebackup (-R writes
# primary_conninfo and standby.signal), then run PostgreSQL as a hot standby.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready --host postgres-primary --port 5432; do sleep 1; done
    export PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD"
    pg_basebackup --host postgres-primary --port 5432 --username replicator \
        --pgdata "$PGDATA" --wal-method stream --write-recovery-conf --progress
    chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on
