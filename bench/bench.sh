#!/usr/bin/env bash
# Sos benchmark: prints numbers, never fails a build on them.
#
#   bench/bench.sh                       # builds Release, starts 3 blob servers + both APIs on 127.0.0.1
#   bench/bench.sh --base-port 3400      # ports base..base+4 for Sos, base+10 for nginx
#   bench/bench.sh --upload-url http://host:9991 --download-url http://host:9992   # a running system
#   bench/bench.sh --big-mib 256 --requests 2000
#
# Measures 4 KiB uploads and downloads (req/s, p50, p99 at concurrency 16, with hey), 64 MiB and
# big-object (1 GiB by default) upload and download throughput, each service's peak RSS while
# it moves each big object (VmHWM, only for services this script started), and nginx serving the
# same files from a directory as the ceiling for an HTTP GET here. Prints a table, then one JSON line.
set -euo pipefail

BASE_PORT=3400
UPLOAD_URL=""
DOWNLOAD_URL=""
BIG_MIB=1024
REQUESTS=3000
CONCURRENCY=16
while [[ $# -gt 0 ]]; do
  case "$1" in
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --upload-url) UPLOAD_URL="$2"; shift 2 ;;
    --download-url) DOWNLOAD_URL="$2"; shift 2 ;;
    --big-mib) BIG_MIB="$2"; shift 2 ;;
    --requests) REQUESTS="$2"; shift 2 ;;
    --concurrency) CONCURRENCY="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sos-bench.XXXXXX")"
declare -A PIDS=()
NGINX_PID=""

log() { echo "[bench] $*" >&2; }

