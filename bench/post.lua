-- wrk script for the echo scenarios: POSTs a body of WRK_BODY_BYTES bytes
-- ("xxx..."), as application/octet-stream, on every request. wrk's -H
-- headers (Connection: close) still apply. bench/run.sh sets the variable.
local bytes = tonumber(os.getenv("WRK_BODY_BYTES") or "")
if not bytes then error("set WRK_BODY_BYTES to the POST body size in bytes") end

wrk.method = "POST"
wrk.body = string.rep("x", bytes)
wrk.headers["Content-Type"] = "application/octet-stream"
