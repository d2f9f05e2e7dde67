#!/usr/bin/env bash
# make record / make replay: record a kernel run's logs to a trace file, or
# replay one, and fail loudly when nothing was recorded or replayed.
#
#   tools/kreplay.sh record BUILD "ARGS" SMP          -> BUILD/trace.bin
#   tools/kreplay.sh replay BUILD TRACE "ARGS" SMP [gdb]
#
# record: the run gets record=1 (the order streams) and writes the trace to
# COM2 at its end.  Guest RAM is a file (in /dev/shm) so that the live
# stream the kernel keeps in a RAM region (kern/dev/streamio.c) is in a host
# file while the run goes; `trace stream-drain` copies it out to
# BUILD/stream.bin as it comes (so the region is a ring), and at the end it
# is checked against the trace, and kept even when the run died.  The trace lands in a temporary file and replaces the old
# one only if the kernel said it saved it and `trace check` accepts it: a
# recording that recorded nothing fails and keeps the previous trace.
# replay: the trace goes in as a multiboot module under oracle=replay, with
# the command line and CPU count the trace recorded (ARGS and SMP override
# them, with a warning); ARGS may not name another oracle; the run fails
# unless it really replayed: the whole run reached every object's recorded
# end, or the lock workload's replaying test ran (not skipped) and passed.
set -uo pipefail

die() { echo "$1" >&2; exit "${2:-1}"; }
usage() { die "usage: $0 record BUILD ARGS SMP | replay BUILD TRACE ARGS SMP [gdb]" 2; }

[ $# -ge 1 ] || usage
cmd=$1; shift
QEMU=${QEMU:-qemu-system-x86_64}
ACCEL_FLAGS=${ACCEL_FLAGS:--accel tcg}
MEM=256M
REPLAY_TEST=locks_cmdline_oracle   # the workload whose logs replay enforces today

qemu() { # smp args extra...
	local smp=$1 args=$2; shift 2
	$QEMU -machine q35 -m $MEM -smp "$smp" -nographic -no-reboot -nic none $ACCEL_FLAGS \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial mon:stdio \
		-kernel "$B/kernel.elf" -append "$args" "$@"
}

# merge_args "RECORDED" "ARGS": RECORDED's words, each replaced by the ARGS
# word with the same key, then the ARGS words whose key RECORDED lacks.
merge_args() {
	local w a out="" key
	local -; set -f # words, not patterns: a value may hold * or ?
	for w in $1; do
		key=${w%%=*}
		for a in $2; do [ "${a%%=*}" != "$key" ] || w=$a; done
		out="$out$w "
	done
	for a in $2; do
		case " $1 " in *" ${a%%=*}="* | *" ${a%%=*} "*) ;; *) out="$out$a " ;; esac
	done
	echo "${out% }"
}

cpus_ok() { case $1 in '' | *[!0-9]*) return 1 ;; esac; [ "$1" -ge 1 ] && [ "$1" -le 64 ]; }

