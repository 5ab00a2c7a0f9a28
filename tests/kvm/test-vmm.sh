#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# memspace-vmm --selftest on one memory backend, with --dump-dir: the
# dumps must load in the memspace tool and show each step's map.
#   test-vmm.sh VMM MEMSPACE anon|memfd|file|hugetlbfs
# Exits 77 (skipped) when KVM or huge pages are not available.  As root,
# the hugetlbfs run reserves the two 2 MiB pages it needs and gives them
# back afterwards.
set -u
vmm=$1 tool=$2 kind=$3
tmp=$(mktemp -d)
nr_orig=

cleanup() {
	[ -n "$nr_orig" ] && echo "$nr_orig" >/proc/sys/vm/nr_hugepages
	rm -rf "$tmp"
}
trap cleanup EXIT

reserve_huge_pages() {
	local need=2 free
	free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	if [ "${free:-0}" -lt "$need" ] && [ "$(id -u)" -eq 0 ] &&
		[ -w /proc/sys/vm/nr_hugepages ]; then
		nr_orig=$(cat /proc/sys/vm/nr_hugepages)
		echo $((nr_orig + need - free)) >/proc/sys/vm/nr_hugepages
	fi
}

case $kind in
file) mem=file:$tmp/guest-ram ;;
hugetlbfs) mem=hugetlbfs; reserve_huge_pages ;;
*) mem=$kind ;;
esac

mkdir "$tmp/dump"
"$vmm" --selftest --memory "$mem" --dump-dir "$tmp/dump"
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"

# Each step's dump, read back by the CLI, shows that step's map.
expect() {	# DUMP LINE
	if ! "$tool" show --flat "$tmp/dump/$1.json" | grep -qF -- "$2"; then
		echo "dump $1: missing: $2" >&2
		exit 1
	fi
}
bar=" (prio 0, ram): bar0-ram"
absent() {	# DUMP NAME
	if "$tool" show --flat "$tmp/dump/$1.json" | grep -qF -- "$2"; then
		echo "dump $1: still shows $2" >&2
		exit 1
	fi
}
expect 0-boot "00000000c0000000-00000000c000ffff$bar"
expect 1-bar-moved "00000000c0100000-00000000c010ffff$bar"
absent 1-bar-moved "00000000c0000000-"
absent 2-bar-disabled bar0-ram
expect 3-bar-enabled "00000000c0100000-00000000c010ffff$bar"
expect 4-dimm-plugged "0000000040000000-00000000401fffff (prio 0, ram): ram"
absent 5-dimm-unplugged "0000000040000000-"
expect 6-halted "00000000ffff0000-00000000ffffffff (prio 0, rom): rom"
echo "dumps: ok"
