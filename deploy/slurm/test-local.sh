#!/usr/bin/env bash
# The Slurm path end to end on a real Slurm: starts munged, slurmctld and slurmd
# as a one-node cluster on localhost (2 CPUs, state under a temporary directory,
# free ports, so it runs beside anything else), submits test-spec.toml as a 4-task
# array through submit.sh, stops two tasks in the middle of their runs (scancel;
# SIGKILL) and resubmits them, then checks that
#   - bench merge finds every (instance, config, seed) exactly once, none failed;
#   - every run ended on its iteration budget, and its objective equals that of
#     the same spec run by bench run on this machine without Slurm;
#   - bench report over the four shard files prints the single machine's table
#     (time, CPU and memory columns aside: those are measurements).
# Every daemon it started is stopped on exit, also on failure.
#
# Run as root from a checkout: deploy/slurm/test-local.sh
# Installs Debian's slurm-wlm and munge when missing (apt-get). KEEP=1 keeps the
# temporary directory (logs, shard files); it is kept anyway when a check fails.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
spec=$repo/deploy/slurm/test-spec.toml
name=slurm-test
shards=4

say() { echo "test-local.sh: $*" >&2; }
fail() {
	say "FAIL: $*"
	exit 1
}

if [[ $EUID -ne 0 ]]; then
	say "run as root: it installs packages and runs munged, slurmctld and slurmd as root"
	exit 2
fi
if ! command -v munged >/dev/null || ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null; then
	say "installing slurm-wlm and munge"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq slurm-wlm munge >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cosolve-slurm.XXXXXX")
# munged insists that every directory above its socket be searchable by all
# (so must TMPDIR be).
chmod 755 "$tmp"
mkdir -p "$tmp/bin" "$tmp/sweep" "$tmp/state" "$tmp/spool" "$tmp/log" "$tmp/munge"
mkdir -m 700 "$tmp/munge-key"
daemons=() # "name pidfile", started in this order, stopped in reverse

stop_daemons() {
	local i name pidfile pid t
	if [[ -n "${SLURM_CONF:-}" && -f "$tmp/slurmctld.pid" ]]; then
		scancel --partition=cosolve 2>/dev/null || true
		for ((t = 0; t < 100; t++)); do
			[[ -z "$(squeue -h 2>/dev/null)" ]] && break
			sleep 0.2
		done
	fi
	for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
		read -r name pidfile <<<"${daemons[i]}"
		pid=$(cat "$pidfile" 2>/dev/null) || continue
		kill "$pid" 2>/dev/null || continue
		for ((t = 0; t < 100; t++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			say "$name (pid $pid) ignored SIGTERM for 10 s; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
}

left_running() {
	local d name pidfile pid
	for d in "${daemons[@]}"; do
		read -r name pidfile <<<"$d"
		pid=$(cat "$pidfile" 2>/dev/null) || continue
		if kill -0 "$pid" 2>/dev/null; then
			echo "$name (pid $pid)"
		fi
	done
}

finish() {
	local rc=$? left
	trap - EXIT
	stop_daemons
	left=$(left_running)
	if [[ -n "$left" ]]; then
		say "FAIL: still running: $left"
		rc=1
	else
		say "stopped ${#daemons[@]} daemons: ${daemons[*]%% *}"
	fi
	if [[ $rc -eq 0 && "${KEEP:-0}" != 1 ]]; then
		rm -rf "$tmp"
	else
		say "kept $tmp (logs in $tmp/log, shard files in $tmp/sweep)"
	fi
	exit "$rc"
}
trap finish EXIT

started=$SECONDS
say "building cosolve"
(cd "$repo" && CGO_ENABLED=0 go build -o "$tmp/bin/cosolve" ./cmd/cosolve)
cosolve=$tmp/bin/cosolve

# Two consecutive free ports, so a concurrent run of this test does not collide.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for ((try = 0; ; try++)); do
	((try < 50)) || fail "no two free ports found"
	port=$((20000 + RANDOM % 40000))
	port_free "$port" && port_free $((port + 1)) && break
done

say "starting munged"
mungekey --create --keyfile="$tmp/munge-key/munge.key"
munged --key-file="$tmp/munge-key/munge.key" --socket="$tmp/munge/munge.socket" \
	--pid-file="$tmp/munge/munged.pid" --log-file="$tmp/log/munged.log" --seed-file="$tmp/munge/munged.seed"
daemons+=("munged $tmp/munge/munged.pid")

cat >"$tmp/slurm.conf" <<EOF
ClusterName=cosolvetest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
# Plain process tracking: cgroups are not available in every container.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=cosolve Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$tmp/slurm.conf

say "starting slurmctld and slurmd on ports $port and $((port + 1))"
slurmctld -f "$SLURM_CONF"
daemons+=("slurmctld $tmp/slurmctld.pid")
slurmd -f "$SLURM_CONF" -N localhost
daemons+=("slurmd $tmp/slurmd.pid")
for ((t = 0; ; t++)); do
	((t < 300)) || fail "the node did not come up (see $tmp/log)"
	[[ "$(sinfo -h -n localhost -o %T 2>/dev/null)" == idle ]] && break
	sleep 0.2
done

cd "$tmp/sweep"
export COSOLVE=$cosolve
shard_file() { printf '%s.shard-%d-of-%d.jsonl' "$name" "$1" "$shards"; }
lines() { if [[ -f "$1" ]]; then wc -l <"$1"; else echo 0; fi; }
array_running() { [[ -n "$(squeue -h -j "$1" 2>/dev/null)" ]]; }

runs_per_shard=4

# stop_mid_run TASK HOW: once the array task has recorded a run and before it has
# recorded all of them, cancels it with scancel (SIGTERM, then SIGKILL 5 s later, as
# a time limit does) or kills its processes with SIGKILL, as the OOM killer or a
# crashing node would.
stop_mid_run() {
	local task=$1 how=$2 file n t pid
	file=$(shard_file "$task")
	for ((t = 0; ; t++)); do
		((t < 1200)) || fail "task ${job}_$task wrote nothing in 2 minutes"
		n=$(lines "$file")
		if ((n >= 1)); then
			((n < runs_per_shard)) || fail "task ${job}_$task finished before it could be stopped"
			break
		fi
		sleep 0.1
	done
	case $how in
	scancel) scancel "${job}_$task" ;;
	SIGKILL)
		# The task's bench run is the one of this test's binary with the task's index.
		local found=
		for pid in $(pgrep -f "^$cosolve bench run"); do
			if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "SLURM_ARRAY_TASK_ID=$task"; then
				kill -KILL $(pgrep -P "$pid") "$pid"
				found=$pid
				break
			fi
		done
		[[ -n "$found" ]] || fail "no process of task ${job}_$task to kill"
		;;
	esac
	say "stopped task ${job}_$task with $how after $n of its $runs_per_shard runs"
}

