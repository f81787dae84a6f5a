#!/usr/bin/env bash
# Sos benchmark: prints numbers, never fails a build on them.
#
#   bench/bench.sh                       # builds Release, starts 3 blob servers + both APIs on 127.0.0.1
#   bench/bench.sh --base-port 3400      # ports base..base+5 for Sos (base+5: a download API without cache), base+10 for nginx
#   bench/bench.sh --upload-url http://host:9991 --download-url http://host:9992   # a running system
#   bench/bench.sh --big-mib 256 --seconds 5 --runs 1
#   bench/bench.sh --keep                # keep the work dir: services' logs, wrk's output, counters
#   bench/bench.sh --shared-fs           # work in $TMPDIR as it is, not on a file system of the bench's own
#
# Measures, in one run, Sos against this machine's own ceilings:
# - 4 KiB uploads (every one a new object, acknowledged after 2 durable copies) against the naive
#   durable-write rate (16 threads: temp file, fsync, rename, directory fsync; bench/Sos.Bench),
#   twice on the same store (the first run on an empty one), with the CPU each upload costs the
#   upload API and the blob servers together (from /proc/<pid>/stat), against the CPU one HTTP
#   exchange costs on this machine with nothing of Sos in it (HttpClient posting 4 KiB to a bare
#   ASP.NET Core endpoint in another process; bench/Sos.Bench), busy and with each side idle
#   between exchanges (one at a time, each at least 1 ms after the last), as a blob server mostly is;
# - 4 KiB downloads of many objects against nginx serving the same size from a directory
#   (req/s, p50, p99 at concurrency 16, with wrk), and blob requests per fetch (dotnet-counters);
#   again through a download API with its cache off (Download:Cache:MaxBytes=0), every fetch a miss;
# - 64 MiB and big-object (1 GiB by default) upload and download MB/s, against `dd conv=fdatasync`
#   of the same size (upload) and nginx (download), each round trip checked by SHA-1; the big
#   object is uploaded as `curl --data-binary` sends it, and again with its SHA-1 announced; each
#   of these figures, ceilings included, is the median of 3 runs (--runs), a new object each;
# - each service's peak RSS over the whole run (VmHWM), and sockets left in TIME-WAIT at the end.
# As root, the work directory is a file system of its own (ext4 in a file on this disk, through a
# loop device with direct I/O), made for the run and removed after it: a blob server's flush
# (syncfs) writes back everything dirty on its file system, so on a shared one it would also pay
# for whatever else the machine writes meanwhile. The ceilings are measured on the same file system.
# Prints a table with each target and whether it was met, then one JSON line.
set -euo pipefail

BASE_PORT=3400
UPLOAD_URL=""
DOWNLOAD_URL=""
BIG_MIB=1024
NOCACHE_URL=""
SECONDS_PER_RUN=10
RUNS=3 # each large transfer and its ceiling: the median of this many runs
CONCURRENCY=16
KEEP=false
SHARED_FS=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --upload-url) UPLOAD_URL="$2"; shift 2 ;;
    --download-url) DOWNLOAD_URL="$2"; shift 2 ;;
    --big-mib) BIG_MIB="$2"; shift 2 ;;
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --concurrency) CONCURRENCY="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --keep) KEEP=true; shift ;;
    --shared-fs) SHARED_FS=true; shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sos-bench.XXXXXX")"
declare -A PIDS=()
NGINX_PID=""
LOOP_IMAGE=""

log() { echo "[bench] $*" >&2; }

