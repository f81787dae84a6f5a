#!/usr/bin/env bash
# Sos chaos run: proves that no acknowledged byte is lost and no object altered, under faults.
#
#   bench/chaos.sh                     # 60 s of load and faults, then the audit (needs root: mounts, strace)
#   bench/chaos.sh --seconds 600       # the 10-minute run of docs/reliability.md
#   bench/chaos.sh --base-port 3500    # ports base (upload), base+1 (download), base+2.. (blob servers)
#   bench/chaos.sh --workers 4 --seed 7 --keep   # load concurrency, reproducible choices, keep the work dir
#   bench/chaos.sh --no-build          # use the Release binaries already built
#   bench/chaos.sh --warmup 15         # seconds of load without faults first (default 15)
#
# Builds Release and starts the real services: 5 blob servers (blob0-2 on the local disk, blob3
# on a loop-mounted ext4 whose write-back can be made to fail, blob4 on a small tmpfs that is
# filled close to full), the upload and download APIs. For --seconds it runs mixed load
# (bench/Sos.Chaos: small and multi-MiB uploads with metadata, re-uploads with hostile metadata,
# whole and range fetches, deletes of acknowledged objects and uploads of deleted ones again,
# every answer checked) while it SIGKILLs and restarts blob servers,
# makes flushes fail (strace fault injection), makes write-back to blob3's disk fail, fills
# blob4's disk, and runs two replicators with --rebalance at once (one naming the servers
# blobN=url, the other plain URLs). Then it drops the page cache, remounts blob3's disk, restarts
# every blob server, runs one replicator pass (--verify when the replicator has it) and audits
# every acknowledged upload and delete. Prints a table on stderr and one JSON line on stdout; exit 1
# when anything acknowledged was lost or served wrong, is below its minimum copies, an acknowledged
# delete was undone (served, or a copy on a disk), or temp files were left.
set -euo pipefail

BASE_PORT=3500
RUN_SECONDS=60
WARMUP_SECONDS=15
WORKERS=4
SEED=$$
KEEP=false
BUILD=true
while [[ $# -gt 0 ]]; do
  case "$1" in
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --seconds) RUN_SECONDS="$2"; shift 2 ;;
    --warmup) WARMUP_SECONDS="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --keep) KEEP=true; shift ;;
    --no-build) BUILD=false; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "chaos.sh needs root (loop mounts, tmpfs, strace, drop_caches)" >&2; exit 2; }

REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sos-chaos.XXXXXX")"
PIDS="$WORK/pids"            # one file per process we started: cleanup kills exactly these
FAULTS="$WORK/faults.log"    # one line per injected fault: "<kind> <detail>"
STOP="$WORK/stop"            # the fault loops end when this exists
BLOBS=5
MIN_COPIES=2
MAX_OBJECT=$((64 * 1024 * 1024))
WB_BLOB=3                    # its disk: ext4 on a loop device whose backing file sits on a small tmpfs
FULL_BLOB=4                  # its disk: a small tmpfs
LOOP_DEV=""
MOUNTS=()                    # unmounted in reverse order
STARTED=$SECONDS
mkdir -p "$PIDS" "$WORK/spool"
: >"$FAULTS"

