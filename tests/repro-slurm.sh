#!/bin/sh
# repro-slurm.sh - repro/slurm on a real one-node Slurm started here on
# localhost (munged, slurmctld and slurmd, each from a generated
# configuration under the test's folder): a small figure grid on a
# synthetic dataset goes in as a job array with a dependent job that
# scores and draws; the figure appears; a second submission finds nothing
# to train.  Needs root and Slurm (slurmctld slurmd slurm-client munge);
# skips otherwise.  Stops only what it started.
. "$top_srcdir/tests/common.sh"
[ "$(id -u)" = 0 ] || skip "needs root to run slurmd"
[ -z "${DEB_BUILD_ARCH:-}${DEB_HOST_ARCH:-}" ] || skip "no daemons inside a Debian package build"
for p in slurmctld slurmd munged sbatch squeue scancel; do
    command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] || skip "$p is not installed (slurmctld slurmd slurm-client munge)"
done
[ -x "$top_builddir/tools/rsc-viz" ] || skip "rsc-viz is not built (no libpng)"
PATH=$PATH:/usr/sbin
command -v make >/dev/null || skip "no make"

# --- a private munge and Slurm, stopped on exit ---------------------------
pids=
stop() {
    if [ -n "${SLURM_CONF:-}" ]; then
        scancel --quiet --user=root 2>/dev/null || true
        i=0
        while [ $i -lt 50 ] && [ -n "$(squeue -h 2>/dev/null)" ]; do sleep 0.2; i=$((i + 1)); done
    fi
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do
        i=0
        while [ $i -lt 50 ] && kill -0 "$p" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null || true
    done
    rm -rf "$T"
}
trap stop EXIT
trap 'exit 1' INT TERM

S=$T/slurm
mkdir -p "$S/munge" "$S/spool" "$S/state" "$S/cgroup" "$S/log"
chmod 755 "$S/munge"
dd if=/dev/urandom of="$S/munge/key" bs=1024 count=1 2>/dev/null
chmod 400 "$S/munge/key"
munged --key-file="$S/munge/key" --socket="$S/munge/sock" --pid-file="$S/munge/pid" \
    --log-file="$S/munge/log" --seed-file="$S/munge/seed" --force >/dev/null 2>&1 ||
    skip "munged does not start here"
pids="$(cat "$S/munge/pid")"

host=$(hostname -s 2>/dev/null || hostname)
cpus=$(nproc)
cat >"$S/slurm.conf" <<EOF
ClusterName=rsctest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$((20000 + $$ % 20000))
SlurmdPort=$((40000 + $$ % 20000))
AuthType=auth/munge
AuthInfo=socket=$S/munge/sock
CredType=cred/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=sched_interval=1,bf_interval=1
MailProg=/bin/true
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
cat >"$S/cgroup.conf" <<EOF
CgroupPlugin=cgroup/v1
CgroupAutomount=no
CgroupMountpoint=$S/cgroup
EOF
SLURM_CONF=$S/slurm.conf
export SLURM_CONF
slurmctld -D -f "$SLURM_CONF" >"$S/log/ctld.out" 2>&1 &
pids="$pids $!"
slurmd -D -f "$SLURM_CONF" >"$S/log/d.out" 2>&1 &
pids="$pids $!"
i=0
until sinfo -h -o %T 2>/dev/null | grep -q idle; do
    i=$((i + 1))
    [ $i -lt 100 ] || { cat "$S/log/"* >&2; skip "the local Slurm did not come up"; }
    sleep 0.1
done

# --- a small Fig. 2 on a synthetic dataset --------------------------------
mkdir "$T/toy" && "$top_builddir/tests/mkdata" idx "$T/toy" 300 100
set -- BIN="$top_builddir/tools" OUT="$T/out" DATASETS=toy DATA_toy="$T/toy" EPOCHS=1 \
    "fig2_PATTERNS=S3 R3" "fig2_COUNTS=0 3" "fig2_SEEDS=0 1"
"$top_srcdir/repro/slurm" fig2 --max-running=4 -- "$@" >sub.log 2>&1 || { cat sub.log >&2; fail "repro/slurm failed"; }
grep -q '^fig2: 5 models in 5 array tasks: job [0-9]*; scores and figure: job [0-9]* (after [0-9]*)' sub.log ||
    { cat sub.log >&2; fail "unexpected submission message"; }
wait_queue() {
    i=0
    while [ -n "$(squeue -h 2>/dev/null)" ]; do
        i=$((i + 1))
        [ $i -lt 600 ] || { squeue >&2; fail "jobs still queued after 60 s"; }
        sleep 0.1
    done
}
wait_queue
for f in fig2.png fig2.tsv scores.tsv summary.tsv README; do
    [ -s "$T/out/fig2/$f" ] || { cat "$T/out/slurm/fig2/"*.log >&2; fail "fig2/$f missing after the jobs"; }
done
[ "$(ls "$T/out/slurm/fig2/"train-*.log | wc -l)" -eq 5 ] || fail "expected 5 array task logs"
[ "$(ls "$T/out/models/toy/mlp/" | grep -c '\.rsct$')" -eq 5 ] || fail "expected 5 models"
# 4 injected models + the clean one against 2 patterns x 2 seeds
[ "$(($(wc -l <"$T/out/fig2/scores.tsv") - 1))" -eq 8 ] || fail "expected 8 score rows"

# A second submission has nothing to train: only the drawing job.
"$top_srcdir/repro/slurm" fig2 -- "$@" >sub2.log 2>&1 || { cat sub2.log >&2; fail "second submission failed"; }
grep -q '^fig2: every model is trained; scores and figure: job [0-9]*' sub2.log || { cat sub2.log >&2; fail "resubmission trained again"; }
wait_queue
# make SLURM=1 goes the same way
rm "$T/out/models/toy/mlp/S3-t0-n3-s1+epochs_1.rsct"
make -s -f "$top_srcdir/repro/Makefile" SLURM=1 SBATCH_ARGS=--time=5 "$@" fig2 >sub3.log 2>&1 || { cat sub3.log >&2; fail "make SLURM=1 failed"; }
grep -q '^fig2: 1 models in 1 array tasks' sub3.log || { cat sub3.log >&2; fail "make SLURM=1 did not submit the missing model"; }
wait_queue
[ -s "$T/out/models/toy/mlp/S3-t0-n3-s1+epochs_1.rsct" ] || fail "the missing model was not retrained"
exit 0
