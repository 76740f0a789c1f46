-- wrk script of bench/measures_load.sh. Configured by the environment:
--   MEASURES_MODE    form    GET  /q/TOKEN              (the public form; one unused link)
--                    submit  POST /q/TOKEN              (a submission: answers checked,
--                                                        scored, sealed, audited; each
--                                                        token used once)
--                    trend   GET  /clients/ID/measures  (the therapist's questionnaires page
--                                                        of a client with 200 results)
--   MEASURES_TOKENS  file with one unused token a line: thread k of n takes tokens k, k+n,
--                    ... in mode submit (a thread whose tokens are used up stops, so every
--                    answer counted is a real submission); mode form reads the last token
--   MEASURES_THREADS wrk's -t (to share the tokens out)
--   MEASURES_COOKIE  the therapist's Cookie header (mode trend)
--   MEASURES_CLIENT  the trend client's id (mode trend)
-- The counts of 200 answers per thread are summed in done() as "answered 200: N".

local mode = os.getenv("MEASURES_MODE") or "form"
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local tokens = {}
local next_token = 1
local last_token = "x"
ok = 0  -- global: read by done() through thread:get

function init(args)
  local f = assert(io.open(os.getenv("MEASURES_TOKENS"), "r"))
  local i = 0
  local share = tonumber(os.getenv("MEASURES_THREADS") or "1")
  for line in f:lines() do
    if line ~= "" then
      if i % share == id then
        tokens[#tokens + 1] = line
      end
      last_token = line
      i = i + 1
    end
  end
  f:close()
end

-- A PHQ-9 filled in: items 1-9 scored 0-3, item 10 (difficulty) answered too.
local answers = "item1=1&item2=2&item3=0&item4=1&item5=3&item6=0&item7=1&item8=2&item9=0&item10=1"

function request()
  if mode == "submit" then
    local token = tokens[next_token]
    if token == nil then
      wrk.thread:stop()
      token = "x"
    end
    next_token = next_token + 1
    return wrk.format("POST", "/q/" .. token,
                      {["Content-Type"] = "application/x-www-form-urlencoded",
                       ["Accept"] = "text/html"}, answers)
  elseif mode == "trend" then
    return wrk.format("GET", "/clients/" .. (os.getenv("MEASURES_CLIENT") or "x") .. "/measures",
                      {["Cookie"] = os.getenv("MEASURES_COOKIE") or "",
                       ["Accept"] = "text/html"})
  end
  return wrk.format("GET", "/q/" .. last_token, {["Accept"] = "text/html"})
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  end
  if mode == "submit" and next_token > #tokens + 1 then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + (t:get("ok") or 0)
  end
  io.write(string.format("answered 200: %d\n", total))
end
