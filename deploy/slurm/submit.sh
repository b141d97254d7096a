#!/usr/bin/env bash
# Submit a benchmark sweep as a Slurm job array, one shard per task:
#
#   deploy/slurm/submit.sh SPEC.toml [SHARDS] [sbatch options...]
#
# SHARDS defaults to one per run (at most 1000, below Slurm's default MaxArraySize).
# Each task gets the spec's largest thread count in cores and a time limit no shard
# can exceed (bench plan: every run of the busiest shard at twice its time limit plus
# a minute). sbatch options come last and win, e.g. --partition=long, or --array=3,7
# to resubmit two tasks. Running the same command again resumes the sweep: finished
# runs are skipped. $COSOLVE is the cosolve binary (default: on PATH); run this from
# a directory every node sees, where the shards' files are written.
# Prints the job id on stdout.
set -euo pipefail
if [[ $# -lt 1 || "$1" == -* ]]; then
	sed -n '2,/^set -e/s/^# \{0,1\}//p' "$0" | grep -v '^set -e' >&2
	exit 2
fi
spec=$(realpath "$1")
shift
shards=0
if [[ $# -gt 0 && "$1" != -* ]]; then
	shards=$1
	shift
fi
cosolve=$(command -v "${COSOLVE:-cosolve}") || {
	echo "submit.sh: no cosolve binary: put it on PATH or set COSOLVE" >&2
	exit 2
}
cosolve=$(realpath "$cosolve")

declare -A plan
read_plan() {
	local key value
	while IFS='=' read -r key value; do
		plan[$key]=$value
	done < <("$cosolve" bench plan "$spec" --shards "$1")
}
read_plan "$shards"
if [[ "$shards" == 0 && "${plan[shards]}" -gt 1000 ]]; then
	read_plan 1000
fi
n=${plan[shards]}
minutes=$(((plan[shard_time_s] + 59) / 60))
echo "submit.sh: ${plan[runs]} runs in $n shards of at most ${plan[runs_per_shard]}," \
	"${plan[cpus_per_task]} core(s) and $minutes min each; files ${plan[files]}" >&2
sbatch --parsable --export=ALL,COSOLVE="$cosolve" \
	--array="0-$((n - 1))" --cpus-per-task="${plan[cpus_per_task]}" --time="$minutes" \
	"$@" "$(dirname "$(realpath "$0")")/sweep.sbatch" "$spec" "$n"
echo "submit.sh: when it is done: $cosolve bench merge '${plan[files]}' --spec $spec --out <merged.jsonl>" >&2
