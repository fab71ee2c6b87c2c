-- Shared by every case: one machine-readable line with the figures the table needs.
-- Latency percentiles come from wrk's own histogram (microseconds).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%.0f,"bytes":%.0f,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50":%.0f,"p90":%.0f,"p99":%.0f,"max":%.0f%s}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, bench_extra and bench_extra() or ""))
end
