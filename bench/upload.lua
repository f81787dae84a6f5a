-- wrk script: POST /upload with a different 4 KiB body on every request, so every upload is a
-- new object (the same body each time would only rewrite one object). 4080 random bytes chosen
-- per thread, then the thread's id and a counter as 16 hex digits.
local thread_count = 0
local random_part
local counter = 0
-- thread_id is set per thread by setup() (a global in that thread's Lua state).

function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  math.randomseed(os.time() + thread_id * 7919)
  local bytes = {}
  for i = 1, 4080 do bytes[i] = string.char(math.random(0, 255)) end
  random_part = table.concat(bytes)
end

function request()
  counter = counter + 1
  local body = random_part .. string.format("%08x%08x", thread_id, counter)
  return wrk.format("POST", "/upload", { ["Content-Type"] = "application/octet-stream" }, body)
end