cleanup() {
  for name in "${!PIDS[@]}"; do kill "${PIDS[$name]}" 2>/dev/null || true; done
  [[ -n "$NGINX_PID" ]] && kill "$NGINX_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [[ -n "$LOOP_IMAGE" ]]; then
    if $KEEP; then cp -r "$WORK" "$LOOP_IMAGE.kept" 2>/dev/null || true; log "kept a copy in $LOOP_IMAGE.kept"; fi
    umount "$WORK" 2>/dev/null || umount -l "$WORK" 2>/dev/null || true
    rm -f "$LOOP_IMAGE"
  fi
  if $KEEP && [[ -z "$LOOP_IMAGE" ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

need() {
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "installing ${missing[*]}"
    local packages=("${missing[@]/nginx/nginx-light}")
    if [[ $(id -u) -eq 0 ]]; then apt-get update -qq && apt-get install -y -qq "${packages[@]}" >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq "${packages[@]}" >/dev/null; fi
  fi
}
need wrk curl nginx

# A file system of the run's own (see the header), big enough for every copy of the big object.
if ! $SHARED_FS && [[ $(id -u) -eq 0 ]] && command -v mkfs.ext4 >/dev/null && command -v losetup >/dev/null; then
  LOOP_IMAGE="$WORK.img"
  # Allocated whole, not sparse: in a sparse image the first write to any region also allocates
  # it in the file system below, so a write's cost depended on whether that region was written
  # before in the run (dd rewriting the blocks of the dd before it ran at twice the speed of the first).
  fallocate -l $(( (BIG_MIB * (5 * RUNS + 2) + 4096) * 1024 * 1024 )) "$LOOP_IMAGE"
  # Inode tables and journal written now: left to ext4's lazy init, that zeroing would run in the
  # background through the first minutes of the run and slow whatever is measured then.
  mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$LOOP_IMAGE"
  mount -o loop,dioread_nolock "$LOOP_IMAGE" "$WORK"
  losetup --direct-io=on "$(losetup -j "$LOOP_IMAGE" | cut -d: -f1)" 2>/dev/null || log "direct I/O on the loop device not available"
  log "work dir $WORK is a file system of its own ($(du -h --apparent-size "$LOOP_IMAGE" | cut -f1) ext4 on $(losetup -j "$LOOP_IMAGE" | cut -d: -f1))"
fi

wait_healthy() {
  for _ in $(seq 1 120); do
    curl -fs "$1/health" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  log "$1 did not become healthy"; exit 1
}

start_system() {
  log "building Release"
  for project in Sos.BlobServer Sos.UploadApi Sos.DownloadApi; do
    dotnet build "$REPO/$project" -c Release -v q -nologo >/dev/null
  done
  local common=(ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning)
  local max=$(( (BIG_MIB + 64) * 1024 * 1024 ))
  local servers=() volumes=()
  for i in 0 1 2; do
    local port=$((BASE_PORT + 2 + i))
    mkdir -p "$WORK/blob$i"
    env "${common[@]}" BlobStore__Root="$WORK/blob$i" BlobStore__MaxObjectBytes=$max BlobStore__MinFreeBytes=0 \
      dotnet "$REPO/Sos.BlobServer/bin/Release/net10.0/Sos.BlobServer.dll" --urls "http://127.0.0.1:$port" >"$WORK/blob$i.log" 2>&1 &
    PIDS[blob$i]=$!
    servers+=("Sos__BlobServers__$i=blob$i=http://127.0.0.1:$port")
    # As the AppHost wires a cluster on one machine: the download APIs may read the servers'
    # directories, and the upload API write small copies to their inboxes.
    volumes+=("Sos__Volumes__blob$i=$WORK/blob$i")
  done
  mkdir -p "$WORK/spool"
  env "${common[@]}" "${servers[@]}" "${volumes[@]}" Upload__MaxObjectBytes=$max Upload__SpoolDirectory="$WORK/spool" \
    dotnet "$REPO/Sos.UploadApi/bin/Release/net10.0/Sos.UploadApi.dll" --urls "http://127.0.0.1:$BASE_PORT" >"$WORK/upload.log" 2>&1 &
  PIDS[upload]=$!
  env "${common[@]}" "${servers[@]}" "${volumes[@]}" \
    dotnet "$REPO/Sos.DownloadApi/bin/Release/net10.0/Sos.DownloadApi.dll" --urls "http://127.0.0.1:$((BASE_PORT + 1))" >"$WORK/download.log" 2>&1 &
  PIDS[download]=$!
  # Download step: a second download API with its hot-object cache off, so that 4 KiB downloads
  # are also measured as a cache miss each (every one read from a blob server and checked).
  env "${common[@]}" "${servers[@]}" "${volumes[@]}" Download__Cache__MaxBytes=0 \
    dotnet "$REPO/Sos.DownloadApi/bin/Release/net10.0/Sos.DownloadApi.dll" --urls "http://127.0.0.1:$((BASE_PORT + 5))" >"$WORK/download-nocache.log" 2>&1 &
  PIDS[download_nocache]=$!
  NOCACHE_URL="http://127.0.0.1:$((BASE_PORT + 5))"
  UPLOAD_URL="http://127.0.0.1:$BASE_PORT"
  DOWNLOAD_URL="http://127.0.0.1:$((BASE_PORT + 1))"
  for i in 0 1 2; do wait_healthy "http://127.0.0.1:$((BASE_PORT + 2 + i))"; done
  wait_healthy "$UPLOAD_URL"; wait_healthy "$DOWNLOAD_URL"; wait_healthy "$NOCACHE_URL"
}

start_nginx() {
  local port=$((BASE_PORT + 10))
  mkdir -p "$WORK/nginx"
  # Workers started by root run as an unprivileged user: they must be able to read the files.
  chmod o+rx "$WORK" "$WORK/files"
  cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server { listen 127.0.0.1:$port; root $WORK/files; }
}
CONF
  nginx -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
  NGINX_PID=$!
  NGINX_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 40); do curl -fs "$NGINX_URL/4k" >/dev/null 2>&1 && return 0; sleep 0.25; done
  log "nginx did not start"; exit 1
}

# wrk, after a warm-up → "req/s p50_ms p99_ms errors requests" (errors: non-2xx answers and
# socket errors). WARMUP=0 skips the warm-up (the caller made its own).
run_wrk() {
  local out
  # A short unmeasured run first: .NET compiles its hot paths again, optimised, in the first
  # seconds under load (tiered compilation), and connection pools fill; nginx gets the same.
  [[ "${WARMUP:-3}" -gt 0 ]] && wrk -t 2 -c "$CONCURRENCY" -d "${WARMUP:-3}s" "$@" >/dev/null 2>&1
  out="$(wrk -t 2 -c "$CONCURRENCY" -d "${SECONDS_PER_RUN}s" --latency "$@" 2>&1)"
  echo "$out" >>"$WORK/wrk.log"
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 } / requests in / { requests = $1 }
    /Non-2xx or 3xx responses:/ { errors += $NF }
    /Socket errors:/ { for (i = 3; i <= NF; i += 2) errors += $(i + 1) }
    END { printf "%.0f %.2f %.2f %d %d\n", rps, p50, p99, errors, requests }' <<<"$out"
}

