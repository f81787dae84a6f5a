-- wrk script: GET /fetch/<id> over the ids listed one per line in the file given after `--`,
-- each thread starting at its own offset, so the run reads many objects, not one.
local thread_count = 0
local ids = {}
local next_index
-- offset is set per thread by setup() (a global in that thread's Lua state).

function setup(thread)
  thread:set("offset", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  next_index = (offset * 97) % #ids
end

function request()
  next_index = next_index % #ids + 1
  return wrk.format("GET", "/fetch/" .. ids[next_index])
end
