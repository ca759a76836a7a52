# The live table of `make demo`: reads the DEMO-VM and DEMO-DS lines that
# dom0 prints (see dom0-demo.sh) and prints one table per cycle for the
# cycles after FROM up to UPTO (awk -v from=N -v upto=M).
#   DEMO-VM DOMID NAME UUID VCPUS
#   DEMO-DS CYCLE T OWNER NAME RATE     (RATE: fraction of one CPU, or null)
$1 == "DEMO-VM" {
	dom[$4] = $2; vmname[$4] = $3
	if ($5 + 0 > maxv) maxv = $5 + 0
}
$1 == "DEMO-DS" && NF >= 6 {
	c = $2 + 0
	if (t0 == "" && $6 != "null") t0 = $3
	if (!(c in ct)) ct[c] = $3
	rate[c, $4, $5] = $6
	if ($6 != "null") known[c] = 1
	if ($4 != "host") seen[c, $4] = 1
	if ($5 ~ /^cpu[0-9]+$/ && $4 != "host") {
		n = substr($5, 4) + 1
		if (n > maxv) maxv = n
	}
	if (c > from && c <= upto) todo[c] = 1
	if (vcpus[$4] < substr($5, 4) + 1 && $5 ~ /^cpu[0-9]+$/)
		vcpus[$4] = substr($5, 4) + 1
}
function pct(v) {
	if (v == "" || v == "null") return "-"
	return sprintf("%.1f%%", v * 100)
}
# vcpu(C, U, I): vCPU I's rate as shown.  rrdd drops a rate above the
# datasource's max (100%); when only that one is missing, the VM's
# cpu_usage (the mean of its vCPUs) gives it back, marked with a '*'.
function vcpu(c, u, i,   j, sum, v) {
	v = rate[c, u, "cpu" i]
	if (v != "null" || !((c, u, "cpu_usage") in rate) ||
	    rate[c, u, "cpu_usage"] == "null")
		return pct(v)
	sum = rate[c, u, "cpu_usage"] * vcpus[u]
	for (j = 0; j < vcpus[u]; j++) {
		if (j == i) continue
		if (rate[c, u, "cpu" j] == "null") return pct(v)
		sum -= rate[c, u, "cpu" j]
	}
	return sprintf("%.1f%%*", sum * 100)
}
function rule(text,   s) {
	s = "---- " text " "
	while (length(s) < 90) s = s "-"
	return s
}
function table(c,   u, i, k, n, order, line, h, rows) {
	print rule(sprintf("cycle %d, t = +%.1f s", c, ct[c] - t0))
	line = sprintf("%-10s %4s", "VM", "dom")
	for (i = 0; i < maxv; i++) line = line sprintf(" %8s", "cpu" i)
	print line sprintf(" %10s  %s", "cpu_usage", "UUID")
	# VMs in domid order (unknown UUIDs last).
	n = 0
	for (k in seen) {
		split(k, h, SUBSEP)
		if (h[1] != c) continue
		u = h[2]
		order[++n] = sprintf("%06d %s", (u in dom) ? dom[u] : 999999, u)
	}
	for (i = 2; i <= n; i++)
		for (k = i; k > 1 && order[k - 1] > order[k]; k--) {
			h[0] = order[k]; order[k] = order[k - 1]; order[k - 1] = h[0]
		}
	for (rows = 1; rows <= n; rows++) {
		u = substr(order[rows], 8)
		line = sprintf("%-10s %4s", (u in vmname) ? vmname[u] : "?",
			(u in dom) ? dom[u] : "?")
		for (i = 0; i < maxv; i++)
			line = line sprintf(" %8s", (i < vcpus[u]) ? vcpu(c, u, i) : "")
		print line sprintf(" %10s  %s", pct(rate[c, u, "cpu_usage"]), u)
	}
	line = sprintf("%-10s %4s", "host", "")
	for (i = 0; (c, "host", "cpu" i) in rate; i++)
		line = line sprintf("  cpu%d %s", i, pct(rate[c, "host", "cpu" i]))
	print line sprintf("   cpu_avg %s", pct(rate[c, "host", "cpu_avg"]))
}
END {
	for (c = from + 1; c <= upto; c++)
		if ((c in todo) && (c in known)) table(c)
}
