-- wrk script of bench/records_load.sh: one signed-in therapist's requests against the
-- practice records, rotating over clients. Configured by the environment:
--   RECORDS_MODE    list   GET /api/v1/clients
--                   client GET /api/v1/clients/{id}          (profile, decrypted, audited)
--                   notes  GET /api/v1/clients/{id}/notes?limit=20 (20 notes decrypted, audited)
--                   page   GET /clients/{id}                 (HTML: profile, 20 notes, summaries)
--                   save   POST /api/v1/clients/{id}/notes   (a new SOAP note, ~1.5 KB)
--                   search POST /api/v1/clients/search       (names and aliases of every client)
--                   today  GET  /                            (the Today page, HTML)
--   RECORDS_COOKIE  the Cookie header value of the session (session and device cookies)
--   RECORDS_CSRF    the session's X-CSRF-Token (sent on POST only)
--   RECORDS_IDS     file with one client id a line
--   RECORDS_ROTATE  how many of those clients to rotate over (default 100)
-- Each wrk thread walks the clients from its own offset; wrk counts non-2xx answers.

local mode = os.getenv("RECORDS_MODE") or "list"
local cookie = os.getenv("RECORDS_COOKIE") or ""
local csrf = os.getenv("RECORDS_CSRF") or ""
local rotate = tonumber(os.getenv("RECORDS_ROTATE") or "100")

local function read_ids(path)
  local ids = {}
  if path == nil or path == "" then
    return ids
  end
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    if line ~= "" and #ids < rotate then
      ids[#ids + 1] = line
    end
  end
  f:close()
  return ids
end

local ids = read_ids(os.getenv("RECORDS_IDS"))
if mode ~= "list" and mode ~= "search" and mode ~= "today" and #ids == 0 then
  error("RECORDS_IDS names no client ids")
end

-- A few note bodies of made-up prose (about 1.5 KB of text over the four sections).
local function sentence_block(words, n)
  local parts = {}
  for i = 1, n do
    parts[#parts + 1] = words[(i % #words) + 1]
  end
  return table.concat(parts, ". ") .. "."
end
local S = { "Client reports sleeping better on most nights this week",
            "describes worry about an upcoming family visit",
            "used the breathing exercise before two meetings" }
local O = { "Arrived on time, good eye contact, speech normal in rate and volume",
            "affect congruent with content, engaged in the thought record exercise" }
local A = { "Progress toward the sleep goal is steady",
            "avoidance remains the main maintaining factor, risk assessed as low" }
local P = { "Continue weekly sessions", "keep the sleep diary for another week",
            "introduce the graded exposure hierarchy next time" }
local bodies = {}
for v = 1, 8 do
  bodies[v] = string.format(
    '{"session_date":"2026-11-%02d","format":"soap","content":{"subjective":"%s",' ..
    '"objective":"%s","assessment":"%s","plan":"%s"}}',
    13 + v, sentence_block(S, 6 + v), sentence_block(O, 5 + v), sentence_block(A, 5 + v),
    sentence_block(P, 6 + v))
end

local get_headers = { ["Cookie"] = cookie, ["Accept"] = "application/json" }
local page_headers = { ["Cookie"] = cookie, ["Accept"] = "text/html" }
local post_headers = { ["Cookie"] = cookie, ["Accept"] = "application/json",
                       ["Content-Type"] = "application/json", ["X-CSRF-Token"] = csrf }

-- Search texts: first names of the seeded clients (names open for matching) and initials.
local searches = { "alex", "sam", "jordan", "robin", "kim", "A.M.", "ler", "noah" }

-- setup() runs in the main state; each thread gets its own offset into the rotation.
local next_offset = 0
function setup(thread)
  thread:set("offset", next_offset)
  next_offset = next_offset + 37
end

local counter = 0
function request()
  counter = counter + 1
  if mode == "list" then
    return wrk.format("GET", "/api/v1/clients", get_headers)
  elseif mode == "search" then
    local q = searches[counter % #searches + 1]
    return wrk.format("POST", "/api/v1/clients/search", post_headers,
                      '{"q":"' .. q .. '","limit":50}')
  elseif mode == "today" then
    return wrk.format("GET", "/", page_headers)
  end
  local id = ids[((offset or 0) + counter) % #ids + 1]
  if mode == "client" then
    return wrk.format("GET", "/api/v1/clients/" .. id, get_headers)
  elseif mode == "notes" then
    return wrk.format("GET", "/api/v1/clients/" .. id .. "/notes?limit=20", get_headers)
  elseif mode == "page" then
    return wrk.format("GET", "/clients/" .. id, page_headers)
  elseif mode == "save" then
    return wrk.format("POST", "/api/v1/clients/" .. id .. "/notes", post_headers,
                      bodies[counter % #bodies + 1])
  end
  error("unknown RECORDS_MODE " .. mode)
end
