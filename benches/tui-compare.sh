#!/usr/bin/env bash
# Side by side in a real pseudo-terminal (tmux), kvtrail and lnav on the same file:
#   * first frame: from launch until the pane shows the tool's screen (polled every 10 ms);
#   * bytes written when the selection / cursor moves one row (tmux pipe-pane counts what the tool writes).
# Usage: benches/tui-compare.sh FILE [RUNS]   (needs tmux and lnav; a release build of kvtrail)
set -euo pipefail
file=${1:?usage: benches/tui-compare.sh FILE [RUNS]}
runs=${2:-5}
bin=${KVTRAIL:-target/release/kvtrail}
sock=kvtrail-bench-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null || true' EXIT

# $1 name, $2 command, $3 text that means "drawn", $4 key that moves one row
measure() {
    local name=$1 cmd=$2 ready=$3 down=$4
    local firsts=() bytes=()
    for _ in $(seq "$runs"); do
        tm kill-server 2>/dev/null || true
        local out; out=$(mktemp)
        local t0; t0=$(date +%s%N)
        tm new-session -d -s b -x 120 -y 40 "$cmd"
        until tm capture-pane -p -t b 2>/dev/null | grep -q -- "$ready"; do sleep 0.01; done
        firsts+=($(( ($(date +%s%N) - t0) / 1000000 )))
        sleep 3 # let loading settle before measuring a row move
        tm pipe-pane -t b -o "cat >> $out"
        sleep 0.3
        local before; before=$(stat -c %s "$out")
        tm send-keys -t b "$down"
        sleep 0.5
        bytes+=($(( $(stat -c %s "$out") - before )))
        tm pipe-pane -t b
        rm -f "$out"
    done
    local f b
    f=$(printf '%s\n' "${firsts[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
    b=$(printf '%s\n' "${bytes[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
    printf '%-8s first frame median %5s ms   bytes per row move median %6s   (first: %s; bytes: %s)\n' \
        "$name" "$f" "$b" "${firsts[*]}" "${bytes[*]}"
}

measure kvtrail "$bin $file" "1 Caller IP" Down
if command -v lnav >/dev/null; then
    measure lnav "lnav $file" "breadcrumb" Down
else
    echo "lnav not installed: no side-by-side figure"
fi
