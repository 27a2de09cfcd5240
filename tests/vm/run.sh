#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# VM kernel tier: runs the privileged tests that this host's kernel cannot
# (no sch_netem, hybrid cgroups) on Debian's stock kernel, booted in qemu with
# a pure cgroup v2 layout.
#
#   tests/vm/run.sh [BUILD_DIR]      (default: build; needs the test binaries built)
#
# 1. Debian's kernel: `apt-get download linux-image-amd64`, then the versioned
#    package it depends on, unpacked with dpkg -x. Cached in BUILD_DIR/vm/ and
#    re-used while the meta-package still points at the same version.
# 2. An initramfs (cpio newc, gzip): busybox-static, the kernel modules the
#    tests need with their dependencies (in load order), the test binaries and
#    the faultline CLI with every shared library ldd lists, iproute2's netem
#    distribution tables, and /init.
# 3. qemu-system-x86_64 -nographic -m 2G -smp 2, under TCG (no KVM needed;
#    FAULTLINE_VM_ACCEL=kvm opts in to KVM).
#    /init mounts proc, sys, devtmpfs, cgroup2 alone at /sys/fs/cgroup (pure
#    v2), bpffs, tmpfs /run and /tmp; loads the modules; runs `faultline
#    doctor` (which must choose the kernel netem backend), then fl_kernel_tests
#    and the cgroup tests of fl_integration_tests with FAULTLINE_VM=1, prints
#    "VM-TESTS: PASS" or "VM-TESTS: FAIL n", and powers off.
# 4. This script prints the guest's log, and exits 0 on PASS and 1 otherwise
#    (a FAIL, no marker, or the timeout: FAULTLINE_VM_TIMEOUT seconds, 900).
#
# Environment: FAULTLINE_VM_TIMEOUT (s), FAULTLINE_VM_ACCEL (tcg | kvm),
# FAULTLINE_VM_FILTER (gtest filter for fl_kernel_tests; default all).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(realpath -m "${1:-build}")
VM="$BUILD/vm"
TIMEOUT=${FAULTLINE_VM_TIMEOUT:-900}
T0=$(date +%s)

log() { printf 'vm: %s\n' "$*" >&2; }
die() {
  printf 'vm: error: %s\n' "$*" >&2
  exit 1
}

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (scripts/install-deps.sh installs qemu-system-x86)"
BUSYBOX=$(command -v busybox || true)
[[ -n "$BUSYBOX" ]] || die "busybox missing (scripts/install-deps.sh installs busybox-static)"
# The guest has no libc of busybox's own: it must be the static build.
if LC_ALL=C ldd "$BUSYBOX" 2>&1 | grep -q '=>'; then
  die "$BUSYBOX is dynamically linked; install busybox-static"
fi

BINS=(
  "$BUILD/tests/kernel/fl_kernel_tests"
  "$BUILD/tests/fl_integration_tests"
  "$BUILD/orchestrator/faultline"
)
for b in "${BINS[@]}"; do
  [[ -x "$b" ]] || die "$b not built (make build, or cmake --build $BUILD --target $(basename "$b"))"
done

mkdir -p "$VM/debs"

# ---------------------------------------------------------------- 1. kernel --
# The meta-package names the versioned image it depends on; its Depends field
# is read from the downloaded .deb itself, so the two always match (apt-cache
# depends is the fallback when the .deb says nothing usable).
fetch_meta() {
  (cd "$VM/debs" && rm -f linux-image-amd64_*.deb && apt-get download -q linux-image-amd64) >&2
}
kernel_pkg=""
if fetch_meta 2>"$VM/apt.log" || { log "apt-get download failed; refreshing package lists once"; apt-get update -qq >&2 && fetch_meta; }; then
  meta=$(ls "$VM"/debs/linux-image-amd64_*.deb | head -n1)
  kernel_pkg=$(dpkg-deb -f "$meta" Depends | grep -oE 'linux-image-[0-9][^ ,()]*-amd64' | head -n1 || true)
  if [[ -z "$kernel_pkg" ]]; then
    kernel_pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
  fi
elif [[ -f "$VM/kernel.pkg" ]]; then
  # No registry: a cached kernel still serves.
  kernel_pkg=$(cat "$VM/kernel.pkg")
  log "offline: re-using cached $kernel_pkg"
else
  cat "$VM/apt.log" >&2 || true
  die "cannot download linux-image-amd64 and no kernel is cached in $VM"
fi
[[ -n "$kernel_pkg" ]] || die "cannot tell which linux-image package linux-image-amd64 depends on"

KROOT="$VM/kernel"
if [[ -f "$VM/kernel.pkg" && "$(cat "$VM/kernel.pkg")" == "$kernel_pkg" && -d "$KROOT/lib/modules" ]]; then
  log "kernel: $kernel_pkg (cached)"
else
  log "kernel: downloading $kernel_pkg"
  rm -f "$VM"/debs/linux-image-[0-9]*.deb
  (cd "$VM/debs" && apt-get download -q "$kernel_pkg") >&2 || die "apt-get download $kernel_pkg failed"
  rm -rf "$KROOT" "$VM/kernel.pkg"
  dpkg -x "$VM"/debs/"$kernel_pkg"_*.deb "$KROOT"
  echo "$kernel_pkg" >"$VM/kernel.pkg"