cleanup() {
  for name in "${!PIDS[@]}"; do kill "${PIDS[$name]}" 2>/dev/null || true; done
  [[ -n "$NGINX_PID" ]] && kill "$NGINX_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
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
need hey curl nginx

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
  local servers=()
  for i in 0 1 2; do
    local port=$((BASE_PORT + 2 + i))
    mkdir -p "$WORK/blob$i"
    env "${common[@]}" BlobStore__Root="$WORK/blob$i" BlobStore__MaxObjectBytes=$max BlobStore__MinFreeBytes=0 \
      dotnet "$REPO/Sos.BlobServer/bin/Release/net10.0/Sos.BlobServer.dll" --urls "http://127.0.0.1:$port" >"$WORK/blob$i.log" 2>&1 &
    PIDS[blob$i]=$!
    servers+=("Sos__BlobServers__$i=blob$i=http://127.0.0.1:$port")
  done
  mkdir -p "$WORK/spool"
  env "${common[@]}" "${servers[@]}" Upload__MaxObjectBytes=$max Upload__SpoolDirectory="$WORK/spool" \
    dotnet "$REPO/Sos.UploadApi/bin/Release/net10.0/Sos.UploadApi.dll" --urls "http://127.0.0.1:$BASE_PORT" >"$WORK/upload.log" 2>&1 &
  PIDS[upload]=$!
  env "${common[@]}" "${servers[@]}" \
    dotnet "$REPO/Sos.DownloadApi/bin/Release/net10.0/Sos.DownloadApi.dll" --urls "http://127.0.0.1:$((BASE_PORT + 1))" >"$WORK/download.log" 2>&1 &
  PIDS[download]=$!
  UPLOAD_URL="http://127.0.0.1:$BASE_PORT"
  DOWNLOAD_URL="http://127.0.0.1:$((BASE_PORT + 1))"
  for i in 0 1 2; do wait_healthy "http://127.0.0.1:$((BASE_PORT + 2 + i))"; done
  wait_healthy "$UPLOAD_URL"; wait_healthy "$DOWNLOAD_URL"
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

# hey → "req/s p50_ms p99_ms non2xx"
run_hey() {
  local out
  out="$(hey -n "$REQUESTS" -c "$CONCURRENCY" "$@" 2>&1)"
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
  p50=$(awk '/ 50%/ {printf "%.2f", $3 * 1000}' <<<"$out")
  p99=$(awk '/ 99%/ {printf "%.2f", $3 * 1000}' <<<"$out")
  errors=$(awk '/^\s*\[[0-9]+\]/ { code = substr($1, 2, 3); if (code !~ /^2/) n += $2 } /Error distribution/ { e = 1 } e && /\[[0-9]+\]/ && !/responses/ { n += substr($1, 2) } END { print n + 0 }' <<<"$out")
  echo "$rps $p50 $p99 $errors"
}

reset_peaks() { for pid in "${PIDS[@]}"; do echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true; done; }
peak_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/${PIDS[$1]}/status" 2>/dev/null || echo "n/a"; }
mbps() { awk -v bytes="$1" -v secs="$2" 'BEGIN { printf "%.0f", bytes / 1048576 / secs }'; }

# "seconds" of a streamed upload (-T streams from the file; --data-binary would load it into memory)
upload_secs() { curl -fsS -X POST -T "$1" -H "Content-Type: application/octet-stream" -o "$WORK/last-upload.json" -w '%{time_total}' "$UPLOAD_URL/upload"; }
download_secs() { curl -fsS -o /dev/null -w '%{time_total}' "$1"; }

[[ -z "$UPLOAD_URL" || -z "$DOWNLOAD_URL" ]] && start_system
log "upload $UPLOAD_URL, download $DOWNLOAD_URL, work dir $WORK"

mkdir -p "$WORK/files"
head -c 4096 /dev/urandom >"$WORK/files/4k"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$WORK/files/64m"
head -c $((BIG_MIB * 1024 * 1024)) /dev/urandom >"$WORK/files/big"
start_nginx

declare -A R=()
log "4 KiB uploads and downloads, $REQUESTS requests at concurrency $CONCURRENCY"
ID4K=$(curl -fsS -X POST --data-binary @"$WORK/files/4k" "$UPLOAD_URL/upload" | sed -E 's/.*"id":"([0-9a-f]{40})".*/\1/')
R[up4k]="$(run_hey -m POST -T application/octet-stream -D "$WORK/files/4k" "$UPLOAD_URL/upload")"
R[down4k]="$(run_hey "$DOWNLOAD_URL/fetch/$ID4K")"
R[nginx4k]="$(run_hey "$NGINX_URL/4k")"

declare -A T=() RSS=() OK=()
for size in 64m big; do
  bytes=$(stat -c %s "$WORK/files/$size")
  log "$size: upload, download, nginx"
  reset_peaks
  T[up_$size]=$(mbps "$bytes" "$(upload_secs "$WORK/files/$size")")
  id=$(sed -E 's/.*"id":"([0-9a-f]{40})".*/\1/' "$WORK/last-upload.json")
  # The round trip is checked: what comes back must hash to the id (sha1sum runs beside curl).
  T[down_$size]=$(mbps "$bytes" "$(curl -fsS -o >(sha1sum | cut -c1-40 >"$WORK/fetched.sha1") -w '%{time_total}' "$DOWNLOAD_URL/fetch/$id")")
  for _ in $(seq 1 100); do [[ -s "$WORK/fetched.sha1" ]] && break; sleep 0.1; done
  OK[$size]=$([[ "$(cat "$WORK/fetched.sha1")" == "$id" && "$(sha1sum <"$WORK/files/$size" | cut -c1-40)" == "$id" ]] && echo true || echo false)
  rm -f "$WORK/fetched.sha1"
  for name in upload download blob0 blob1 blob2; do
    RSS[${name}_$size]=$([[ -n "${PIDS[$name]:-}" ]] && peak_mb "$name" || echo "n/a")
  done
  T[nginx_$size]=$(mbps "$bytes" "$(download_secs "$NGINX_URL/$size")")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
read -r up_rps up_p50 up_p99 up_err <<<"${R[up4k]}"
read -r dn_rps dn_p50 dn_p99 dn_err <<<"${R[down4k]}"
read -r ng_rps ng_p50 ng_p99 ng_err <<<"${R[nginx4k]}"

{
  printf '\n%-34s %12s %10s %10s %8s\n' "4 KiB, concurrency $CONCURRENCY" "req/s" "p50 ms" "p99 ms" "errors"
  printf '%-34s %12s %10s %10s %8s\n' "sos upload" "$up_rps" "$up_p50" "$up_p99" "$up_err"
  printf '%-34s %12s %10s %10s %8s\n' "sos download" "$dn_rps" "$dn_p50" "$dn_p99" "$dn_err"
  printf '%-34s %12s %10s %10s %8s\n' "nginx GET (ceiling)" "$ng_rps" "$ng_p50" "$ng_p99" "$ng_err"
  printf '%-34s %12s\n' "download / nginx" "$(ratio "$dn_rps" "$ng_rps")"
  for size in 64m big; do
    label=$([[ $size == big ]] && echo "${BIG_MIB} MiB" || echo "64 MiB")
    printf '\n%-34s %12s\n' "$label" "MB/s"
    printf '%-34s %12s\n' "sos upload" "${T[up_$size]}" "sos download" "${T[down_$size]}" "nginx GET (ceiling)" "${T[nginx_$size]}" \
      "download / nginx" "$(ratio "${T[down_$size]}" "${T[nginx_$size]}")" "round trip SHA-1 matches" "${OK[$size]}"
    printf '%-34s' "peak RSS MB (up, down, blob0-2)"
    printf ' %s' "${RSS[upload_$size]}" "${RSS[download_$size]}" "${RSS[blob0_$size]}" "${RSS[blob1_$size]}" "${RSS[blob2_$size]}"
    printf '\n'
  done
  printf '\n'
} >&2

q() { [[ "$1" =~ ^[0-9.]+$ ]] && echo "$1" || echo null; }
rss_json() {
  printf '{"upload":%s,"download":%s,"blob0":%s,"blob1":%s,"blob2":%s}' \
    "$(q "${RSS[upload_$1]}")" "$(q "${RSS[download_$1]}")" "$(q "${RSS[blob0_$1]}")" "$(q "${RSS[blob1_$1]}")" "$(q "${RSS[blob2_$1]}")"
}
printf '{"concurrency":%s,"small":{"upload":{"rps":%s,"p50_ms":%s,"p99_ms":%s,"errors":%s},"download":{"rps":%s,"p50_ms":%s,"p99_ms":%s,"errors":%s},"nginx":{"rps":%s,"p50_ms":%s,"p99_ms":%s},"download_vs_nginx":%s},' \
  "$CONCURRENCY" "$(q "$up_rps")" "$(q "$up_p50")" "$(q "$up_p99")" "$up_err" "$(q "$dn_rps")" "$(q "$dn_p50")" "$(q "$dn_p99")" "$dn_err" \
  "$(q "$ng_rps")" "$(q "$ng_p50")" "$(q "$ng_p99")" "$(q "$(ratio "$dn_rps" "$ng_rps")")"
printf '"mib64":{"upload_mbps":%s,"download_mbps":%s,"nginx_mbps":%s,"download_vs_nginx":%s,"sha1_ok":%s,"peak_rss_mb":%s},' \
  "$(q "${T[up_64m]}")" "$(q "${T[down_64m]}")" "$(q "${T[nginx_64m]}")" "$(q "$(ratio "${T[down_64m]}" "${T[nginx_64m]}")")" "${OK[64m]}" "$(rss_json 64m)"
printf '"big":{"mib":%s,"upload_mbps":%s,"download_mbps":%s,"nginx_mbps":%s,"download_vs_nginx":%s,"sha1_ok":%s,"peak_rss_mb":%s}}\n' \
  "$BIG_MIB" "$(q "${T[up_big]}")" "$(q "${T[down_big]}")" "$(q "${T[nginx_big]}")" "$(q "$(ratio "${T[down_big]}" "${T[nginx_big]}")")" "${OK[big]}" "$(rss_json big)"
