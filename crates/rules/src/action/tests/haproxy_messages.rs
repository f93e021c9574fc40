//! `parse` against HAProxy 2.6's own messages: every case below was run through
//! `haproxy -c` (one rule per configuration, in `frontend f` or, for the second table,
//! in `backend f` with `expose-experimental-directives`) and its verdict recorded:
//! the error text after "while parsing '...' rule : " (without the final period), the
//! whole "expects ..." text for unknown actions, or the word where the action's
//! arguments end (which HAProxy then reports as not being `if`/`unless`).

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Ok,
    Stop,
    Invalid,
    Unknown,
    Experimental,
}

use RuleSet::{HttpAfterResponse as After, HttpRequest as Req, HttpResponse as Res};
use Want::*;

type Case = (RuleSet, &'static [&'static str], Want, &'static str);

/// In `frontend f` (no backend capability), without experimental directives.
const FRONTEND: &[Case] = &[
    (Req, &["set-header", "x"], Invalid, "expects exactly 2 arguments"),
    (Req, &["add-header"], Invalid, "expects exactly 2 arguments"),
    (Req, &["set-header", "x", "%[foo]"], Invalid, "failed to parse sample expression <foo]> : unknown fetch method 'foo'"),
    (Req, &["del-header"], Invalid, "expects at least 1 argument"),
    (Req, &["del-header", "x", "-m"], Invalid, "-m flag expects exactly 1 argument"),
    (Req, &["del-header", "x", "-m", "found"], Invalid, "-m with unsupported matching method 'found'"),
    (Req, &["del-header", "(", "-m", "reg"], Invalid, "regex '(' is invalid (error=missing closing parenthesis, erroffset=1)"),
    (Req, &["replace-header", "x", "y"], Invalid, "expects exactly 3 arguments"),
    (Req, &["replace-header", "x", "(", "z"], Invalid, "regex '(' is invalid (error=missing closing parenthesis, erroffset=1)"),
    (Req, &["replace-value", "x", "(", "z"], Invalid, "regex '(' is invalid (error=missing closing parenthesis, erroffset=1)"),
    (Req, &["replace-uri", "x"], Invalid, "expects exactly 2 arguments <match-regex> and <replace-format>"),
    (Req, &["replace-uri", "x", "y", "z"], Invalid, "expects exactly 2 arguments <match-regex> and <replace-format>"),
    (Req, &["replace-path", "(", "y"], Invalid, "failed to parse the regex : regex '(' is invalid (error=missing closing parenthesis, erroffset=1)"),
    (Req, &["set-path"], Invalid, "expects exactly 1 argument <format>"),
    (Req, &["set-path", "a", "b"], Invalid, "expects exactly 1 argument <format>"),
    (Req, &["set-method", "a", "if"], Ok, ""),
    (Req, &["set-query", "%[res.hdr(x)]"], Invalid, "sample fetch <res.hdr(x)]> may not be reliably used here because it needs 'HTTP response headers' which is not available here"),
    (Req, &["normalize-uri"], Experimental, "'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'"),
    (Req, &["normalize-uri", "foo"], Experimental, "'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'"),
    (Req, &["normalize-uri", "path-strip-dotdot", "x"], Experimental, "'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'"),
    (Req, &["normalize-uri", "percent-to-uppercase", "x"], Experimental, "'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'"),
    (Req, &["normalize-uri", "percent-decode-unreserved", "x"], Experimental, "'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'"),
    (Req, &["set-var"], Invalid, "invalid or incomplete action 'set-var'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'"),
    (Req, &["set-var(txn.x"], Invalid, "incomplete argument after action 'set-var(txn.x'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'"),
    (Req, &["set-varx(txn.x)", "int(1)"], Invalid, "invalid or incomplete action 'set-varx(txn.x)'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'"),
    (Req, &["set-var(txn.x)"], Invalid, "missing fetch method"),
    (Req, &["set-var(x)", "int(1)"], Invalid, "invalid variable name 'x'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"),
    (Req, &["set-var(txn.a-b)", "int(1)"], Invalid, "invalid syntax at char '-b)'"),
    (Req, &["set-var(txn.x,foo)", "int(1)"], Invalid, "unknown condition \"foo\""),
    (Req, &["unset-var(txn.x,ifexists)"], Invalid, "unset-var does not expect parameters after the variable name. Only \"set-var\" and \"set-var-fmt\" manage conditions"),
    (Req, &["set-var(txn.x)", "foo"], Invalid, "unknown fetch method 'foo'"),
    (Req, &["set-var-fmt(txn.x)", "%[res.hdr(x)]"], Invalid, "sample fetch <res.hdr(x)]> may not be reliably used here because it needs 'HTTP response headers' which is not available here"),
    (Req, &["capture"], Invalid, "expects <expression> [ 'len' <length> | id <idx> ]"),
    (Req, &["capture", "req.hdr(x)", "len"], Invalid, "expects <expression> [ 'len' <length> | id <idx> ]"),
    (Req, &["capture", "req.hdr(x)", "foo", "1"], Invalid, "expects 'len' or 'id', found 'foo'"),
    (Req, &["capture", "res.hdr(x)", "len", "1"], Invalid, "fetch method 'res.hdr(x)' extracts information from 'HTTP response headers', none of which is available here"),
    (Req, &["capture", "req.hdr(x)", "id", "x"], Invalid, "cannot parse id 'x'"),
    (Req, &["set-mark"], Invalid, "expects exactly 1 argument (integer/hex value)"),
    (Req, &["set-mark", "12x"], Invalid, "invalid character starting at 'x' (integer/hex value expected)"),
    (Req, &["set-tos"], Invalid, "expects exactly 1 argument (integer/hex value)"),
    (Req, &["set-tos", "0xz"], Invalid, "invalid character starting at 'xz' (integer/hex value expected)"),
    (Req, &["set-nice"], Invalid, "expects exactly 1 argument (integer value)"),
    (Req, &["set-log-level"], Invalid, "expects exactly 1 argument (log level name or 'silent')"),
    (Req, &["set-log-level", "foo"], Invalid, "expects exactly 1 argument (log level name or 'silent')"),
    (Req, &["set-timeout"], Invalid, "expects exactly 2 arguments"),
    (Req, &["set-priority-class", "res.hdr(x)"], Invalid, "fetch method 'set-priority-class' extracts information from 'HTTP response headers', none of which is available here"),
    (Req, &["set-priority-offset"], Invalid, "missing fetch method"),
    (Req, &["set-src"], Invalid, "missing fetch method"),
    (Req, &["wait-for-body"], Invalid, "expects time <time> [ at-least <bytes> ]"),
    (Req, &["wait-for-body", "time"], Invalid, "missing argument for 'time'"),
    (Req, &["wait-for-body", "time", "10x"], Invalid, "unexpected character 'x'"),
    (Req, &["wait-for-body", "at-least", "10"], Invalid, "expects time <time> [ at-least <bytes> ]"),
    (Req, &["wait-for-body", "time", "1s", "at-least", "10x"], Invalid, "unexpected character 'x'"),
    (Req, &["wait-for-body", "time", "99999999999"], Invalid, "time overflow (maximum value is 2147483647 ms or ~24.8 days)"),
    (Req, &["wait-for-body", "time", "1s", "at-least", "5000000000"], Invalid, "unexpected character '0'"),
    (Req, &["strict-mode"], Invalid, "expects exactly 1 arguments"),
    (Req, &["strict-mode", "maybe"], Invalid, "Unexpected value 'maybe'. Only 'on' and 'off' are supported"),
    (Req, &["deny", "deny_status"], Invalid, "'status' expects <status_code> as argument"),
    (Req, &["deny", "deny_status", "600"], Invalid, "Unexpected status code '600'"),
    (Req, &["deny", "deny_status", "200", "string", "x"], Invalid, "a content type must be defined when non-empty payload is configured"),
    (Req, &["deny", "status", "403", "content-type", "text/plain", "string", "x", "foo"], Stop, "foo"),
    (Req, &["tarpit", "deny_status", "418"], Invalid, "status code '418' not handled by default with 'default-errorfiles' argument."),
    (Req, &["return", "status"], Invalid, "'status' expects <status_code> as argument"),
    (Req, &["return", "status", "99"], Invalid, "Unexpected status code '99'"),
    (Req, &["return", "status", "abc"], Invalid, "Unexpected status code '0'"),
    (Req, &["return", "content-type"], Invalid, "'content-type' expects <ctype> as argument"),
    (Req, &["return", "string", "x"], Invalid, "a content type must be defined when non-empty payload is configured"),
    (Req, &["return", "status", "204", "content-type", "a", "string", "x"], Invalid, "No body expected for 204 responses"),
    (Req, &["return", "status", "204", "content-type", "a", "lf-string", "x"], Invalid, "No body expected for 204 responses"),
    (Req, &["return", "lf-string", "x"], Invalid, "a content type must be defined with a log-format payload"),
    (Req, &["return", "errorfiles"], Invalid, "'errorfiles' expects <name> as argument"),
    (Req, &["return", "errorfiles", "x", "status", "299"], Invalid, "status code '299' not handled by default with 'errorfiles' argument."),
    (Req, &["return", "default-errorfiles", "status", "299"], Invalid, "status code '299' not handled by default with 'default-errorfiles' argument."),
    (Req, &["return", "string", "x", "file", "y"], Invalid, "unexpected 'file' argument, 'string' already defined"),
    (Req, &["return", "hdr", "x"], Invalid, "'hdr' expects <name> and <value> as arguments"),
    (Req, &["return", "hdr", "x", "%[foo]"], Invalid, "failed to parse sample expression <foo]> : unknown fetch method 'foo'"),
    (Req, &["return", "lf-string", "%[foo]", "content-type", "a"], Invalid, "failed to parse sample expression <foo]> : unknown fetch method 'foo'"),
    (Req, &["return", "file"], Invalid, "'file' expects <file> as argument"),
    (Req, &["return", "lf-file", "/nonexistent"], Invalid, "error opening file '/nonexistent'"),
    (Req, &["redirect"], Invalid, "redirection type expected ('prefix', 'location', or 'scheme')"),
    (Req, &["redirect", "location"], Invalid, "missing argument for 'location'"),
    (Req, &["redirect", "code", "304", "location", "/"], Invalid, "'code': unsupported HTTP code '304' (must be one of 301, 302, 303, 307 or 308)"),
    (Req, &["redirect", "foo"], Invalid, "expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was 'foo')"),
    (Req, &["redirect", "code", "301"], Invalid, "redirection type expected ('prefix', 'location', or 'scheme')"),
    (Req, &["redirect", "location", "%[foo]"], Invalid, "failed to parse sample expression <foo]> : unknown fetch method 'foo'"),
    (Req, &["set-map(x)"], Invalid, "expects exactly 2 arguments"),
    (Req, &["add-acl(x)"], Invalid, "expects exactly 1 arguments"),
    (Req, &["del-map(x)"], Invalid, "expects exactly 1 arguments"),
    (Req, &["set-status", "200"], Unknown, "'http-request' expects 'wait-for-handshake', 'ot-group', 'set-log-level', 'set-nice', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'cache-use', 'add-acl(*)', 'add-header', 'allow', 'auth', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'disable-l7-retry', 'early-hint', 'normalize-uri', 'redirect', 'reject', 'replace-header', 'replace-path', 'replace-pathq', 'replace-uri', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-method', 'set-path', 'set-pathq', 'set-query', 'set-uri', 'strict-mode', 'tarpit', 'track-sc(*)', 'set-timeout', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset', but got 'set-status'. Did you mean 'set-dst' maybe ?"),
    (Req, &["use-service"], Invalid, "'use-service' expects a service name."),
    (Req, &["auth", "realm"], Invalid, "missing realm value.\n"),
    (Req, &["early-hint", "link"], Invalid, "expects exactly 2 arguments"),
    (Req, &["set-timeout", "server", "0"], Invalid, "proxy 'f' has no backend capability"),
    (Req, &["set-timeout", "server", "99999999999"], Invalid, "proxy 'f' has no backend capability"),
    (Req, &["set-timeout", "tunnel", "foo"], Invalid, "proxy 'f' has no backend capability"),
    (Req, &["set-timeout", "tunnel", "5x"], Invalid, "proxy 'f' has no backend capability"),
    (Req, &["set-timeout", "client", "5s"], Invalid, "proxy 'f' has no backend capability"),
    (Req, &["set-header", "x", "%[res.hdr(x)]"], Invalid, "sample fetch <res.hdr(x)]> may not be reliably used here because it needs 'HTTP response headers' which is not available here"),
    (Req, &["add-acl(x)", "%[str(a)]", "%[str(b)]"], Stop, "%[str(b)]"),
    (Req, &["set-var(proc.a)", "int(1)"], Ok, ""),
    (Res, &["set-status"], Invalid, "expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>"),
    (Res, &["set-status", "99"], Invalid, "expects an integer status code between 100 and 999"),
    (Res, &["set-status", "200x"], Invalid, "expects an integer status code between 100 and 999"),
    (Res, &["set-status", "200", "reason"], Stop, "reason"),
    (Res, &["redirect", "prefix", "/x"], Invalid, "response only supports redirect type 'location'"),
    (Res, &["capture"], Invalid, "expects <expression> id <idx>"),
    (Res, &["capture", "res.hdr(x)", "len", "1"], Invalid, "expects 'id', found 'len'"),
    (Res, &["capture", "req.hdr(x)", "id", "1"], Invalid, "fetch method 'req.hdr(x)' extracts information from 'HTTP request headers', none of which is available here"),
    (Res, &["capture", "res.hdr(x)", "id"], Invalid, "expects <expression> id <idx>"),
    (Res, &["capture", "res.hdr(x)", "id", "x"], Invalid, "cannot parse id 'x'"),
    (Res, &["set-header", "x", "%[req.hdr(x)]"], Invalid, "sample fetch <req.hdr(x)]> may not be reliably used here because it needs 'HTTP request headers' which is not available here"),
    (Res, &["deny", "deny_status", "404", "foo"], Stop, "foo"),
    (After, &["set-map(x)", "a", "b"], Unknown, "'http-after-response' expects 'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header', 'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', but got 'set-map(x)'. Did you mean 'set-var' maybe ?"),
    (Res, &["normalize-uri", "path-merge-slashes"], Unknown, "'http-response' expects 'ot-group', 'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'cache-store', 'add-acl(*)', 'add-header', 'allow', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'redirect', 'replace-header', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-status', 'strict-mode', 'track-sc(*)', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-mark', 'set-tos', 'silent-drop', but got 'normalize-uri'."),
    (Res, &["tarpit"], Unknown, "'http-response' expects 'ot-group', 'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'cache-store', 'add-acl(*)', 'add-header', 'allow', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'redirect', 'replace-header', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-status', 'strict-mode', 'track-sc(*)', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-mark', 'set-tos', 'silent-drop', but got 'tarpit'. Did you mean 'set-var' maybe ?"),
    (After, &["set-status", "200", "reason", "x"], Ok, ""),
    (After, &["deny"], Unknown, "'http-after-response' expects 'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header', 'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', but got 'deny'."),
    (After, &["set-var(txn.x)", "req.hdr(x)"], Invalid, "fetch method 'set-var(txn.x)' extracts information from 'HTTP request headers', none of which is available here"),
    (After, &["set-header", "x", "%[req.hdr(x)]"], Invalid, "sample fetch <req.hdr(x)]> may not be reliably used here because it needs 'HTTP request headers' which is not available here"),
    (Res, &["set-var(txn.x)", "req.hdr(x)"], Invalid, "fetch method 'set-var(txn.x)' extracts information from 'HTTP request headers', none of which is available here"),
    (Res, &["wait-for-body", "time", "1s"], Ok, ""),
    (Res, &["return", "status", "200"], Ok, ""),
    (Res, &["set-map(x)", "a", "b"], Ok, ""),
    (After, &["replace-value", "x", "(", "y"], Invalid, "regex '(' is invalid (error=missing closing parenthesis, erroffset=1)"),
    (Req, &["unset-var(txn.x)", "foo"], Stop, "foo"),
    (Req, &["set-var-fmt(txn.x)", "%[path]", "foo"], Stop, "foo"),
    (Req, &["early-hint", "link", "<%[path]>"], Ok, ""),
    (Req, &["redirect", "location", "/", "if"], Ok, ""),
    (Req, &["set-priority-class", "int(1),foo"], Invalid, "unknown converter 'foo'"),
    (Req, &["set-src-port", "int(1)", "foo"], Stop, "foo"),
    (Req, &["del-header", "x", "-m", "str", "foo"], Stop, "foo"),
    (Req, &["deny", "status", "404", "status", "405"], Ok, ""),
    (Req, &["return", "string", "a", "string", "b"], Invalid, "unexpected 'string' argument, 'string' already defined"),
    (Req, &["return", "status", "204"], Ok, ""),
    (After, &["strict-mode", "on", "foo"], Stop, "foo"),
    (Res, &["set-log-level", "info", "x"], Stop, "x"),
    (Res, &["silent-drop", "x"], Stop, "x"),
    (Res, &["set-tos", "1", "x"], Stop, "x"),
    (Req, &["disable-l7-retry", "x"], Stop, "x"),
    (Req, &["reject", "x"], Stop, "x"),
    (Req, &["set-var(txn.a-b,ifexists)", "int(1)"], Invalid, "invalid syntax at char '-b,ifexists)'"),
    (Req, &["set-var(txn.)", "int(1)"], Invalid, "invalid variable name 'txn.'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"),
    (Req, &["set-var()", "int(1)"], Invalid, "Empty variable name cannot be accepted"),
    (After, &["set-var-fmt(proc.x)", "%[status]"], Ok, ""),
];

