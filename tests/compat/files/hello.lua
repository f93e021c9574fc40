-- A tiny Lua service and fetch for the compatibility corpus.
core.register_service("hello", "http", function(applet)
    local body = "hello from lua\n"
    applet:set_status(200)
    applet:add_header("content-type", "text/plain")
    applet:add_header("content-length", string.len(body))
    applet:start_response()
    applet:send(body)
end)

core.register_fetches("answer", function(txn)
    return "42"
end)
