#!/bin/sh
# Runs inside one test host: every 0.1 s, one line "EPOCH WRITABLE HOLDS"
# (t/f: the database is writable; 1/0: the host holds the HA address).
ip=$1
while :; do
    w=$(runuser -u postgres -- psql -XAtq -c "SELECT NOT pg_is_in_recovery()" 2>/dev/null || echo x)
    h=$(ip -o -4 addr show | grep -c " $ip/")
    echo "$(date +%s.%N) ${w:-x} $h"
    sleep 0.1
done
