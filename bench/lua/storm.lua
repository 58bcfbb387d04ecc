-- wrk script for bench/alert_storm.py: STORM_EVENTS PagerDuty triggers over STORM_KEYS
-- dedup keys, split evenly across wrk's threads (every key first, then random keys).
-- A thread stops once every trigger of its share is answered; a connection that still
-- asks after the share is sent gets a health check instead (answered 200, not counted),
-- so exactly STORM_EVENTS triggers go out and none is cut off in flight.
local total = tonumber(os.getenv("STORM_EVENTS"))
local keys = tonumber(os.getenv("STORM_KEYS"))
local nthreads = tonumber(os.getenv("STORM_THREADS"))
local rkey = os.getenv("STORM_ROUTING_KEY")
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
end

local sent, answered, share, calls = 0, 0, 0, 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  share = math.floor(total / nthreads)
  if tid == nthreads then share = total - share * (nthreads - 1) end
  math.randomseed(42 + tid)
end

function request()
  calls = calls + 1
  -- wrk builds one request per thread that it never sends (seen: one trigger short per
  -- run), so the first call of each thread is a health check, not a counted trigger.
  if calls == 1 or sent >= share then
    return wrk.format("GET", "/api/health")
  end
  sent = sent + 1
  local n = (tid - 1) * math.floor(total / nthreads) + sent
  local k = (n <= keys) and (n - 1) or math.random(0, keys - 1)
  local body = string.format(
    '{"routing_key":"%s","event_action":"trigger","dedup_key":"storm-%d","payload":'
      .. '{"summary":"Storm alert %d: error rate above threshold","source":"host-%d",'
      .. '"severity":"error","custom_details":{"n":%d}}}',
    rkey, k, k, k % 20, n)
  return wrk.format("POST", "/integrations/pagerduty/v2/enqueue", headers, body)
end

function response(status, hdrs, body)
  -- Only trigger answers count (202, or a refusal); health checks answer 200.
  if status ~= 200 then
    answered = answered + 1
  end
  if answered >= share then
    wrk.thread:stop()
  end
end