case $cmd in
record)
	[ $# -eq 3 ] || usage
	B=$1 args=$2 smp=$3
	cpus_ok "$smp" || die "*** record: SMP=$smp: want a CPU count 1..64" 2
	case " $args " in *" oracle=replay "*) die "*** record: a recording runs under oracle=hw or script:..., not replay" 2 ;; esac
	case " $args " in *" record="*) ;; *) args="$args record=1" ;; esac
	# session=1: the shell until `quit` (typed input is recorded), no test.
	case " $args " in *" test="* | *" session=1 "*) ;; *) args="$args test=$REPLAY_TEST" ;; esac
	case " $args " in *" oracle="*) ;; *) args="$args oracle=hw" ;; esac
	out=$B/trace.bin tmp=$B/trace.bin.new log=$B/record.log stream=$B/stream.bin
	ram=$(mktemp /dev/shm/logkern-ram.XXXXXX) || die "*** record: no file for guest RAM in /dev/shm"
	drainer=""
	trap 'rm -f "$ram"; [ -z "$drainer" ] || kill "$drainer" 2> /dev/null' EXIT
	rm -f "$tmp" "$stream"
	# The drainer copies the stream out while the run goes (the region is
	# then a ring: a stream as long as the run); it ends at the stream's END
	# block, or at our TERM once QEMU is gone, with what is left.  With
	# stream=debugcon QEMU writes the stream itself, through port 0xe9.
	debugcon=()
	case " $args " in *" stream=debugcon "*) debugcon=(-debugcon "file:$stream") ;; esac
	if [ ${#debugcon[@]} = 0 ]; then
		"$B/host/trace" stream-drain "$ram" "$stream" > "$B/drain.log" 2>&1 &
		drainer=$!
	fi
	qemu "$smp" "$args" -serial "file:$tmp" "${debugcon[@]}" \
		-object "memory-backend-file,id=ram0,size=$MEM,mem-path=$ram,share=on" \
		-machine memory-backend=ram0 | tee "$log.raw"
	st=${PIPESTATUS[0]}
	tr -d '\r' < "$log.raw" > "$log" # the serial port's line ends are CR LF
	if [ -n "$drainer" ]; then
		kill -TERM "$drainer" 2> /dev/null
		if ! wait "$drainer"; then
			echo "*** record: no live stream: $(tail -1 "$B/drain.log")" >&2
			rm -f "$stream"
		fi
	fi
	drainer=""
	rm -f "$ram"
	why=""
	if ! grep -q "^trace: saved" "$log"; then why="the kernel saved no trace (QEMU status $st; did the test run? test=$REPLAY_TEST needs 2 or more CPUs; a session=1 recording ends with quit)"
	elif [ "$st" != 33 ]; then why="the run failed (QEMU status $st)"
	elif [ ! -s "$tmp" ]; then why="the trace file is empty"
	elif ! "$B/host/trace" check "$tmp" >/dev/null; then why="trace check rejects it: $("$B/host/trace" check "$tmp" 2>&1 | tail -1)"
	fi
	if [ -n "$why" ]; then
		rm -f "$tmp"
		[ ! -s "$stream" ] || echo "*** record: the live stream shows what the run did up to where it stopped: $B/host/trace stream-check $stream" >&2
		die "*** record: nothing recorded: $why; $out is unchanged"
	fi
	mv "$tmp" "$out"
	if [ -s "$stream" ]; then
		chk=$("$B/host/trace" stream-check --quiet "$stream" "$out" 2>&1) ||
			die "*** record: the live stream $stream does not check against the trace: $(echo "$chk" | tail -1)"
		echo "$chk" | grep -E '^stream: (.*bytes per event|agrees|ended)'
	fi
	echo "*** trace in $out; 'make replay' replays it, '$B/host/trace decode $out' shows it"
	;;
replay)
	[ $# -ge 4 ] || usage
	B=$1 trace=$2 args=$3 smp=$4 gdb=${5:-}
	[ ! -d "$trace" ] || die "*** replay: TRACE=$trace is a directory, not a trace file" 2
	[ -f "$trace" ] || die "*** replay: no trace $trace (make record first)" 2
	[ "$(head -c 2 "$trace")" != KS ] || die "*** replay: $trace is a live stream, not a trace: it says who performed each event and its short hash, not the objects' checkpoints a replay starts from; replay the run's trace (make record writes both), or see what the stream holds with $B/host/trace stream-check $trace" 2
	[ -z "$smp" ] || cpus_ok "$smp" || die "*** replay: SMP=$smp: want a CPU count 1..64" 2
	case " $args " in
	*" oracle=replay "*) ;;
	*" oracle="*) die "*** replay: ARGS names another oracle ($args): a replay runs under oracle=replay" 2 ;;
	esac
	head=$("$B/host/trace" stats "$trace" 2>/dev/null | head -2)
	tcpus=$(echo "$head" | sed -n '1s/.* \([0-9][0-9]*\) cpus$/\1/p')
	tline=$(echo "$head" | sed -n '2s/^cmdline "\(.*\)"$/\1/p')
	[ -n "$tcpus" ] || die "*** replay: $trace is not a trace this build can read: $("$B/host/trace" check "$trace" 2>&1 | tail -1)"
	if [ -z "$smp" ]; then smp=$tcpus
	elif [ "$smp" != "$tcpus" ]; then echo "*** replay: warning: SMP=$smp, but the trace was recorded on $tcpus cpus: each event must happen on the CPU that performed it, so expect the replay to stop at the first event of a CPU this run lacks (leave SMP out to replay on $tcpus)" >&2
	fi
	# The recorded command line without its oracle and record keys; ARGS
	# override it key by key (force=1, stop=..., ipc_msgs=31 for a changed
	# program): a key ARGS names takes ARGS's value, the others stay.
	rec=$(for w in $tline; do case $w in oracle=* | record=* | replay_until=* | stop=*) ;; *) printf '%s ' "$w" ;; esac; done)
	if [ -n "${args// /}" ]; then
		merged=$(merge_args "$rec" "$args")
		echo "*** replay: warning: ARGS '$args' change the recorded command line '$rec' to '$merged'" >&2
		rec=$merged
	fi
	case " $rec " in *" test="* | *" session=1 "*) ;; *) rec="$rec test=$REPLAY_TEST" ;; esac
	args="oracle=replay $rec"
	[ -z "${STOP:-}" ] || args="$args stop=$STOP"
	if [ -n "$gdb" ]; then
		echo "*** waiting for gdb on :${GDBPORT:-1234}; run 'make gdb' in another terminal${STOP:+ (then: kstop, continue)}"
		qemu "$smp" "$args" -initrd "$trace" -S -gdb tcp::"${GDBPORT:-1234}"
		exit
	fi
	log=$B/replay.log
	qemu "$smp" "$args" -initrd "$trace" | tee "$log.raw"
	st=${PIPESTATUS[0]}
	tr -d '\r' < "$log.raw" > "$log" # the serial port's line ends are CR LF
	[ "$st" = 33 ] || die "*** replay: failed (QEMU status $st)"
	grep -q "^replay: every object reached its recorded end" "$log" ||
		grep -Eq "^ok [0-9]+ $REPLAY_TEST\$" "$log" ||
		die "*** replay: nothing was replayed ($REPLAY_TEST did not run: $(grep -E "^(ok|not ok) [0-9]+ $REPLAY_TEST" "$log" || echo absent))"
	echo "*** replay: the recording replayed"
	;;
*) usage ;;
esac
