-- POST new comments, each with a unique text: args = <targets file> <marker> <ours|isso> <ids file>
-- Each line of the targets file: PATH, then optionally TAB and a bearer token (one
-- subscriber per line, so per-user limits do not decide the rate). The id of every
-- acknowledged (2xx) comment is collected and written to the ids file, for the check
-- that each one is stored exactly once.
local threads = {}
local targets = {}
local counter = 0
local marker, kind
acked = ""
failed = 0
last_failure = ""

function setup(thread)
  table.insert(threads, thread)
  thread:set("offset", #threads)
end

function init(args)
  marker, kind = args[2], args[3]
  for line in io.lines(args[1]) do
    local path, token = line:match("^([^\t]+)\t?(.*)$")
    table.insert(targets, {path = path, token = token})
  end
end

function request()
  counter = counter + 1
  local target = targets[((counter * 2 + offset) % #targets) + 1]
  local headers = {["Content-Type"] = "application/json"}
  if target.token ~= "" then headers["Authorization"] = "Bearer " .. target.token end
  local text = marker .. " " .. offset .. "-" .. counter .. " posted while readers read"
  local body
  if kind == "isso" then
    body = '{"text":"' .. text .. '","author":"Poster ' .. offset .. '"}'
  else
    body = '{"text":"' .. text .. '"}'
  end
  return wrk.format("POST", target.path, headers, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    local id = body:match('"id"%s*:%s*(%d+)')
    acked = acked .. (id or "?") .. ","
  else
    failed = failed + 1
    last_failure = status .. " " .. string.sub(body or "", 1, 120):gsub('[%c"\\]', "'")
  end
end

bench_ids_file = os.getenv("BENCH_IDS_FILE")  -- done() runs in the main state, which init() never sees
function bench_extra()
  local out = io.open(bench_ids_file, "w")
  local failures, last = 0, ""
  for _, thread in ipairs(threads) do
    out:write(thread:get("acked") or "")
    failures = failures + (thread:get("failed") or 0)
    local l = thread:get("last_failure") or ""
    if l ~= "" then last = l end
  end
  out:close()
  return string.format(',"failed":%d,"last_failure":"%s"', failures, last)
end