WRITE_SERVICES=(upload blob0 blob1 blob2)
# CPU ticks (user + system) so far of each of the upload API and the blob servers, one per line.
service_ticks() {
  local name
  for name in "${WRITE_SERVICES[@]}"; do
    awk '{ print $14 + $15 }' "/proc/${PIDS[$name]}/stat"
  done
}
# 4 KiB uploads of new objects, measured with no warm-up of their own (the caller warms up) →
# "req/s p50_ms p99_ms errors cpu_us_per_upload" (CPU n/a against a running system); the share
# of each service goes to the log.
run_upload_wrk() {
  local before after rps p50 p99 errors requests
  [[ -n "${PIDS[upload]:-}" ]] && before=$(service_ticks)
  read -r rps p50 p99 errors requests < <(WARMUP=0 run_wrk -s "$REPO/bench/upload.lua" "$UPLOAD_URL")
  if [[ -n "${PIDS[upload]:-}" && "$requests" -gt 0 ]]; then
    after=$(service_ticks)
    paste <(echo "${WRITE_SERVICES[*]}" | tr ' ' '\n') <(echo "$before") <(echo "$after") |
      awk -v hz="$(getconf CLK_TCK)" -v n="$requests" '
        { us = ($3 - $2) / hz * 1e6 / n; total += us; split_ = split_ sprintf(" %s %.0f", $1, us) }
        END { printf "[bench] CPU per upload, µs:%s\n", split_ > "/dev/stderr"; printf "%.0f\n", total }' |
      { read -r total; echo "$rps $p50 $p99 $errors $total"; }
  else
    echo "$rps $p50 $p99 $errors n/a"
  fi
}

