-- GET requests from a list, prepared once per thread: args = <file> [cycle|random].
-- Each line of the file is one request: PATH, then TAB-separated "Header: value" fields.
-- "cycle" walks the list (two lines alternating make the subscriber's pair of requests);
-- "random" picks a line per request (a random cold thread each time).
local threads_started = 0
local reqs = {}
local i = 0
local mode = "cycle"

function setup(thread)
  threads_started = threads_started + 1
  thread:set("offset", threads_started)
end

function init(args)
  mode = args[2] or "cycle"
  for line in io.lines(args[1]) do
    local parts = {}
    for part in string.gmatch(line, "[^\t]+") do table.insert(parts, part) end
    local headers = {}
    for k = 2, #parts do
      local name, value = parts[k]:match("^([^:]+):%s*(.*)$")
      headers[name] = value
    end
    table.insert(reqs, wrk.format("GET", parts[1], headers))
  end
  i = ((offset or 0) * 2) % #reqs
  math.randomseed(os.time() * 1000 + (offset or 0))
end

function request()
  if mode == "random" then return reqs[math.random(#reqs)] end
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end
