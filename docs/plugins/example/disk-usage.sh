#!/bin/sh
# Example executable plugin for aios (docs/writing-a-tool-plugin.md): the disk usage of a
# directory under the managed root. Its manifest is disk-usage.json beside it.
# Arguments arrive as one JSON object on stdin; the result goes to stdout, either plain text or a
# JSON object {"ok": ..., "output": "...", "changed": false}. Exit 0 = success.
set -eu
args=$(cat)
# A real plugin would use jq; a one-field object is simple enough for sed.
path=$(printf '%s' "$args" | sed -n 's/.*"path"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
case "$path" in
  /*) ;;
  *) echo "path must be absolute" >&2; exit 2 ;;
esac
case "$path" in
  *..*) echo "path must not contain .." >&2; exit 2 ;;
esac
root=${AIOS_ROOT:-/}
real="${root%/}$path"
kib=$(du -sk "$real" | cut -f1)
printf '{"ok": true, "output": "%s KiB in %s", "data": {"kib": %s}, "changed": false}\n' "$kib" "$path" "$kib"