peak_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/${PIDS[$1]}/status" 2>/dev/null || echo "n/a"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Sets the last byte of file $1 to $2 (0-255), in place.
set_last_byte() { printf "\\x$(printf %02x "$2")" | dd of="$1" bs=1 seek=$(($(stat -c %s "$1") - 1)) conv=notrunc status=none; }
mbps() { awk -v bytes="$1" -v secs="$2" 'BEGIN { printf "%.0f", bytes / 1048576 / secs }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
id_of() { grep -oE '"id":"[0-9a-f]{40}"' "$1" | cut -c7-46; }

# "seconds" of a plain curl upload with a Content-Length and no digest (-T streams the file, as
# `--data-binary @file` would send it; this machine's curl refuses to read 1 GiB into memory for
# --data-binary); any further arguments go to curl, e.g. a digest header.
upload_secs() { local file="$1"; shift; curl -fsS -X POST -T "$file" -H "Content-Type: application/octet-stream" "$@" -o "$WORK/last-upload.json" -w '%{time_total}' "$UPLOAD_URL/upload"; }
download_secs() { curl -fsS -o /dev/null -w '%{time_total}' "$1"; }

# Sums of the download API's fetch counters while "$@" runs → "fetches blob_requests cache_misses" (n/a when it is not ours).
with_fetch_counters() {
  if [[ -z "${PIDS[download]:-}" ]]; then "$@"; echo "n/a n/a n/a" >"$WORK/counters.sum"; return; fi
  # The tool is the repo's own (its manifest is found from the working directory, wherever the bench was started).
  (cd "$REPO" && exec dotnet tool run dotnet-counters -- collect -p "${PIDS[download]}" --format csv -o "$WORK/counters.csv" \
    --counters 'Sos.DownloadApi[sos.fetch.requests,sos.fetch.blob_requests,sos.fetch.cache_misses]' --duration "$(printf '00:00:%02d:%02d' $(((SECONDS_PER_RUN + 8) / 60)) $(((SECONDS_PER_RUN + 8) % 60)))" >/dev/null 2>&1) &
  local collector=$!
  sleep 2 # the session attaches before the first request counts
  "$@"
  wait "$collector" || true # the last interval is published before it ends
  if [[ ! -s "$WORK/counters.csv" ]]; then log "dotnet-counters recorded nothing"; echo "n/a n/a n/a" >"$WORK/counters.sum"; return; fi
  awk -F, '$3 ~ /sos.fetch.requests/ { f += $NF } $3 ~ /sos.fetch.blob_requests/ { b += $NF } $3 ~ /sos.fetch.cache_misses/ { m += $NF } END { printf "%.0f %.0f %.0f\n", f, b, m }' "$WORK/counters.csv" >"$WORK/counters.sum"
}

[[ -z "$UPLOAD_URL" || -z "$DOWNLOAD_URL" ]] && start_system
log "upload $UPLOAD_URL, download $DOWNLOAD_URL, work dir $WORK"
dotnet tool restore --tool-manifest "$REPO/.config/dotnet-tools.json" >/dev/null

mkdir -p "$WORK/files"
head -c 4096 /dev/urandom >"$WORK/files/4k"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$WORK/files/64m"
head -c $((BIG_MIB * 1024 * 1024)) /dev/urandom >"$WORK/files/big"
sync # the files above are not left for the benchmarked writes to flush
start_nginx

declare -A R=() T=() OK=() RSS=()
# The bench's own measurements of the machine, built whether or not the bench started the system.
dotnet build "$REPO/bench/Sos.Bench" -c Release -v q -nologo >/dev/null
sos_bench() { dotnet "$REPO/bench/Sos.Bench/bin/Release/net10.0/Sos.Bench.dll" "$@"; }
log "machine: naive durable 4 KiB writes (16 threads), an HTTP exchange's CPU, and dd conv=fdatasync of ${BIG_MIB} MiB, in $WORK"
R[naive]=$(sos_bench --dir "$WORK" --threads 16 --seconds "$SECONDS_PER_RUN" --size 4096)
# What an HTTP exchange costs in CPU, client and server, with nothing of Sos in it: the floor under
# every hop an upload makes (→ "exchanges/s client_us server_us").
read -r ex_rps ex_client ex_server < <(sos_bench exchange --seconds 5 --concurrency "$CONCURRENCY" --size 4096) || true
read -r exi_rps exi_client exi_server < <(sos_bench exchange --seconds 5 --concurrency 1 --gap-ms 1 --size 4096) || true
# Each dd writes a file of its own, kept until all are done: like the uploads, each run writes
# blocks of the file system that the run has not written before.
dd_secs=$(for run in $(seq 1 "$RUNS"); do
  { dd if=/dev/zero of="$WORK/dd.$run" bs=1M count="$BIG_MIB" conv=fdatasync 2>&1 >/dev/null; } | awk '/copied/ { for (i = 1; i <= NF; i++) if ($i ~ /^s,?$/) print $(i - 1) }'
done | median)
rm -f "$WORK"/dd.[0-9]*
T[dd_big]=$(mbps $((BIG_MIB * 1024 * 1024)) "$dd_secs")

log "4 KiB uploads, ${SECONDS_PER_RUN}s at concurrency $CONCURRENCY, a new object each, twice on one store"
# The first measured run starts on a store that holds only the warm-up's objects (a few seconds'
# worth). The warm-up lasts until the services' hot code is compiled: about 5 s of load here.
wrk -t 2 -c "$CONCURRENCY" -d 5s -s "$REPO/bench/upload.lua" "$UPLOAD_URL" >/dev/null 2>&1
R[up4k_cold]="$(run_upload_wrk)"
R[up4k]="$(run_upload_wrk)"

log "4 KiB downloads of 256 objects, ${SECONDS_PER_RUN}s at concurrency $CONCURRENCY"
: >"$WORK/ids"
for i in $(seq 1 256); do
  { head -c 4080 "$WORK/files/4k"; printf '%016x' "$i"; } | curl -fsS -X POST --data-binary @- "$UPLOAD_URL/upload" -o "$WORK/one.json"
  id_of "$WORK/one.json" >>"$WORK/ids"
done
with_fetch_counters run_wrk -s "$REPO/bench/fetch.lua" "$DOWNLOAD_URL" -- "$WORK/ids" >"$WORK/down4k"
R[down4k]="$(cat "$WORK/down4k")"
read -r fetches blob_requests cache_misses <"$WORK/counters.sum"
R[blob_per_fetch]=$(ratio "$blob_requests" "$fetches")
# Whatever the cache, a fetch that reaches the blob servers should ask exactly one of them.
R[blob_per_miss]=$(ratio "$blob_requests" "$cache_misses")
# Download step: the same fetches with the cache off (only when the bench started the system).
R[down4k_nocache]="n/a n/a n/a 0"
if [[ -n "$NOCACHE_URL" ]]; then
  log "4 KiB downloads with the download API's cache off"
  R[down4k_nocache]="$(run_wrk -s "$REPO/bench/fetch.lua" "$NOCACHE_URL" -- "$WORK/ids")"
fi
R[nginx4k]="$(run_wrk "$NGINX_URL/4k")"

# Each large transfer, and its ceiling, is the median of 3 runs: one run of each moved by up to a
# half from run to run on this shared machine. Every upload is a new object: the file's last byte
# is changed in place between runs (a copy of the file would leave a GiB dirty in the page cache
# for the next run's flushes to write back).
for size in 64m big; do
  bytes=$(stat -c %s "$WORK/files/$size")
  log "$size: upload, download, nginx (median of $RUNS each)"
  T[up_$size]=$(for run in $(seq 1 "$RUNS"); do
    set_last_byte "$WORK/files/$size" "$run"
    upload_secs "$WORK/files/$size"; echo
  done | median | { read -r secs; mbps "$bytes" "$secs"; })
  # The object the file holds now, the last one uploaded: downloaded, then checked.
  id=$(id_of "$WORK/last-upload.json")
  # Timed like nginx, into /dev/null; then the round trip is checked, untimed: what comes back
  # must hash to the id (a sha1sum beside the timed curl would take a core from the services).
  T[down_$size]=$(for _ in $(seq 1 "$RUNS"); do download_secs "$DOWNLOAD_URL/fetch/$id"; echo; done | median | { read -r secs; mbps "$bytes" "$secs"; })
  fetched=$(curl -fsS "$DOWNLOAD_URL/fetch/$id" | sha1sum | cut -c1-40)
  OK[$size]=$([[ "$fetched" == "$id" && "$(sha1sum <"$WORK/files/$size" | cut -c1-40)" == "$id" ]] && echo true || echo false)
  T[nginx_$size]=$(for _ in $(seq 1 "$RUNS"); do download_secs "$NGINX_URL/$size"; echo; done | median | { read -r secs; mbps "$bytes" "$secs"; })
  if [[ "$size" == big ]]; then
    # Again with its SHA-1 announced, as the client library sends it: new objects too.
    T[up_big_sha]=$(for run in $(seq 1 "$RUNS"); do
      set_last_byte "$WORK/files/big" $((RUNS + run))
      upload_secs "$WORK/files/big" -H "X-Sos-Sha1: $(sha1sum <"$WORK/files/big" | cut -c1-40)"; echo
    done | median | { read -r secs; mbps "$bytes" "$secs"; })
  fi
done

for name in upload download download_nocache blob0 blob1 blob2; do
  RSS[$name]=$([[ -n "${PIDS[$name]:-}" ]] && peak_mb "$name" || echo "n/a")
done
time_wait=$(ss -Htan state time-wait | wc -l)

read -r up_rps up_p50 up_p99 up_err up_cpu <<<"${R[up4k]}"
read -r cold_rps cold_p50 cold_p99 cold_err cold_cpu <<<"${R[up4k_cold]}"
read -r dn_rps dn_p50 dn_p99 dn_err _ <<<"${R[down4k]}"
read -r ng_rps ng_p50 ng_p99 ng_err _ <<<"${R[nginx4k]}"
read -r nc_rps nc_p50 nc_p99 nc_err _ <<<"${R[down4k_nocache]}"
max_rss=$(printf '%s\n' "${RSS[@]}" | grep -E '^[0-9]+$' | sort -n | tail -1 || true)

# A target row: label, measured, target as "<op> value", e.g. ">= 0.5".
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { if (v !~ /^[0-9.]+$/) { print "n/a"; exit } ok = (op == ">=") ? v >= t : v <= t; print ok ? "met" : "NOT met" }'; }
target() { printf '%-44s %10s   %-9s %s\n' "$1" "$2" "$3 $4" "$(verdict "$2" "$3" "$4")"; }

{
  printf '\n%-34s %10s %10s %10s %8s\n' "4 KiB, concurrency $CONCURRENCY" "req/s" "p50 ms" "p99 ms" "errors"
  printf '%-34s %10s %10s %10s %8s %s\n' "sos upload, first run (empty store)" "$cold_rps" "$cold_p50" "$cold_p99" "$cold_err" "cpu ${cold_cpu} us/upload"
  printf '%-34s %10s %10s %10s %8s %s\n' "sos upload, second run" "$up_rps" "$up_p50" "$up_p99" "$up_err" "cpu ${up_cpu} us/upload"
  printf '%-34s %10s\n' "naive durable writes (ceiling)" "${R[naive]}"
  printf '%-34s %10s %10s %10s %8s %s\n' "bare HTTP exchange, busy (floor)" "$ex_rps" "" "" "" "cpu ${ex_client} + ${ex_server} us (client + server)"
  printf '%-34s %10s %10s %10s %8s %s\n' "bare HTTP exchange, idle between" "$exi_rps" "" "" "" "cpu ${exi_client} + ${exi_server} us (client + server)"
  printf '%-34s %10s %10s %10s %8s\n' "sos download (256 objects)" "$dn_rps" "$dn_p50" "$dn_p99" "$dn_err"
  printf '%-34s %10s %10s %10s %8s\n' "sos download, cache off" "$nc_rps" "$nc_p50" "$nc_p99" "$nc_err"
  printf '%-34s %10s %10s %10s %8s\n' "nginx GET (ceiling)" "$ng_rps" "$ng_p50" "$ng_p99" "$ng_err"
  printf '\n%-34s %10s %10s %10s\n' "MB/s" "upload" "download" "nginx"
  printf '%-34s %10s %10s %10s\n' "64 MiB" "${T[up_64m]}" "${T[down_64m]}" "${T[nginx_64m]}"
  printf '%-34s %10s %10s %10s\n' "${BIG_MIB} MiB" "${T[up_big]}" "${T[down_big]}" "${T[nginx_big]}"
  printf '%-34s %10s\n' "${BIG_MIB} MiB, SHA-1 announced" "${T[up_big_sha]}"
  printf '%-34s %10s\n' "dd conv=fdatasync ${BIG_MIB} MiB" "${T[dd_big]}"
  printf '%-34s %10s\n' "round trips' SHA-1 match" "${OK[64m]} ${OK[big]}"
  printf '%-34s %s\n' "peak RSS MB (up, down, blob0-2)" "${RSS[upload]} ${RSS[download]} ${RSS[blob0]} ${RSS[blob1]} ${RSS[blob2]}"
  printf '%-34s %s\n' "peak RSS MB (download, cache off)" "${RSS[download_nocache]}"
  printf '\n%-44s %10s   %-9s %s\n' "target" "measured" "wanted" ""
  target "4 KiB download / nginx req/s" "$(ratio "$dn_rps" "$ng_rps")" ">=" 0.5
  target "4 KiB download, cache off / nginx req/s" "$(ratio "$nc_rps" "$ng_rps")" ">=" 0.5
  target "4 KiB download p99 / nginx p99" "$(ratio "$dn_p99" "$ng_p99")" "<=" 3
  target "4 KiB upload / naive durable writes" "$(ratio "$up_rps" "${R[naive]}")" ">=" 0.5
  target "4 KiB upload p99, ms" "$up_p99" "<=" 20
  target "4 KiB upload CPU per upload, us" "$up_cpu" "<=" 200
  printf '%-44s %10s\n' "  (floor: 3 bare HTTP exchanges, busy)" "$(awk -v c="$ex_client" -v s="$ex_server" 'BEGIN { if (c ~ /^[0-9.]+$/ && s ~ /^[0-9.]+$/) printf "%.0f", 3 * (c + s); else print "n/a" }')"
  target "4 KiB upload, first run / second run" "$(ratio "$cold_rps" "$up_rps")" ">=" 0.9
  target "${BIG_MIB} MiB download / nginx MB/s" "$(ratio "${T[down_big]}" "${T[nginx_big]}")" ">=" 0.8
  target "${BIG_MIB} MiB upload / dd MB/s" "$(ratio "${T[up_big]}" "${T[dd_big]}")" ">=" 0.4
  target "${BIG_MIB} MiB upload, SHA-1 announced / dd MB/s" "$(ratio "${T[up_big_sha]}" "${T[dd_big]}")" ">=" 0.45
  target "peak RSS of any service, MB" "${max_rss:-n/a}" "<=" 150
  target "blob requests per fetch" "${R[blob_per_fetch]}" "<=" 1.05
  target "blob requests per fetch the cache missed" "${R[blob_per_miss]}" "<=" 1.05
  target "sockets in TIME-WAIT after the run" "$time_wait" "<=" 999
  printf '\n'
} >&2

q() { [[ "$1" =~ ^[0-9.]+$ ]] && echo "$1" || echo null; }
printf '{"concurrency":%s,"seconds":%s,"small":{"upload":{"rps":%s,"p50_ms":%s,"p99_ms":%s,"errors":%s,"cpu_us_per_op":%s,"first_run":{"rps":%s,"p50_ms":%s,"p99_ms":%s,"errors":%s,"cpu_us_per_op":%s}},"naive_durable_writes":%s,"download":{"rps":%s,"p50_ms":%s,"p99_ms":%s,"errors":%s},"download_nocache":{"rps":%s,"p50_ms":%s,"p99_ms":%s,"errors":%s},"nginx":{"rps":%s,"p50_ms":%s,"p99_ms":%s},"blob_requests_per_fetch":%s,"blob_requests_per_cache_miss":%s,"http_exchange":{"busy":{"rps":%s,"client_cpu_us":%s,"server_cpu_us":%s},"idle_between":{"rps":%s,"client_cpu_us":%s,"server_cpu_us":%s}}},' \
  "$CONCURRENCY" "$SECONDS_PER_RUN" "$(q "$up_rps")" "$(q "$up_p50")" "$(q "$up_p99")" "$up_err" "$(q "$up_cpu")" \
  "$(q "$cold_rps")" "$(q "$cold_p50")" "$(q "$cold_p99")" "$cold_err" "$(q "$cold_cpu")" "$(q "${R[naive]}")" \
  "$(q "$dn_rps")" "$(q "$dn_p50")" "$(q "$dn_p99")" "$dn_err" "$(q "$nc_rps")" "$(q "$nc_p50")" "$(q "$nc_p99")" "$(q "$nc_err")" "$(q "$ng_rps")" "$(q "$ng_p50")" "$(q "$ng_p99")" "$(q "${R[blob_per_fetch]}")" "$(q "${R[blob_per_miss]}")" \
  "$(q "$ex_rps")" "$(q "$ex_client")" "$(q "$ex_server")" "$(q "$exi_rps")" "$(q "$exi_client")" "$(q "$exi_server")"
printf '"mib64":{"upload_mbps":%s,"download_mbps":%s,"nginx_mbps":%s,"sha1_ok":%s},' \
  "$(q "${T[up_64m]}")" "$(q "${T[down_64m]}")" "$(q "${T[nginx_64m]}")" "${OK[64m]}"
printf '"big":{"mib":%s,"upload_mbps":%s,"upload_sha1_announced_mbps":%s,"download_mbps":%s,"nginx_mbps":%s,"dd_mbps":%s,"sha1_ok":%s},' \
  "$BIG_MIB" "$(q "${T[up_big]}")" "$(q "${T[up_big_sha]}")" "$(q "${T[down_big]}")" "$(q "${T[nginx_big]}")" "$(q "${T[dd_big]}")" "${OK[big]}"
printf '"peak_rss_mb":{"upload":%s,"download":%s,"blob0":%s,"blob1":%s,"blob2":%s},"time_wait":%s}\n' \
  "$(q "${RSS[upload]}")" "$(q "${RSS[download]}")" "$(q "${RSS[blob0]}")" "$(q "${RSS[blob1]}")" "$(q "${RSS[blob2]}")" "$time_wait"