fi
VMLINUZ=$(ls "$KROOT"/boot/vmlinuz-* | head -n1)
KVER=${VMLINUZ##*/vmlinuz-}
MODDIR="$KROOT/lib/modules/$KVER"
[[ -d "$MODDIR/kernel" ]] || die "no modules in $MODDIR"

# ---------------------------------------------------------- 2. initramfs --
STAGE="$VM/initramfs"
rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,opt/faultline,lib/modules/"$KVER"}
cp "$BUSYBOX" "$STAGE/bin/busybox"
ln -s busybox "$STAGE/bin/sh"
# The console node lets the kernel give /init its stdio before devtmpfs is
# mounted (only root can make it; /init re-opens /dev/console anyway).
mknod -m 600 "$STAGE/dev/console" c 5 1 2>/dev/null || true

# Modules: what the tests and `doctor` use. Built-in ones are skipped; the
# rest are loaded after their dependencies. Debian ships no modules.dep (its
# postinst runs depmod), so dependencies come from each module's own
# "depends=" field in .modinfo, which is what depmod would write there.
WANT=(veth sch_netem sch_fq sch_tbf sch_htb sch_prio sch_ingress cls_bpf act_bpf cls_u32 bridge tun)
declare -A MODPATH SEEN
while IFS= read -r -d '' f; do
  n=${f##*/}
  n=${n%%.ko*}
  MODPATH[${n//-/_}]=$f
done < <(find "$MODDIR/kernel" -name '*.ko*' -print0)
BUILTIN=$(sed -E 's#.*/##; s#\.ko.*##; s#-#_#g' "$MODDIR/modules.builtin" 2>/dev/null || true)
modcat() {
  case "$1" in
    *.ko.xz) xz -dc "$1" ;;
    *.ko.zst) zstd -qdc "$1" ;;
    *.ko.gz) gzip -dc "$1" ;;
    *) cat "$1" ;;
  esac
}
ORDER=()
resolve() {
  local n=${1//-/_}
  [[ -n "${SEEN[$n]:-}" ]] && return 0
  SEEN[$n]=1
  local f=${MODPATH[$n]:-}
  if [[ -z "$f" ]]; then
    grep -qx "$n" <<<"$BUILTIN" || log "module $n: neither built in nor shipped; skipped"
    return 0
  fi
  local deps d
  deps=$(modcat "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1)
  for d in ${deps//,/ }; do resolve "$d"; done
  ORDER+=("$f")
}
for m in "${WANT[@]}"; do resolve "$m"; done
: >"$STAGE/etc/fl-modules"
for f in "${ORDER[@]}"; do
  rel=${f#"$MODDIR"/}
  rel=${rel%.xz}
  rel=${rel%.zst}
  rel=${rel%.gz}
  mkdir -p "$(dirname "$STAGE/lib/modules/$KVER/$rel")"
  modcat "$f" >"$STAGE/lib/modules/$KVER/$rel"
  echo "$rel" >>"$STAGE/etc/fl-modules"
done
log "modules: $(sed 's#.*/##; s#\.ko$##' "$STAGE/etc/fl-modules" | tr '\n' ' ')"

# Binaries (debug info stripped: it is most of their size) and every library
# they load, at the paths ldd resolved, plus the loader itself.
for b in "${BINS[@]}"; do
  strip --strip-debug -o "$STAGE/opt/faultline/$(basename "$b")" "$b"
done
LIBS=$(for b in "${BINS[@]}"; do LC_ALL=C ldd "$b"; done |
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
for l in $LIBS; do
  mkdir -p "$STAGE$(dirname "$l")"
  cp -L "$l" "$STAGE$l"
done
# netem's named jitter distributions read iproute2's tables.
for d in /usr/lib/x86_64-linux-gnu/tc /usr/lib/tc; do
  if compgen -G "$d/*.dist" >/dev/null; then
    mkdir -p "$STAGE$d"
    cp "$d"/*.dist "$STAGE$d/"
  fi
done

cat >"$STAGE/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$STAGE/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
printf '127.0.0.1 localhost\n::1 localhost\n' >"$STAGE/etc/hosts"
echo faultline-vm >"$STAGE/etc/hostname"

KFILTER=${FAULTLINE_VM_FILTER:-*}
cat >"$STAGE/init" <<EOF
#!/bin/busybox sh
# faultline VM tier guest: set up a minimal system with a pure cgroup v2
# layout, run the privileged tests, report one marker line, power off.
KVER=$KVER
KFILTER='$KFILTER'
EOF
cat >>"$STAGE/init" <<'EOF'
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=dumb
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
set -o pipefail
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# cgroup2 alone, at the usual place: the pure v2 layout (no v1 hierarchies).
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t bpf bpf /sys/fs/bpf
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
hostname faultline-vm
up() { cut -d' ' -f1 /proc/uptime; }
echo
echo "VM-BOOTED: kernel $(uname -r), $(nproc) cpus, $(up) s after power-on"

while read -r m; do
  insmod "/lib/modules/$KVER/$m" || echo "VM: insmod $m failed"
done </etc/fl-modules
ip link set lo up

fails=0
# One gtest binary: its output streamed; n failed tests (1 when it crashed or
# printed no summary) added to fails.
run_gtest() {
  name=$1
  shift
  echo "==== $name $*"
  t=$(up)
  "$@" --gtest_color=no 2>&1 | tee /tmp/out.txt
  rc=$?
  n=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\{0,1\}, listed below:.*/\1/p' /tmp/out.txt | tail -n1)
  grep -q '^\[  PASSED  \]' /tmp/out.txt || n=${n:-1}
  [ "$rc" -ne 0 ] && [ -z "$n" ] && n=1
  echo "==== $name: rc $rc, ${n:-0} failed, $(awk "BEGIN{print $(up) - $t}") s"
  fails=$((fails + ${n:-0}))
}

echo "==== faultline doctor"
/opt/faultline/faultline doctor 2>&1 | tee /tmp/doctor.txt
echo "==== doctor: rc $?"
if ! grep -q 'link impairments: kernel netem' /tmp/doctor.txt; then
  echo "VM: doctor did not choose the kernel netem backend"
  fails=$((fails + 1))
fi

export FAULTLINE_VM=1
cd /tmp
run_gtest fl_kernel_tests /opt/faultline/fl_kernel_tests --gtest_filter="$KFILTER"
run_gtest fl_integration_tests /opt/faultline/fl_integration_tests '--gtest_filter=Cgroup*:*V2*'
# The CLI end to end on this kernel: link faults through kernel netem, partitions through eBPF
# (the program on crafted frames, changes that fail on their second node; not the rule-limit
# test, 64 CLI calls that take 30 s under TCG and never reach the kernel), and teardown where no
# thread can start.
export FAULTLINE_BIN=/opt/faultline/faultline
run_gtest fl_faults /opt/faultline/fl_integration_tests \
  '--gtest_filter=Faults.*:PartitionProgram.*:PartitionChanges.*:NoNewTasks.*-*RuleLimit*'

echo "VM-TIME: tests done $(up) s after power-on"
if [ "$fails" -eq 0 ]; then echo "VM-TESTS: PASS"; else echo "VM-TESTS: FAIL $fails"; fi
sync
poweroff -f
EOF
chmod 755 "$STAGE/init"

INITRD="$VM/initrd.gz"
(cd "$STAGE" && find . -mindepth 1 | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null | gzip -6) >"$INITRD"
T1=$(date +%s)
log "initramfs: $(du -h "$INITRD" | cut -f1) ($(du -sh "$STAGE" | cut -f1) unpacked), kernel $KVER; prepared in $((T1 - T0)) s"

# ----------------------------------------------------------------- 3. boot --
# TCG by default, even where /dev/kvm exists: on the nested machines here KVM
# opens but then fails on the first MSR write, and TCG is fast enough (the
# whole tier takes well under a minute). FAULTLINE_VM_ACCEL=kvm opts in.
ACCEL=${FAULTLINE_VM_ACCEL:-tcg}
# "max" gives a TCG guest every CPU feature TCG emulates, so the host-built
# binaries never meet a missing instruction; under KVM the host's CPU.
case "$ACCEL" in
  tcg) CPU=max ;;
  kvm) CPU=host ;;
  *) die "FAULTLINE_VM_ACCEL must be tcg or kvm, not '$ACCEL'" ;;
esac
ACCEL_ARGS=(-accel "$ACCEL")
LOG="$VM/guest.log"
log "booting qemu (accel $ACCEL, timeout ${TIMEOUT}s); guest log: $LOG"
set +e
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -nographic -m 2G -smp 2 -cpu "$CPU" "${ACCEL_ARGS[@]}" \
  -kernel "$VMLINUZ" -initrd "$INITRD" -append "console=ttyS0 quiet panic=-1" \
  -no-reboot -nic none </dev/null >"$LOG" 2>&1
qrc=$?
set -e
T2=$(date +%s)

# ------------------------------------------------------------- 4. verdict --
# Without the firmware's terminal escapes and carriage returns.
tr -d '\r' <"$LOG" | sed -E 's/\x1b(\[[0-9;?]*[a-zA-Z]|c)//g; s/^/guest| /'
echo "vm: qemu ran $((T2 - T1)) s (rc $qrc); whole tier $((T2 - T0)) s"
if ((qrc == 124 || qrc == 137)); then
  echo "vm: timed out after ${TIMEOUT}s"
  echo "VM-TESTS: FAIL (timeout)"
  exit 1
fi
marker=$(tr -d '\r' <"$LOG" | grep -E '^VM-TESTS: (PASS|FAIL)' | tail -n1 || true)
if [[ -z "$marker" ]]; then
  echo "VM-TESTS: FAIL (no result marker: the guest crashed or stopped early)"
  exit 1
fi
echo "$marker"
[[ "$marker" == "VM-TESTS: PASS" ]]
