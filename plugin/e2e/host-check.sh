#!/bin/sh
# host-check.sh LOG: the host's half of the plugin's dom0 steps, run by
# tests/e2e/run on each boot's console log.  Prints `PASS name detail` /
# `FAIL name detail` lines, nothing when the boot carried nothing out.
#
#   E2E-METRICS <boot> <tag> <line>   the daemon's /metrics, scraped in
#       dom0 over loopback: promtool check metrics on each tag's text
#   E2E-DS <boot> <tag> {json}        the metadata of every datasource of
#       every payload (decoded in dom0 by rrdd-dump): each must be a row of
#       docs/datasources.md, description byte for byte
set -u
log=$1
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/e2e-host-check.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT

tr -d '\r' <"$log" >"$work/log"

sed -n 's/^E2E-METRICS [^ ]* \([^ ]*\) .*/\1/p' "$work/log" | sort -u |
while read -r tag; do
	sed -n "s/^E2E-METRICS [^ ]* $tag //p" "$work/log" >"$work/m-$tag"
	lines=$(wc -l <"$work/m-$tag")
	if ! command -v promtool >/dev/null; then
		echo "FAIL plugin-$tag-metrics-promtool promtool is not installed (scripts/install-deps)"
	elif promtool check metrics <"$work/m-$tag" >"$work/p-$tag" 2>&1; then
		echo "PASS plugin-$tag-metrics-promtool $lines lines, no error, no lint message"
	else
		echo "FAIL plugin-$tag-metrics-promtool $(head -n 3 "$work/p-$tag" | tr '\n' ' ')"
	fi
done

grep -q '^E2E-DS ' "$work/log" || exit 0
python3 - "$work/log" "$here/docs/datasources.md" <<'EOF'
import json, math, re, sys

log, doc = sys.argv[1], sys.argv[2]
rows = []
for line in open(doc):
    if line.startswith("| `"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append(cells)

def bound(v):
    if isinstance(v, str):
        v = float(v)
    if math.isinf(v):
        return "-inf" if v < 0 else "inf"
    return "%g" % v

def row_for(ds):
    kind = ds["owner"].split()[0]
    for r in rows:
        name = r[0].strip("`")
        if r[1] != kind:
            continue
        if "<N>" in name:
            pre, post = name.split("<N>")
            m = re.fullmatch(re.escape(pre) + r"(\d+)" + re.escape(post),
                             ds["name"])
            if m:
                return r, m.group(1)
        elif name == ds["name"]:
            return r, None
    return None, None

per_tag = {}
for line in open(log):
    if not line.startswith("E2E-DS "):
        continue
    _, boot, tag, text = line.rstrip("\n").split(" ", 3)
    per_tag.setdefault(tag, []).append(text)

for tag, objs in sorted(per_tag.items()):
    bad = []
    for text in objs:
        try:
            ds = json.loads(text)
        except ValueError as e:
            bad.append("unparsable %r (%s)" % (text[:60], e))
            continue
        r, n = row_for(ds)
        if r is None:
            bad.append("%s %s not in the doc" % (ds["owner"], ds["name"]))
            continue
        want = {
            "value_type": r[2], "type": r[3], "default": r[4],
            "units": r[5], "min": r[6], "max": r[7], "transform": r[8],
            "description": r[9].replace("<N>", n) if n else r[9],
        }
        got = {
            "value_type": ds["value_type"], "type": ds["type"],
            "default": str(ds["default"]).lower(), "units": ds["units"],
            "min": bound(ds["min"]), "max": bound(ds["max"]),
            "transform": ds["transform"], "description": ds["description"],
        }
        for k in want:
            if want[k] != got[k]:
                bad.append("%s %s: %s %r, doc %r"
                           % (ds["owner"], ds["name"], k, got[k], want[k]))
    names = len({json.loads(t)["name"] for t in objs if t.startswith("{")})
    if bad:
        print("FAIL plugin-%s-descriptions-equal-doc %s" % (tag, "; ".join(bad[:3])))
    else:
        print("PASS plugin-%s-descriptions-equal-doc %d datasource kinds, "
              "%d names, every field as docs/datasources.md" % (tag, len(objs), names))
EOF