log() { echo "[chaos] $*" >&2; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  touch "$STOP"
  disown -a 2>/dev/null || true # no "Killed" notices: each is reaped below by its pid
  # Fault loops first, so that none restarts a server while the servers are stopped.
  local killed=()
  for file in "$PIDS"/loop.* "$PIDS"/*; do
    [[ -f "$file" ]] || continue
    local pid; pid=$(cat "$file")
    [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null && killed+=("$pid")
    rm -f "$file"
  done
  # Loops killed mid-restart may just have started a server: one more sweep after they are gone.
  sleep 0.5
  for file in "$PIDS"/*; do [[ -f "$file" ]] && { kill -9 "$(cat "$file")" 2>/dev/null && killed+=("$(cat "$file")"); rm -f "$file"; }; done
  for pid in "${killed[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  wait 2>/dev/null || true
  fsfreeze -u "$WORK/blob$WB_BLOB" 2>/dev/null || true # interrupted while armed
  rm -f "$WORK/wb/fill" "$WORK/blob$FULL_BLOB/.chaos-fill" 2>/dev/null || true
  if $KEEP; then # the two small disks go with their mounts: keep what they hold for a look
    for i in $WB_BLOB $FULL_BLOB; do mountpoint -q "$WORK/blob$i" && cp -a "$WORK/blob$i" "$WORK/blob$i.kept" 2>/dev/null || true; done
  fi
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" 2>/dev/null || log "could not unmount ${MOUNTS[$i]}"
    if [[ -n "$LOOP_DEV" && "${MOUNTS[$i]}" == "$WORK/blob$WB_BLOB" ]]; then losetup -d "$LOOP_DEV" 2>/dev/null || true; LOOP_DEV=""; fi
  done
  [[ -n "$LOOP_DEV" ]] && losetup -d "$LOOP_DEV" 2>/dev/null || true
  if $KEEP; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

need() {
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "installing ${missing[*]}"
    local packages=("${missing[@]/mkfs.ext4/e2fsprogs}")
    packages=("${packages[@]/dumpe2fs/e2fsprogs}")
    packages=("${packages[@]/losetup/mount}")
    packages=("${packages[@]/fallocate/util-linux}")
    packages=("${packages[@]/fsfreeze/util-linux}")
    apt-get update -qq && apt-get install -y -qq "${packages[@]}" >/dev/null
  fi
}
need strace mkfs.ext4 dumpe2fs losetup fallocate fsfreeze curl

rand() { echo $((RANDOM % ($2 - $1 + 1) + $1)); } # rand MIN MAX
token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
fault() { echo "$*" >>"$FAULTS"; }
url_of() { echo "http://127.0.0.1:$((BASE_PORT + 2 + $1))"; }
pid_of() { cat "$PIDS/$1" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }

wait_up() {
  for _ in $(seq 1 120); do
    curl -fs "$1/alive" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  log "$1 did not come up"; return 1
}

# --- disks -------------------------------------------------------------------------------------

# blob3: ext4 without a journal (a failed journal write would only turn it read-only; without one
# the file system stays writable and a write-back error is reported once, as on a real disk) on a
# loop device, its backing file fully allocated on a tmpfs just big enough for it. Punching the
# file system's free blocks out of the backing file and filling the tmpfs makes every write-back
# to a newly allocated block fail.
make_writeback_disk() {
  mkdir -p "$WORK/wb" "$WORK/blob$WB_BLOB"
  mount -t tmpfs -o size=288m tmpfs "$WORK/wb"; MOUNTS+=("$WORK/wb")
  fallocate -l 256M "$WORK/wb/disk.img"
  mkfs.ext4 -q -F -b 4096 -O ^has_journal -E nodiscard,lazy_itable_init=0 "$WORK/wb/disk.img"
  LOOP_DEV=$(losetup -f --show "$WORK/wb/disk.img")
  mount "$LOOP_DEV" "$WORK/blob$WB_BLOB"; MOUNTS+=("$WORK/blob$WB_BLOB")
}

arm_writeback_failure() {
  # The file system is frozen (flushed, and writes held) while its free blocks are read and
  # punched: a block that blob3 allocated and flushed meanwhile (a copy it acknowledged) would
  # otherwise be punched as free, destroying durable bytes as no real disk does.
  # A freeze flushes first, and fails when that flush meets the previous window's write-back
  # error (reported once): it is tried again, and without a freeze there is no window.
  local tries=0
  until fsfreeze -f "$WORK/blob$WB_BLOB" 2>/dev/null; do
    ((++tries < 3)) || { echo 0; return 1; }
    sleep 1
  done
  local ranges=0 range
  for range in $(dumpe2fs "$LOOP_DEV" 2>/dev/null | sed -n 's/^ *Free blocks: //p' | tr ',' '\n' | tr -d ' '); do
    [[ -z "$range" ]] && continue
    local first=${range%-*} last=${range#*-}
    fallocate -p -o $((first * 4096)) -l $(((last - first + 1) * 4096)) "$WORK/wb/disk.img" && ranges=$((ranges + 1))
  done
  dd if=/dev/zero of="$WORK/wb/fill" bs=1M 2>/dev/null || true
  fsfreeze -u "$WORK/blob$WB_BLOB"
  echo "$ranges"
}

disarm_writeback_failure() { rm -f "$WORK/wb/fill"; fsfreeze -u "$WORK/blob$WB_BLOB" 2>/dev/null || true; }

# blob4: a small tmpfs, filled to a few MiB of free space now and then.
make_small_disk() {
  mkdir -p "$WORK/blob$FULL_BLOB"
  mount -t tmpfs -o size=160m tmpfs "$WORK/blob$FULL_BLOB"; MOUNTS+=("$WORK/blob$FULL_BLOB")
}

# --- services ----------------------------------------------------------------------------------

INTERNAL_TOKEN=$(token)
REPLICATOR_TOKEN=$(token)
DELETE_TOKEN=$(token) # the upload API's: it also records deletes
COMMON=(ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning)
SERVERS=() VOLUMES=()
for ((i = 0; i < BLOBS; i++)); do SERVERS+=("Sos__BlobServers__$i=blob$i=$(url_of "$i")"); done
# As the AppHost wires a cluster on one machine: the download API reads the servers' directories.
for ((i = 0; i < BLOBS; i++)); do VOLUMES+=("Sos__Volumes__blob$i=$WORK/blob$i"); done

start_blob() {
  local i=$1 min_free=$((64 * 1024 * 1024))
  [[ $i -eq $WB_BLOB ]] && min_free=$((8 * 1024 * 1024))
  [[ $i -eq $FULL_BLOB ]] && min_free=$((8 * 1024 * 1024))
  mkdir -p "$WORK/blob$i"
  # Blob servers get both secrets: the read/write one the APIs present, and the replicator's.
  env "${COMMON[@]}" BlobStore__Root="$WORK/blob$i" BlobStore__MaxObjectBytes=$MAX_OBJECT BlobStore__MinFreeBytes=$min_free \
    BlobStore__ScrubStartDelay=00:00:15 BlobStore__ScrubInterval=00:00:30 BlobStore__ScrubBytesPerSecond=$((16 * 1024 * 1024)) \
    Sos__InternalToken="$INTERNAL_TOKEN" Sos__ReplicatorToken="$REPLICATOR_TOKEN" Sos__DeleteToken="$DELETE_TOKEN" \
    dotnet "$REPO/Sos.BlobServer/bin/Release/net10.0/Sos.BlobServer.dll" --urls "$(url_of "$i")" >>"$WORK/blob$i.log" 2>&1 &
  echo $! >"$PIDS/blob$i"
  disown $! # killed and restarted by the fault loops: no job notices from this shell
}

start_download() {
  env "${COMMON[@]}" "${SERVERS[@]}" "${VOLUMES[@]}" Sos__InternalToken="$INTERNAL_TOKEN" \
    dotnet "$REPO/Sos.DownloadApi/bin/Release/net10.0/Sos.DownloadApi.dll" --urls "$DOWNLOAD_URL" >>"$WORK/download.log" 2>&1 &
  echo $! >"$PIDS/download"
  disown $!
}

stop() { # stop NAME SIGNAL: by the pid we recorded, and wait until it is gone
  local pid; pid=$(pid_of "$1")
  [[ -z "$pid" ]] && return 0
  kill "-$2" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$PIDS/$1"
}

UPLOAD_URL="http://127.0.0.1:$BASE_PORT"
DOWNLOAD_URL="http://127.0.0.1:$((BASE_PORT + 1))"

if $BUILD; then
  log "building Release"
  for project in Sos.BlobServer Sos.UploadApi Sos.DownloadApi Sos.Replicator bench/Sos.Chaos; do
    dotnet build "$REPO/$project" -c Release -v q -nologo >/dev/null
  done
fi
REPLICATOR=(dotnet "$REPO/Sos.Replicator/bin/Release/net10.0/Sos.Replicator.dll")
CHAOS=(dotnet "$REPO/bench/Sos.Chaos/bin/Release/net10.0/Sos.Chaos.dll")

make_writeback_disk
make_small_disk
LOOP_NAME=$(basename "$LOOP_DEV")
KERNEL_ERRORS_BEFORE=$(dmesg 2>/dev/null | grep -c "dev $LOOP_NAME" || true)

for ((i = 0; i < BLOBS; i++)); do start_blob "$i"; done
env "${COMMON[@]}" "${SERVERS[@]}" "${VOLUMES[@]}" Sos__InternalToken="$DELETE_TOKEN" Upload__SpoolDirectory="$WORK/spool" Upload__MaxObjectBytes=$MAX_OBJECT \
  dotnet "$REPO/Sos.UploadApi/bin/Release/net10.0/Sos.UploadApi.dll" --urls "$UPLOAD_URL" >>"$WORK/upload.log" 2>&1 &
echo $! >"$PIDS/upload"
disown $!
start_download
for ((i = 0; i < BLOBS; i++)); do wait_up "$(url_of "$i")"; done
wait_up "$UPLOAD_URL"; wait_up "$DOWNLOAD_URL"

# Blob servers that know the replicator's scope accept its token (404 for an absent id); older
# ones know only the internal token (401), and then the replicator must be given that one.
probe=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $REPLICATOR_TOKEN" "$(url_of 0)/blob/0000000000000000000000000000000000000000")
if [[ "$probe" == "401" ]]; then
  REPLICATOR_CREDENTIAL="$INTERNAL_TOKEN"; log "blob servers have no replicator scope (DELETE with its token: 401): the replicator gets the internal token"
else
  REPLICATOR_CREDENTIAL="$REPLICATOR_TOKEN"; log "blob servers accept the replicator's own token (DELETE probe: $probe)"
fi
NAMED=() PLAIN=()
for ((i = 0; i < BLOBS; i++)); do NAMED+=("blob$i=$(url_of "$i")"); PLAIN+=("$(url_of "$i")"); done
NAMED_LIST=$(IFS=,; echo "${NAMED[*]}")
PLAIN_LIST=$(IFS=,; echo "${PLAIN[*]}")
replicate() { # the replicator with its own credential; arguments as on its command line
  exec env "${COMMON[@]}" Sos__InternalToken="$REPLICATOR_CREDENTIAL" "${REPLICATOR[@]}" "$@" # always run in a background subshell: its pid is the process
}
if "${REPLICATOR[@]}" --help 2>/dev/null | grep -q -- '--verify'; then FINAL_PASS=verify; else FINAL_PASS=plain; fi

# --- faults ------------------------------------------------------------------------------------

END=0 # set when the faults start, after the warm-up
running() { [[ ! -e "$STOP" && $SECONDS -lt $END ]]; }
pause() { local s=$1; while ((s-- > 0)) && running; do sleep 1; done; }

kill_loop() {
  pause 3
  while running; do
    local i; i=$(rand 0 $((BLOBS - 1)))
    if alive "blob$i"; then
      kill -9 "$(pid_of "blob$i")" 2>/dev/null && fault "sigkill blob$i"
      sleep "$(rand 1 3)"
      start_blob "$i"
    fi
    pause "$(rand 3 7)"
  done
}

strace_loop() {
  local n=0
  pause 5
  while running; do
    local i; i=$(rand 0 $((BLOBS - 1)))
    if alive "blob$i"; then
      n=$((n + 1))
      # syncfs is the group commit's flush, fsync/fdatasync the per-file one: each fails with EIO
      # from its Nth call on while strace is attached.
      strace -f -qq -p "$(pid_of "blob$i")" -e trace=syncfs,fsync,fdatasync \
        -e inject=syncfs:error=EIO:when=2+ -e inject=fsync:error=EIO:when=3+ -e inject=fdatasync:error=EIO:when=3+ \
        -o "$WORK/strace.$n.blob$i.log" 2>/dev/null &
      echo $! >"$PIDS/strace"
      fault "flush-eio-window blob$i"
      sleep "$(rand 3 6)"
      # strace can hang detaching from a server the kill loop killed meanwhile: it gets 10 s, then SIGKILL.
      stop strace TERM
    fi
    pause "$(rand 6 12)"
  done
}

writeback_loop() {
  pause 4
  while running; do
    local ranges
    if ranges=$(arm_writeback_failure); then
      fault "writeback-failure-window blob$WB_BLOB ($ranges free ranges punched)"
      sleep "$(rand 3 6)"
      disarm_writeback_failure
    else
      fault "writeback-failure-skipped blob$WB_BLOB (its file system could not be frozen)"
    fi
    pause "$(rand 8 14)"
  done
  disarm_writeback_failure
}

fill_loop() {
  local disk="$WORK/blob$FULL_BLOB"
  pause 6
  while running; do
    local avail leave
    avail=$(df --output=avail -B1 "$disk" | tail -1)
    leave=$(( $(rand 2 14) * 1024 * 1024 ))
    if ((avail > leave)); then
      fallocate -l $((avail - leave)) "$disk/.chaos-fill" 2>/dev/null && fault "disk-fill blob$FULL_BLOB ($((leave / 1048576)) MiB left)"
      sleep "$(rand 4 8)"
      rm -f "$disk/.chaos-fill"
    fi
    pause "$(rand 5 10)"
  done
  rm -f "$disk/.chaos-fill"
}

replicator_loop() { # NAME LIST: passes with --rebalance, back to back
  local name=$1 list=$2 passes=0 failed=0
  while running; do
    local code=0
    replicate --once --rebalance --blob-server "$list" >>"$WORK/replicator-$name.log" 2>&1 &
    echo $! >"$PIDS/replicator-$name"
    wait $! || code=$?
    rm -f "$PIDS/replicator-$name"
    passes=$((passes + 1)); ((code == 0)) || failed=$((failed + 1))
    echo "$passes $failed" >"$WORK/replicator-$name.count"
    pause 3
  done
}

# A short warm-up without faults: the services compile their hot paths (on a busy machine the
# first requests take seconds each), and there are acknowledged objects to re-upload and fetch
# from the first second of the faults. Its objects are audited and its answers checked like the rest.
# Long commands run in the background and are waited for, so that Ctrl-C or SIGTERM reaches the trap at once.
in_foreground() { # NAME COMMAND...: runs it as a recorded child, returns its exit code
  local name=$1; shift
  "$@" &
  echo $! >"$PIDS/$name"
  local code=0
  wait $! || code=$?
  rm -f "$PIDS/$name"
  return $code
}
load() { # SECONDS SEED
  in_foreground load "${CHAOS[@]}" load --upload "$UPLOAD_URL" --download "$DOWNLOAD_URL" --seconds "$1" --workers "$WORKERS" --seed "$2" \
    --ledger "$WORK/ledger.jsonl" --deletes "$WORK/deletes.jsonl" --counters "$WORK/load.json" --problems "$WORK/problems.jsonl"
}
log "warm-up: ${WARMUP_SECONDS}s of load without faults"
load "$WARMUP_SECONDS" "$((SEED + 1))" || log "the warm-up load ended with $?"

log "work dir $WORK; ${RUN_SECONDS}s of load and faults (seed $SEED)"
END=$((SECONDS + RUN_SECONDS))
# Each loop is a subshell of its own: it must not run this script's clean-up when it ends.
for loop in kill_loop strace_loop writeback_loop fill_loop "replicator_loop named $NAMED_LIST" "replicator_loop plain $PLAIN_LIST"; do
  (trap - EXIT INT TERM; $loop) &
  name=${loop%% *}; [[ $loop == replicator_loop* ]] && name="replicator-$(echo "$loop" | cut -d' ' -f2)"
  echo $! >"$PIDS/loop.$name"
done

load_status=0
load "$RUN_SECONDS" "$SEED" || load_status=$?
((load_status == 0)) || log "the load generator ended with $load_status"

# --- the end: quiesce, look for temp files, drop what is cached, restart, one pass, audit --------

touch "$STOP"
log "load done; waiting for the fault loops and replicator passes to finish"
for file in "$PIDS"/loop.*; do
  pid=$(cat "$file")
  for _ in $(seq 1 90); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$file"
done
stop strace TERM # one that hangs detaching gets SIGKILL
disarm_writeback_failure
rm -f "$WORK/blob$FULL_BLOB/.chaos-fill"
for ((i = 0; i < BLOBS; i++)); do alive "blob$i" || start_blob "$i"; done
for ((i = 0; i < BLOBS; i++)); do wait_up "$(url_of "$i")"; done
sleep 3

# Anything still staged now was abandoned by a write that failed without a crash (a crashed
# server's leftovers are removed when it starts again, which every killed server has done).
{
  for ((i = 0; i < BLOBS; i++)); do [[ -d "$WORK/blob$i/.tmp" ]] && find "$WORK/blob$i/.tmp" -type f; done
  find "$WORK/spool" -type f
} >"$WORK/temp-files-left.txt"
TEMP_LEFT=$(wc -l <"$WORK/temp-files-left.txt")
((TEMP_LEFT == 0)) || { log "temp files left:"; head -20 "$WORK/temp-files-left.txt" >&2; }

log "stopping blob servers, dropping the page cache, remounting blob$WB_BLOB's disk"
for ((i = 0; i < BLOBS; i++)); do stop "blob$i" TERM; done
# The APIs too: the download API holds the servers' log segments open (it reads their
# directories), the upload API its segments in their inboxes.
stop download TERM
stop upload TERM
sync
echo 3 >/proc/sys/vm/drop_caches
umount "$WORK/blob$WB_BLOB"
fsck_status=0; e2fsck -fy "$LOOP_DEV" >"$WORK/e2fsck.log" 2>&1 || fsck_status=$?
mount "$LOOP_DEV" "$WORK/blob$WB_BLOB"
KERNEL_ERRORS=$(( $(dmesg 2>/dev/null | grep -c "dev $LOOP_NAME" || true) - KERNEL_ERRORS_BEFORE ))

for ((i = 0; i < BLOBS; i++)); do start_blob "$i"; done
start_download
for ((i = 0; i < BLOBS; i++)); do wait_up "$(url_of "$i")"; done
wait_up "$DOWNLOAD_URL"

log "final replicator pass ($FINAL_PASS)"
final_args=(--once --blob-server "$NAMED_LIST")
if [[ $FINAL_PASS == verify ]]; then final_args+=(--verify); else log "the replicator has no --verify: a plain pass instead (copies are counted, not re-hashed)"; fi
final_exit=0
in_foreground replicator-final replicate "${final_args[@]}" >"$WORK/replicator-final.log" 2>&1 || final_exit=$?

count() { grep -c "^$1" "$FAULTS" || true; }
read -r named_passes named_failed <"$WORK/replicator-named.count" 2>/dev/null || { named_passes=0; named_failed=0; }
read -r plain_passes plain_failed <"$WORK/replicator-plain.count" 2>/dev/null || { plain_passes=0; plain_failed=0; }
injected=$(cat "$WORK"/strace.*.log 2>/dev/null | grep -c INJECTED || true)
blob_args=()
for ((i = 0; i < BLOBS; i++)); do blob_args+=(--blob "blob$i=$(url_of "$i")=$WORK/blob$i"); done

log "auditing every acknowledged upload"
audit_status=0
in_foreground audit "${CHAOS[@]}" audit --download "$DOWNLOAD_URL" "${blob_args[@]}" --token "$INTERNAL_TOKEN" --min-copies $MIN_COPIES --workers "$WORKERS" \
  --ledger "$WORK/ledger.jsonl" --deletes "$WORK/deletes.jsonl" --counters "$WORK/load.json" --problems "$WORK/problems.jsonl" \
  --fact "duration_s=$((SECONDS - STARTED))" --fact "temp_files_left=$TEMP_LEFT" \
  --fact "fault.sigkill=$(count sigkill)" --fact "fault.flush_eio_windows=$(count flush-eio-window)" --fact "fault.flush_eio_injected=$injected" \
  --fact "fault.writeback_failure_windows=$(count writeback-failure-window)" --fact "fault.writeback_failure_skipped=$(count writeback-failure-skipped)" --fact "fault.writeback_kernel_errors=$KERNEL_ERRORS" \
  --fact "fault.disk_fill=$(count disk-fill)" --fact "fault.e2fsck_exit=$fsck_status" \
  --fact "replicator.named_passes=$named_passes" --fact "replicator.named_failed=$named_failed" \
  --fact "replicator.plain_passes=$plain_passes" --fact "replicator.plain_failed=$plain_failed" \
  --fact "final_pass=$FINAL_PASS" --fact "final_pass_exit=$final_exit" || audit_status=$?
if ((audit_status != 0)); then KEEP=true; log "problems found: the work dir is kept ($WORK: problems.jsonl, services' logs)"; fi
exit "$audit_status"