say "submitting $spec as a $shards-task array"
job=$("$repo/deploy/slurm/submit.sh" "$spec" "$shards")
victims=(1 3)
stop_mid_run 1 scancel
stop_mid_run 3 SIGKILL
for ((t = 0; ; t++)); do
	((t < 1200)) || fail "job $job still running after 2 minutes"
	array_running "$job" || break
	sleep 0.1
done
for ((i = 0; i < shards; i++)); do
	n=$(lines "$(shard_file $i)")
	if [[ " ${victims[*]} " == *" $i "* ]]; then
		((n < runs_per_shard)) || fail "stopped task $i recorded all its runs: it was not stopped mid-run"
	else
		((n == runs_per_shard)) || fail "shard $i recorded $n runs, want $runs_per_shard"
	fi
done
if "$cosolve" bench merge "$name.shard-*-of-$shards.jsonl" --spec "$spec" --out /dev/null 2>merge-before.txt; then
	fail "merge found nothing missing after stopped tasks"
fi
say "before resubmitting, bench merge says (exit 1 expected):"
sed 's/^/    /' merge-before.txt >&2

array=$(
	IFS=,
	echo "${victims[*]}"
)
say "resubmitting tasks $array"
"$repo/deploy/slurm/submit.sh" "$spec" "$shards" --array="$array" --wait >/dev/null ||
	fail "a resubmitted task failed (see $tmp/sweep/slurm-*.out)"
for v in "${victims[@]}"; do
	grep -h 'already recorded' slurm-*_"$v".out | sed 's/^/    /' >&2
done

say "merging"
"$cosolve" bench merge "$name.shard-*-of-$shards.jsonl" --spec "$spec" --out merged.jsonl 2>merge.txt ||
	{
		cat merge.txt >&2
		fail "bench merge: runs missing, failed or duplicated"
	}
sed 's/^/    /' merge.txt >&2
(($(lines merged.jsonl) == shards * runs_per_shard)) || fail "merged.jsonl has $(lines merged.jsonl) lines"

say "running the same spec on this machine without Slurm"
"$cosolve" bench run "$spec" --out single.jsonl >/dev/null 2>single.log || {
	cat single.log >&2
	fail "bench run on one machine failed"
}

# One row per run: source, config, seed, runs, failed, mean_objective.
per_run() { "$cosolve" bench report "$@" --by source --by config --by seed --by stop_reason --csv | cut -d, -f1-7; }
per_run merged.jsonl >slurm-runs.csv
per_run single.jsonl >single-runs.csv
if grep -v '^source,' slurm-runs.csv | grep -qv ',iteration-limit,'; then
	fail "a run did not end on its iteration budget, so objectives may differ by chance: $(grep -v ',iteration-limit,' slurm-runs.csv)"
fi
diff -u single-runs.csv slurm-runs.csv >&2 || fail "objectives under Slurm differ from the single machine's"
say "all $(($(lines slurm-runs.csv) - 1)) objectives equal the single machine's"

# The report: identical over the shard files and over their merge; the single
# machine's differs only in the measured columns (mean time, mean cpu, max RSS).
"$cosolve" bench report "$name.shard-*-of-$shards.jsonl" --by config >report-shards.md
"$cosolve" bench report merged.jsonl --by config >report-merged.md
"$cosolve" bench report single.jsonl --by config >report-single.md
diff -u report-merged.md report-shards.md >&2 || fail "report over the shard files differs from the report over their merge"
cut -d'|' -f1-7 report-single.md >single-cols.md
cut -d'|' -f1-7 report-shards.md >shards-cols.md
diff -u single-cols.md shards-cols.md >&2 || fail "report over the shard files differs from the single machine's"
say "bench report over the shard files:"
sed 's/^/    /' report-shards.md >&2
say "bench report over the single machine's file:"
sed 's/^/    /' report-single.md >&2

say "PASS in $((SECONDS - started)) s"
