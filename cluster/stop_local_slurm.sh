#!/usr/bin/env bash
# Stop the daemons that cluster/start_local_slurm.sh started from FOLDER (the pids it
# recorded), and only those.
#
#   cluster/stop_local_slurm.sh [FOLDER]
set -uo pipefail

dir=$(realpath -m "${1:-${WSCALE_SLURM_DIR:-/tmp/wscale-slurm}}")
[ -s "$dir/pids" ] || { echo "no local cluster recorded in $dir"; exit 0; }
mapfile -t pids < "$dir/pids"
kill "${pids[@]}" 2>/dev/null
for _ in $(seq 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
done
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null; done
: > "$dir/pids"
echo "local SLURM cluster in $dir stopped"