/// In `backend f`, with `expose-experimental-directives`.
const BACKEND: &[Case] = &[
    (Req, &["normalize-uri"], Invalid, "missing argument <normalizer>"),
    (Req, &["normalize-uri", "foo"], Invalid, "unknown normalizer 'foo'"),
    (Req, &["normalize-uri", "path-strip-dotdot", "x"], Invalid, "unknown argument 'x' for 'path-strip-dotdot' normalizer"),
    (Req, &["normalize-uri", "percent-to-uppercase", "x"], Invalid, "unknown argument 'x' for 'percent-to-uppercase' normalizer"),
    (Req, &["normalize-uri", "percent-decode-unreserved", "x"], Invalid, "unknown argument 'x' for 'percent-decode-unreserved' normalizer"),
    (Req, &["normalize-uri", "path-strip-dotdot", "full", "x"], Stop, "x"),
    (Req, &["normalize-uri", "fragment-encode", "x"], Stop, "x"),
    (Req, &["normalize-uri", "percent-to-uppercase", "strict", "if"], Ok, ""),
    (Req, &["set-timeout", "server", "0"], Invalid, "null value is not valid for a 'set-timeout server' rule"),
    (Req, &["set-timeout", "server", "99999999999"], Invalid, "timer overflow in argument '99999999999' to rule 'set-timeout server' (maximum value is 2147483647 ms or ~24.8 days)"),
    (Req, &["set-timeout", "tunnel", "foo"], Invalid, "unexpected character 'f' in rule 'set-timeout tunnel'"),
    (Req, &["set-timeout", "tunnel", "5x"], Invalid, "unexpected character 'x' in rule 'set-timeout tunnel'"),
    (Req, &["set-timeout", "client", "5s"], Invalid, "'set-timeout' rule supports 'server'/'tunnel' (got 'client')"),
    (Req, &["set-timeout", "server", "int(5)", "foo"], Stop, "foo"),
    (Req, &["capture", "req.hdr(x)", "len", "5"], Invalid, "proxy 'f' has no frontend capability"),
    (Req, &["capture", "req.hdr(x)", "id", "5"], Ok, ""),
    (Req, &["deny", "hdr", "x", "y"], Ok, ""),
    (Req, &["set-var(txn.x,,ifexists)", "int(1)"], Ok, ""),
    (Req, &["unset-var(txn.x,)"], Ok, ""),
    (Req, &["set-map", "a", "b"], Ok, ""),
    (Req, &["set-var-fmt(txn.x)"], Ok, ""),
    (Req, &["set-src", "src", "foo"], Stop, "foo"),
    (Req, &["set-var(txn.x)", "str(a)", "lower"], Ok, ""),
    (Req, &["set-var(txn.x)", "str(a)", ",lower"], Stop, ",lower"),
    (Req, &["set-priority-class", "int(1)", "foo"], Stop, "foo"),
    (Req, &["auth", "realm", "a", "b"], Stop, "b"),
    (Req, &["auth", "foo"], Stop, "foo"),
    (Req, &["set-uri", "x", "if", "TRUE"], Ok, ""),
    (Req, &["replace-value", "x", "y", "z", "if"], Ok, ""),
    (Req, &["set-header", "x", "y", "z"], Stop, "z"),
    (Req, &["wait-for-body", "time", "1s", "foo"], Stop, "foo"),
    (Req, &["wait-for-body", "at-least", "1k", "time", "1s", "at-least", "2"], Ok, ""),
    (Req, &["set-log-level", "silent", "x"], Stop, "x"),
    (Req, &["capture", "str(a)", "len", "3", "x"], Invalid, "proxy 'f' has no frontend capability"),
    (Req, &["set-status", "200"], Unknown, "'http-request' expects 'wait-for-handshake', 'ot-group', 'set-log-level', 'set-nice', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'cache-use', 'add-acl(*)', 'add-header', 'allow', 'auth', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'disable-l7-retry', 'early-hint', 'normalize-uri', 'redirect', 'reject', 'replace-header', 'replace-path', 'replace-pathq', 'replace-uri', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-method', 'set-path', 'set-pathq', 'set-query', 'set-uri', 'strict-mode', 'tarpit', 'track-sc(*)', 'set-timeout', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset', but got 'set-status'. Did you mean 'set-dst' maybe ?"),
    (Res, &["set-status", "200", "reason", "a b", "x"], Stop, "x"),
    (Req, &["deny", "deny_status", "404", "if", "TRUE"], Ok, ""),
    (Req, &["deny", "deny_status", "404", "x"], Stop, "x"),
];

fn check(cases: &[Case], frontend: bool) {
    let files = Files::default();
    let mut failures = Vec::new();
    for (set, words, want, text) in cases {
        let mut cx = ActCx::new("f", &files);
        cx.frontend = frontend;
        cx.backend = !frontend;
        cx.experimental = !frontend;
        let mut idx = 0;
        let got = http::parse(*set, words, &mut idx, &mut cx);
        let ok = match (want, &got) {
            (Ok, Result::Ok(_)) => idx == words.len() || is_cond(words[idx]),
            (Stop, Result::Ok(_)) => words.get(idx) == Some(text),
            (Invalid, Err(e)) => e.kind == ErrKind::Invalid && e.msg == *text,
            (Unknown, Err(e)) => e.kind == ErrKind::Unknown && e.msg == *text,
            (Experimental, Err(e)) => e.kind == ErrKind::Experimental && e.msg == *text,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{} {words:?}: want {want:?} {text:?}, got {:?} (idx {idx})",
                set.keyword(),
                got.map(|_| ())
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn frontend_messages_are_haproxys() {
    check(FRONTEND, true);
}

#[test]
fn backend_messages_are_haproxys() {
    check(BACKEND, false);
}
