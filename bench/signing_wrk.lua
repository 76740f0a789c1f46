-- wrk script of bench/signing_load.sh. Configured by the environment:
--   SIGNING_MODE    page     GET  /sign                 (the signing page; token in the fragment)
--                   sign     POST /api/v1/sign          (a signature: the PIN checked with
--                                                        argon2id, the week signed, audited)
--                   summary  GET  /api/v1/hours/summary (the associate's progress, for
--                                                        responsiveness beside signing)
--   SIGNING_TOKENS  file with one signing token a line (mode sign): thread k of n takes
--                   tokens k, k+n, ...; each is used once, and a thread whose tokens are
--                   used up stops (so every answer counted is a real signature)
--   SIGNING_PIN     the supervisor's PIN
--   SIGNING_COOKIE  the associate's Cookie header (mode summary)
-- The counts of 200 answers per thread are summed in done() as "signed N".

local mode = os.getenv("SIGNING_MODE") or "page"
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local tokens = {}
local next_token = 1
ok = 0  -- global: read by done() through thread:get

function init(args)
  if mode == "sign" then
    local f = assert(io.open(os.getenv("SIGNING_TOKENS"), "r"))
    local i = 0
    for line in f:lines() do
      if line ~= "" then
        if i % tonumber(os.getenv("SIGNING_THREADS") or "1") == id then
          tokens[#tokens + 1] = line
        end
        i = i + 1
      end
    end
    f:close()
  end
end

function request()
  if mode == "sign" then
    local token = tokens[next_token]
    if token == nil then
      wrk.thread:stop()
      token = tokens[#tokens] or "x"
    end
    next_token = next_token + 1
    local body = string.format('{"token":"%s","pin":"%s","decision":"sign"}', token,
                               os.getenv("SIGNING_PIN") or "")
    return wrk.format("POST", "/api/v1/sign", {["Content-Type"] = "application/json",
                                               ["Accept"] = "application/json"}, body)
  elseif mode == "summary" then
    return wrk.format("GET", "/api/v1/hours/summary",
                      {["Cookie"] = os.getenv("SIGNING_COOKIE") or "",
                       ["Accept"] = "application/json"})
  end
  return wrk.format("GET", "/sign", {["Accept"] = "text/html"})
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  end
  if mode == "sign" and next_token > #tokens + 1 then
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
