#!/usr/bin/env bash
# Start a single-node SLURM cluster on this machine (127.0.0.1): munged with a key of its
# own, slurmctld and slurmd, everything under one folder (default /tmp/wscale-slurm).
# Needs root and the Debian packages slurm-wlm and munge. Prints the SLURM_CONF to export;
# cluster/stop_local_slurm.sh stops what this started.
#
#   cluster/start_local_slurm.sh [FOLDER]
set -euo pipefail

dir=$(realpath -m "${1:-${WSCALE_SLURM_DIR:-/tmp/wscale-slurm}}")
marker=.wscale-local-slurm

fail() { echo "error: $*" >&2; exit 1; }
for program in munged slurmctld slurmd sinfo; do
    command -v "$program" >/dev/null || fail "$program not found: apt-get install slurm-wlm munge"
done
[ "$(id -u)" = 0 ] || fail "the local cluster runs its daemons as root; run this as root"
if [ -s "$dir/pids" ]; then
    while read -r pid; do
        kill -0 "$pid" 2>/dev/null && fail "a local cluster from $dir is running (pid $pid); stop it first: cluster/stop_local_slurm.sh $dir"
    done < "$dir/pids"
fi

if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] && [ ! -e "$dir/$marker" ]; then
    fail "$dir is not empty and holds no local cluster of ours; choose another folder"
fi
rm -rf "$dir"
mkdir -p "$dir/ctld" "$dir/spool"
touch "$dir/$marker"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ctld_port=${WSCALE_SLURM_PORT:-6817}
while listening "$ctld_port" || listening "$((ctld_port + 1))"; do
    ctld_port=$((ctld_port + 2))
done
slurmd_port=$((ctld_port + 1))
chmod 700 "$dir"
host=$(hostname -s)
cpus=$(nproc)
memory_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)

head -c 1024 /dev/urandom > "$dir/munge.key"
chmod 400 "$dir/munge.key"

cat > "$dir/slurm.conf" <<CONF
ClusterName=wscale-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

munged --force --socket="$dir/munge.socket" --key-file="$dir/munge.key" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"
cat "$dir/munged.pid" >> "$dir/pids"
export SLURM_CONF="$dir/slurm.conf"
slurmctld
slurmd -N "$host"

for _ in $(seq 100); do
    [ -s "$dir/slurmctld.pid" ] && [ -s "$dir/slurmd.pid" ] && break
    sleep 0.1
done
cat "$dir/slurmctld.pid" "$dir/slurmd.pid" >> "$dir/pids" 2>/dev/null || true

for _ in $(seq 300); do
    if sinfo -h -o %t 2>/dev/null | grep -qx 'idle'; then
        echo "local SLURM cluster up: node $host, $cpus CPUs, ports $ctld_port and $slurmd_port, folder $dir"
        echo "export SLURM_CONF=$dir/slurm.conf"
        exit 0
    fi
    sleep 0.1
done
echo "error: the local cluster did not come up within 30 s; logs in $dir" >&2
tail -n 5 "$dir"/*.log >&2 || true
exit 1
