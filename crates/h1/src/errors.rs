//! HAProxy's built-in error responses (`http_err_msgs` in src/http.c) byte for
//! byte, and its reason phrases (`http_get_reason`).
//!
//! The same page reaches the wire in two spellings. Errors the H1 mux raises
//! itself (a request it cannot parse: 400, 413, 422; `timeout http-request`: 408;
//! internal errors: 500, 501) are copied raw from the table: [`default_response`].
//! Errors produced by the stream (`deny`, no server: 503, server errors: 502,
//! 504, ...) travel as HTX and are re-encoded by the H1 mux: header names in
//! lower case, the table's `Connection` field dropped and the connection header
//! of the connection mode (`close`, `keep-alive` or none) appended last:
//! [`write_default_response`]. Both were checked against haproxy 2.6.12 on the
//! wire.

use crate::case::{push_header_name, CaseMap};

/// The raw message of HAProxy's built-in page for `status`, as the H1 mux sends
/// it for its own errors.
pub fn default_response(status: u16) -> Option<&'static [u8]> {
    let s: &'static str = match status {
        200 => concat!(
            "HTTP/1.1 200 OK\r\n",
            "Content-length: 58\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n",
        ),
        400 => concat!(
            "HTTP/1.1 400 Bad request\r\n",
            "Content-length: 90\r\n",
            "Cache-Control: no-cache\r\n",
            "Connection: close\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n",
        ),
        401 => concat!(
            "HTTP/1.1 401 Unauthorized\r\n",
            "Content-length: 112\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n",
        ),
        403 => concat!(
            "HTTP/1.1 403 Forbidden\r\n",
            "Content-length: 93\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n",
        ),
        404 => concat!(
            "HTTP/1.1 404 Not Found\r\n",
            "Content-length: 83\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>404 Not Found</h1>\nThe resource could not be found.\n</body></html>\n",
        ),
        405 => concat!(
            "HTTP/1.1 405 Method Not Allowed\r\n",
            "Content-length: 146\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>405 Method Not Allowed</h1>\nA request was made of a resource using a request method not supported by that resource\n</body></html>\n",
        ),
        407 => concat!(
            "HTTP/1.1 407 Unauthorized\r\n",
            "Content-length: 112\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>407 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n",
        ),
        408 => concat!(
            "HTTP/1.1 408 Request Time-out\r\n",
            "Content-length: 110\r\n",
            "Cache-Control: no-cache\r\n",
            "Connection: close\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n",
        ),
        410 => concat!(
            "HTTP/1.1 410 Gone\r\n",
            "Content-length: 114\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>410 Gone</h1>\nThe resource is no longer available and will not be available again.\n</body></html>\n",
        ),
        413 => concat!(
            "HTTP/1.1 413 Payload Too Large\r\n",
            "Content-length: 106\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>413 Payload Too Large</h1>\nThe request entity exceeds the maximum allowed.\n</body></html>\n",
        ),
        421 => concat!(
            "HTTP/1.1 421 Misdirected Request\r\n",
            "Content-length: 104\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>421 Misdirected Request</h1>\nRequest sent to a non-authoritative server.\n</body></html>\n",
        ),
        422 => concat!(
            "HTTP/1.1 422 Unprocessable Content\r\n",
            "Content-length: 116\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>422 Unprocessable Content</h1>\nThe server cannot process the contained instructions.\n</body></html>\n",
        ),
        425 => concat!(
            "HTTP/1.1 425 Too Early\r\n",
            "Content-length: 80\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>425 Too Early</h1>\nYour browser sent early data.\n</body></html>\n",
        ),
        429 => concat!(
            "HTTP/1.1 429 Too Many Requests\r\n",
            "Content-length: 117\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n",
        ),
        500 => concat!(
            "HTTP/1.1 500 Internal Server Error\r\n",
            "Content-length: 97\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n",
        ),
        501 => concat!(
            "HTTP/1.1 501 Not Implemented\r\n",
            "Content-length: 136\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>501 Not Implemented</h1>\n.The server does not support the functionality required to fulfill the request.\n</body></html>\n",
        ),
        502 => concat!(
            "HTTP/1.1 502 Bad Gateway\r\n",
            "Content-length: 107\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n",
        ),
        503 => concat!(
            "HTTP/1.1 503 Service Unavailable\r\n",
            "Content-length: 107\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n",
        ),
        504 => concat!(
            "HTTP/1.1 504 Gateway Time-out\r\n",
            "Content-length: 92\r\n",
            "Cache-Control: no-cache\r\n",
            "Content-Type: text/html\r\n",
            "\r\n",
            "<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n",
        ),        _ => return None,
    };
    Some(s.as_bytes())
}

/// The statuses with a built-in page.
pub const STATUSES: [u16; 19] = [
    200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 421, 422, 425, 429, 500, 501, 502, 503, 504,
];

/// The body (HTML) of the built-in page for `status`.
pub fn default_body(status: u16) -> Option<&'static [u8]> {
    let raw = default_response(status)?;
    let end = find_head_end(raw)?;
    raw.get(end..)
}

fn find_head_end(raw: &[u8]) -> Option<usize> {
    raw.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// Appends the built-in page for `status` as the stream sends it through the H1
/// mux: lower-case header names, no table `Connection` field, then
/// `connection: <conn>` when given (`close` / `keep-alive`, as the connection
/// mode decides). `case`: the `h1-case-adjust` spellings when
/// `option h1-case-adjust-bogus-client` applies. Returns false (writing nothing) when
/// there is no such page.
pub fn write_default_response(
    status: u16,
    conn: Option<&[u8]>,
    case: Option<&CaseMap>,
    out: &mut Vec<u8>,
) -> bool {
    let Some(raw) = default_response(status) else {
        return false;
    };
    let Some(end) = find_head_end(raw) else {
        return false;
    };
    let head = raw.get(..end - 2).unwrap_or_default();
    let mut lines = head.split(|&b| b == b'\n').filter(|l| !l.is_empty());
    if let Some(status_line) = lines.next() {
        out.extend_from_slice(status_line);
        out.push(b'\n');
    }
    for line in lines {
        let colon = line.iter().position(|&b| b == b':').unwrap_or(0);
        let name = line.get(..colon).unwrap_or_default();
        if name.eq_ignore_ascii_case(b"connection") {
            continue;
        }
        push_header_name(out, name, case);
        out.extend_from_slice(line.get(colon..).unwrap_or_default());
        out.push(b'\n');
    }
    if let Some(c) = conn {
        push_header_name(out, b"connection", case);
        out.extend_from_slice(b": ");
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(raw.get(end..).unwrap_or_default());
    true
}

/// HAProxy's `http_get_reason`: the reason phrase it uses for `status`.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        210 => "Content Different",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        310 => "Too many Redirects",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Time-out",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested range unsatisfiable",
        417 => "Expectation failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        423 => "Locked",
        424 => "Method failure",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        449 => "Retry With",
        450 => "Blocked by Windows Parental Controls",
        451 => "Unavailable For Legal Reasons",
        456 => "Unrecoverable Error",
        499 => "client has closed connection",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway or Proxy Error",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version not supported",
        506 => "Variant also negotiate",
        507 => "Insufficient storage",
        508 => "Loop detected",
        509 => "Bandwidth Limit Exceeded",
        510 => "Not extended",
        511 => "Network authentication required",
        520 => "Web server is returning an unknown error",
        _ => match status {
            100..=199 => "Informational",
            200..=299 => "Success",
            300..=399 => "Redirection",
            400..=499 => "Client Error",
            500..=599 => "Server Error",
            _ => "Other",
        },
    }
}
