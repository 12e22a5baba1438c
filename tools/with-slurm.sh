#!/usr/bin/env bash
# Runs a command against a real one-node Slurm cluster on 127.0.0.1 (munge, slurmctld,
# slurmd), started in a scratch folder and stopped on exit, also when the command fails.
#   tools/with-slurm.sh <command…>
# Installs Debian's slurmctld, slurmd, slurm-client and munge when missing.
set -euo pipefail
need=""
for p in slurmctld slurmd slurm-client munge; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
DIR=$(mktemp -d /tmp/csit-slurm.XXXXXX)
mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"
HOST=$(hostname -s)
CPUS=$(nproc)
sed -e "s|@DIR@|$DIR|g" -e "s|@HOST@|$HOST|g" -e "s|CPUs=2|CPUs=$CPUS|" "$(dirname "$0")/slurm.conf.in" > "$DIR/slurm.conf"
export SLURM_CONF="$DIR/slurm.conf"

stop() {
  for f in "$DIR/slurmd.pid" "$DIR/slurmctld.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 1
  [ -n "${MUNGE_STARTED:-}" ] && [ -f /run/munge/munged.pid ] && kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
  rm -rf "$DIR"
}
trap stop EXIT

mkdir -p /run/munge
chown munge:munge /run/munge 2>/dev/null || true
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -f /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
  if [ "$(id -u)" = 0 ]; then su -s /bin/sh munge -c "munged --force" 2>/dev/null || munged --force; else munged --force; fi
  MUNGE_STARTED=1
  sleep 1
fi
munge -n | unmunge >/dev/null
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 1 30); do
  sinfo -h -o %T 2>/dev/null | grep -qE "idle|mix|alloc" && break
  sleep 1
done
sinfo
"$@"
